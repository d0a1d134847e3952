"""Protection periods of secret records (MẬT 10, TỐI MẬT 20, TUYỆT MẬT 30 years from the
classification date, extendable), the reminder list, and level changes with a reason.

The level change itself is archive.editing.edit_document (policy, reason, re-indexing through
``events.record_changed``, so search follows at once); this module adds the hold check before
it and restarts the protection period after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive import audit, editing, holds
from archive.access import admits, scope_of
from archive.instance import Instance
from archive.lifecycle_base import document, lifecycle_of, require
from archive.lifecycle_models import DocumentLifecycle
from archive.models import Document
from security.actor import Context
from security.errors import Refused
from security.policy.lifecycle import PROTECTION_YEARS, may_extend_protection


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
    with inst.sessions() as session:
        require(
            session, inst, ctx, "declassify_due", None, may_extend_protection(ctx.principal, "mat")
        )
        scope = scope_of(session, ctx)
        out = []
        rows = session.execute(
            select(Document, DocumentLifecycle)
            .outerjoin(DocumentLifecycle, DocumentLifecycle.document_id == Document.id)
            .where(Document.status == "active", Document.level.in_(list(PROTECTION_YEARS)))
            .order_by(Document.id)
        )
        for doc, life in rows:
            end = protection_end(doc, life)
            if end <= limit and (scope is None or admits(scope, doc)):
                out.append(Reminder(doc.id, doc.level, end))
        audit.record(
            session,
            inst.keyring,
            ctx,
            "declassify_due",
            "allowed",
            None,
            {"within_days": within_days, "ids": [r.document_id for r in out]},
        )
        session.commit()
    return sorted(out, key=lambda r: r.protection_until)


def extend(inst: Instance, ctx: Context, doc_id: int, years: int, reason: str) -> date:
    """Extend a protection period (gia hạn) by ``years``; returns the new end."""
    reason = " ".join(reason.split())
    if len(reason) < 10 or not 1 <= years <= 30:
        raise Refused(
            "Cần lý do (ít nhất 10 ký tự) và số năm từ 1 đến 30.",
            "Give a reason (10+ characters) and 1 to 30 years.",
        )
    with inst.sessions.begin() as session:
        doc = document(session, doc_id)
        require(
            session,
            inst,
            ctx,
            "protection_extend",
            doc_id,
            may_extend_protection(ctx.principal, doc.level),
        )
        life = lifecycle_of(session, doc_id)
        old = protection_end(doc, life)
        if old is None:
            raise Refused("Văn bản không mật.", "The record is not classified.")
        life.protection_until = _add_years(old, years)
        audit.record(
            session,
            inst.keyring,
            ctx,
            "protection_extend",
            "ok",
            doc_id,
            {"from": old.isoformat(), "to": life.protection_until.isoformat(), "reason": reason},
        )
        return life.protection_until


def change_level(inst: Instance, ctx: Context, doc_id: int, level: str, reason: str) -> None:
    """Declassify, downgrade or upgrade (policy and reason as for any level change)."""
    with inst.sessions() as session:
        _ensure_changeable(session, doc_id)
    editing.edit_document(inst, ctx, doc_id, {"level": level}, reason)
    with inst.sessions.begin() as session:
        life = lifecycle_of(session, doc_id)
        life.classified_on = date.today() if level in PROTECTION_YEARS else None
        life.protection_until = None


def _ensure_changeable(session: Session, doc_id: int) -> None:
    holds.ensure_not_held(session, doc_id)
