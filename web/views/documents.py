"""Document list, search, document page, page preview and download: each a call through the gate."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

from flask import Blueprint, Response, render_template, request, url_for
from flask_login import current_user, login_required

from archive.records import gate
from archive.workflow import assignments
from ingest.delivery import preview, stamp
from ingest.describe.header import DOC_TYPE_NAMES
from ingest.examine import names
from search import query
from security.policy.workflow import may_track
from web import display
from web.params import int_arg
from web.views.auth import current_context, kho

bp = Blueprint("documents", __name__)


@bp.route("/")
@login_required
def index():
    """The home page: the handler's "văn bản cần xử lý" with its reminders (and the office
    head's overdue count), then the records the person may read."""
    ctx = current_context()
    tasks = assignments.my_tasks(kho(), ctx)
    watched = None
    if may_track(ctx.principal, current_user.account.is_unit_head).allowed:
        watched = assignments.tracking(kho(), ctx)
    docs = gate.list_documents(kho(), ctx)
    return render_template(
        "documents/documents.html",
        docs=docs,
        q="",
        tasks=tasks,
        watched=watched,
        now=datetime.now(UTC),
    )


PAGE_SIZE = 20
# Facet → the field syntax that narrows a search to one of its values.
FACET_FIELDS = {
    "doc_type": "loai",
    "year": "nam",
    "issuer": "coquan",
    "level": "mat",
    "unit": "donvi",
}
URL_SAFE = "!$'()*,/:;?@"  # what werkzeug leaves unquoted in a query string, as url_for does


def _narrow(q: str, facet: str, value: str) -> str:
    value = f'"{value}"' if " " in str(value) else str(value)
    return f"{q} {FACET_FIELDS[facet]}:{value}".strip()


def _narrowing(q: str, sort: str):
    """The link of each facet value (up to forty a page): the search page's address built once
    and the query string added, rather than a route built per link; encoded as ``url_for``
    encodes (spaces as ``+``, ``:`` kept)."""
    base = url_for("documents.search")

    def link(facet: str, value: str) -> str:
        return f"{base}?{urlencode({'q': _narrow(q, facet, value), 'sort': sort}, safe=URL_SAFE)}"

    return link


@bp.route("/search")
@login_required
def search():
    q = request.args.get("q", "")[:500]
    sort = request.args.get("sort", "relevance")
    if sort not in ("relevance", "date", "date_asc"):
        sort = "relevance"
    page = int_arg("page", 1, 1, 10_000)
    if not q.strip():
        return render_template("documents/documents.html", docs=[], q=q, searched=False)
    result = query.run(
        kho(),
        current_context(),
        query.SearchRequest(
            q, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, sort=sort, snippets=True
        ),
    )
    return render_template(
        "documents/documents.html",
        docs=result.hits,
        q=q,
        searched=True,
        result=result,
        sort=sort,
        page=page,
        pages=max(1, -(-result.total // PAGE_SIZE)),
        narrow=_narrowing(q, sort),
    )


@bp.route("/documents/<int:doc_id>")
@login_required
def show(doc_id: int):
    ctx = current_context()
    doc, text, pages = preview.read_with_pages(kho(), ctx, doc_id)
    page = min(int_arg("trang", 1, 1, 100_000), max(pages, 1))
    return render_template(
        "documents/document.html",
        doc=doc,
        text=text,
        pages=pages,
        page=page,
        progress=assignments.progress(kho(), ctx, doc),
        may_assign=assignments.may_offer(kho(), ctx, doc_id),
        now=datetime.now(UTC),
    )


@bp.route("/documents/<int:doc_id>/page/<int:page>.png")
@login_required
def page_image(doc_id: int, page: int):
    """One page drawn in memory; never cached by the browser or any proxy."""
    width = int_arg("w", 900, 1, 10_000)
    account = current_user.account
    png = preview.page_png(
        kho(),
        current_context(),
        doc_id,
        page,
        width,
        account.full_name or account.username,
        account.unit.code if account.unit else "-",
    )
    response = Response(png, mimetype="image/png")
    response.headers["Content-Disposition"] = "inline"
    return response


@bp.route("/documents/<int:doc_id>/file")
@login_required
def download(doc_id: int):
    """The access copy as a PDF stamped on every page for the person downloading it."""
    account = current_user.account
    unit = account.unit.code if account.unit else "-"
    copy = stamp.stamped_download(
        kho(), current_context(), doc_id, account.full_name or account.username, unit
    )
    response = Response(copy.data, mimetype=copy.media_type)
    response.headers["Content-Disposition"] = attachment_header(copy.filename)
    response.headers["X-Kho-Trace"] = copy.trace_id
    return response


@bp.route("/documents/<int:doc_id>/original")
@login_required
def download_original(doc_id: int):
    """The original file byte for byte (a signed PDF keeps its signatures): the gate decides
    who may have an original and records the download as ``download_original``."""
    content = gate.open_content(kho(), current_context(), doc_id, original=True)
    response = Response(content.chunks, mimetype=content.media_type)
    response.headers["Content-Disposition"] = attachment_header(content.filename)
    response.headers["Content-Length"] = str(content.size)
    return response


def attachment_header(filename: str) -> str:
    """RFC 6266: ``filename*`` (RFC 8187, UTF-8, every byte outside the attribute characters
    percent-encoded) so Vietnamese names survive, and a plain ASCII ``filename`` for old
    clients. The name is cleaned first (``clean_filename``): no path, control or bidi
    character and no unbounded length reaches the header, even from records filed before."""
    name = names.clean_filename(filename)
    fallback = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    fallback = "".join(c if c.isalnum() or c in "._-" else "_" for c in fallback).strip("._")
    return (
        f'attachment; filename="{fallback or names.FALLBACK}"; '
        f"filename*=UTF-8''{quote(name, safe='')}"
    )


@bp.app_context_processor
def _names() -> dict:
    return {
        "LEVEL_NAMES": display.LEVEL_NAMES,
        "URGENCY_NAMES": display.URGENCY_NAMES,
        "ROLE_NAMES": display.ROLE_NAMES,
        "DOC_TYPE_NAMES": DOC_TYPE_NAMES,
    }
