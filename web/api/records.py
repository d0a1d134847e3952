"""Records over the API: search, a record's description, its file, and deposit. Each view is a
call to the service the pages use (search.query, the gate, ingest.delivery.stamp,
ingest.doors.deposit), with the token's context: the same decisions, the same audit entries."""

from __future__ import annotations

from flask import Response, current_app, jsonify, url_for

from archive.records import gate
from ingest.delivery import stamp
from ingest.doors import deposit as deposits
from search import query
from security.identity.tokens import DEPOSIT, READ
from web import current_instance as kho
from web.api import schemas
from web.api.auth import api_call, caller, context
from web.api.blueprint import ApiBlueprint
from web.params import MAX_ID
from web.views.documents import attachment_header

# Deposits larger than this are filed by the ingest worker, the client polls a job.
ASYNC_BYTES = 8 * 1024 * 1024  # KHO_API_ASYNC_BYTES

bp = ApiBlueprint(
    "records", __name__, description="Tìm kiếm, đọc, tải và nộp văn bản / search, read, deposit"
)


@bp.route("/search")
@bp.doc(
    operationId="search",
    responses={
        200: {
            "links": {
                "FirstHit": {
                    "operationId": "getRecord",
                    "parameters": {"record_id": "$response.body#/hits/0/id"},
                }
            }
        }
    },
)
@api_call(READ)
@bp.arguments(schemas.SearchArgs, location="query", as_kwargs=True)
@bp.response(200, schemas.SearchResultSchema)
@bp.errors(401, 403, 422, 429)
def search(q: str, page: int, per_page: int, sort: str, facets: bool):
    """Search with the query language of the search page

    Only records the token's holder may read are counted, faceted or returned (one audit
    entry per search, with the query)."""
    result = query.run(
        kho(),
        context(),
        query.SearchRequest(
            q, limit=per_page, offset=(page - 1) * per_page, sort=sort, facets=facets
        ),
    )
    return {
        "total": result.total,
        "page": page,
        "per_page": per_page,
        "pages": max(1, -(-result.total // per_page)),
        "hits": result.hits,
        "facets": {
            name: [{"value": str(value), "count": count} for value, count in values]
            for name, values in result.facets.items()
        },
        "suggestion": result.suggestion,
    }


@bp.route(f"/records/<int(min=1, max={MAX_ID}):record_id>")
@bp.doc(operationId="getRecord")
@api_call(READ)
@bp.response(200, schemas.RecordSchema)
@bp.errors(401, 403, 404, 429)
def record(record_id: int):
    """A record's description

    404 when it does not exist or the holder may not read it (the same answer)."""
    return gate.view_document(kho(), context(), record_id)


@bp.route(f"/records/<int(min=1, max={MAX_ID}):record_id>/file")
@bp.doc(operationId="getRecordFile")
@api_call(READ)
@bp.arguments(schemas.FileArgs, location="query", as_kwargs=True)
@bp.response(
    200, description="The file: the access copy stamped for the holder (PDF), or the original"
)
@bp.doc(responses={200: schemas.binary("The file, in its own media type")})
@bp.errors(401, 403, 404, 422, 429)
def record_file(record_id: int, original: bool):
    """A record's file

    By default the access copy, stamped on every page with the holder's name, unit, time and
    a trace id (``X-Kho-Trace``, also in the audit entry); ``original=true`` for the original
    bitstream, where policy allows it."""
    if original:
        content = gate.open_content(kho(), context(), record_id, original=True)
        response = Response(content.chunks, mimetype=content.media_type)
        response.headers["Content-Length"] = str(content.size)
        filename = content.filename
    else:
        who = caller()
        copy = stamp.stamped_download(kho(), context(), record_id, who.display_name, who.unit_code)
        response = Response(copy.data, mimetype=copy.media_type)
        response.headers["X-Kho-Trace"] = copy.trace_id
        filename = copy.filename
    response.headers["Content-Disposition"] = attachment_header(filename)
    return response


# What a client does next with a deposit's answer (OpenAPI links: schemathesis follows them).
_NEXT = {
    "links": {
        "GetRecord": {
            "operationId": "getRecord",
            "parameters": {"record_id": "$response.body#/id"},
        },
        "GetRecordFile": {
            "operationId": "getRecordFile",
            "parameters": {"record_id": "$response.body#/id"},
        },
    }
}
_POLL = {
    "links": {"GetJob": {"operationId": "getJob", "parameters": {"job_id": "$response.body#/job"}}}
}


def _job_answer(view: dict):
    response = jsonify(schemas.JobSchema().dump(view))
    response.status_code = 202
    response.headers["Location"] = url_for("records.job", job_id=view["job"])
    return response


@bp.route("/records", methods=["POST"])
@bp.doc(operationId="deposit", responses={201: _NEXT, 200: _NEXT, 202: _POLL})
@api_call(DEPOSIT)
@bp.arguments(schemas.DepositForm, location="files")
@bp.arguments(schemas.DepositHeaders, location="headers")
@bp.response(201, schemas.DepositSchema, description="Filed now")
@bp.alt_response(200, schema=schemas.DepositSchema, description="Replayed or already filed")
@bp.alt_response(
    202,
    schema=schemas.JobSchema,
    description="A large file (over KHO_API_ASYNC_BYTES), or the replay of one: queued for the "
    "ingest worker; poll the job (Location)",
)
@bp.errors(401, 403, 409, 413, 422, 429)
def deposit(declared: dict, headers: dict):
    """Deposit a file

    The file is read and classified as any upload; what the sender declares fills what the
    reader left blank, and a field where both disagree goes to review (``disagreed``). A
    declared level is a floor. A declared ``dossier`` and ``register`` place the record as
    the pages do (an unknown or closed dossier, an unknown register: 422, nothing filed). With
    an ``Idempotency-Key`` a retry (even ten at once) files one record and answers with the
    first attempt's result (``replayed``). A file over ``KHO_API_ASYNC_BYTES`` answers 202
    with a job to poll (``GET /jobs/{job_id}``); a retry with its key gets the same job."""
    upload = declared.pop("file")
    unit = declared.pop("unit", None)
    placement = deposits.Placement(
        declared.pop("dossier", None),
        declared.pop("register", None),
        declared.pop("register_date", None),
    )
    if "date" in declared:
        declared["date"] = declared["date"].isoformat()
    data = upload.read()
    threshold = int(current_app.config.get("KHO_API_ASYNC_BYTES", ASYNC_BYTES))
    answer = deposits.deposit(
        kho(),
        context(),
        data,
        upload.filename or "document",
        declared,
        headers.get("idempotency_key"),
        unit,
        placement,
        queue=len(data) > threshold,
    )
    if isinstance(answer, deposits.Queued):
        return _job_answer(deposits.job_view(kho(), context(), answer.job, answer.replayed))
    return answer, 201 if answer.status != "duplicate" and not answer.replayed else 200


@bp.route(f"/jobs/<int(min=1, max={MAX_ID}):job_id>")
@bp.doc(operationId="getJob", responses={200: _NEXT})
@api_call(DEPOSIT)
@bp.response(200, schemas.JobSchema)
@bp.errors(401, 403, 404, 429)
def job(job_id: int):
    """A large deposit's job

    Its state (queued, running, done, failed) and, once done, what it filed: the record's id
    (when the depositor may read it), review, warnings, dossier and register entry. Only the
    depositor sees their job; any other answers 404."""
    return deposits.job_view(kho(), context(), job_id)
