"""Protection periods of secret records (MẬT 10, TỐI MẬT 20, TUYỆT MẬT 30 years from the
classification date, extendable), the reminder list, and level changes with a reason.

The level change itself is ``archive.records.editing.edit_in`` (policy, reason, history, the
record announced as changed so search follows at once); this module adds the hold check before
it and restarts the protection period with it, in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from archive.audit.actions import Action
from archive.core.instance import Instance
from archive.core.uow import UnitOfWork
from archive.models import Document, DocumentLifecycle, RecordStatus, queries
from archive.records import editing
from archive.records.gate import admits, scope_of
from security.actor import Context
from security.errors import Refused
from security.policy.lifecycle import PROTECTION_YEARS, may_extend_protection
from security.vocabulary import Level


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def protection_end(doc: Document, life: DocumentLifecycle | None) -> date | None:
    """When the protection period ends (None for ordinary records)."""
    if doc.level not in PROTECTION_YEARS:
        return None
    if life is not None and life.protection_until:
        return life.protection_until
    start = (life.classified_on if life else None) or doc.issued or doc.filed_at.date()
    return _add_years(start, PROTECTION_YEARS[doc.level])


@dataclass(frozen=True)
class Reminder:
    document_id: int
    level: str
    protection_until: date

    def as_dict(self) -> dict:
        return {
            "id": self.document_id,
            "level": self.level,
            "protection_until": self.protection_until.isoformat(),
        }


def due(
    inst: Instance, ctx: Context, within_days: int = 180, today: date | None = None
) -> list[Reminder]:
    """Secret records in the person's scope whose protection ends within ``within_days``."""
    limit = (today or date.today()) + timedelta(days=within_days)
    with UnitOfWork(inst, ctx) as uow:
        session = uow.session
        uow.require(Action.DECLASSIFY_DUE, None, may_extend_protection(ctx.principal, Level.MAT))
        scope = scope_of(session, ctx)
        out = []
        rows = session.execute(
            select(Document, DocumentLifecycle)
            .outerjoin(DocumentLifecycle, DocumentLifecycle.document_id == Document.id)
            .where(
                Document.status == RecordStatus.ACTIVE, Document.level.in_(list(PROTECTION_YEARS))
            )
            .order_by(Document.id)
        )
        for doc, life in rows:
            end = protection_end(doc, life)
            if end <= limit and (scope is None or admits(scope, doc)):
                out.append(Reminder(doc.id, doc.level, end))
        uow.audit(
            Action.DECLASSIFY_DUE,
            "allowed",
            None,
            {"within_days": within_days, "ids": [r.document_id for r in out]},
        )
    return sorted(out, key=lambda r: r.protection_until)


def protection_of(inst: Instance, doc_id: int) -> date | None:
    """When a record's protection ends (None: not classified); for a page that has already
    admitted the reader through the gate."""
    with inst.sessions() as session:
        doc = queries.lifecycle_document(session, doc_id)
        return protection_end(doc, session.get(DocumentLifecycle, doc_id))


def extend(inst: Instance, ctx: Context, doc_id: int, years: int, reason: str) -> date:
    """Extend a protection period (gia hạn) by ``years``; returns the new end."""
    reason = " ".join(reason.split())
    if len(reason) < 10 or not 1 <= years <= 30:
        raise Refused(
            "Cần lý do (ít nhất 10 ký tự) và số năm từ 1 đến 30.",
            "Give a reason (10+ characters) and 1 to 30 years.",
        )
    with UnitOfWork(inst, ctx) as uow:
        session = uow.session
        doc = queries.lifecycle_document(session, doc_id)
        uow.require(
            Action.PROTECTION_EXTEND,
            doc_id,
            may_extend_protection(ctx.principal, doc.level),
        )
        life = queries.lifecycle_of(session, doc_id)
        old = protection_end(doc, life)
        if old is None:
            raise Refused("Văn bản không mật.", "The record is not classified.")
        life.protection_until = _add_years(old, years)
        uow.audit(
            Action.PROTECTION_EXTEND,
            "ok",
            doc_id,
            {"from": old.isoformat(), "to": life.protection_until.isoformat()},
            sealed={"reason": reason[:500]},
        )
        return life.protection_until


def change_level(inst: Instance, ctx: Context, doc_id: int, level: str, reason: str) -> None:
    """Declassify, downgrade or upgrade (policy and reason as for any level change); the
    protection period restarts in the same transaction."""
    with UnitOfWork(inst, ctx) as uow:
        queries.ensure_not_held(uow.session, doc_id)
        editing.edit_in(uow, doc_id, {"level": level}, reason)
        life = queries.lifecycle_of(uow.session, doc_id)
        life.classified_on = date.today() if level in PROTECTION_YEARS else None
        life.protection_until = None
