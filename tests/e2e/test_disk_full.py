"""A full disk, made for real: the instance lives on a small tmpfs filled to the last byte.

Every command and page says the disk is full and what to free (never a traceback or the generic
error page); checking and verifying still read everything; nothing is half-stored; once space
is freed, the same batch and the waiting upload carry on without any repair.
Needs root (to mount the filesystem): skipped with the reason otherwise.
"""

from __future__ import annotations

import errno
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from archive.accounts import accounts
from archive.models import Document, IngestJob
from ingest.demo import samples
from ingest.doors import jobs
from web import create_app
from web.cli import main

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]
KHO = [sys.executable, "-c", "from web.cli import main; main()"]
PASSWORD = "correct horse battery staple 7"


@pytest.fixture
def small_disk(tmp_path) -> Path:
    if os.geteuid() != 0:
        pytest.skip("mounting a small filesystem needs root")
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=40m", "tmpfs", str(mount)], capture_output=True
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(folder: Path) -> Path:
    """Write until the filesystem refuses: first in megabytes, then in small blocks."""
    filler = folder / "filler"
    with open(filler, "wb", buffering=0) as fh:
        for block in (1 << 20, 4096, 512):
            try:
                while True:
                    fh.write(bytes(block))
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
    return filler


class _Done:
    def __init__(self, code: int, stdout: str, stderr: str) -> None:
        self.returncode, self.stdout, self.stderr = code, stdout, stderr


def _kho(env: dict, *args: str, real: bool = False) -> _Done:
    """A `kho` command, in its own process (``real``) or in this one (the machine is slow to
    start Python; the disk is as full either way)."""
    if real:
        done = subprocess.run(
            [*KHO, *args], env={**os.environ, **env}, capture_output=True, text=True, timeout=900
        )
        result = _Done(done.returncode, done.stdout, done.stderr)
    else:
        ran = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
        result = _Done(ran.exit_code, ran.stdout, ran.stderr)
    assert "Traceback" not in result.stdout + result.stderr, result.stderr[-3000:]
    return result


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_full_disk_is_explained_and_everything_resumes(small_disk, tmp_path, database_url):
    home = small_disk / "home"
    url = f"sqlite:///{home / 'kho.sqlite3'}" if database_url.startswith("sqlite") else database_url
    env = {"KHO_HOME": str(home), "KHO_DATABASE_URL": url, "KHO_MIN_FREE_MB": "8"}
    assert _kho(env, "init").returncode == 0
    secret = tmp_path / "pw"
    secret.write_text(PASSWORD)
    added = _kho(env, "user", "add", "vanthu", "--role", "archivist", "--clearance", "mat",
                 "--unit", "VP", "--password-file", str(secret))  # fmt: skip
    assert added.returncode == 0, added.stderr
    docs = [d for d in samples.generate(40, seed=9) if d.truth["level"] in ("thuong", "mat")]
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for doc in docs[:12]:
        (inbox / doc.filename).write_bytes(doc.content)
    check = _kho(env, "check")
    assert check.returncode == 0 and "Low disk space" not in check.stdout

    app = create_app(
        {"KHO_HOME": str(home), "KHO_DATABASE_URL": url, "PROPAGATE_EXCEPTIONS": False}
    )
    app.config["WTF_CSRF_ENABLED"] = True
    inst = app.extensions["kho"]
    with inst.sessions() as session:
        ctx = accounts.context_for(accounts.require_user(session, "vanthu"), "test")
    waiting = jobs.submit(inst, ctx, docs[20].content, docs[20].filename)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    assert client.post(
        "/login", data={"csrf_token": _csrf(page), "username": "vanthu", "password": PASSWORD}
    ).status_code in (302, 303)
    upload_form = client.get("/upload").get_data(as_text=True)

    filler = _fill(small_disk)
    # a batch: stops at once with what was done and how to resume, exit 1, no traceback
    batch = _kho(env, "ingest", str(inbox), "--as", "vanthu", real=True)
    assert batch.returncode == 1 and "The disk is full" in batch.stderr, batch.stderr
    assert "run the same command again" in batch.stderr
    # checking and verifying read everything; they warn or say they could not record it
    check = _kho(env, "check", "--grace", "0")
    assert "Low disk space" in check.stdout and "DAMAGE" not in check.stdout, check.stdout
    verify = _kho(env, "audit", "verify")
    assert "intact" in verify.stdout + verify.stderr, verify.stdout + verify.stderr
    fixity = _kho(env, "verify")
    assert "0 damaged" in fixity.stdout + fixity.stderr, fixity.stdout + fixity.stderr
    # the worker hands the upload back and says why
    worker = _kho(env, "worker", "--once", real=True)
    assert worker.returncode == 1 and "The disk is full" in worker.stderr, worker.stderr
    # pages: an upload and a fresh login are answered plainly, never the generic error page
    upload = client.post(
        "/upload",
        data={"csrf_token": _csrf(upload_form), "files": [(io.BytesIO(docs[21].content), "x.pdf")]},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 507, upload.status_code
    assert "Ổ đĩa đầy" in upload.get_data(as_text=True)
    fresh = app.test_client()
    page = fresh.get("/login").get_data(as_text=True)
    login = fresh.post(
        "/login", data={"csrf_token": _csrf(page), "username": "vanthu", "password": PASSWORD}
    )
    # SQLite may still find room in pages it already owns; if not, the page says why
    assert login.status_code in (302, 303, 507), login.status_code
    if login.status_code == 507:
        assert "Không đăng nhập được" in login.get_data(as_text=True)
    status = jobs.statuses(inst, ctx, [waiting])[0]
    assert status["state"] in ("disk_full", "no_worker", "running", "stalled"), status
    with inst.sessions() as session:
        filed_while_full = session.scalar(select(func.count()).select_from(Document))

    filler.unlink()  # room again: everything carries on, no repair command
    batch = _kho(env, "ingest", str(inbox), "--as", "vanthu", "--json")
    outcomes = [json.loads(line)["status"] for line in batch.stdout.splitlines()]
    assert len(outcomes) == 12 and set(outcomes) <= {"stored", "duplicate"}, batch.stderr
    assert outcomes.count("duplicate") == filed_while_full
    assert _kho(env, "worker", "--once").returncode == 0
    status = jobs.statuses(inst, ctx, [waiting])[0]
    assert (status["state"], status["status"]) == ("done", "stored"), status
    with inst.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Document)) == 13
        assert session.scalar(select(func.count()).select_from(IngestJob)) == 1
    hit = _kho(env, "search", docs[0].truth["canary"], "--as", "vanthu", "--json")
    assert len(hit.stdout.splitlines()) == 1, hit.stdout + hit.stderr
    check = _kho(env, "check", "--repair", "--grace", "0")  # only leftovers of the cut writes
    assert "DAMAGE" not in check.stdout
    check = _kho(env, "check", "--grace", "0")
    assert check.returncode == 0 and "consistent" in check.stdout, check.stdout
    assert "intact" in _kho(env, "audit", "verify").stdout
    inst.dispose()
