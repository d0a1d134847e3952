"""Small helpers shared by the lifecycle services: refusing with an audit entry, lifecycle rows.

A refusal is recorded and committed before the error is raised (as in archive.editing), so a
denied attempt is never lost with the rolled-back transaction.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from archive import audit
from archive.instance import Instance
from archive.lifecycle_models import DocumentLifecycle
from archive.models import Document
from security.actor import Context
from security.errors import NotFound, Refused
from security.policy.decision import Decision


def refuse(
    session: Session,
    inst: Instance,
    ctx: Context,
    action: str,
    object_id: int | None,
    decision: Decision,
    vi: str,
    detail: dict | None = None,
) -> Refused:
    """Record the denial, commit it, and return the error for the caller to raise."""
    audit.record(
        session,
        inst.keyring,
        ctx,
        action,
        "denied",
        object_id,
        {**(detail or {}), "reason": decision.reason},
    )
    session.commit()
    return Refused(vi, f"Refused: {decision.reason}.")


def require(
    session: Session,
    inst: Instance,
    ctx: Context,
    action: str,
    object_id: int | None,
    decision: Decision,
    vi: str = "Bạn không có quyền làm việc này.",
) -> None:
    if not decision.allowed:
        raise refuse(session, inst, ctx, action, object_id, decision, vi)


def document(session: Session, doc_id: int) -> Document:
    """The record a lifecycle action works on. A record whose secrecy is pending is, for these
    actions, not there yet (no dossier, hold, retention or disposal until a person has set its
    level), and it is refused with the same words as a missing one, so nothing leaks."""
    doc = session.get(Document, doc_id)
    if doc is None or doc.secrecy_pending:
        raise NotFound(
            f"Không tìm thấy văn bản số {doc_id} (hoặc văn bản chưa được xác định độ mật).",
            f"Document {doc_id} not found (or its secrecy level is not set yet).",
        )
    return doc


def lifecycle_of(session: Session, doc_id: int) -> DocumentLifecycle:
    """The record's lifecycle row, created empty on first use (for records filed without one)."""
    row = session.get(DocumentLifecycle, doc_id)
    if row is None:
        row = DocumentLifecycle(document_id=doc_id)
        session.add(row)
        session.flush()
    return row
