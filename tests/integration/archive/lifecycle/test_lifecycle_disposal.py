"""Holds and disposal: council of two distinct approvers (never the proposer), crypto-shredding,
index removal, a stub and a destruction record, every step in the audit log."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from archive.core import bindings, events
from archive.core.events import Change
from archive.lifecycle import disposal, holds
from archive.models import AuditEntry, DestructionRecord, Document, StoredObject, queries
from archive.records import reading
from search import feed
from search.index import store
from security.errors import Refused
from tests.support.blobs import raw
from tests.support.people import add_person
from tests.support.records import file_doc

TODAY = date(2026, 3, 1)


@pytest.fixture
def council(inst):
    return (
        add_person(inst, "baomat", "security_officer", "tuyet_mat"),
        add_person(inst, "quantri", "admin", "thuong"),
    )


@pytest.fixture
def index_follows(inst):
    """What web/wiring.py connects: a destroyed record leaves the index at once."""

    def drop(sender, changes):
        feed.refresh(sender, [c.record_id for c in changes if c.kind == Change.DESTROYED])

    events.records_changed.connect(drop)
    yield
    events.records_changed.disconnect(drop)


def _actions(inst, since: int = 0) -> list[tuple[str, str, int | None]]:
    with inst.sessions() as session:
        rows = session.execute(
            select(AuditEntry).where(AuditEntry.seq > since).order_by(AuditEntry.seq)
        )
        return [(e.action, e.outcome, e.object_id) for e in rows.scalars()]


def test_disposal_needs_two_distinct_council_members_other_than_the_proposer(
    inst, archivist, council
):
    officer, admin = council
    doc = file_doc(inst, archivist, issued="2010-01-01")
    with pytest.raises(Refused):
        disposal.propose(inst, officer.ctx, "hết thời hạn bảo quản", [doc], today=TODAY)
    pid = disposal.propose(inst, archivist.ctx, "hết thời hạn bảo quản", [doc], today=TODAY)
    with pytest.raises(Refused):  # the proposer is no council member, and never self-approves
        disposal.approve(inst, archivist.ctx, pid, TODAY)
    assert disposal.approve(inst, officer.ctx, pid, TODAY) == "proposed"
    with pytest.raises(Refused):  # the same member twice is still one approval
        disposal.approve(inst, officer.ctx, pid, TODAY)
    with pytest.raises(Refused):  # one approval is not enough
        disposal.execute(inst, archivist.ctx, pid, TODAY)
    assert reading.read_text(inst, _doc(inst, doc))  # still readable
    assert disposal.approve(inst, admin.ctx, pid, TODAY) == "approved"
    assert disposal.execute(inst, archivist.ctx, pid, TODAY) == [doc]


def test_a_council_member_who_proposed_cannot_approve(inst, archivist, council):
    officer, _admin = council
    doc = file_doc(inst, archivist, issued="2010-01-01")
    pid = disposal.propose(inst, archivist.ctx, "hết thời hạn bảo quản", [doc], today=TODAY)
    with inst.sessions.begin() as session:  # as if the proposal had been made by the officer
        from archive.models import DisposalProposal

        session.get(DisposalProposal, pid).proposed_by = officer.ctx.principal.user_id
    with pytest.raises(Refused):
        disposal.approve(inst, officer.ctx, pid, TODAY)
    assert _actions(inst)[-1][:2] == ("dispose_approve", "denied")


def test_not_due_and_held_records_are_refused_at_every_step(inst, archivist, council):
    officer, admin = council
    young = file_doc(inst, archivist, issued="2024-01-01")
    with pytest.raises(Refused):
        disposal.propose(inst, archivist.ctx, "hết thời hạn bảo quản", [young], today=TODAY)
    doc = file_doc(inst, archivist, issued="2010-01-01")
    hold = holds.place(inst, officer.ctx, "thanh tra vụ việc năm 2026", doc_id=doc)
    with pytest.raises(Refused):
        holds.place(inst, archivist.ctx, "thanh tra vụ việc năm 2026", doc_id=doc)
    with pytest.raises(Refused):
        disposal.propose(inst, archivist.ctx, "hết thời hạn bảo quản", [doc], today=TODAY)
    holds.release(inst, admin.ctx, hold, "kết thúc thanh tra")
    pid = disposal.propose(inst, archivist.ctx, "hết thời hạn bảo quản", [doc], today=TODAY)
    disposal.approve(inst, officer.ctx, pid, TODAY)
    disposal.approve(inst, admin.ctx, pid, TODAY)
    holds.place(inst, officer.ctx, "khiếu nại mới phát sinh", doc_id=doc)  # after approval
    with pytest.raises(Refused):
        disposal.execute(inst, archivist.ctx, pid, TODAY)
    assert _doc(inst, doc).status == "active"
    with inst.sessions() as session, pytest.raises(Refused):
        queries.ensure_not_held(session, doc)
    assert ("dispose_execute", "denied") in [a[:2] for a in _actions(inst)]


def test_destruction_shreds_keys_removes_index_entries_and_keeps_stub_and_trace(
    inst, archivist, council, index_follows
):
    officer, admin = council
    doc = file_doc(inst, archivist, issued="2010-01-01", text="Khoanhmật canary tiêu hủy")
    keep = file_doc(inst, archivist, issued="2010-01-01")
    feed.refresh(inst, [doc, keep])
    before = _doc(inst, doc)
    blobs = {o.blob: raw(inst, o.blob) for o in before.objects}
    start = _actions(inst)[-1]
    with inst.sessions() as session:
        start = session.execute(select(AuditEntry.seq).order_by(AuditEntry.seq.desc())).scalar()
    pid = disposal.propose(inst, archivist.ctx, "hết thời hạn bảo quản", [doc], today=TODAY)
    disposal.approve(inst, officer.ctx, pid, TODAY)
    disposal.approve(inst, admin.ctx, pid, TODAY)
    disposal.execute(inst, archivist.ctx, pid, TODAY)

    after = _doc(inst, doc)
    assert after.status == "destroyed"
    assert all(o.wrapped_key == b"" and o.kek_version == 0 for o in after.objects)
    assert not any(inst.blobs.exists(name) for name in blobs)
    with pytest.raises(reading.Destroyed):
        reading.read_text(inst, after)
    # Even with the old ciphertexts (a stolen backup) and the whole keyring, nothing unwraps.
    with inst.sessions() as session:
        wrapped = [o.wrapped_key for o in session.execute(select(StoredObject)).scalars()]
    for obj in before.objects:
        for candidate in wrapped:
            with pytest.raises(Exception):  # noqa: B017 - any failure to unwrap
                inst.keyring.unwrap(inst.keyring.current, candidate, bindings.object(before, obj))
    assert reading.unseal_meta(inst, after)["number"]  # the stub stays, sealed
    assert store.indexed_ids(inst.index_dir, inst.keyring.index_key) == {keep}
    [trace] = disposal.destruction_records(inst)
    assert trace["document_id"] == doc and trace["approvers"] == ["baomat", "quantri"]
    assert trace["retention"] == "10" and trace["objects"] == 2
    actions = _actions(inst, start)
    for step in [
        ("dispose_propose", "ok", None),
        ("dispose_approve", "ok", None),
        ("shred", "done", doc),
        ("dispose", "destroyed", doc),
        ("dispose_execute", "done", None),
    ]:
        assert step in actions
    with inst.sessions() as session:
        assert session.execute(select(DestructionRecord)).scalar().proposal_id == pid
    # Running it again changes nothing (a resumed execution is idempotent).
    with pytest.raises(Refused):
        disposal.execute(inst, archivist.ctx, pid, TODAY)


def _doc(inst, doc_id: int) -> Document:
    with inst.sessions() as session:
        doc = session.get(Document, doc_id)
        doc.objects  # noqa: B018
        return doc


def test_destruction_also_removes_history_and_the_quoted_source_lines(inst, archivist, council):
    from archive.models import DescriptionVersion
    from archive.records import editing

    officer, admin = council
    doc = file_doc(inst, archivist, issued="2010-01-01")
    editing.edit_document(inst, archivist.ctx, doc, {"subject": "về việc cũ đã sửa"})
    pid = disposal.propose(inst, archivist.ctx, "hết thời hạn bảo quản", [doc], today=TODAY)
    disposal.approve(inst, officer.ctx, pid, TODAY)
    disposal.approve(inst, admin.ctx, pid, TODAY)
    disposal.execute(inst, archivist.ctx, pid, TODAY)
    with inst.sessions() as session:
        versions = (
            session.execute(select(DescriptionVersion).where(DescriptionVersion.document_id == doc))
            .scalars()
            .all()
        )
        assert versions and all(v.kek_version == 0 and v.wrapped_key == b"" for v in versions)
    stub = reading.unseal_meta(inst, _doc(inst, doc))
    assert "evidence" not in stub and stub["subject"] == "về việc cũ đã sửa"
