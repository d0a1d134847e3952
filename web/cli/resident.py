"""The resident command process: `kho` commands without the start-up cost (web/cli/launch.py
says why, when it is used and by whom).

It imports the command modules once (``preload``), then waits on its socket. For each command it
checks the caller's uid, forks a child that becomes the caller's command (its standard streams,
folder, environment, umask and arguments) and reports the child's wait status to the caller once
it ends. It never builds the application, opens the database or reads a key itself: each child
does that as a fresh `kho` process would, so nothing of one command (an account, a session, a
decrypted page) can be seen by the next. It writes nothing (its own streams are /dev/null) and
leaves after ``KHO_CLI_RESIDENT_IDLE`` seconds without a command.

Run as ``python -m web.cli.resident SOCKET`` (``launch.start`` does).
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib
import io
import json
import os
import selectors
import signal
import socket
import struct
import sys
import time
from pathlib import Path

from web.cli import catalog, launch

IDLE_SECONDS = 900.0
_CREDENTIALS = struct.Struct("3i")  # struct ucred: pid, uid, gid


def preload() -> None:
    """What the commands run here import before they act, imported once for all children; the
    mappers configured too (SQLAlchemy does it on a process's first query)."""
    from sqlalchemy.orm import configure_mappers

    import web.cli.group  # noqa: F401

    for subject in catalog.RESIDENT_SUBJECTS:
        importlib.import_module(f"web.cli.{subject}")
    importlib.import_module("archive.models")
    configure_mappers()


def serve(path: Path, idle: float) -> None:
    """Serve commands on ``path`` until idle; return at once if another process serves it."""
    lock = open(path.with_suffix(".lock"), "a")  # noqa: SIM115 — held for the whole life
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return
    lock.truncate(0)
    lock.write(f"{os.getpid()}\n")  # who to stop: `kill $(cat ….lock)` (it then cleans up)
    lock.flush()
    signal.signal(signal.SIGTERM, _stop)
    try:  # children are watched through pidfds (Linux 5.3): without them, callers run here
        os.close(os.pidfd_open(os.getpid()))
    except (AttributeError, OSError):
        return
    preload()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    path.unlink(missing_ok=True)  # left by a process that died: the lock says none is alive
    mask = os.umask(0o177)
    try:
        listener.bind(str(path))
    finally:
        os.umask(mask)
    bound = os.stat(path).st_ino  # the socket file is ours while it has this inode
    listener.listen(32)
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    children: dict[int, tuple[int, socket.socket]] = {}  # pidfd → child, its caller
    last = time.monotonic()
    try:
        while children or time.monotonic() - last < idle:
            for key, _ in selector.select(timeout=min(idle, 60.0)):
                if key.fileobj is listener:
                    last = time.monotonic()
                    _accept(listener, lock, selector, children)
                else:
                    _report(key.fileobj, selector, children)  # type: ignore[arg-type]
    finally:
        with contextlib.suppress(OSError):
            if os.stat(path).st_ino == bound:  # not one a newer process bound since
                path.unlink()
        listener.close()


def _stop(_signum, _frame) -> None:
    raise SystemExit(0)


def _accept(listener, lock, selector, children) -> None:
    conn, _ = listener.accept()
    try:
        request, fds = _request(conn)
    except (OSError, ValueError):
        conn.close()
        return
    pid = os.fork()
    if pid == 0:
        for other_pidfd, (_, other) in children.items():  # the callers of other commands
            os.close(other_pidfd)
            other.close()
        _become(request, fds, conn, listener, lock, selector)
    for fd in fds:
        os.close(fd)
    with contextlib.suppress(OSError):  # first: from now on the caller must not run it itself
        conn.sendall(f"pid {pid}\n".encode())
    pidfd = os.pidfd_open(pid)
    children[pidfd] = (pid, conn)
    selector.register(pidfd, selectors.EVENT_READ)


def _request(conn: socket.socket) -> tuple[dict, list[int]]:
    """The caller's request and its three standard streams; refused (``ValueError``) from
    another account or when incomplete."""
    conn.settimeout(10)
    peer = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _CREDENTIALS.size)
    if _CREDENTIALS.unpack(peer)[1] != os.getuid():
        raise ValueError("another account")
    fds: list[int] = []
    try:
        data, fds, _, _ = socket.recv_fds(conn, 65536, 3)
        if len(fds) != 3 or len(data) < launch.FRAME.size:
            raise ValueError("incomplete")
        (size,) = launch.FRAME.unpack(data[: launch.FRAME.size])
        if size > launch.MAX_REQUEST:
            raise ValueError("too large")
        body = data[launch.FRAME.size :]
        while len(body) < size:
            more = conn.recv(size - len(body))
            if not more:
                raise ValueError("incomplete")
            body += more
        conn.settimeout(None)
        return json.loads(body.decode("utf-8", "surrogateescape")), fds
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise


def _report(pidfd: int, selector, children) -> None:
    pid, conn = children.pop(pidfd)
    selector.unregister(pidfd)
    os.close(pidfd)
    _, status = os.waitpid(pid, 0)
    with contextlib.suppress(OSError):
        conn.sendall(f"status {status}\n".encode())
    conn.close()


def _become(request: dict, fds: list[int], conn, listener, lock, selector) -> None:
    """In the child: become the caller's `kho` command, run it, and end with its status."""
    code = 1
    try:
        selector.close()
        listener.close()
        lock.close()
        conn.close()
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
            signal.signal(signum, signal.SIG_DFL)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        time.tzset()
        os.umask(request["umask"])
        sys.argv = [request["argv0"], *request["args"]]
        _standard_streams()
        code = _run(request["args"])
    except BaseException:  # the command's own errors are handled inside; this is a last resort
        code = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)


def _standard_streams() -> None:
    """Python's streams again, on the caller's descriptors: line-buffered on a terminal, as
    they would be in a process started there."""
    for name, fd in (("stdin", 0), ("stdout", 1), ("stderr", 2)):
        old = getattr(sys, name)
        raw = open(fd, "rb" if fd == 0 else "wb", closefd=False)  # noqa: SIM115
        stream = io.TextIOWrapper(
            raw,
            encoding=old.encoding,
            errors=old.errors,
            line_buffering=fd != 0 and os.isatty(fd),
            write_through=fd == 2,
        )
        setattr(sys, name, stream)
        setattr(sys, f"__{name}__", stream)


def _run(args: list[str]) -> int:
    from web.cli.group import main

    try:
        main(args=args, prog_name="kho")
    except SystemExit as ended:
        if ended.code is None or isinstance(ended.code, int):
            return (ended.code or 0) & 0xFF
        print(ended.code, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    serve(Path(sys.argv[1]), float(os.environ.get(launch.ENV_IDLE) or IDLE_SECONDS))
