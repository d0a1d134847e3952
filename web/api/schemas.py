"""The API's request and response shapes (marshmallow): the OpenAPI document is generated
from these and from the views that use them, never written by hand."""

from __future__ import annotations

from datetime import UTC

from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from ingest.describe.header import DOC_TYPE_NAMES
from security.vocabulary import LEVELS, URGENCIES

MAX_QUERY = 500
MAX_PAGE_SIZE = 100


def binary(description: str, media_type: str = "*/*") -> dict:
    """A response whose body is a file (OpenAPI 3.1: a string with a media type)."""
    return {
        "description": description,
        "content": {
            media_type: {
                "schema": {"type": "string"}
                if media_type == "*/*"
                else {"type": "string", "contentMediaType": media_type}
            }
        },
    }


class UtcDateTime(fields.DateTime):
    """A moment in RFC 3339 with its offset (SQLite hands back naive UTC)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)


class Strict(Schema):
    class Meta:
        ordered = True


class ProblemSchema(Strict):
    """RFC 9457 problem details; ``messages`` holds both languages."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    instance = fields.String()
    messages = fields.Dict(keys=fields.String(), values=fields.String())
    errors = fields.Dict()


class RecordSchema(Strict):
    """A record's description, as far as the caller may see it."""

    id = fields.Integer(required=True)
    kind = fields.String(allow_none=True, metadata={"description": "den (incoming) or di"})
    doc_type = fields.String(allow_none=True)
    number = fields.String(allow_none=True, metadata={"description": "Số, ký hiệu"})
    issuer = fields.String(allow_none=True, metadata={"description": "Cơ quan ban hành"})
    date = fields.Date(allow_none=True, metadata={"description": "Ngày ban hành"})
    subject = fields.String(allow_none=True, metadata={"description": "Trích yếu"})
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    urgency = fields.String(required=True, validate=validate.OneOf(URGENCIES))
    unit = fields.String(required=True)
    filename = fields.String(required=True)
    filed_at = UtcDateTime(required=True)
    needs_review = fields.Boolean(required=True)
    secrecy_pending = fields.Boolean(
        required=True, metadata={"description": "Chờ xác định độ mật: the level is provisional"}
    )


class SearchArgs(Strict):
    q = fields.String(
        required=True,
        validate=validate.Length(min=1, max=MAX_QUERY),
        metadata={"description": "The query language of the search page (docs/search.md)."},
    )
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))
    sort = fields.String(
        load_default="relevance", validate=validate.OneOf(("relevance", "date", "date_asc"))
    )
    facets = fields.Boolean(load_default=True)


class FacetValueSchema(Strict):
    value = fields.String(required=True)
    count = fields.Integer(required=True)


class SearchResultSchema(Strict):
    total = fields.Integer(required=True, metadata={"description": "Matches the caller may see"})
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    pages = fields.Integer(required=True)
    hits = fields.List(fields.Nested(RecordSchema), required=True)
    facets = fields.Dict(
        keys=fields.String(), values=fields.List(fields.Nested(FacetValueSchema)), required=True
    )
    suggestion = fields.String(allow_none=True)


class FileArgs(Strict):
    original = fields.Boolean(
        load_default=False,
        metadata={
            "description": "The original bitstream instead of the stamped access copy "
            "(policy decides who may)."
        },
    )


class DepositForm(Strict):
    """The file, and what the sending system already knows of it (all optional): read
    against the file."""

    file = Upload(required=True)
    number = fields.String(validate=validate.Length(max=100))
    doc_type = fields.String(validate=validate.OneOf(sorted(DOC_TYPE_NAMES)))
    issuer = fields.String(validate=validate.Length(max=300))
    date = fields.Date()
    subject = fields.String(validate=validate.Length(max=1000))
    level = fields.String(
        validate=validate.OneOf(LEVELS),
        metadata={"description": "A floor: the record is filed at least at this level."},
    )
    urgency = fields.String(validate=validate.OneOf(URGENCIES))
    unit = fields.String(
        validate=validate.Length(max=32), metadata={"description": "Unit code (default: yours)"}
    )
    dossier = fields.String(
        validate=validate.Length(min=1, max=64),
        metadata={
            "description": "Hồ sơ: the code of an open (or planned) dossier of the file plan to "
            "place the record in; an unknown or closed one is refused (422) before filing."
        },
    )
    register = fields.String(
        validate=validate.Length(min=1, max=16),
        metadata={
            "description": "Sổ đăng ký: a register code (DEN incoming, DI outgoing) to enter the "
            "record in; the answer gives its entry number (numbered by Kho, per register "
            "and year)."
        },
    )
    register_date = fields.Date(
        metadata={"description": "The register entry's date (default: today)"}
    )


