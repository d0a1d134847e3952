"""A live server for tests that need real HTTP (concurrent clients, browsers, fuzzers, headers
that only a server writes): the app on a free local port, in a thread, shut down after."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from werkzeug.serving import make_server


@contextlib.contextmanager
def serving(app) -> Iterator[str]:
    """Serve ``app`` while the block runs; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
