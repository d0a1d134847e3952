"""`kho ocr --pending`: recognise the text of records filed while Tesseract was unavailable.

The sanitized access copy is read when there is one (the original may be password-protected);
the recognised text becomes a new version of the record's text, and a secrecy mark found in the
recognised header can raise the record's level, never lower it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from archive import audit, events, records
from archive.instance import Instance
from archive.models import Document
from ingest import ocr, stages
from ingest.header import parse_header
from ingest.limits import Limits


@dataclass(frozen=True)
class Recognised:
    doc_id: int
    status: str  # done | unavailable | no_text
    characters: int = 0


def pending(inst: Instance) -> list[int]:
    with inst.sessions() as session:
        stmt = select(Document.id).where(Document.needs_ocr.is_(True)).order_by(Document.id)
        return list(session.execute(stmt).scalars())


def recognise(inst: Instance, ctx: audit.Context, doc_id: int, limits: Limits) -> Recognised:
    if not ocr.ocr_available():
        return Recognised(doc_id, "unavailable")
    with inst.sessions() as session:
        doc = session.get(Document, doc_id)
        doc.objects  # noqa: B018 - load before leaving the session
    kinds = {o.kind for o in doc.objects}
    source = records.read_object(
        inst, doc, records.object_of(doc, "access" if "access" in kinds else "original")
    )
    examined = stages.examine(source, "", limits, run_ocr=True)
    if examined.needs_ocr or not examined.text.strip():
        return Recognised(doc_id, "no_text")
    level = parse_header(examined.text).level
    found = tuple(
        {
            "event": e.stage,
            "outcome": e.outcome,
            "detail": e.detail[:1000],
            "seconds": round(e.seconds, 4),
        }
        for e in examined.events
        if e.stage == stages.OCR
    )
    records.replace_text(inst, ctx, doc_id, examined.text, found, level)
    events.record_changed.send(inst, doc_id=doc_id)
    return Recognised(doc_id, "done", len(examined.text))
