"""Crashes need no repair: real processes killed with SIGKILL in the middle of a command-line
batch and in the middle of an upload's job; then, without ``kho check --repair``, a process that
follows the change log (``kho worker``) makes every acknowledged file findable within seconds,
each a record exactly once, and ``kho check`` finds the index at the log's head."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from archive.core.instance import Instance
from archive.models import Document, IngestJob
from ingest.demo import samples
from ingest.doors import jobs
from search import feed, follower, query
from tests.support.people import add_person
from web.cli import main

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]  # real processes, loaded machine
KHO = [sys.executable, "-c", "from web.cli import main; main()"]
CAUGHT_UP_WITHIN = 60.0  # generous on a loaded 2-core machine; the figure is printed


def _setup(tmp_path, database_url, count: int, seed: int):
    home = tmp_path / "home"
    env = {**os.environ, "KHO_HOME": str(home), "KHO_DATABASE_URL": database_url}
    env["PYTHONUNBUFFERED"] = "1"  # what the batch printed is what it acknowledged
    cli_env = {"KHO_HOME": str(home), "KHO_DATABASE_URL": database_url}
    assert CliRunner().invoke(main, ["init"], env=cli_env).exit_code == 0
    inst = Instance.from_settings(home, database_url)
    person = add_person(inst, "vanthu", "archivist", "toi_mat", "VP")
    docs = [
        d
        for d in samples.generate(count * 2, seed=seed, formats=("txt",))
        if d.truth["level"] != "tuyet_mat"
    ][:count]
    return env, cli_env, inst, person, docs


def _caught_up(inst: Instance, started: float) -> float:
    """Seconds until the index is at the log's head, applied by another process."""
    while time.monotonic() - started < CAUGHT_UP_WITHIN:
        status = follower.status(inst)
        if status.follows and status.lag == 0:
            return time.monotonic() - started
        time.sleep(0.2)
    pytest.fail(f"the index did not catch up within {CAUGHT_UP_WITHIN} s: {status.describe()}")


def _once_and_findable(inst: Instance, person, docs) -> None:
    with inst.sessions() as session:
        for doc in docs:
            mac = inst.keyring.content_mac(doc.content)
            same = session.scalar(
                select(func.count()).select_from(Document).where(Document.content_mac == mac)
            )
            assert same == 1, f"{doc.filename}: {same} records"
    for doc in docs:
        hits = query.search(inst, person.ctx, doc.truth["canary"])
        assert len(hits) == 1, f"{doc.filename} not found"
    assert feed.missing_from_index(inst) == (set(), set())  # acknowledged or not


def _wait_done(inst: Instance, job_ids: list[int]) -> None:
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        with inst.sessions() as session:
            waiting = session.scalar(
                select(func.count()).where(IngestJob.id.in_(job_ids), IngestJob.status != "done")
            )
        if not waiting:
            return
        time.sleep(0.2)
    pytest.fail("jobs not done within 10 minutes")


def _check_clean(cli_env) -> str:
    out = CliRunner().invoke(main, ["check"], env=cli_env).output
    assert "consistent" in out and "(lag 0)" in out, out
    return out


def test_a_batch_killed_needs_no_repair(tmp_path, database_url):
    env, cli_env, inst, person, docs = _setup(tmp_path, database_url, 60, seed=31)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for doc in docs:
        (inbox / doc.filename).write_bytes(doc.content)
    by_name = {doc.filename: doc for doc in docs}
    rng = random.Random(5)
    acknowledged: dict[str, int] = {}
    busy = follower._applying(inst, wait=0)  # this node's index busy (a rebuild, say): the
    assert busy.__enter__() is not None  # batch's nudges give up: records wait unapplied
    for _ in range(3):  # killed three times, each after a few files were reported stored
        proc = subprocess.Popen(
            [*KHO, "ingest", str(inbox), "--as", "vanthu", "--json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        wanted, seen = rng.randint(3, 12), 0
        for line in proc.stdout:
            result = json.loads(line)
            if result["status"] == "stored":
                acknowledged[os.path.basename(result["path"])] = result["id"]
                seen += 1
            if seen >= wanted:
                break
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
    assert len(acknowledged) >= 9
    lag = follower.status(inst).lag
    assert lag > 0  # committed and logged, not in the index
    # no repair: a process that follows the log (here the ingest worker) is running ...
    worker = subprocess.Popen(
        [*KHO, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        extra = samples.generate(1, seed=41, formats=("txt",))[0]
        job = jobs.submit(inst, person.ctx, extra.content, extra.filename, "VP")
        _wait_done(inst, [job])  # (the worker is up: it has filed a job)
        started = time.monotonic()
        busy.__exit__(None, None, None)  # ... and the index is free again
        seconds = _caught_up(inst, started)
        print(f"\nbatch killed: {lag} changes behind, at the log's head {seconds:.1f} s after "
              "the index was free")  # fmt: skip
        _once_and_findable(inst, person, [by_name[name] for name in acknowledged])
        _check_clean(cli_env)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
    inst.dispose()


def test_an_upload_job_killed_needs_no_repair(tmp_path, database_url):
    env, cli_env, inst, person, docs = _setup(tmp_path, database_url, 12, seed=37)
    job_ids = [jobs.submit(inst, person.ctx, doc.content, doc.filename, "VP") for doc in docs]
    busy = follower._applying(inst, wait=0)  # the index busy: a worker that committed a record
    assert busy.__enter__() is not None  # waits for it before marking its job done: killed there
    for _ in range(3):  # a worker killed after its record's commit, before its job is done
        with inst.sessions() as session:
            before = session.scalar(select(func.count()).select_from(Document))
        worker = subprocess.Popen(
            [*KHO, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            with inst.sessions() as session:
                filed = session.scalar(select(func.count()).select_from(Document))
            if filed > before:
                break
            time.sleep(0.05)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        # the next worker takes the dead one's job over once its beats have stopped (seconds)
    assert follower.status(inst).lag >= 3  # three records committed, logged, not indexed
    busy.__exit__(None, None, None)
    worker = subprocess.Popen(
        [*KHO, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        _wait_done(inst, job_ids)
        with inst.sessions() as session:
            outcomes = [session.get(IngestJob, job_id).result["status"] for job_id in job_ids]
        assert set(outcomes) <= {"stored", "duplicate"}, outcomes
        assert outcomes.count("duplicate") >= 3  # each killed job's retry answered duplicate
        started = time.monotonic()
        seconds = _caught_up(inst, started)
        print(f"\njobs killed: {outcomes.count('duplicate')} retried as duplicates; "
              f"index at the log's head {seconds:.1f} s after the last job was done")  # fmt: skip
        _once_and_findable(inst, person, docs)
        _check_clean(cli_env)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
    inst.dispose()
