"""Reads of a record's file for a purpose the plain download does not cover, through the one gate.

A page preview and a traced (stamped) copy are reads of the file like a download: each passes
``access._admit`` (one decision, one audit entry committed first, a denial raised as
``NotFound``). What differs is the action name and the detail written into that same entry: the
page previewed, or the random trace id printed on the copy, so an auditor can map a leaked copy
back to the person and the moment it was handed out.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from archive import access, audit, records
from archive.instance import Instance
from archive.models import Document, utcnow


@dataclass(frozen=True)
class TracedCopy:
    """A file handed to one person, with what the stamp on it must say."""

    content: access.Content
    trace_id: str
    level: str
    at: datetime
    doc_id: int


def new_trace_id() -> str:
    """Short enough to read aloud from a photocopy, random enough never to repeat (64 bits)."""
    raw = secrets.token_hex(8).upper()
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:12]}-{raw[12:]}"


def _content(inst: Instance, doc: Document) -> access.Content:
    """The access copy when there is one (as ``access.open_content``), else the original."""
    kinds = {o.kind for o in doc.objects if o.shredded_at is None}
    obj = records.object_of(doc, "access" if "access" in kinds else "original")
    meta = records.unseal_meta(inst, doc)
    name = meta.get("filename") or f"{doc.id}"
    return access.Content(
        records.served_name(name, records.object_of(doc, "original"), obj),
        obj.media_type,
        obj.size,
        records.stream_object(inst, doc, obj),
    )


def open_for_preview(inst: Instance, ctx: audit.Context, doc_id: int, page: int) -> access.Content:
    """The file whose page is rendered on screen: audited as ``preview`` with the page."""
    doc = access._admit(inst, ctx, doc_id, "preview", {"page": page})
    return _content(inst, doc)


def open_header(
    inst: Instance, ctx: audit.Context, doc_id: int
) -> tuple[access.Content, tuple[float, float, float, float] | None]:
    """The file whose page-1 header is cropped for the review page, with the zone where the
    header was read (None when unknown): one read, audited as ``preview`` of the header."""
    doc = access._admit(inst, ctx, doc_id, "preview", {"page": 0, "part": "header"})
    zone = records.unseal_meta(inst, doc).get("header_zone")
    return _content(inst, doc), tuple(zone) if zone else None


def open_traced_copy(inst: Instance, ctx: audit.Context, doc_id: int) -> TracedCopy:
    """The file for a download, with a fresh trace id recorded in the download's entry."""
    trace_id = new_trace_id()
    at = utcnow()
    doc = access._admit(inst, ctx, doc_id, "download", {"trace": trace_id})
    return TracedCopy(_content(inst, doc), trace_id, doc.level, at, doc.id)
