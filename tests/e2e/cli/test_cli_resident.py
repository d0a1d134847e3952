"""The resident command process (web/cli/launch.py, web/cli/resident.py): a `kho` command it
runs answers as the same command run on its own would (output, errors, exit status, files, the
audit), while the caller imports none of Flask, SQLAlchemy or Whoosh; it serves only its own
account, never from a folder others can enter, never after the code or settings changed."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from archive.audit import log
from archive.models import AuditEntry
from tests.support.records import file_doc
from web.cli import launch

# `kho` as its entry point runs it; then the heavy modules the caller itself loaded.
PROBE = """
import json, os, sys
from web.cli import launch
try:
    launch.main()
finally:
    with open(os.environ["PROBE_OUT"], "w") as out:
        heavy = ("sqlalchemy", "flask", "whoosh")
        json.dump(sorted(m for m in sys.modules if m.split(".")[0] in heavy), out)
"""


@pytest.fixture
def resident(inst, home_env, tmp_path):
    """The environment of a person at a terminal with the resident process wanted (the test's
    instance: its home, database and blobs); stopped (SIGTERM, as an operator would) at the
    end."""
    run_dir = Path(tempfile.mkdtemp(prefix="kr", dir="/tmp"))  # a socket path has 108 bytes
    env = {
        **os.environ,
        **home_env,
        "XDG_RUNTIME_DIR": str(run_dir),
        "KHO_CLI_RESIDENT": "1",
        "KHO_CLI_RESIDENT_IDLE": "120",
        "PROBE_OUT": str(tmp_path / "loaded.json"),
    }
    yield env
    for lock in run_dir.glob("kho-cli-*/*.lock"):
        pid = lock.read_text().strip()
        if pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGTERM)
    shutil.rmtree(run_dir, ignore_errors=True)


def _kho(
    env: dict, *args: str, cwd: Path | None = None
) -> tuple[subprocess.CompletedProcess, list]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done, json.loads(Path(env["PROBE_OUT"]).read_text())


def _socket_of(env: dict) -> Path:
    folder = Path(env["XDG_RUNTIME_DIR"]) / f"kho-cli-{os.getuid()}"
    return folder / f"{launch.fingerprint(env=env)}.sock"  # named in the caller's environment


def _wait_listening(path: Path, seconds: float = 240) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            try:
                probe.connect(str(path))
                return
            except OSError:
                time.sleep(0.2)
    raise AssertionError(f"no resident process on {path}")


def _searches(inst) -> list[dict]:
    with inst.sessions() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "search")).all()
        return [log.opened(inst.keyring, log.payload_of(e))["detail"] for e in entries]


def test_a_command_is_answered_by_the_resident_process_as_it_would_be_here(
    inst, archivist, resident
):
    doc_id = file_doc(inst, archivist, subject="về việc phòng cháy chữa cháy rừng")
    args = ("search", "phòng cháy", "--as", archivist.username)
    here, loaded_here = _kho(resident, *args)  # none yet: runs here, starts one
    assert here.returncode == 0, here.stderr
    assert "sqlalchemy" in loaded_here and f"{doc_id:>6}" in here.stdout
    _wait_listening(_socket_of(resident))

    there, loaded_there = _kho(resident, *args)
    assert there.returncode == 0, there.stderr
    assert loaded_there == []  # the caller imported none of it: the resident process ran it
    assert there.stdout == here.stdout
    # through the gate, audited like any other read: one search event per command
    assert [(s["query"], s["ids"]) for s in _searches(inst)] == [("phòng cháy", [doc_id])] * 2

    piped, _ = _kho(resident, "search", "phòng cháy", "--as", archivist.username, "--json")
    assert json.loads(piped.stdout.splitlines()[0])["id"] == doc_id


def test_errors_exit_status_files_and_folder_are_the_callers(inst, archivist, resident, tmp_path):
    doc_id = file_doc(inst, archivist, text="Nội dung lưu trữ thường trú")
    _kho(resident, "show", str(doc_id), "--as", archivist.username)
    _wait_listening(_socket_of(resident))

    missing, loaded = _kho(resident, "show", "99999", "--as", archivist.username)
    assert loaded == [] and missing.returncode == 1
    assert "Error: Document 99999 not found." in missing.stderr and missing.stdout == ""
    stranger, _ = _kho(resident, "search", "x", "--as", "nobody")
    assert stranger.returncode == 1 and "No active account 'nobody'" in stranger.stderr
    usage, _ = _kho(resident, "show", "not-a-number", "--as", archivist.username)
    assert usage.returncode == 2 and "not-a-number" in usage.stderr  # click's own usage error

    here = tmp_path / "here"
    here.mkdir()
    got, loaded = _kho(
        resident,
        "get",
        str(doc_id),
        "--as",
        archivist.username,
        "-o",
        "copy.txt",
        "--original",
        cwd=here,
    )
    assert got.returncode == 0 and loaded == [], got.stderr
    assert (here / "copy.txt").read_bytes() == "Nội dung lưu trữ thường trú".encode()


def test_ctrl_c_reaches_the_command(inst, archivist, resident, database_url):
    """The terminal's Ctrl+C goes to the caller, which passes it on: the command stops as it
    would here (status 130, "Interrupted"), even while it waits on the database."""
    if not database_url.startswith("sqlite"):
        pytest.skip("holds SQLite's write lock to keep the command waiting")
    _kho(resident, "search", "x", "--as", archivist.username)
    _wait_listening(_socket_of(resident))
    holder = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # the search's audit event must wait for it
    try:
        caller = subprocess.Popen(
            [sys.executable, "-c", PROBE, "search", "x", "--as", archivist.username],
            env=resident,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        _wait_for_child_of(_resident_pid(resident))
        time.sleep(1.5)  # the command is waiting for the lock
        caller.send_signal(signal.SIGINT)
        time.sleep(0.5)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    _, err = caller.communicate(timeout=120)
    assert caller.returncode == 130 and "Interrupted" in err, err
    assert json.loads(Path(resident["PROBE_OUT"]).read_text()) == []


def _resident_pid(env: dict) -> int:
    lock = _socket_of(env).with_suffix(".lock")
    return int(lock.read_text().strip())


def _wait_for_child_of(parent: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == parent:
                return
        time.sleep(0.05)
    raise AssertionError("the resident process started no command")


# The knock uses the standard library only, from a Python that another account may run.
OTHERS_PYTHON = shutil.which("python3", path="/usr/bin:/bin") or "python3"


@pytest.mark.skipif(
    os.getuid() != 0 or not os.access(OTHERS_PYTHON, os.X_OK),
    reason="needs root (to act as another account) and a system python3",
)
def test_another_account_is_refused(inst, archivist, resident):
    """Even where the socket could be reached (a folder opened up by mistake), a caller of
    another uid gets nothing run."""
    _kho(resident, "search", "x", "--as", archivist.username)
    path = _socket_of(resident)
    _wait_listening(path)
    for folder in (path.parent.parent, path.parent):  # the mistake this test makes on purpose
        os.chmod(folder, 0o711)  # noqa: S103
    os.chmod(path, 0o666)  # noqa: S103
    knock = (  # what the caller gets: a closed connection, or one reset (nothing ran)
        "import socket, struct, sys\n"
        "s = socket.socket(socket.AF_UNIX)\n"
        "s.connect(sys.argv[1])\n"
        "body = b'{}'\n"
        "try:\n"
        "    socket.send_fds(s, [struct.pack('!I', len(body)) + body], [0, 1, 2])\n"
        "    print(repr(s.recv(100)))\n"
        "except OSError:\n"
        "    print(repr(b''))\n"
    )
    done = subprocess.run(
        [OTHERS_PYTHON, "-c", knock, str(path)],
        user=65534,
        capture_output=True,
        text=True,
        timeout=60,
        cwd="/",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "b''"  # closed without running anything


def test_the_name_changes_with_the_code_and_the_settings(tmp_path, monkeypatch):
    (tmp_path / "web").mkdir()
    module = tmp_path / "web" / "views.py"
    module.write_text("A = 1\n")
    first = launch.fingerprint(tmp_path)
    assert launch.fingerprint(tmp_path) == first
    module.write_text("A = 22\n")
    assert launch.fingerprint(tmp_path) != first
    changed = launch.fingerprint(tmp_path)
    monkeypatch.setenv("KHO_DATABASE_URL", "sqlite:////elsewhere.sqlite3")
    assert launch.fingerprint(tmp_path) != changed


def test_a_folder_others_can_enter_is_not_used(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    folder = launch.private_folder()
    assert folder is not None and folder.parent == tmp_path
    folder.chmod(0o755)
    assert launch.private_folder() is None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_it_leaves_when_idle_and_takes_its_socket_with_it(inst, archivist, resident):
    """Followed by its pid (its lock file names it), not by catching its socket: with one idle
    second it may come and go between two looks on a loaded machine."""
    env = {**resident, "KHO_CLI_RESIDENT_IDLE": "1"}
    _kho(env, "search", "x", "--as", archivist.username)
    path = _socket_of(env)
    lock = path.with_suffix(".lock")
    deadline = time.monotonic() + 240
    while not (lock.exists() and lock.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.2)
    pid = int(lock.read_text())
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(pid)  # it left on its own, idle
    assert not path.exists()  # and took its socket: nothing left for the next caller to trip over
    assert _kho(env, "search", "x", "--as", archivist.username)[0].returncode == 0


def test_only_short_commands_that_never_prompt_are_sent_there():
    assert {"search", "show", "get", "due", "audit", "task"} <= launch.RESIDENT
    assert not {"user", "init", "keys", "ingest", "worker", "serve", "reindex"} & launch.RESIDENT
    assert not launch.wanted(["--help"]) and not launch.wanted([])
