"""The API's browsable reference: Swagger UI served from the installed ``swagger-ui-bundle``
package (no CDN), started by ``static/api-docs.js`` (no inline script). Swagger UI sets inline
styles, so this page alone allows them; scripts stay 'self' only."""

from __future__ import annotations

from flask import Blueprint, abort, make_response, render_template, send_from_directory
from swagger_ui_bundle import swagger_ui_path

bp = Blueprint("api_docs", __name__, url_prefix="/api/v1")
DOCS_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
ASSETS = ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js")


@bp.route("/docs")
def page():
    """The browsable reference of /api/v1/openapi.json."""
    response = make_response(render_template("api/docs.html"))
    response.headers["Content-Security-Policy"] = DOCS_CSP
    return response


@bp.route("/docs/assets/<name>")
def asset(name: str):
    if name not in ASSETS:
        abort(404)
    return send_from_directory(str(swagger_ui_path), name, max_age=3600)
