"""Ingest workers on other machines: each with its own KHO_HOME and the same keyring, database
and object store, taking web uploads from one queue.

Under ``make test-s3`` the database is PostgreSQL (claims with ``FOR UPDATE SKIP LOCKED``) and
the uploads' bytes wait on the SeaweedFS server; on SQLite a shared folder stands for the object
store. Either way no worker reads the disk of the node the files were uploaded to.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import func, select

from archive.audit import log
from archive.models import AuditEntry, Document, IngestJob
from archive.operations.maintenance import check_store
from ingest.demo import samples
from ingest.doors import jobs

pytestmark = pytest.mark.slow
KHO = [sys.executable, "-c", "from web.cli import main; main()"]


def _job_states(inst) -> dict[int, IngestJob]:
    with inst.sessions() as session:
        return {job.id: job for job in session.execute(select(IngestJob)).scalars()}


def test_two_workers_on_other_machines_file_every_upload_exactly_once(
    tmp_path, inst, archivist, database_url, blob_settings
):
    docs = [
        d
        for d in samples.generate(40, seed=11, formats=("txt",))
        if d.truth["level"] != "tuyet_mat"
    ][:14]
    uploads = [(d.content, d.filename) for d in docs]
    uploads += [(docs[0].content, "gui-lai.txt"), (docs[1].content, "gui-lan-nua.txt")]
    queued = [jobs.submit(inst, archivist.ctx, data, name) for data, name in uploads]
    shared = blob_settings or {"KHO_BLOBS": str(inst.home / "blobs")}  # the "object store"
    workers = []
    for n in (1, 2):
        env = {
            **os.environ,
            "KHO_HOME": str(tmp_path / f"machine{n}"),
            "KHO_DATABASE_URL": database_url,
            "KHO_KEY_FILE": str(inst.key_file),
            **shared,
        }
        workers.append(
            subprocess.Popen(
                [*KHO, "worker"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
        )
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            if all(job.status == "done" for job in _job_states(inst).values()):
                break
            assert all(w.poll() is None for w in workers), "a worker stopped"
            time.sleep(0.5)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGINT)
        errors = [_stopped(w) for w in workers]
    states = _job_states(inst)
    assert sorted(states) == sorted(queued)
    assert all(job.status == "done" and job.blob is None for job in states.values()), errors
    outcomes = sorted(job.result["status"] for job in states.values())
    assert outcomes == ["duplicate"] * 2 + ["stored"] * 14
    by_content = {}
    for job_id, (data, _name) in zip(queued, uploads, strict=True):
        by_content.setdefault(data, set()).add(states[job_id].result["id"])
    assert all(len(ids) == 1 for ids in by_content.values())  # the same bytes: one record
    with inst.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Document)) == 14
        filed_by = session.execute(
            select(AuditEntry.address, func.count())
            .where(AuditEntry.action == "ingest")
            .group_by(AuditEntry.address)
        ).all()
    workers_seen = dict(filed_by)
    assert len(workers_seen) == 2, workers_seen  # both workers took jobs
    assert all(re.fullmatch(r"worker .+:\d+", address) for address in workers_seen)
    assert sum(workers_seen.values()) == len(uploads)
    assert all(f"blobs {shared['KHO_BLOBS']}" in err for err in errors)
    assert not check_store(inst, grace=0).problems  # no job's bytes left behind
    with inst.sessions() as session:
        entries, problems = log.verify(session, inst.keyring.audit_key)
    assert entries and problems == []  # one unbroken chain from every process
    for n in (1, 2):  # the workers' own disks hold nothing of the files (encrypted index only)
        for path in (tmp_path / f"machine{n}").rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                assert not any(d.truth["canary"].encode() in data for d in docs), path


def _stopped(worker: subprocess.Popen) -> str:
    """The worker's stderr once it has stopped. A worker stops within seconds of Ctrl+C at any
    moment (``web.cli.stopping``; proved in test_worker_faults.py); should that ever fail in a
    loaded run, it is killed rather than holding the suite: what this test proves is the filing."""
    try:
        return worker.communicate(timeout=60)[1].decode(errors="replace")
    except subprocess.TimeoutExpired:
        worker.kill()
        return worker.communicate()[1].decode(errors="replace")
