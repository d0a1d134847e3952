"""The review queue and the audit log over the API: the services of the review and auditors'
pages (archive.records.review, archive.oversight.inspection) with the token's context."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import Response

from archive.audit.actions import Action
from archive.lifecycle import registers
from archive.oversight import inspection
from archive.records import review
from security.identity.tokens import AUDIT, READ
from security.policy.records import may_review
from web import current_instance as kho
from web.api import schemas
from web.api.auth import api_call, context, require
from web.api.blueprint import ApiBlueprint

bp = ApiBlueprint(
    "oversight",
    __name__,
    description="Hàng chờ kiểm tra, sổ văn bản, nhật ký / review queue, registers, audit log",
)


@bp.route("/review")
@bp.doc(operationId="reviewQueue")
@api_call(READ)
@bp.response(200, schemas.ReviewQueueSchema)
@bp.errors(401, 403, 404, 429)
def review_queue():
    """Records waiting for a person's confirmation

    For archivists and security officers (held-back records first; security officers see
    those only), as on the review page."""
    require(may_review, Action.REVIEW_CONFIRM)
    return {"records": review.queue(kho(), context())}


@bp.route("/registers/<any(DEN, DI):register>")
@bp.doc(operationId="register")
@api_call(READ)
@bp.arguments(schemas.RegisterArgs, location="query", as_kwargs=True)
@bp.response(200, schemas.RegisterSchema)
@bp.errors(401, 403, 422, 429)
def register(register: str, year: int | None = None):
    """A register's entries of a year (sổ văn bản đến DEN, đi DI)

    Only the entries the holder may see (of records they may read, or paper-only entries
    within their clearance and unit), in number order; the listing is audited."""
    year = year or date.today().year
    return {
        "register": register,
        "year": year,
        "entries": registers.entries(kho(), context(), register, year),
    }


def _start(day) -> datetime | None:
    return datetime.combine(day, time()) if day else None


def _end(day) -> datetime | None:
    return datetime.combine(day, time()) + timedelta(days=1) if day else None


@bp.route("/audit/entries")
@bp.doc(operationId="auditEntries")
@api_call(AUDIT)
@bp.arguments(schemas.AuditArgs, location="query")
@bp.response(200, schemas.AuditEntriesSchema)
@bp.errors(401, 403, 404, 422, 429)
def audit_entries(args: dict):
    """Audit log entries, newest first, filtered

    For auditors and security officers (the reading is itself audited)."""
    found = inspection.entries(
        kho(),
        context(),
        inspection.Filter(
            username=args.get("user"),
            document_id=args.get("document"),
            action=args.get("action"),
            outcome=args.get("outcome"),
            since=_start(args.get("since")),
            until=_end(args.get("until")),
        ),
        limit=args["limit"],
    )
    return {"entries": found}


@bp.route("/audit/export")
@bp.doc(operationId="auditExport")
@api_call(AUDIT)
@bp.arguments(schemas.ExportArgs, location="query")
@bp.response(200, description="A zip: audit.jsonl and its signed manifest")
@bp.doc(responses={200: schemas.binary("audit.jsonl and its manifest", "application/zip")})
@bp.errors(401, 403, 404, 422, 429)
def audit_export(args: dict):
    """Export the audit log of a period

    The entries as JSON lines with a manifest and a fresh signed checkpoint, verifiable
    offline (tools/verify_audit_export.py)."""
    data, manifest = inspection.export_zip(
        kho(), context(), _start(args.get("since")), _end(args.get("until"))
    )
    name = f"kho-audit-{manifest['first_seq']}-{manifest['last_seq']}.zip"
    return Response(
        data,
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
