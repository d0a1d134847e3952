"""Records kept apart: TUYỆT MẬT files are not digitized by rule, so ingest stores them encrypted
and unreadable until an administrator releases them with the reference of the approval."""

from __future__ import annotations

from sqlalchemy import select

from archive.audit import log
from archive.audit.actions import Action
from archive.core.events import Change
from archive.core.instance import Instance
from archive.core.uow import UnitOfWork
from archive.models import Document, RecordStatus
from security.actor import Context
from security.errors import KhoError, NotFound, Refused
from security.policy.administration import may_decide_quarantine
from security.vocabulary import Level

# Hướng dẫn 40-HD/VPTW: TUYỆT MẬT is never digitized. A record filed at this level, or later set
# to it, is kept apart, readable by nobody, until an administrator releases it with a reference.
NOT_DIGITIZED = Level.TUYET_MAT


def _refused(uow: UnitOfWork, action: Action, doc_id: int | None = None) -> KhoError | None:
    """An administrator decides (the command line acts as the operator); a refusal is audited."""
    who = uow.ctx.principal
    decision = may_decide_quarantine(who) if who is not None else None
    if decision is None or decision.allowed:
        return None
    return uow.refuse(
        action,
        doc_id,
        decision.reason,
        Refused("Chỉ quản trị được duyệt.", "Only an administrator decides quarantine."),
        {"what": "quarantine"},
    )


def listing(inst: Instance, ctx: Context) -> list[dict]:
    """What waits, without any description (administrators do not read documents)."""
    with UnitOfWork(inst, ctx) as uow:
        if error := _refused(uow, Action.ADMIN_READ):
            raise error
        rows = uow.session.execute(
            select(Document)
            .where(Document.status == RecordStatus.QUARANTINED)
            .order_by(Document.id)
        ).scalars()
        return [
            {"id": d.id, "level": d.level, "unit": d.unit.code, "filed_at": log.stamp(d.filed_at)}
            for d in rows
        ]


def release(inst: Instance, ctx: Context, doc_id: int, reference: str) -> None:
    with UnitOfWork(inst, ctx) as uow:
        if error := _refused(uow, Action.QUARANTINE_RELEASE, doc_id):
            raise error
        if len(reference.strip()) < 3:
            raise Refused("Cần số hiệu văn bản cho phép.", "Give the reference of the approval.")
        doc = uow.session.get(Document, doc_id)
        if doc is None or doc.status != RecordStatus.QUARANTINED:
            raise NotFound(
                f"Văn bản {doc_id} không ở khu cách ly.", f"{doc_id} is not quarantined."
            )
        doc.status = RecordStatus.ACTIVE
        uow.audit(Action.QUARANTINE_RELEASE, "ok", doc_id, reference=reference.strip()[:200])
        uow.changed(doc_id, Change.RELEASED)
