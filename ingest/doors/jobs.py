"""The ingest queue: web uploads become jobs, `kho worker` files them with the one pipeline.

A job's bytes wait in the blob store encrypted under their own data key (binding
``kho/job/<uid>``), never in clear; the blob is deleted once the job is done. With the blobs on
object storage (``KHO_BLOBS=s3://…``) and the database on PostgreSQL, workers on other machines
(the same keyring, their own ``KHO_HOME``) take jobs uploaded on any node: nothing of a job is
on the disk of the node that received it.

Claiming a job is a short transaction that marks it running (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL: a job another worker is claiming is skipped, not waited for; the write lock on
SQLite), so several workers never take the same job. A job left running by a worker that died
is queued again after ``STALE_AFTER``; filing it again is harmless because the same bytes are a
``duplicate`` of the record the dead worker may already have committed, and that record's
change was logged with its commit, so the index applies it whatever the retry answers. Two
workers filing the same bytes at once make one record (the content fingerprint is unique; the
loser answers ``duplicate``: ``archive.records.filing.AlreadyFiled``).
"""

from __future__ import annotations

import io
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select, update

from archive.accounts import accounts
from archive.audit.actions import Action
from archive.core import bindings
from archive.core.instance import Instance
from archive.core.limits import Limits
from archive.core.uow import UnitOfWork
from archive.models import IngestJob, User, utcnow
from ingest import pipeline
from ingest.examine.limits import check_size
from security.actor import Context
from security.crypto.keys import new_data_key
from security.crypto.stream import decrypt_bytes, encrypt_bytes
from security.errors import KhoError

log = logging.getLogger(__name__)
STALE_AFTER = timedelta(minutes=10)


def submit(
    inst: Instance,
    ctx: Context,
    data: bytes,
    filename: str,
    unit_code: str | None = None,
    declared_level: str | None = None,
    limits: Limits | None = None,
) -> int:
    """Queue one uploaded file; refuse at once what is too large to be worth storing."""
    check_size(len(data), limits or inst.limits)
    uid = secrets.token_hex(16)
    key = new_data_key()
    blob = inst.blobs.put(key, io.BytesIO(data), bindings.job(uid, "file"))
    try:
        version, wrapped = inst.keyring.wrap(key, bindings.job(uid, "file"))
        with UnitOfWork(inst, ctx) as uow:
            session = uow.session
            job = IngestJob(
                uid=uid,
                blob=blob.name,
                kek_version=version,
                wrapped_key=wrapped,
                sealed_name=encrypt_bytes(key, filename.encode(), bindings.job(uid, "name")),
                submitted_by=ctx.principal.user_id,
                unit_code=unit_code,
                declared_level=declared_level,
            )
            session.add(job)
            session.flush()
            uow.audit(
                Action.UPLOAD,
                "queued",
                None,
                {"job": job.id, "bytes": len(data)},
            )
            return job.id
    except BaseException:
        inst.blobs.delete(blob.name)
        raise


def _requeue_stale(session) -> None:
    session.execute(
        update(IngestJob)
        .where(IngestJob.status == "running", IngestJob.started_at < utcnow() - STALE_AFTER)
        .values(status="queued", started_at=None)
    )


def claim(inst: Instance) -> IngestJob | None:
    with inst.sessions.begin() as session:
        _requeue_stale(session)
        stmt = (
            select(IngestJob)
            .where(IngestJob.status == "queued")
            .order_by(IngestJob.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        job = session.execute(stmt).scalar_one_or_none()
        if job is not None:
            job.status, job.started_at = "running", utcnow()
        return job


def worker_address() -> str:
    """Where a job was filed, in its audit entries: the worker's machine and process (several
    workers on several machines share one queue)."""
    return f"worker {socket.gethostname()}:{os.getpid()}"[:64]


def run(inst: Instance, job: IngestJob, limits: Limits | None = None) -> dict:
    """File one claimed job as the person who uploaded it; record the outcome on the job."""
    key = inst.keyring.unwrap(job.kek_version, job.wrapped_key, bindings.job(job.uid, "file"))
    filename = decrypt_bytes(key, job.sealed_name, bindings.job(job.uid, "name")).decode()
    try:
        with inst.blobs.open(job.blob) as fh:
            data = decrypt_bytes(key, fh, bindings.job(job.uid, "file"))
    except FileNotFoundError:
        raise KhoError(
            f"Tệp chờ của việc {job.id} không có trong kho blob của tiến trình này "
            f"({inst.blobs.location}): tiến trình trên máy khác cần cùng KHO_BLOBS (kho đối "
            "tượng) với máy chủ.",
            f"The bytes of job {job.id} are not in this worker's blob store "
            f"({inst.blobs.location}): a worker on another machine needs the same KHO_BLOBS "
            "(object storage) as the servers.",
        ) from None
    with inst.sessions() as session:
        ctx = accounts.context_for(session.get(User, job.submitted_by), worker_address())
    result = pipeline.ingest_bytes(
        inst, ctx, data, filename, job.unit_code, job.declared_level, limits=limits
    )
    outcome = {
        "status": result.status,
        "id": result.id,
        "reason": result.reason,
        "warnings": result.warnings,
        "review": result.review,
        "secrecy_pending": result.secrecy_pending,
    }
    with UnitOfWork(inst, ctx) as uow:
        session = uow.session
        row = session.get(IngestJob, job.id)
        row.status, row.finished_at, row.result, row.blob = "done", utcnow(), outcome, None
    inst.blobs.delete(job.blob)
    return outcome


def work(
    inst: Instance,
    once: bool = False,
    idle: float = 1.0,
    limits: Limits | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Process jobs until the queue is empty (``once``) or forever; returns how many ran."""
    done = 0
    while True:
        job = claim(inst)
        if job is None:
            if once:
                return done
            sleep(idle)
            continue
        try:
            run(inst, job, limits)
        except Exception:  # keep the worker alive; the job is retried when it goes stale
            log.exception("ingest job %s failed", job.id)
        done += 1


def statuses(inst: Instance, ctx: Context, job_ids: list[int]) -> list[dict]:
    """Progress of one's own uploads (nobody else's), for the upload page."""
    with inst.sessions() as session:
        rows = session.execute(
            select(IngestJob).where(
                IngestJob.id.in_(job_ids), IngestJob.submitted_by == ctx.principal.user_id
            )
        ).scalars()
        return [{"job": j.id, "state": j.status, **(j.result or {})} for j in rows]
