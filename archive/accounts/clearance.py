"""Raises of a clearance to TỐI MẬT or above: filed by an administrator (or the operator) as a
request (``archive.accounts.accounts.request_clearance``), applied only when a security officer,
a second person, approves it after giving their password again. Both steps are audited."""

from __future__ import annotations

from sqlalchemy import select

from archive.accounts import sessions
from archive.audit.actions import Action
from archive.audit.log import stamp
from archive.core.instance import Instance
from archive.core.uow import UnitOfWork
from archive.models import ClearanceRequest, User, utcnow
from security.actor import Context
from security.errors import NotFound, Refused
from security.policy.administration import may_decide_clearance, may_see_clearance_requests


def _missing(request_id: int) -> NotFound:
    return NotFound(f"Không có yêu cầu số {request_id}.", f"No request {request_id}.")


def waiting(inst: Instance, ctx: Context) -> list[dict]:
    """Raises waiting for a decision, oldest first (administrators and security officers)."""
    with UnitOfWork(inst, ctx) as uow:
        who = ctx.principal
        if who is not None:
            uow.require(Action.ADMIN_READ, None, may_see_clearance_requests(who))
        rows = uow.session.execute(
            select(ClearanceRequest, User.username)
            .join(User, ClearanceRequest.user_id == User.id)
            .where(ClearanceRequest.status == "requested")
            .order_by(ClearanceRequest.requested_at)
        ).all()
        uow.audit(Action.ADMIN_READ, "allowed", None, {"what": "clearance requests"})
        return [
            {
                "request": r.id,
                "username": name,
                "from": r.from_level,
                "to": r.to_level,
                "requested_by": r.requested_by,
                "requested_at": stamp(r.requested_at),
            }
            for r, name in rows
        ]


def decide(
    inst: Instance, ctx: Context, request_id: int, approve: bool, password: str | None
) -> None:
    """A security officer approves or refuses a raise, giving their password again (every
    clearance decision re-authenticates: no window after login)."""
    who = ctx.principal
    if who is None:
        raise Refused(
            "Chỉ cán bộ bảo mật (--as) mới duyệt được.",
            "Only a security officer (--as) decides a clearance raise.",
        )
    action = Action.CLEARANCE_APPROVE if approve else Action.CLEARANCE_REFUSE
    with UnitOfWork(inst, ctx) as uow:
        session = uow.session
        request = session.get(ClearanceRequest, request_id)
        if request is None or request.status != "requested":
            raise uow.refuse(action, None, "no such request", _missing(request_id))
        user = session.get(User, request.user_id)
        detail = {"request": request_id, "username": user.username, "to": request.to_level}
        uow.require(
            action,
            user.id,
            may_decide_clearance(who, user.username, request.requested_by, request.to_level),
            detail=detail,
        )
        officer = session.get(User, who.user_id)
        if not sessions.check_password(uow, officer, password or "", "clearance"):
            uow.audit(action, "denied", user.id, {**detail, "reason": "re-authentication failed"})
            uow.commit()
            raise Refused("Mật khẩu không đúng.", "The password is not right.")
        request.status = "approved" if approve else "refused"
        request.decided_by, request.decided_at = who.username, utcnow()
        if approve:
            detail["from"] = user.clearance
            user.clearance = request.to_level
        uow.audit(action, "ok", user.id, detail)
