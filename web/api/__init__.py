"""The versioned JSON API under /api/v1: thin views over the services the pages use, with a
bearer token instead of a login (``web.api.auth``), problem details for errors
(``web.api.problems``), and an OpenAPI 3.1 document generated from the code by flask-smorest
(``/api/v1/openapi.json``, ``kho api spec``), browsable at ``/api/v1/docs``.

    auth.py        bearer tokens, scopes, rate limits (throttle.py), refusals audited
    records.py     search, a record, its file, deposit
    oversight.py   review queue, audit entries and export
    schemas.py     request and response shapes (the spec is made from them)
    problems.py    RFC 9457 errors in Vietnamese and English
    blueprint.py, docs.py
"""

from __future__ import annotations

import http

from flask import Flask, current_app
from flask_smorest import Api
from flask_smorest.utils import prepare_response

from web.api import problems
from web.api.schemas import ProblemSchema

PREFIX = "/api/v1"
DESCRIPTION = """\
API của Kho cho các hệ thống xung quanh kho lưu trữ (phần mềm văn phòng điện tử, trạm quét):
nộp, tìm, đọc, tải văn bản và đọc nhật ký, với cùng quyền và cùng nhật ký như trang web.

Kho's API for the systems around the archive: deposit, search, read, download, audit, with
the same access decisions and the same audit log as the web pages. Authenticate with
`Authorization: Bearer <token>` (`kho token create USER --scope read,deposit`). A record one may
not read answers 404, exactly like a missing one. Errors are RFC 9457 problem details, in
Vietnamese unless `Accept-Language: en`.
"""


class KhoApi(Api):
    """flask-smorest's Api, with problem details as every documented error and no error
    handlers of its own (``web.api.problems`` answers for /api/ and leaves the pages alone)."""

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self) -> None:
        """Nothing: ``web.errors`` and ``web.api.problems`` answer errors."""

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, problems.MEDIA_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        default = {"description": "Problem details", "schema": self.ERROR_SCHEMA}
        prepare_response(default, self.spec, problems.MEDIA_TYPE)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, default, lazy=True)


def init_app(app: Flask, csrf) -> None:
    """The API on the app that serves the pages (``csrf``: their CSRFProtect, which the API's
    blueprints are exempt from)."""
    from web.api import docs, oversight, records

    app.config.setdefault("API_TITLE", "Kho API")
    app.config.setdefault("API_VERSION", "1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {"info": {"description": DESCRIPTION}, "security": [{"bearerAuth": []}]},
    )
    api = KhoApi(app)
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "description": "kho token create"}
    )
    for blueprint in (records.bp, oversight.bp):
        api.register_blueprint(blueprint, url_prefix=PREFIX)
        csrf.exempt(blueprint)  # no cookies: a bearer token cannot be forged by another site
    app.register_blueprint(docs.bp)
    app.extensions["kho_api"] = api


def openapi_document() -> dict:
    """The OpenAPI document of the running app (``kho api spec``)."""
    return current_app.extensions["kho_api"].spec.to_dict()
