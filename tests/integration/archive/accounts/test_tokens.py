"""Personal API tokens: created once, stored hashed, scoped, expiring, revocable, last use;
second-factor holders need a fresh code; every step audited with the token's id."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from archive.accounts import sessions, tokens
from archive.models import ApiToken, AuditEntry, User, utcnow
from security.actor import Context
from security.errors import NotFound, Refused
from security.identity import totp
from tests.support.people import add_person

CLI = Context(None, "cli")


def _entries(inst, action: str) -> list[AuditEntry]:
    with inst.sessions() as session:
        stmt = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
        return list(session.execute(stmt).scalars())


def _enrol(inst, username: str) -> str:
    secret = totp.new_secret()
    with inst.sessions.begin() as session:
        user = session.execute(select(User).where(User.username == username)).scalar_one()
        sessions.set_totp_secret(inst, user, secret, confirmed=True)
    return secret


def test_a_token_is_shown_once_kept_as_a_hash_and_authenticates_its_holder(inst):
    add_person(inst, "vanthu", "archivist", "mat")
    issued = tokens.create(inst, CLI, "vanthu", "read,deposit", timedelta(days=30))
    with inst.sessions() as session:
        row = session.get(ApiToken, issued.id)
        assert row.digest != issued.secret and issued.secret not in row.digest
        assert row.scopes == "read,deposit" and row.last_used_at is None
    caller = tokens.authenticate(inst, issued.secret, "10.1.1.1")
    assert caller.context.principal.username == "vanthu"
    assert caller.context.token_id == issued.id and caller.scopes == ("read", "deposit")
    [info] = tokens.list_tokens(inst, CLI, "vanthu")
    assert info.state == "active" and info.last_used_address == "10.1.1.1"
    assert info.last_used_at is not None
    assert tokens.authenticate(inst, issued.secret[:-1] + "x", "10.1.1.1") is None
    created = _entries(inst, "token_create")[-1]
    assert created.outcome == "ok" and created.detail["token"] == issued.id


def test_revoked_and_expired_tokens_and_disabled_holders_are_refused(inst):
    add_person(inst, "docgia", "reader", "mat")
    revoked = tokens.create(inst, CLI, "docgia", "read")
    expired = tokens.create(inst, CLI, "docgia", "read")
    live = tokens.create(inst, CLI, "docgia", "read")
    assert tokens.revoke(inst, CLI, revoked.id).state == "revoked"
    with inst.sessions.begin() as session:
        session.execute(
            update(ApiToken)
            .where(ApiToken.id == expired.id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert tokens.authenticate(inst, revoked.secret, "a") is None
    assert tokens.authenticate(inst, expired.secret, "a") is None
    assert tokens.authenticate(inst, live.secret, "a") is not None
    states = {i.id: i.state for i in tokens.list_tokens(inst, CLI, "docgia")}
    assert states == {revoked.id: "revoked", expired.id: "expired", live.id: "active"}
    with inst.sessions.begin() as session:
        session.execute(update(User).where(User.username == "docgia").values(active=False))
    assert tokens.authenticate(inst, live.secret, "a") is None
    assert _entries(inst, "token_revoke")[-1].detail["token"] == revoked.id


def test_scopes_beyond_the_role_and_tokens_for_others_are_refused_and_audited(inst):
    reader = add_person(inst, "docgia", "reader", "mat")
    add_person(inst, "vanthu", "archivist", "mat")
    with pytest.raises(Refused):
        tokens.create(inst, CLI, "docgia", "read,deposit")
    with pytest.raises(Refused):
        tokens.create(inst, reader.ctx, "vanthu", "read")
    own = tokens.create(inst, reader.ctx, "docgia", "read")
    with pytest.raises(NotFound):
        tokens.create(inst, CLI, "nobody", "read")
    other = tokens.create(inst, CLI, "vanthu", "read")
    with pytest.raises(NotFound):  # someone else's token: as if it did not exist
        tokens.revoke(inst, reader.ctx, other.id)
    assert tokens.revoke(inst, reader.ctx, own.id).state == "revoked"
    outcomes = [e.outcome for e in _entries(inst, "token_create")]
    assert outcomes.count("denied") == 3 and outcomes.count("ok") == 2
    assert [e.outcome for e in _entries(inst, "token_revoke")] == ["denied", "ok"]


def test_second_factor_roles_need_a_fresh_code_that_cannot_be_replayed(inst):
    add_person(inst, "kiemtra", "auditor", "mat")
    with pytest.raises(Refused, match="second-factor"):  # not enrolled yet
        tokens.create(inst, CLI, "kiemtra", "audit")
    secret = _enrol(inst, "kiemtra")
    with pytest.raises(Refused):
        tokens.create(inst, CLI, "kiemtra", "audit", code="000000")
    code = totp.code_now(secret)
    issued = tokens.create(inst, CLI, "kiemtra", "audit", code=code)
    assert issued.scopes == ("audit",)
    with pytest.raises(Refused):  # the same code a second time
        tokens.create(inst, CLI, "kiemtra", "audit", code=code)
    reasons = [e.detail.get("reason") for e in _entries(inst, "token_create")]
    assert "second factor not enrolled" in reasons
    assert "second factor code missing or wrong" in reasons


def test_every_entry_of_a_call_carries_the_token_id(inst):
    from archive.records import gate
    from tests.support.records import file_doc

    filer = add_person(inst, "vanthu", "archivist", "mat")
    doc = file_doc(inst, filer)
    issued = tokens.create(inst, CLI, "vanthu", "read")
    caller = tokens.authenticate(inst, issued.secret, "10.0.0.9")
    gate.view_document(inst, caller.context, doc)
    [entry] = [e for e in _entries(inst, "view") if e.object_id == doc]
    assert entry.detail["token"] == issued.id and entry.username == "vanthu"


def test_a_service_account_has_no_login_and_acts_through_tokens_an_administrator_makes(inst):
    from archive.accounts import accounts
    from archive.records import gate
    from tests.support.records import file_doc

    admin = add_person(inst, "quantri", "admin", "mat")
    reader = add_person(inst, "docgia", "reader", "mat")
    filer = add_person(inst, "vanthu", "archivist", "mat")
    accounts.create_account(
        inst, CLI, "ioffice", "ignored", "archivist", "toi_mat", "VP", service=True
    )
    assert sessions.begin(inst, "ioffice", "ignored", "t").status == "failed"  # no password
    with inst.sessions() as session:
        assert accounts.require_user(session, "ioffice").service is True
    with pytest.raises(Refused):  # not their account, and not an administrator
        tokens.create(inst, reader.ctx, "ioffice", "read")
    issued = tokens.create(inst, admin.ctx, "ioffice", "read,deposit")  # no code: a system
    with pytest.raises(Refused):  # a person's token is still their own business
        tokens.create(inst, admin.ctx, "docgia", "read")
    caller = tokens.authenticate(inst, issued.secret, "10.0.0.7")
    assert caller.context.principal.clearance == "toi_mat" and caller.unit_code == "VP"
    ours = file_doc(inst, filer, unit="VP")
    theirs = file_doc(inst, filer, unit="BTC")
    assert gate.view_document(inst, caller.context, ours).id == ours
    with pytest.raises(NotFound):
        gate.view_document(inst, caller.context, theirs)
