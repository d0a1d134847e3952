"""`kho`: run the command in this process, or hand it to the resident command process.

Why: before a `kho` command does anything, Python spends 0.7–1 s importing Flask, SQLAlchemy's
ORM, the models and Whoosh (1.5 s and more on a busy machine), where a person at a terminal
expects `kho search` to answer at once. The resident process (``web.cli.resident``) imports them
once and forks a child per command; the child takes this process's standard streams (passed over
the socket, so a terminal, a pipe or a file work as they would here), its working directory,
environment, umask and arguments, and runs the very same command through the same gate. Its exit
status comes back here, and a signal sent here (Ctrl+C) is passed on to it.

Only commands that a person runs to look something up or act on records, that never prompt and
never run for long (``RESIDENT``), go there. Everything else, and every command when the
resident process is not running, runs here as before: the resident process only saves time.

When it starts: ``KHO_CLI_RESIDENT=1`` starts it on the first such command (for scripts that
call `kho` in a loop), ``0`` never uses it; unset, it starts when the command is typed at a
terminal. It leaves by itself after ``KHO_CLI_RESIDENT_IDLE`` seconds without a command (15
minutes). Its socket is named after everything that changes what a command would do: the
interpreter, the code (every module's size and time), the installed packages and the ``KHO_*``,
``PYTHON*`` and locale settings. After an upgrade or in another setting, a new one starts and the
old one goes idle.

Who may use it: its folder is the account's own (mode 0700, checked before each use) and it
serves only the account that started it (the peer's uid, checked on every connection): it can do
nothing its caller could not do by running `kho` itself.

This module imports the standard library only: it is what runs first.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import socket
import stat
import struct
import sys
from collections.abc import Mapping
from pathlib import Path

from web.cli.catalog import RESIDENT

ENV_SWITCH = "KHO_CLI_RESIDENT"
ENV_IDLE = "KHO_CLI_RESIDENT_IDLE"
PACKAGES = ("archive", "ingest", "search", "security", "web")
MAX_REQUEST = 1 << 20  # bytes: arguments and environment
FRAME = struct.Struct("!I")  # the length of the request, sent before it
ROOT = Path(__file__).resolve().parents[2]  # where the packages are


def main() -> None:
    """The `kho` command (pyproject's entry point)."""
    args = sys.argv[1:]
    if wanted(args):
        status = run_resident(args)
        if status is not None:
            exit_with(status)
    from web.cli.group import main as group

    group(prog_name="kho")


def wanted(args: list[str]) -> bool:
    return os.environ.get(ENV_SWITCH) != "0" and bool(args) and args[0] in RESIDENT


def run_resident(args: list[str]) -> int | None:
    """The command run by the resident process: its wait status, or ``None`` when it did not
    run there (no resident process: one is started for the next command, when wanted)."""
    folder = private_folder()
    if folder is None:
        return None
    path = folder / f"{fingerprint()}.sock"
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        client.connect(str(path))
    except OSError:
        client.close()
        if os.environ.get(ENV_SWITCH) == "1" or (sys.stdin is not None and sys.stdin.isatty()):
            start(path)
        return None
    with client:
        return _ask(client, args)


def _ask(client: socket.socket, args: list[str]) -> int | None:
    """Until the resident process says it started the command, nothing has run and the caller
    may run it itself (``None``); after that, never: a command must not run twice."""
    try:
        request = _request(args)
        socket.send_fds(client, [FRAME.pack(len(request)) + request], [0, 1, 2])
        replies = client.makefile("rb")
        started = replies.readline()
    except OSError:
        return None
    if not started.startswith(b"pid "):
        return None  # refused before running anything: run it here
    child = int(started.split()[1])
    forwarded = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)
    for signum in forwarded:
        signal.signal(signum, lambda signum, _frame: _forward(child, signum))
    try:
        ended = replies.readline()
    except OSError:
        ended = b""
    if not ended.startswith(b"status "):
        sys.stderr.write(
            "Lỗi: tiến trình lệnh thường trú dừng giữa chừng; hãy kiểm tra kết quả rồi chạy lại"
            f" với {ENV_SWITCH}=0.\nError: the resident command process stopped during the"
            f" command; check what it did, then run it again with {ENV_SWITCH}=0.\n"
        )
        return 1 << 8
    return int(ended.split()[1])


def _request(args: list[str]) -> bytes:
    return json.dumps(
        {
            "args": args,
            "argv0": sys.argv[0],
            "cwd": os.getcwd(),
            "env": dict(os.environ),
            "umask": _umask(),
        }
    ).encode("utf-8", "surrogateescape")


def _forward(child: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(child, signum)


def exit_with(status: int) -> None:
    """End as the command's process ended: its exit code, or the signal that ended it."""
    sys.stdout.flush()
    if os.WIFSIGNALED(status):
        signum = os.WTERMSIG(status)
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
    sys.exit(os.waitstatus_to_exitcode(status) & 0xFF)


def _umask() -> int:
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


def private_folder() -> Path | None:
    """The account's folder for resident sockets, created 0700; ``None`` if it exists but is
    not this account's alone (someone else could put a socket there)."""
    # A shared /tmp is safe here: the folder is checked to be this account's alone.
    base = os.environ.get("XDG_RUNTIME_DIR") or os.environ.get("TMPDIR") or "/tmp"  # noqa: S108
    folder = Path(base) / f"kho-cli-{os.getuid()}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        st = os.lstat(folder)
    except OSError:
        return None
    mine = st.st_uid == os.getuid() and stat.S_ISDIR(st.st_mode)
    return folder if mine and stat.S_IMODE(st.st_mode) == 0o700 else None


def fingerprint(root: Path = ROOT, env: Mapping[str, str] = os.environ) -> str:
    """A name for everything that makes a command behave differently (see the module's
    docstring): a resident process started with other code or settings is never used."""
    digest = hashlib.sha256(f"{sys.executable}\0{sys.version}\0".encode())
    for key in sorted(env):
        if key.startswith(("KHO_", "PYTHON", "LC_")) or key in ("LANG", "LANGUAGE"):
            digest.update(f"{key}={env[key]}\0".encode("utf-8", "surrogateescape"))
    for package in PACKAGES:
        for folder, dirs, files in os.walk(root / package):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(files):
                if name.endswith(".py"):
                    st = os.stat(os.path.join(folder, name))
                    digest.update(f"{folder}/{name}:{st.st_size}:{st.st_mtime_ns}\0".encode())
    for folder in sys.path:
        if folder.endswith("-packages") and os.path.isdir(folder):
            digest.update(f"{folder}:{os.stat(folder).st_mtime_ns}\0".encode())
    return digest.hexdigest()[:24]


def start(path: Path) -> None:
    """Start the resident process in the background, in its own session, with no terminal and
    no standard streams (it writes nothing): this command still runs here."""
    import subprocess

    subprocess.Popen(
        [sys.executable, "-m", "web.cli.resident", str(path)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        close_fds=True,
    )
