"""What the administrator's pages need beyond the account services, with the checks.

The account operations in ``archive.accounts.sessions`` and ``archive.accounts.accounts`` trust
their caller (the command line acts as the operator); the web calls them through here, where
the role is decided by policy and a refusal is audited and raised as ``NotFound``, like every
other page one may not see. Administrators see accounts, sessions and what waits for approval,
never document descriptions.
"""

from __future__ import annotations

from sqlalchemy import func, select

from archive.accounts import accounts, credentials, sessions, tokens
from archive.audit import log
from archive.audit.actions import Action
from archive.core.instance import Instance
from archive.core.uow import UnitOfWork
from archive.models import Document, Grant, Unit, User, WebSession, aware
from security.actor import Context
from security.errors import KhoError, NotFound
from security.identity import lockout
from security.policy.administration import may_administer, needs_second_person
from security.vocabulary import LEVELS, ROLES, Role, level_rank

ADMIN_ACTIONS = ("change", "unlock", "reset_2fa", "end_sessions", "reset_password")


def _refuse(inst: Instance, ctx: Context, action: Action, detail: dict) -> NotFound:
    with UnitOfWork(inst, ctx) as uow:
        return uow.refuse(action, None, detail.pop("reason"), not_found(), detail)


def not_found() -> NotFound:
    """What a page one may not see answers: the same as a page that does not exist."""
    return NotFound("Không tìm thấy trang này.", "Not found.")


def is_admin(ctx: Context) -> bool:
    return ctx.principal is not None and may_administer(ctx.principal).allowed


def _require_admin(
    inst: Instance, ctx: Context, action: Action, detail: dict | None = None
) -> None:
    if not is_admin(ctx):
        raise _refuse(inst, ctx, action, {"reason": "administrators only", **(detail or {})})


def users(inst: Instance, ctx: Context) -> list[dict]:
    """Every account with its role, clearance, unit, second factor, lock and open sessions."""
    _require_admin(inst, ctx, Action.ADMIN_READ, {"what": "users"})
    with UnitOfWork(inst, ctx) as uow:
        session = uow.session
        open_sessions = dict(
            session.execute(
                select(WebSession.user_id, func.count())
                .where(WebSession.ended_at.is_(None))
                .group_by(WebSession.user_id)
            ).all()
        )
        rows = session.execute(select(User).order_by(User.username)).scalars().all()
        failures = sessions.failure_summary(session)
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
                "failures_24h": failures.get(u.username, (0, 0))[0],
                "under_attack": failures.get(u.username, (0, 0))[0] >= lockout.RATE_ALERT,
                "addresses_waiting": failures.get(u.username, (0, 0))[1],
                "must_change_password": u.must_change_password,
                "sessions": open_sessions.get(u.id, 0),
            }
            for u in rows
        ]
        uow.audit(Action.ADMIN_READ, "allowed", None, {"what": "users"})
    return result


def user(inst: Instance, ctx: Context, username: str) -> dict:
    found = [u for u in users(inst, ctx) if u["username"] == username]
    if not found:
        raise NotFound(f"Không có tài khoản {username!r}.", f"No account {username!r}.")
    return found[0]


def units(inst: Instance, ctx: Context) -> list[dict]:
    _require_admin(inst, ctx, Action.ADMIN_READ, {"what": "units"})
    with inst.sessions() as session:
        rows = session.execute(select(Unit).order_by(Unit.code)).scalars()
        return [{"code": u.code, "name": u.name} for u in rows]


def change_user(
    inst: Instance, ctx: Context, username: str, password: str | None = None, **changes
) -> dict:
    """Change an account; a change of its clearance needs the administrator's password given
    with it (re-authentication on every clearance change, whatever the time since login)."""
    _require_admin(inst, ctx, Action.USER_CHANGE, {"username": username[:64]})
    with inst.sessions() as session:
        target = accounts.find_user(session, username)
        clearance_changes = target is not None and changes.get("clearance") not in (
            None,
            target.clearance,
        )
    if clearance_changes and not sessions.confirm(inst, ctx, password or "", "clearance"):
        raise KhoError(
            "Đổi mức được phép cần nhập lại mật khẩu của bạn: mật khẩu không đúng.",
            "Changing a clearance needs your password again: it was not right.",
        )
    if username == ctx.principal.username and (
        changes.get("role") not in (None, Role.ADMIN) or changes.get("active") is False
    ):
        raise KhoError(
            "Không tự hạ quyền hoặc khóa tài khoản của chính mình.",
            "You cannot demote or deactivate your own account.",
        )
    return accounts.change_account(inst, ctx, username, **changes)


