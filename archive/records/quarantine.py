"""Records kept apart: TUYỆT MẬT files are not digitized by rule, so ingest stores them encrypted
and unreadable until an administrator releases them with the reference of the approval."""

from __future__ import annotations

from sqlalchemy import select

from archive import audit, events
from archive.instance import Instance
from archive.models import Document
from security.actor import Context
from security.errors import NotFound, Refused
from security.policy.administration import may_decide_quarantine

# Hướng dẫn 40-HD/VPTW: TUYỆT MẬT is never digitized. A record filed at this level, or later set
# to it, is kept apart, readable by nobody, until an administrator releases it with a reference.
NOT_DIGITIZED = "tuyet_mat"


def _require_admin(ctx: Context) -> None:
    if ctx.principal is not None and not may_decide_quarantine(ctx.principal).allowed:
        raise Refused("Chỉ quản trị được duyệt.", "Only an administrator decides quarantine.")


def listing(inst: Instance, ctx: Context) -> list[dict]:
    """What waits, without any description (administrators do not read documents)."""
    _require_admin(ctx)
    with inst.sessions() as session:
        rows = session.execute(
            select(Document).where(Document.status == "quarantined").order_by(Document.id)
        ).scalars()
        return [
            {"id": d.id, "level": d.level, "unit": d.unit.code, "filed_at": audit.stamp(d.filed_at)}
            for d in rows
        ]


def release(inst: Instance, ctx: Context, doc_id: int, reference: str) -> None:
    _require_admin(ctx)
    if len(reference.strip()) < 3:
        raise Refused("Cần số hiệu văn bản cho phép.", "Give the reference of the approval.")
    with inst.sessions.begin() as session:
        doc = session.get(Document, doc_id)
        if doc is None or doc.status != "quarantined":
            raise NotFound(
                f"Văn bản {doc_id} không ở khu cách ly.", f"{doc_id} is not quarantined."
            )
        doc.status = "active"
        audit.record(
            session,
            inst.keyring,
            ctx,
            "quarantine_release",
            "ok",
            doc_id,
            {"reference": reference.strip()[:200]},
        )
    events.record_changed.send(inst, doc_id=doc_id)
