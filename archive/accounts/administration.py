"""What the administration and audit pages need beyond the existing services, with the checks.

The account operations in ``archive.auth`` and ``archive.accounts`` trust their caller (the
command line acts as the operator); the web calls them through here, where the role is checked
and a refusal is audited and raised as ``NotFound``, like every other page one may not see.
Administrators see accounts, sessions, key status and what waits for approval, never document
descriptions. Auditors and security officers verify and export the audit log.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from archive import accounts, audit, auth, keyops
from archive.instance import Instance
from archive.models import Document, Grant, Unit, User, WebSession, utcnow
from security.actor import Context
from security.errors import KhoError, NotFound
from security.policy.administration import may_administer, may_read_audit

ADMIN_ACTIONS = ("change", "unlock", "reset_2fa", "end_sessions")


def _refuse(inst: Instance, ctx: Context, action: str, detail: dict) -> NotFound:
    with inst.sessions.begin() as session:
        audit.record(session, inst.keyring, ctx, action, "denied", None, detail)
    return NotFound("Không tìm thấy trang này.", "Not found.")


def is_admin(ctx: Context) -> bool:
    return ctx.principal is not None and may_administer(ctx.principal).allowed


def reads_audit(ctx: Context) -> bool:
    return ctx.principal is not None and may_read_audit(ctx.principal).allowed


def _require_admin(inst: Instance, ctx: Context, action: str, detail: dict | None = None) -> None:
    if not is_admin(ctx):
        raise _refuse(inst, ctx, action, {"reason": "administrators only", **(detail or {})})


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def users(inst: Instance, ctx: Context) -> list[dict]:
    """Every account with its role, clearance, unit, second factor, lock and open sessions."""
    _require_admin(inst, ctx, "admin_read", {"what": "users"})
    now = utcnow()
    with inst.sessions.begin() as session:
        open_sessions = dict(
            session.execute(
                select(WebSession.user_id, func.count())
                .where(WebSession.ended_at.is_(None))
                .group_by(WebSession.user_id)
            ).all()
        )
        rows = session.execute(select(User).order_by(User.username)).scalars().all()
        result = [
            {
                "username": u.username,
                "full_name": u.full_name,
                "role": u.role,
                "clearance": u.clearance,
                "unit": u.unit.code if u.unit else None,
                "unit_head": u.is_unit_head,
                "active": u.active,
                "second_factor": u.totp_sealed is not None,
                "locked": u.locked_until is not None and _aware(u.locked_until) > now,
                "failed_logins": u.failed_logins,
                "sessions": open_sessions.get(u.id, 0),
            }
            for u in rows
        ]
        audit.record(session, inst.keyring, ctx, "admin_read", "allowed", None, {"what": "users"})
    return result


def user(inst: Instance, ctx: Context, username: str) -> dict:
    found = [u for u in users(inst, ctx) if u["username"] == username]
    if not found:
        raise NotFound(f"Không có tài khoản {username!r}.", f"No account {username!r}.")
    return found[0]


def units(inst: Instance, ctx: Context) -> list[dict]:
    _require_admin(inst, ctx, "admin_read", {"what": "units"})
    with inst.sessions() as session:
        rows = session.execute(select(Unit).order_by(Unit.code)).scalars()
        return [{"code": u.code, "name": u.name} for u in rows]


def change_user(inst: Instance, ctx: Context, username: str, **changes) -> dict:
    _require_admin(inst, ctx, "user_change", {"username": username[:64]})
    if username == ctx.principal.username and (
        changes.get("role") not in (None, "admin") or changes.get("active") is False
    ):
        raise KhoError(
            "Không tự hạ quyền hoặc khóa tài khoản của chính mình.",
            "You cannot demote or deactivate your own account.",
        )
    return accounts.change_account(inst, ctx, username, **changes)


def unlock_user(inst: Instance, ctx: Context, username: str) -> None:
    _require_admin(inst, ctx, "user_unlock", {"username": username[:64]})
    auth.unlock(inst, ctx, username)


def reset_second_factor(inst: Instance, ctx: Context, username: str) -> None:
    _require_admin(inst, ctx, "totp_reset", {"username": username[:64]})
    auth.reset_second_factor(inst, ctx, username)


def end_sessions(inst: Instance, ctx: Context, username: str) -> int:
    return auth.end_all_sessions(inst, ctx, username)  # checks admin, officer or self itself


def key_status(inst: Instance, ctx: Context) -> keyops.KeyStatus:
    _require_admin(inst, ctx, "admin_read", {"what": "keys"})
    return keyops.status(inst)


def grants_waiting(inst: Instance, ctx: Context) -> list[dict]:
    """Requests not decided yet, for the administrator's overview (no descriptions)."""
    _require_admin(inst, ctx, "admin_read", {"what": "grants"})
    with inst.sessions() as session:
        rows = session.execute(
            select(Grant, Document.level, User.username)
            .join(Document, Grant.document_id == Document.id)
            .join(User, Grant.user_id == User.id)
            .where(Grant.status == "requested")
            .order_by(Grant.requested_at)
        )
        return [
            {
                "grant": g.id,
                "document_id": g.document_id,
                "level": level,
                "requester": name,
                "requested_at": audit.stamp(g.requested_at),
            }
            for g, level, name in rows
        ]


def verify_chain(inst: Instance, ctx: Context) -> dict:
    """Check the whole hash chain, as ``kho audit verify`` does, and record the check."""
    if not reads_audit(ctx):
        raise _refuse(inst, ctx, "audit_verify", {"reason": "may not read the audit log"})
    with inst.sessions() as session:
        count, problems = audit.verify(session, inst.keyring.audit_key)
    found = [{"seq": p.seq, "problem": p.problem} for p in problems[:100]]
    with inst.sessions.begin() as session:
        audit.record(
            session,
            inst.keyring,
            ctx,
            "audit_verify",
            "damaged" if problems else "ok",
            None,
            {"entries": count, "problems": found},
        )
    return {"entries": count, "ok": not problems, "problems": found}


def export_zip(
    inst: Instance, ctx: Context, since: datetime | None = None, until: datetime | None = None
) -> tuple[bytes, dict]:
    """Entries and manifest (as ``kho audit export``), zipped in memory, with a fresh checkpoint.

    ``audit.export`` writes to a path: it is given a private temporary folder (in RAM where
    /dev/shm exists) that is removed before this returns.
    """
    if not reads_audit(ctx):
        raise _refuse(inst, ctx, "audit_export", {"reason": "may not read the audit log"})
    key = inst.keyring.signing_key
    if key is None:
        raise KhoError(
            "Chưa có khóa ký điểm kiểm tra; chạy `kho audit pubkey` một lần.",
            "No checkpoint signing key yet: run `kho audit pubkey` once.",
        )
    shm = Path("/dev/shm")  # noqa: S108 - RAM-backed, private folder below
    with tempfile.TemporaryDirectory(dir=shm if shm.is_dir() else None) as folder:
        target = Path(folder) / "audit.jsonl"
        with inst.sessions.begin() as session:
            audit.checkpoint(session, key)
            first, last = audit.seq_range(session, since, until)
            manifest = audit.export(session, key, first, last, target)
            audit.record(
                session,
                inst.keyring,
                ctx,
                "audit_export",
                "done",
                None,
                {"first": first, "last": last, "target": "web"},
            )
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.write(target, "audit.jsonl")
            zf.write(target.with_name("audit.jsonl.manifest.json"), "audit.jsonl.manifest.json")
    return out.getvalue(), manifest
