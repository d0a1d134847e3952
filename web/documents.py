"""Document list, search, document page and download: each a call through the gate."""

from __future__ import annotations

import unicodedata
from itertools import chain
from urllib.parse import quote

from flask import Blueprint, Response, render_template, request, stream_with_context
from flask_login import login_required

from archive import access
from ingest.header import DOC_TYPE_NAMES
from search import query
from security.policy import LEVEL_NAMES, ROLE_NAMES, URGENCY_NAMES
from web.auth import current_context, kho

bp = Blueprint("documents", __name__)


@bp.route("/")
@login_required
def index():
    docs = access.list_documents(kho(), current_context())
    return render_template("documents.html", docs=docs, q="")


@bp.route("/search")
@login_required
def search():
    q = request.args.get("q", "")[:500]
    hits = query.search(kho(), current_context(), q) if q.strip() else []
    return render_template("documents.html", docs=hits, q=q, searched=bool(q.strip()))


@bp.route("/documents/<int:doc_id>")
@login_required
def show(doc_id: int):
    doc, text = access.read_document(kho(), current_context(), doc_id)
    return render_template("document.html", doc=doc, text=text)


@bp.route("/documents/<int:doc_id>/file")
@login_required
def download(doc_id: int):
    content = access.open_content(kho(), current_context(), doc_id)
    # Let the first segment authenticate (or fail into an error page) before headers go out.
    first = next(content.chunks, b"")
    response = Response(
        stream_with_context(chain([first], content.chunks)), mimetype=content.media_type
    )
    response.headers["Content-Length"] = str(content.size)
    response.headers["Content-Disposition"] = attachment_header(content.filename)
    return response


def attachment_header(filename: str) -> str:
    """RFC 6266 with an ASCII fallback, so Vietnamese file names survive every browser."""
    fallback = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    fallback = "".join(c if c.isalnum() or c in "._-" else "_" for c in fallback) or "document"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


@bp.app_context_processor
def _names() -> dict:
    return {
        "LEVEL_NAMES": LEVEL_NAMES,
        "URGENCY_NAMES": URGENCY_NAMES,
        "ROLE_NAMES": ROLE_NAMES,
        "DOC_TYPE_NAMES": DOC_TYPE_NAMES,
    }