def unlock_user(inst: Instance, ctx: Context, username: str) -> None:
    _require_admin(inst, ctx, Action.USER_UNLOCK, {"username": username[:64]})
    sessions.unlock(inst, ctx, username)


def reset_password(inst: Instance, ctx: Context, username: str) -> str:
    _require_admin(inst, ctx, Action.PASSWORD_RESET, {"username": username[:64]})
    return credentials.reset_password(inst, ctx, username)


def reset_second_factor(inst: Instance, ctx: Context, username: str) -> None:
    _require_admin(inst, ctx, Action.TOTP_RESET, {"username": username[:64]})
    sessions.reset_second_factor(inst, ctx, username)


def end_sessions(inst: Instance, ctx: Context, username: str) -> int:
    return sessions.end_all_sessions(inst, ctx, username)  # checks admin, officer or self itself


def grants_waiting(inst: Instance, ctx: Context) -> list[dict]:
    """Requests not decided yet, for the administrator's overview (no descriptions)."""
    _require_admin(inst, ctx, Action.ADMIN_READ, {"what": "grants"})
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
                "requested_at": log.stamp(g.requested_at),
            }
            for g, level, name in rows
        ]


def service_accounts(inst: Instance, ctx: Context) -> list[dict]:
    """The systems' accounts (``service``) with their tokens' state and last use: what an
    administrator checks before revoking a leaked or forgotten token. One audit entry."""
    _require_admin(inst, ctx, Action.ADMIN_READ, {"what": "service_accounts"})
    with UnitOfWork(inst, ctx) as uow:
        session = uow.session
        rows = session.execute(
            select(User).where(User.service.is_(True)).order_by(User.username)
        ).scalars()
        result = []
        for u in rows:
            held = tokens.tokens_of(session, u)
            used = [t.last_used_at for t in held if t.last_used_at is not None]
            result.append(
                {
                    "username": u.username,
                    "full_name": u.full_name,
                    "role": u.role,
                    "clearance": u.clearance,
                    "unit": u.unit.code if u.unit else None,
                    "active": u.active,
                    "tokens": held,
                    "active_tokens": sum(t.state == "active" for t in held),
                    "last_used_at": max(used, key=aware) if used else None,
                }
            )
        uow.audit(Action.ADMIN_READ, "allowed", None, {"what": "service_accounts"})
    return result


def create_service_account(
    inst: Instance,
    ctx: Context,
    username: str,
    role: str,
    clearance: str,
    unit: str,
    full_name: str = "",
) -> dict:
    """A system's account from the administrator's page: as ``kho user add --service`` (no
    usable password, never logs in), but a clearance of TỐI MẬT or above is, as for any
    account changed on these pages, a request a security officer approves: the account starts
    at the highest level below it. Returns what was done (``clearance_requested``)."""
    _require_admin(inst, ctx, Action.USER_ADD, {"username": username[:64], "service": True})
    if role not in ROLES or clearance not in LEVELS:
        raise KhoError("Vai trò hoặc mức mật không hợp lệ.", "Unknown role or clearance.")
    with inst.sessions() as session:
        if accounts.find_user(session, username) is not None:
            raise KhoError(
                f"Đã có tài khoản {username!r}: chọn tên khác.",
                f"There is already an account {username!r}: choose another name.",
            )
    start = clearance
    if needs_second_person(LEVELS[0], clearance):
        start = max((lv for lv in LEVELS if not needs_second_person(LEVELS[0], lv)), key=level_rank)
    accounts.create_account(inst, ctx, username, "", role, start, unit, full_name, service=True)
    if start != clearance:
        return accounts.change_account(inst, ctx, username, clearance=clearance)
    return {}