class DepositHeaders(Strict):
    idempotency_key = fields.String(
        data_key="Idempotency-Key",
        validate=validate.Length(min=1, max=200),
        metadata={"description": "A retry with the same key never files twice."},
    )


class EntryRefSchema(Strict):
    """The register entry a deposit made."""

    register = fields.String(required=True)
    year = fields.Integer(required=True)
    entry_number = fields.Integer(required=True, metadata={"description": "Số đến / số đi"})
    id = fields.Integer(required=True)


class DepositSchema(Strict):
    status = fields.String(
        required=True, validate=validate.OneOf(("stored", "duplicate", "quarantined"))
    )
    id = fields.Integer(allow_none=True)
    review = fields.List(fields.String(), required=True)
    secrecy_pending = fields.Boolean(required=True)
    disagreed = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "Declared fields the document contradicts (sent to review)"},
    )
    warnings = fields.List(fields.String(), required=True)
    replayed = fields.Boolean(required=True)
    dossier = fields.String(
        allow_none=True, metadata={"description": "The dossier the record was placed in"}
    )
    register_entry = fields.Nested(EntryRefSchema, allow_none=True)


JOB_STATES = ("queued", "running", "done", "failed", "stalled", "no_worker", "disk_full")


class JobSchema(Strict):
    """A large deposit's job: its state, and once done what it filed. The record's id only
    when the depositor may read the record (as a duplicate's)."""

    job = fields.Integer(required=True)
    state = fields.String(
        required=True,
        validate=validate.OneOf(JOB_STATES),
        metadata={
            "description": "queued, running, done, failed; stalled (its worker stopped: "
            "another takes it over), no_worker (no kho worker is running), disk_full"
        },
    )
    status = fields.String(
        allow_none=True,
        validate=validate.OneOf(("stored", "duplicate", "quarantined", "rejected", "failed")),
        metadata={"description": "Once done or failed: what became of the file"},
    )
    id = fields.Integer(allow_none=True)
    review = fields.List(fields.String(), required=True)
    secrecy_pending = fields.Boolean(allow_none=True)
    disagreed = fields.List(fields.String(), required=True)
    warnings = fields.List(fields.String(), required=True)
    reason = fields.String(
        allow_none=True, metadata={"description": "Why the file was refused or failed"}
    )
    dossier = fields.String(allow_none=True)
    register_entry = fields.Nested(EntryRefSchema, allow_none=True)
    replayed = fields.Boolean(required=True)


class ReviewQueueSchema(Strict):
    records = fields.List(fields.Nested(RecordSchema), required=True)


class AuditArgs(Strict):
    user = fields.String(validate=validate.Length(max=64))
    document = fields.Integer(validate=validate.Range(min=1))
    action = fields.String(validate=validate.Length(max=32))
    outcome = fields.String(validate=validate.Length(max=16))
    since = fields.Date(data_key="from")
    until = fields.Date(data_key="to")
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))


class AuditEntrySchema(Strict):
    seq = fields.Integer(required=True)
    at = fields.String(required=True)
    user_id = fields.Integer(allow_none=True)
    username = fields.String(allow_none=True)
    role = fields.String(allow_none=True)
    unit = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    action = fields.String(required=True)
    outcome = fields.String(required=True)
    object_id = fields.Integer(allow_none=True)
    detail = fields.Dict(required=True)


class AuditEntriesSchema(Strict):
    entries = fields.List(fields.Nested(AuditEntrySchema), required=True)


class ExportArgs(Strict):
    since = fields.Date(data_key="from")
    until = fields.Date(data_key="to")


class RegisterArgs(Strict):
    year = fields.Integer(validate=validate.Range(min=1945, max=2200))


class RegisterEntrySchema(Strict):
    id = fields.Integer(required=True)
    register = fields.String(required=True)
    year = fields.Integer(required=True)
    number = fields.Integer(required=True, metadata={"description": "The register's own number"})
    entry_date = fields.Date(required=True)
    document_id = fields.Integer(allow_none=True)
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    details = fields.Dict(
        keys=fields.String(),
        required=True,
        metadata={"description": "sender, number, subject, routed_to, signer, recipients, …"},
    )


class RegisterSchema(Strict):
    register = fields.String(required=True)
    year = fields.Integer(required=True)
    entries = fields.List(fields.Nested(RegisterEntrySchema), required=True)
