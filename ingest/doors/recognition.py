"""`kho ocr --pending`: recognise the text of records filed while Tesseract was unavailable.

The sanitized access copy is read when there is one (the original may be password-protected);
the recognised text becomes a new version of the record's text. The new reading is judged like
a new file (``ingest.describe.secrecy``), with the record's current level as the floor, and it
only ever tightens: it may raise the level, or hold the record back (chờ xác định độ mật) when
it saw a doubt (a mark read with low confidence, a stamp it could not read); it never lowers a
level, and never clears pending, which only a person does.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from archive.core.instance import Instance
from archive.core.limits import Limits
from archive.models import Document
from archive.records import filing, reading
from ingest.describe import secrecy
from ingest.describe.header import parse_header
from ingest.examine import ocr, stages
from security.actor import Context


@dataclass(frozen=True)
class Recognised:
    doc_id: int
    status: str  # done | unavailable | no_text
    characters: int = 0


def pending(inst: Instance) -> list[int]:
    with inst.sessions() as session:
        stmt = select(Document.id).where(Document.needs_ocr.is_(True)).order_by(Document.id)
        return list(session.execute(stmt).scalars())


def recognise(inst: Instance, ctx: Context, doc_id: int, limits: Limits) -> Recognised:
    if not ocr.ocr_available():
        return Recognised(doc_id, "unavailable")
    with inst.sessions() as session:
        doc = session.get(Document, doc_id)
        doc.objects  # noqa: B018 - load before leaving the session
    kinds = {o.kind for o in doc.objects}
    source = reading.read_object(
        inst, doc, reading.object_of(doc, "access" if "access" in kinds else "original")
    )
    examined = stages.examine(source, "", limits, run_ocr=True)
    if examined.needs_ocr or not examined.text.strip():
        return Recognised(doc_id, "no_text")
    assessed = secrecy.assess(examined, parse_header(examined.text), doc.level)
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
    # Nothing seen is no news: only a doubt the new reading saw holds the record back (a record
    # already held back stays so until a person sets its level, now with the new reasons).
    held = bool(assessed.doubts) or doc.secrecy_pending
    extra = {"secrecy_ocr": assessed.evidence()}
    if held:
        extra["review"] = list(
            secrecy.with_review_item(assessed, reading.unseal_meta(inst, doc).get("review", []))
        )
    filing.replace_text(
        inst,
        ctx,
        doc_id,
        examined.text,
        found,
        assessed.level,
        secrecy_pending=bool(assessed.doubts),
        sealed_extra=extra,
    )
    return Recognised(doc_id, "done", len(examined.text))
