"""``Server-Timing: app;dur=12.3`` on every response: the milliseconds Kho spent on the request,
from the moment the server handed it over to the moment the answer's headers were ready
(session check, the gate and its audit entry, the page rendered). Benchmarks read the server's
own time apart from the network and the client (bench/search_load.py), and so can an operator
in the browser's developer tools. A duration only: nothing about the request or its content.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

HEADER = "Server-Timing"


class ServerTiming:
    """WSGI middleware: the outermost layer of the application, so the time covers it all."""

    def __init__(self, app: Callable) -> None:
        self.app = app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        started = time.perf_counter()

        def timed(status: str, headers: list, exc_info=None):
            spent = (time.perf_counter() - started) * 1000
            headers.append((HEADER, f"app;dur={spent:.1f}"))
            return start_response(status, headers, exc_info)

        return self.app(environ, timed)


def server_ms(value: str | None) -> float | None:
    """The duration in a ``Server-Timing`` header Kho wrote (None when absent)."""
    if not value or "dur=" not in value:
        return None
    return float(value.split("dur=", 1)[1].split(";", 1)[0].split(",", 1)[0])
