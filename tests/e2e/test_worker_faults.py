"""Ingest workers killed for real: an upload's job whose worker got SIGKILL is taken over by
another worker within seconds (not the ten minutes it used to wait), every acknowledged upload
becomes a record exactly once, and `kho check` lists the queue, then finds it empty."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from archive.accounts import accounts
from archive.core.instance import Instance
from archive.models import Document, IngestJob
from ingest.demo import samples
from ingest.doors import jobs
from web.cli import main
from web.stopping import STOP_GRACE, STOPPED_STATUS

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]
WORKER = [sys.executable, "-c", "from web.cli import main; main(['worker'])"]
AS_SERVED = [sys.executable, "-m", "web.cli", "worker"]  # as `kho serve` starts its worker


def _wait(predicate, timeout: float, what: str, poll: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(poll)
    raise AssertionError(f"not within {timeout} s: {what}")


def _running_on(inst: Instance, pid: int) -> int | None:
    with inst.sessions() as session:
        return session.scalar(
            select(IngestJob.id).where(
                IngestJob.status == "running", IngestJob.worker.like(f"%:{pid}:%")
            )
        )


def _jobs(inst: Instance) -> list[IngestJob]:
    with inst.sessions() as session:
        return list(session.execute(select(IngestJob).order_by(IngestJob.id)).scalars())


def test_upload_job_of_a_killed_worker_is_taken_over_within_seconds(tmp_path, database_url):
    env = {**os.environ, "KHO_HOME": str(tmp_path / "home"), "KHO_DATABASE_URL": database_url}
    cli_env = {"KHO_HOME": env["KHO_HOME"], "KHO_DATABASE_URL": database_url}
    runner = CliRunner()
    assert runner.invoke(main, ["init"], env=cli_env).exit_code == 0
    added = runner.invoke(
        main,
        ["user", "add", "vanthu", "--role", "archivist", "--clearance", "toi_mat", "--unit", "VP"],
        env=cli_env,
    )
    assert added.exit_code == 0, added.output
    inst = Instance.from_settings(tmp_path / "home", database_url)
    with inst.sessions() as session:
        ctx = accounts.context_for(accounts.require_user(session, "vanthu"), "test")
    docs = [d for d in samples.generate(40, seed=5) if d.truth["level"] != "tuyet_mat"][:16]
    for doc in docs:
        jobs.submit(inst, ctx, doc.content, doc.filename)

    first = subprocess.Popen(WORKER, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        victim = _wait(lambda: _running_on(inst, first.pid), 120, "the first worker runs a job")
        first.send_signal(signal.SIGKILL)
        first.wait()
    finally:
        first.kill()
    killed_at = time.monotonic()
    assert next(j for j in _jobs(inst) if j.id == victim).status == "running"
    check = runner.invoke(main, ["check"], env=cli_env)
    assert f"job {victim}: running" in check.output or "stopped beating" in check.output

    second = subprocess.Popen(WORKER, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait(
            lambda: next(j for j in _jobs(inst) if j.id == victim).status == "done",
            90,
            "the killed worker's job is taken over and filed",
            poll=0.2,
        )
        taken_over_after = time.monotonic() - killed_at
        _wait(lambda: all(j.status == "done" for j in _jobs(inst)), 300, "every job done", 0.5)
    finally:
        second.send_signal(signal.SIGTERM)  # a clean stop: it leaves the roll
        assert second.wait(timeout=30) == 0, second.stderr.read()[-2000:]
    # takeover waits for TAKEOVER_AFTER of silence, not STALE_AFTER's ten minutes
    assert taken_over_after < jobs.TAKEOVER_AFTER.total_seconds() + 60
    outcomes = [j.result["status"] for j in _jobs(inst)]
    assert set(outcomes) <= {"stored", "duplicate"} and len(outcomes) == len(docs)
    taken = next(j for j in _jobs(inst) if j.id == victim)
    assert taken.attempts == 2 and taken.blob is None
    with inst.sessions() as session:  # every acknowledged upload is a record, exactly once
        assert session.scalar(select(func.count()).select_from(Document)) == len(docs)
    check = runner.invoke(main, ["check", "--grace", "0"], env=cli_env)
    assert "0 queued, 0 running, 0 stalled, 0 failed; 0 worker(s) alive" in check.output
    assert check.exit_code == 0, check.output
    inst.dispose()


def _sigint_ignored() -> None:  # as a background job of a shell script starts it
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextlib.contextmanager
def _write_lock_held(database_url: str):
    """Another process's transaction holding SQLite's write lock (nothing to hold on
    PostgreSQL, whose row locks a stopping worker does not wait for)."""
    if not database_url.startswith("sqlite:///"):
        yield
        return
    other = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.rollback()
        other.close()


def _uploads_waiting(tmp_path, database_url: str, seed: int, count: int):
    """A new instance (`kho init`, an archivist) with ``count`` text uploads queued: the
    worker's environment, the instance and the documents."""
    env = {**os.environ, "KHO_HOME": str(tmp_path / "home"), "KHO_DATABASE_URL": database_url}
    cli_env = {"KHO_HOME": env["KHO_HOME"], "KHO_DATABASE_URL": database_url}
    runner = CliRunner()
    assert runner.invoke(main, ["init"], env=cli_env).exit_code == 0
    added = runner.invoke(
        main,
        ["user", "add", "vanthu", "--role", "archivist", "--clearance", "toi_mat", "--unit", "VP"],
        env=cli_env,
    )
    assert added.exit_code == 0, added.output
    inst = Instance.from_settings(tmp_path / "home", database_url)
    with inst.sessions() as session:
        ctx = accounts.context_for(accounts.require_user(session, "vanthu"), "test")
    generated = samples.generate(30, seed=seed, formats=("txt",))
    docs = [d for d in generated if d.truth["level"] != "tuyet_mat"][:count]
    for doc in docs:
        jobs.submit(inst, ctx, doc.content, doc.filename)
    return env, inst, docs


