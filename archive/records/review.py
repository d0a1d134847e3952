"""The archivist's review queue: what the classifier was unsure of, confirmed with one step.

Ingest marks a record ``needs_review`` when a field's confidence is low, a field is missing, or
any secrecy mark was found (a secrecy level is always confirmed by a person). A record whose
secrecy could not be read with confidence is also ``secrecy_pending`` (chờ xác định độ mật):
hidden from everyone but its filer and security officers, first in the queue, and confirmed only
by setting its level. Corrections go through ``archive.records.editing`` (so raising a level is the
archivist's call and lowering one still needs a security officer and a reason).
"""

from __future__ import annotations

from archive.audit.actions import Action
from archive.core.instance import Instance
from archive.core.uow import UnitOfWork
from archive.models import Document
from archive.records import editing, gate
from security.actor import Context
from security.errors import Refused
from security.policy.records import may_edit, reviews_level_only


def queue(inst: Instance, ctx: Context, limit: int = 200) -> list[gate.DocumentView]:
    """Records waiting for confirmation that the person may see, held-back ones first (the gate
    records the list). Security officers see the held-back ones: their part is the level."""
    officer = ctx.principal is not None and reviews_level_only(ctx.principal)
    return gate.list_documents(inst, ctx, limit, needing_review=True, pending_only=officer)


def corrections(view: gate.DocumentView, entered: dict) -> dict:
    """The fields a reviewer actually changed (empty values compare equal to missing ones).

    While the record's secrecy is pending the level is always kept, changed or not: choosing it
    is the decision that releases the record."""
    current = {
        "number": view.number,
        "doc_type": view.doc_type,
        "issuer": view.issuer,
        "date": view.date.isoformat() if view.date else None,
        "subject": view.subject,
        "level": view.level,
        "urgency": view.urgency,
    }
    return {
        name: value
        for name, value in entered.items()
        if name in current
        and (
            (value or "") != (current[name] or "")
            or (name == "level" and view.secrecy_pending and value)
        )
    }


def confirm(
    inst: Instance,
    ctx: Context,
    doc_id: int,
    changes: dict | None = None,
    reason: str | None = None,
    level: str | None = None,
) -> None:
    """Confirm a record's description, with corrections, in one transaction. ``level`` sets the
    secrecy level (the same as ``changes["level"]``); a record whose secrecy is pending cannot
    be confirmed without one. A security officer's part is the level alone: the other fields
    stay in the archivist's queue."""
    changes = dict(changes or {})
    if level is not None:
        changes["level"] = level
    who = ctx.principal
    with UnitOfWork(inst, ctx) as uow:
        doc = uow.session.get(Document, doc_id)
        if not gate.may_read_now(uow.session, ctx, doc).allowed:
            raise uow.refuse(Action.REVIEW_CONFIRM, doc_id, "not readable", gate.not_found(doc_id))
        if doc.secrecy_pending and "level" not in changes:
            raise uow.refuse(
                Action.REVIEW_CONFIRM,
                doc_id,
                "secrecy pending: no level given",
                Refused(
                    "Văn bản đang chờ xác định độ mật: hãy chọn độ mật (--level).",
                    "The record's secrecy is pending: choose its level (--level).",
                ),
            )
        if changes:
            doc = editing.edit_in(uow, doc_id, changes, reason)
        if reviews_level_only(who) and set(changes) == {"level"}:
            return  # the level is set (and audited); the fields wait for the archivist
        decision = may_edit(who, doc.level, doc.unit_id)
        if not decision.allowed:
            raise uow.refuse(
                Action.REVIEW_CONFIRM,
                doc_id,
                decision.reason,
                Refused(
                    "Bạn không được xác nhận văn bản này.",
                    f"You may not confirm this record ({decision.reason}).",
                ),
            )
        doc.needs_review = False
        uow.audit(Action.REVIEW_CONFIRM, "ok", doc_id, corrected=sorted(changes))
