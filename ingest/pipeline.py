"""File → record: sniff, validate, extract, describe, check policy, hand over to the archive, index.

Every outcome (stored, duplicate, rejected) is an audit entry. A refusal stores nothing; a stored
record is committed before it is indexed, and indexing failures only delay searchability (the
index is derived, ``kho check`` / ``kho reindex`` catch up).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from archive import audit, records
from archive.instance import Instance
from archive.models import Unit
from ingest import extract, sniff
from ingest.header import parse_header
from search import feed
from security.errors import KhoError, Refused
from security.policy import level_rank, may_file

log = logging.getLogger(__name__)

MAX_FILE_SIZE = 200 * 1024 * 1024
_FIELDS = ("kind", "doc_type", "number", "issuer", "date", "subject", "level", "urgency")


@dataclass
class IngestResult:
    path: str
    status: str  # stored | duplicate | rejected | quarantined
    id: int | None = None
    reason: str | None = None
    fields: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        return {
            "path": self.path,
            "id": self.id,
            "status": self.status,
            "reason": self.reason,
            **{name: self.fields.get(name) for name in _FIELDS},
        }


def _unit_for(inst: Instance, ctx: audit.Context, unit_code: str | None) -> Unit:
    with inst.sessions() as session:
        if unit_code:
            unit = session.execute(
                select(Unit).where(Unit.code == unit_code.strip().upper())
            ).scalar_one_or_none()
            if unit is None:
                codes = ", ".join(session.execute(select(Unit.code)).scalars())
                raise Refused(
                    f"Không có đơn vị {unit_code}. Các đơn vị: {codes}.",
                    f"No unit {unit_code}; known units: {codes}.",
                )
            return unit
        if ctx.principal is None or ctx.principal.unit_id is None:
            raise Refused(
                "Người nộp không thuộc đơn vị nào: hãy chỉ định --unit.",
                "The filer belongs to no unit: give --unit.",
            )
        return session.get(Unit, ctx.principal.unit_id)


def _check_size(size: int) -> None:
    if size > MAX_FILE_SIZE:
        raise Refused(
            f"Tệp lớn hơn {MAX_FILE_SIZE // 2**20} MiB.",
            f"The file is larger than {MAX_FILE_SIZE // 2**20} MiB.",
        )


def _describe(data: bytes, declared_level: str | None) -> tuple[str, str, dict]:
    media_type = sniff.media_type(data)
    text = extract.extract_text(data, media_type)
    fields = parse_header(text).as_dict() if text.strip() else {}
    if not text.strip() and declared_level is None:
        raise Refused(
            "Tệp không có lớp chữ (bản quét): hãy chỉ định mức mật (--level) khi nộp.",
            "The file has no text layer (a scan): give its secrecy level (--level).",
        )
    # A declared level can raise what the header says, never lower it.
    parsed = fields.get("level") or "thuong"
    if declared_level and level_rank(declared_level) > level_rank(parsed):
        fields["level"] = declared_level
    else:
        fields["level"] = parsed
    return media_type, text, fields


def _refuse(inst: Instance, ctx: audit.Context, result: IngestResult) -> IngestResult:
    with inst.sessions.begin() as session:
        audit.record(
            session,
            inst.keyring,
            ctx,
            "ingest",
            result.status,
            result.id,
            {"reason": result.reason, "level": result.fields.get("level")},
        )
    return result


def ingest_bytes(
    inst: Instance,
    ctx: audit.Context,
    data: bytes,
    filename: str,
    unit_code: str | None = None,
    declared_level: str | None = None,
    path: str | None = None,
) -> IngestResult:
    shown = path or filename
    fields: dict = {}
    try:
        _check_size(len(data))
        media_type, text, fields = _describe(data, declared_level)
        decision = may_file(ctx.principal, fields["level"]) if ctx.principal else None
        if decision is None or not decision.allowed:
            raise Refused(
                "Bạn không được nộp văn bản ở mức mật này.",
                f"You may not file this document ({decision and decision.reason}).",
            )
        unit = _unit_for(inst, ctx, unit_code)
    except KhoError as exc:
        return _refuse(inst, ctx, IngestResult(shown, "rejected", reason=str(exc), fields=fields))
    content_mac = inst.keyring.content_mac(data)
    with inst.sessions() as session:
        existing = records.find_by_content(session, content_mac)
    if existing is not None:
        return _refuse(
            inst,
            ctx,
            IngestResult(
                shown,
                "duplicate",
                existing.id,
                "Tệp đã có trong kho. / Already in the archive.",
                fields,
            ),
        )
    doc = records.file_record(
        inst,
        ctx,
        records.NewRecord(data, media_type, text, fields, Path(filename).name, unit),
        content_mac,
    )
    try:
        feed.index_documents(inst, [doc.id])
    except Exception:  # the record is safe; the index catches up on `kho check --repair`
        log.exception("indexing document %s failed", doc.id)
    return IngestResult(shown, "stored", doc.id, None, fields)


def ingest_file(
    inst: Instance,
    ctx: audit.Context,
    path: Path,
    unit_code: str | None = None,
    declared_level: str | None = None,
) -> IngestResult:
    try:
        _check_size(path.stat().st_size)
        data = path.read_bytes()
    except (OSError, KhoError) as exc:
        return _refuse(inst, ctx, IngestResult(str(path), "rejected", reason=str(exc)))
    return ingest_bytes(inst, ctx, data, path.name, unit_code, declared_level, str(path))
