"""``Server-Timing: app;dur=12`` for those who measure: the whole milliseconds Kho spent on the
request, from the moment the server handed it over to the moment the answer's headers were
ready (session check, the gate and its audit entry, the page rendered).

Not for everyone: a precise server time tells an outsider how much work a request caused (a
search that touched a hidden record, a login of an existing account), so the header is sent
only when the instance asks for it (``KHO_SERVER_TIMING=1`` in its config.py or the
environment: the benchmarks, bench/search_load.py) or to an administrator's session (the
browser's developer tools), and rounded to whole milliseconds. A duration only: nothing about
the request or its content.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from flask import Flask, current_app, request
from flask_login import current_user

from security.vocabulary import Role

HEADER = "Server-Timing"
SETTING = "KHO_SERVER_TIMING"
_SHOWN = "kho.server_timing"  # set in the request's WSGI environ once the answer may carry it


def enabled(value: object) -> bool:
    return str(value or "0").strip().lower() in ("1", "true", "yes", "on")


class ServerTiming:
    """WSGI middleware: the outermost layer of the application, so the time covers it all; the
    header is added only to an answer ``init_app``'s hook marked as allowed."""

    def __init__(self, app: Callable) -> None:
        self.app = app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        started = time.perf_counter()

        def timed(status: str, headers: list, exc_info=None):
            if environ.get(_SHOWN):
                spent = (time.perf_counter() - started) * 1000
                headers.append((HEADER, f"app;dur={round(spent)}"))
            return start_response(status, headers, exc_info)

        return self.app(environ, timed)


def _may_see() -> bool:
    if enabled(current_app.config.get(SETTING)):
        return True
    account = getattr(current_user, "account", None) if current_user.is_authenticated else None
    return account is not None and account.role == Role.ADMIN


def init_app(app: Flask) -> None:
    app.wsgi_app = ServerTiming(app.wsgi_app)  # type: ignore[method-assign]

    @app.after_request
    def _mark(response):
        if _may_see():
            request.environ[_SHOWN] = True
        return response


def server_ms(value: str | None) -> float | None:
    """The duration in a ``Server-Timing`` header Kho wrote (None when absent)."""
    if not value or "dur=" not in value:
        return None
    return float(value.split("dur=", 1)[1].split(";", 1)[0].split(",", 1)[0])
