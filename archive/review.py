"""The archivist's review queue: what the classifier was unsure of, confirmed with one step.

Ingest marks a record ``needs_review`` when a field's confidence is low, a field is missing, or
any secrecy mark was found (a secrecy level is always confirmed by a person). Confirming may
correct fields at the same time; corrections go through ``archive.editing`` (so raising a level
is the archivist's call and lowering one still needs a security officer and a reason).
"""

from __future__ import annotations

from archive import access, audit, editing
from archive.instance import Instance
from archive.models import Document
from security.errors import NotFound, Refused
from security.policy import may_edit


def queue(inst: Instance, ctx: audit.Context, limit: int = 200) -> list[access.DocumentView]:
    """Records waiting for confirmation that the person may see (the gate records the list)."""
    return access.list_documents(inst, ctx, limit, needing_review=True)


def corrections(view: access.DocumentView, entered: dict) -> dict:
    """The fields a reviewer actually changed (empty values compare equal to missing ones)."""
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
        if name in current and (value or "") != (current[name] or "")
    }


def confirm(
    inst: Instance,
    ctx: audit.Context,
    doc_id: int,
    changes: dict | None = None,
    reason: str | None = None,
) -> None:
    if changes:
        editing.edit_document(inst, ctx, doc_id, changes, reason)
    with inst.sessions.begin() as session:
        doc = session.get(Document, doc_id)
        who = ctx.principal
        if doc is None or who is None:
            raise NotFound(f"Không tìm thấy văn bản số {doc_id}.", f"Document {doc_id} not found.")
        decision = may_edit(who, doc.level, doc.unit_id)
        if not decision.allowed:
            audit.record(
                session,
                inst.keyring,
                ctx,
                "review_confirm",
                "denied",
                doc_id,
                {"reason": decision.reason},
            )
            session.commit()
            raise Refused(
                "Bạn không được xác nhận văn bản này.",
                f"You may not confirm this record ({decision.reason}).",
            )
        doc.needs_review = False
        audit.record(
            session,
            inst.keyring,
            ctx,
            "review_confirm",
            "ok",
            doc_id,
            {"corrected": sorted(changes or {})},
        )
