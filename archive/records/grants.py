"""Need-to-know: sharing a record with another unit, and time-limited grants to one person.

A reader asks for a record with a reason; a security officer or the head of the record's unit
approves it for a number of days, or refuses; the grant then lapses by itself. Clearance still
bounds everything: a grant opens a unit boundary, never a secrecy level.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.audit import log
from archive.audit.actions import Action
from archive.core import sealing
from archive.core.instance import Instance
from archive.core.uow import UnitOfWork
from archive.models import Document, DocumentShare, Grant, Unit, User, utcnow
from security.actor import Context
from security.errors import KhoError, NotFound, Refused
from security.policy.records import may_decide_grant, may_share
from security.vocabulary import level_rank

DEFAULT_DAYS = 30
MAX_DAYS = 180


def extra_document_ids(session: Session, user_id: int, unit_id: int | None) -> frozenset[int]:
    """Records outside the unit a person may read now: shared with the unit, or granted."""
    shared = select(DocumentShare.document_id).where(DocumentShare.unit_id == unit_id)
    granted = select(Grant.document_id).where(
        Grant.user_id == user_id, Grant.status == "approved", Grant.expires_at > utcnow()
    )
    return frozenset(session.execute(shared.union(granted)).scalars())


def _not_found(doc_id: int) -> NotFound:
    return NotFound(f"Không tìm thấy văn bản số {doc_id}.", f"Document {doc_id} not found.")


def request(inst: Instance, ctx: Context, doc_id: int, reason: str) -> int:
    """Ask for a record; existence is only confirmed to people cleared for its level. A refusal
    (missing, held back, above clearance) is audited and raised as ``NotFound``; the pages and
    the command line answer it exactly like a request taken (``TAKEN``), so the form never
    tells an existing record from a missing one."""
    who = ctx.principal
    reason = " ".join(reason.split())
    if len(reason) < 10:
        raise Refused("Hãy ghi rõ lý do (ít nhất 10 ký tự).", "Give a reason (10+ characters).")
    with UnitOfWork(inst, ctx) as uow:
        doc = uow.session.get(Document, doc_id)
        if (
            doc is None
            or doc.secrecy_pending  # held back: its existence is not confirmed to anyone
            or level_rank(doc.level) > level_rank(who.clearance)
        ):
            raise uow.refuse(
                Action.GRANT_REQUEST,
                doc_id,
                "not found or above clearance",
                _not_found(doc_id),
            )
        return ask_for(uow, who.user_id, doc_id, reason)


def ask_for(uow: UnitOfWork, user_id: int, doc_id: int, reason: str, **detail) -> int:
    """A request for ``user_id`` to read a record, inside the caller's unit of work (the
    person asking may be someone else: an assignment asks for its handler); audited."""
    grant = Grant(user_id=user_id, document_id=doc_id)
    sealing.seal_reason(uow.inst, grant, reason[:500])
    uow.session.add(grant)
    uow.session.flush()
    uow.audit(Action.GRANT_REQUEST, "requested", doc_id, grant=grant.id, **detail)
    return grant.id


# What a person who asked for a record is told, whether the request was taken or not.
TAKEN = (
    "Đã ghi nhận yêu cầu. Nếu văn bản này có trong Kho và bạn được phép xin xem, người duyệt sẽ "
    "thấy yêu cầu; bạn xem được văn bản khi yêu cầu được duyệt.",
    "Request recorded. If this document is in Kho and you may ask for it, an approver will see "
    "your request; you can read the document once it is approved.",
)


def decide(
    inst: Instance, ctx: Context, grant_id: int, approve: bool, days: int = DEFAULT_DAYS
) -> None:
    """Approve or refuse a pending request. A request that does not exist, is no longer
    pending, or that this person may not decide gets one answer (``NotFound``, audited), so
    the approval form never tells which requests exist."""
    if not 1 <= days <= MAX_DAYS:
        raise Refused(f"Thời hạn từ 1 đến {MAX_DAYS} ngày.", f"Days must be 1..{MAX_DAYS}.")
    action = Action.GRANT_APPROVE if approve else Action.GRANT_REFUSE
    with UnitOfWork(inst, ctx) as uow:
        session = uow.session
        grant = session.get(Grant, grant_id)
        doc = session.get(Document, grant.document_id) if grant is not None else None
        approver = session.get(User, ctx.principal.user_id)
        if grant is None or grant.status != "requested" or doc is None:
            reason = "no such pending request"
        else:
            decision = may_decide_grant(
                ctx.principal, approver.is_unit_head, doc.level, doc.unit_id, grant.user_id
            )
            reason = None if decision.allowed else decision.reason
        if reason is not None:
            raise uow.refuse(
                action,
                doc.id if doc is not None else None,
                reason,
                NotFound(
                    f"Không có yêu cầu số {grant_id} đang chờ bạn duyệt.",
                    f"No pending request {grant_id} for you to decide.",
                ),
                {"grant": grant_id},
            )
        grant.status = "approved" if approve else "refused"
        grant.decided_by, grant.decided_at = approver.id, utcnow()
        if approve:
            grant.expires_at = utcnow() + timedelta(days=days)
        uow.audit(
            action,
            "ok",
            doc.id,
            grant=grant_id,
            user_id=grant.user_id,
            days=days if approve else None,
        )


def pending(inst: Instance, ctx: Context) -> list[dict]:
    """Requests this person may decide (without the records' sealed descriptions)."""
    with inst.sessions() as session:
        approver = session.get(User, ctx.principal.user_id)
        rows = session.execute(
            select(Grant, Document, User)
            .join(Document, Grant.document_id == Document.id)
            .join(User, Grant.user_id == User.id)
            .where(Grant.status == "requested")
            .order_by(Grant.requested_at)
        )
        return [
            {
                "grant": g.id,
                "document_id": d.id,
                "level": d.level,
                "requester": u.username,
                "reason": sealing.reason(inst, g),
                "requested_at": log.stamp(g.requested_at),
            }
            for g, d, u in rows
            if may_decide_grant(
                ctx.principal, approver.is_unit_head, d.level, d.unit_id, g.user_id
            ).allowed
        ]


def share(inst: Instance, ctx: Context, doc_id: int, unit_code: str) -> None:
    """The unit's archivist (or a security officer) shares a record with another unit."""
    with UnitOfWork(inst, ctx) as uow:
        doc = uow.session.get(Document, doc_id)
        if doc is None:
            raise _not_found(doc_id)
        unit = uow.session.execute(select(Unit).where(Unit.code == unit_code.upper())).scalar()
        allowed = may_share(ctx.principal, doc.level, doc.unit_id, doc.secrecy_pending).allowed
        if unit is None or not allowed:
            raise uow.refuse(
                Action.SHARE,
                doc_id,
                "no such unit" if unit is None else "may not share",
                KhoError("Không chia sẻ được văn bản này.", "You may not share this document."),
                {"unit": unit_code},
            )
        if uow.session.get(DocumentShare, (doc_id, unit.id)) is None:
            uow.session.add(DocumentShare(document_id=doc_id, unit_id=unit.id))
        uow.audit(Action.SHARE, "ok", doc_id, unit=unit.code)