def test_a_worker_stops_on_sigint_at_once_and_loses_nothing(tmp_path, database_url):
    """SIGINT stopped a worker only when it reached Python code with SIGINT not ignored: one
    started with it ignored never stopped, and one waiting for SQLite's write lock (30 s per
    statement, then as long again to hand its job back) took a minute or more."""
    env, inst, docs = _uploads_waiting(tmp_path, database_url, seed=8, count=4)

    worker = subprocess.Popen(
        WORKER, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        preexec_fn=_sigint_ignored,
    )  # fmt: skip
    try:
        _wait(lambda: _running_on(inst, worker.pid) or _done(inst), 120, "the worker files")
        with _write_lock_held(database_url):
            worker.send_signal(signal.SIGINT)
            # well under the 30 s that one wait for the lock alone used to take
            status = worker.wait(timeout=STOP_GRACE + 15)
    finally:
        worker.kill()
        err = worker.communicate()[1].decode(errors="replace")
    assert status in (0, STOPPED_STATUS), err

    # whatever the moment, nothing acknowledged is lost: a job handed back is queued again, one
    # left running is taken over once the stopped worker's beats are missed
    deadline = time.monotonic() + 120
    while not all(j.status == "done" for j in _jobs(inst)):
        assert time.monotonic() < deadline, [(j.id, j.status) for j in _jobs(inst)]
        jobs.work(inst, once=True, beat=0.5)
        time.sleep(0.5)
    outcomes = [j.result["status"] for j in _jobs(inst)]
    assert set(outcomes) <= {"stored", "duplicate"} and len(outcomes) == len(docs)
    with inst.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Document)) == len(docs)
    inst.dispose()


def _done(inst: Instance) -> int:
    return sum(j.status == "done" for j in _jobs(inst))


def _catches_sigterm(pid: int) -> bool:
    """The process has a handler for SIGTERM (Python installs none of its own; its SIGINT
    handler is there from the start, so SIGINT says nothing)."""
    status = Path(f"/proc/{pid}/status").read_text()
    caught = next(line for line in status.splitlines() if line.startswith("SigCgt:"))
    return bool(int(caught.split()[1], 16) & (1 << (signal.SIGTERM - 1)))


def _has_loaded(pid: int, library: str) -> bool:
    """The process has mapped that shared library (cryptography's: archive.core imports it)."""
    return library in Path(f"/proc/{pid}/maps").read_text()


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux's /proc")
def test_a_worker_stops_on_sigint_while_it_starts_and_loses_nothing(tmp_path, database_url):
    """The stop handling came after the imports and the start (seconds on a busy machine): a
    SIGINT in them was lost by a worker started with SIGINT ignored, which then ran on, or
    ended one with a traceback. Now it is installed first: signalled as soon as it can be,
    while the worker is still importing, it stops at once, having touched nothing."""
    env, inst, docs = _uploads_waiting(tmp_path, database_url, seed=9, count=3)

    for _attempt in range(3):  # until one is signalled while still importing (a busy
        worker = subprocess.Popen(  # machine may let this test look too late)
            AS_SERVED, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            preexec_fn=_sigint_ignored,
        )  # fmt: skip
        try:
            _wait(
                lambda w=worker: w.poll() is not None or _catches_sigterm(w.pid),
                60,
                "the worker's stop handling",
                poll=0.002,
            )
            importing = not _has_loaded(worker.pid, "cryptography/hazmat/bindings/_rust")
            worker.send_signal(signal.SIGINT)
            status = worker.wait(timeout=STOP_GRACE + 15)
        finally:
            worker.kill()
            err = worker.communicate()[1].decode(errors="replace")
        if importing:
            break
    assert importing, "the stop handling came only after the imports"
    assert status == STOPPED_STATUS, err
    assert "stopped before it began" in err and "Traceback" not in err, err
    jobs_now = _jobs(inst)  # it claimed nothing: every upload still waits, none half-filed
    assert [(j.status, j.attempts) for j in jobs_now] == [("queued", 0)] * len(docs)

    assert jobs.work(inst, once=True, beat=0.5) == len(docs)  # and nothing was lost
    with inst.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Document)) == len(docs)
    inst.dispose()
