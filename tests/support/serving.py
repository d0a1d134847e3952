"""A live server for tests that need real HTTP (concurrent clients, browsers, fuzzers, headers
that only a server writes): the app on a free local port, in a thread, shut down after."""

from __future__ import annotations

import contextlib
import random
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

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


def free_ports(count: int = 1) -> int:
    """The first of ``count`` free ports in a row for a server started in another process.

    Chosen below the kernel's ephemeral range: a port from there (what binding port 0 gives)
    can be taken, before the server binds it, by any outgoing connection of the tests running
    beside (a client of PostgreSQL or S3), which made a cluster's second node fail to start."""
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    for _ in range(200):
        first = random.randrange(max(1024, low - 12000), low - count)
        with contextlib.ExitStack() as held:
            try:
                for port in range(first, first + count):
                    sock = held.enter_context(socket.socket())
                    sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        return first
    raise RuntimeError(f"no {count} free ports in a row below {low}")
