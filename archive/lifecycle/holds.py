"""Legal holds (phong tỏa): a record or a dossier frozen for an inspection or a case.

While a hold is active the record cannot be proposed, approved or carried out for disposal, and
the lifecycle services, editing, new file versions and OCR refuse to modify it
(``ensure_not_held``).
"""

from __future__ import annotations

from sqlalchemy import select

from archive.audit import log
from archive.audit.actions import Action
from archive.core import sealing
from archive.core.instance import Instance
from archive.core.uow import UnitOfWork
from archive.models import Dossier, LegalHold, User, queries, utcnow
from security.actor import Context
from security.errors import NotFound, Refused
from security.policy.lifecycle import may_hold


def _reason(text: str) -> str:
    text = " ".join(text.split())
    if len(text) < 10:
        raise Refused("Hãy ghi rõ lý do (ít nhất 10 ký tự).", "Give a reason (10+ characters).")
    return text[:500]


def place(
    inst: Instance,
    ctx: Context,
    reason: str,
    doc_id: int | None = None,
    dossier_code: str | None = None,
) -> int:
    """Freeze one record or a whole dossier; returns the hold's number."""
    from archive.models.queries import dossier_by_code

    reason = _reason(reason)
    if (doc_id is None) == (dossier_code is None):
        raise Refused("Chọn một văn bản hoặc một hồ sơ.", "Name one document or one dossier.")
    with UnitOfWork(inst, ctx) as uow:
        session = uow.session
        uow.require(Action.HOLD, doc_id, may_hold(ctx.principal))
        dossier_id = dossier_by_code(session, dossier_code).id if dossier_code else None
        if doc_id is not None:
            queries.lifecycle_document(session, doc_id)
        hold = LegalHold(
            document_id=doc_id,
            dossier_id=dossier_id,
            placed_by=ctx.principal.user_id,
        )
        sealing.seal_reason(inst, hold, reason)
        session.add(hold)
        session.flush()
        uow.audit(
            Action.HOLD,
            "placed",
            doc_id,
            {"hold": hold.id, "dossier": dossier_code},
            sealed={"reason": reason},
        )
        return hold.id


def release(inst: Instance, ctx: Context, hold_id: int, reason: str) -> None:
    reason = _reason(reason)
    with UnitOfWork(inst, ctx) as uow:
        session = uow.session
        uow.require(Action.HOLD_RELEASE, None, may_hold(ctx.principal))
        hold = session.get(LegalHold, hold_id)
        if hold is None or hold.released_at is not None:
            raise NotFound(f"Không có phong tỏa số {hold_id}.", f"No active hold {hold_id}.")
        hold.released_by, hold.released_at = ctx.principal.user_id, utcnow()
        uow.audit(
            Action.HOLD,
            "released",
            hold.document_id,
            {"hold": hold_id},
            sealed={"reason": reason},
        )


def active(inst: Instance) -> list[dict]:
    """Holds in force: what they freeze (a record's id or a dossier's code), why, who placed
    them and when."""
    with inst.sessions() as session:
        rows = session.execute(
            select(LegalHold, Dossier.code, User.username)
            .outerjoin(Dossier, Dossier.id == LegalHold.dossier_id)
            .join(User, User.id == LegalHold.placed_by)
            .where(LegalHold.released_at.is_(None))
            .order_by(LegalHold.id)
        ).all()
        return [
            {
                "hold": h.id,
                "document_id": h.document_id,
                "dossier_id": h.dossier_id,
                "dossier": code,
                "placed_by": username,
                "reason": sealing.reason(inst, h),
                "placed_at": log.stamp(h.placed_at),
            }
            for h, code, username in rows
        ]
