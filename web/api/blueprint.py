"""The API's blueprint: flask-smorest's, plus the problem-details answers an operation
documents (``web.api.problems``), declared beside its view, and one multipart body (a file
with its fields) documented and parsed as one schema."""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import ClassVar

import flask_smorest
from marshmallow import RAISE
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict


class MultipartParser(FlaskParser):
    """``location="files"`` reads the whole multipart body: its files and its plain fields
    (flask-smorest documents one schema per request body). An unknown query parameter or form
    field is refused (422), not ignored: a client's typo (``per_pgae``) must not silently
    give another answer than it meant."""

    DEFAULT_UNKNOWN_BY_LOCATION: ClassVar[dict[str, str | None]] = {
        **FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
        "query": RAISE,
        "querystring": RAISE,
        "files": RAISE,
    }

    def load_files(self, req, schema):
        return self._makeproxy(CombinedMultiDict([req.files, req.form]), schema)


class ApiBlueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = MultipartParser()

    def errors(self, *codes: int) -> Callable[[Callable], Callable]:
        """Document each status as the shared problem-details response of that status."""

        def wrap(view: Callable) -> Callable:
            for code in codes:
                view = self.alt_response(code, response=HTTPStatus(code).name)(view)
            return view

        return wrap
