"""The ingest queue: web uploads become jobs, `kho worker` files them with the one pipeline.

A job's bytes wait in the blob store encrypted under their own data key (binding
``kho/job/<uid>``), never in clear; the blob is deleted once the job is done. With the blobs on
object storage (``KHO_BLOBS=s3://…``) and the database on PostgreSQL, workers on other machines
(the same keyring, their own ``KHO_HOME``) take jobs uploaded on any node: nothing of a job is
on the disk of the node that received it.

Claiming a job is a short transaction that marks it running (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL: a job another worker is claiming is skipped, not waited for; the write lock on
SQLite), so several workers never take the same job.

Every worker beats (``ingest_workers.seen_at``) every ``HEARTBEAT`` seconds from a thread, working
or idle. A running job whose worker has not beaten for ``TAKEOVER_AFTER`` seconds was left by a
worker that died: the next claim takes it over (within seconds, not minutes). Filing it again is
harmless because the same bytes are a ``duplicate`` of the record the dead worker may already
have committed, and that record's change was logged with its commit, so the index applies it
whatever the retry answers. Two workers filing the same bytes at once make one record (the
content fingerprint is unique; the loser answers ``duplicate``:
``archive.records.filing.AlreadyFiled``). A file that stopped its worker ``MAX_ATTEMPTS`` times
is marked failed rather than handed to the next worker to stop it too. A worker that outlives a
takeover (it stalled, then woke) finds the job no longer its own and leaves the outcome to the
one that took it.

A job's outcome keeps ids, codes and field names in clear (``result``); its free text (the
reason a file was refused, which may quote a library's message about the file's own bytes, and
the warnings) is sealed (``sealed_outcome``), like what an API depositor declared
(``sealed_request``): ``archive.core.jobparts``, each part under its own derived key.
"""

from __future__ import annotations

import io
import json
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import delete, func, or_, select, update

from archive.accounts import accounts
from archive.audit.actions import Action
from archive.core import bindings, faults, jobparts
from archive.core.instance import Instance
from archive.core.limits import Limits
from archive.core.uow import UnitOfWork
from archive.models import IngestJob, IngestWorker, OcrPageJob, User, aware, utcnow
from archive.operations import incidents
from ingest import pipeline
from ingest.doors import deposited, pages
from ingest.examine import ocr, ocr_pool
from ingest.examine.limits import check_size
from security.actor import Context
from security.crypto.keys import new_data_key
from security.crypto.stream import decrypt_bytes
from security.errors import KhoError, NotFound

log = logging.getLogger(__name__)
HEARTBEAT = 2.0  # seconds between a worker's beats
TAKEOVER_AFTER = timedelta(seconds=10)  # five missed beats: the worker is gone
MAX_ATTEMPTS = 3  # a file that stopped this many workers is failed, not retried


def submit(
    inst: Instance,
    ctx: Context,
    data: bytes,
    filename: str,
    unit_code: str | None = None,
    declared_level: str | None = None,
    limits: Limits | None = None,
    request: dict | None = None,
) -> int:
    """Queue one uploaded file; refuse at once what is too large to be worth storing.
    ``request``: what an API depositor declared (``ingest.doors.deposited``), sealed."""
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
                sealed_name=jobparts.seal(key, uid, "name", filename.encode()),
                submitted_by=ctx.principal.user_id,
                unit_code=unit_code,
                declared_level=declared_level,
                kind="upload" if request is None else "deposit",
                sealed_request=None
                if request is None
                else jobparts.seal(
                    key, uid, "request", json.dumps(request, ensure_ascii=False).encode()
                ),
            )
            session.add(job)
            session.flush()
            uow.audit(
                Action.UPLOAD,
                "queued",
                None,
                {"job": job.id, "bytes": len(data), "kind": job.kind},
            )
            return job.id
    except BaseException:
        inst.blobs.delete(blob.name)
        raise


def _alive():
    """The workers that beat lately; a running job of any other (one that stopped beating, or
    a name that never registered) is abandoned."""
    return select(IngestWorker.name).where(IngestWorker.seen_at >= utcnow() - TAKEOVER_AFTER)


def _take_over_abandoned(session) -> None:
    abandoned = (
        IngestJob.status == "running",
        or_(IngestJob.worker.is_(None), IngestJob.worker.not_in(_alive())),
    )
    session.execute(
        update(IngestJob)
        .where(*abandoned, IngestJob.attempts >= MAX_ATTEMPTS)
        .values(
            status="failed",
            finished_at=utcnow(),
            worker=None,
            result={"status": "failed", "reason": str(_stopped_workers())},
        )
    )
    session.execute(
        update(IngestJob).where(*abandoned).values(status="queued", started_at=None, worker=None)
    )


def _stopped_workers() -> KhoError:
    return KhoError(
        f"Tệp này đã làm dừng tiến trình nộp {MAX_ATTEMPTS} lần nên không thử lại; báo quản trị "
        "(nhật ký của kho worker) và nộp bản khác của tệp.",
        f"This file stopped the ingest worker {MAX_ATTEMPTS} times, so it is not tried again: "
        "tell the administrator (the kho worker log) and upload another copy of the file.",
    )


def claim(inst: Instance, worker: str | None = None) -> IngestJob | None:
    with inst.sessions.begin() as session:
        _take_over_abandoned(session)
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
            job.worker, job.attempts = worker, job.attempts + 1
        return job


def _finish(inst: Instance, job: IngestJob, values: dict) -> bool:
    """Record a job's end, if it is still this worker's (not taken over meanwhile); a filed
    upload's page texts go with it."""
    with inst.sessions.begin() as session:
        if values.get("status") == "done":
            pages.forget(session, job.id)
        done = session.execute(
            update(IngestJob)
            .where(
                IngestJob.id == job.id,
                IngestJob.status == "running",
                IngestJob.worker.is_not_distinct_from(job.worker),
            )
            .values(**{"finished_at": utcnow(), **values})
        )
        return done.rowcount == 1


def worker_address() -> str:
    """Where a job was filed, in its audit entries: the worker's machine and process (several
    workers on several machines share one queue)."""
    return f"worker {socket.gethostname()}:{os.getpid()}"[:64]


def run(
    inst: Instance,
    job: IngestJob,
    limits: Limits | None = None,
    uninterrupted: Callable[[], AbstractContextManager] = nullcontext,
) -> dict:
    """File one claimed job as the person who uploaded it; record the outcome on the job.

    ``uninterrupted`` keeps a stop (``web.stopping``) out of the two last steps, the outcome's
    commit and the deletion of the job's bytes: a stop between them left the bytes behind."""
    key = jobparts.job_key(inst, job)
    filename = jobparts.filename_of(key, job)
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
    read = pages.texts(inst, job, key)
    if read is None:  # a long scan: its pages first, by any worker (ingest.doors.pages)
        with inst.sessions() as session:
            others = bool(_live_workers(session) - {job.worker})
        split = pages.pages_to_split(data, filename, limits or inst.limits, others)
        if split and pages.split(inst, job, split):
            return {"status": "pages", "pages": len(split)}
    with inst.sessions() as session:
        ctx = accounts.context_for(session.get(User, job.submitted_by), worker_address())
    request = jobparts.request_of(inst, job)
    with ocr.pages_read_elsewhere(read or {}):
        if request is None:
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
        else:
            outcome = _run_deposit(inst, replace(ctx, token_id=request.get("token")), data,
                                   filename, job, request)  # fmt: skip
    outcome["attempts"] = job.attempts
    values = {"status": "done", "blob": None, **jobparts.outcome_values(inst, job, outcome)}
    with uninterrupted():
        if _finish(inst, job, values):
            inst.blobs.delete(job.blob)
        else:
            log.warning("ingest job %s was taken over by another worker: theirs", job.id)
    return outcome


def _run_deposit(inst, ctx, data, filename, job, request) -> dict:
    """An API deposit: the same filing and placing as a small one (``deposited``)."""
    placement = deposited.Placement.from_json(request.get("placement"))
    try:
        answer = deposited.file_declared(
            inst, ctx, data, filename, request.get("declared") or {}, job.unit_code, placement
        )
    except deposited.Rejected as exc:
        return {"status": "rejected", "id": None, "reason": str(exc), "code": exc.code}
    return {**answer.remembered(), "warnings": answer.warnings}


class Worker:
    """This process as an ingest worker: its name, and the thread that beats for it."""

    def __init__(self, inst: Instance, beat: float = HEARTBEAT) -> None:
        self.inst = inst
        self.beat = beat
        self.host = socket.gethostname()[:200]
        self.name = f"{self.host[:40]}:{os.getpid()}:{secrets.token_hex(4)}"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Worker:
        with self.inst.sessions.begin() as session:
            session.add(IngestWorker(name=self.name, host=self.host, pid=os.getpid()))
        self._thread = threading.Thread(target=self._beat, name="kho-heartbeat", daemon=True)
        self._thread.start()
        return self

    def _beat(self) -> None:
        while not self._stop.wait(self.beat):
            try:
                with self.inst.sessions.begin() as session:
                    session.execute(
                        update(IngestWorker)
                        .where(IngestWorker.name == self.name)
                        .values(seen_at=utcnow())
                    )
            except Exception:  # database busy or disk full: the next beat tries again
                log.warning("ingest worker heartbeat failed", exc_info=True)

    def __exit__(self, *_exc) -> None:
        """A worker that stops cleanly hands its running job back and leaves the roll."""
        self._stop.set()
        if self._thread is not None:  # a beat under way ends with its transaction; no waiting
            self._thread.join(timeout=1.0)  # longer: the hand-back below waits for its lock
        try:
            with self.inst.sessions.begin() as session:
                session.execute(
                    update(IngestJob)
                    .where(IngestJob.status == "running", IngestJob.worker == self.name)
                    .values(
                        status="queued",
                        started_at=None,
                        worker=None,
                        attempts=IngestJob.attempts - 1,
                    )
                )
                session.execute(
                    update(OcrPageJob)
                    .where(OcrPageJob.status == "running", OcrPageJob.worker == self.name)
                    .values(status="queued", worker=None, attempts=OcrPageJob.attempts - 1)
                )
                session.execute(delete(IngestWorker).where(IngestWorker.name == self.name))
        except Exception:  # the others take the job over when the beats stop
            log.warning("ingest worker could not hand its job back", exc_info=True)


def work(
    inst: Instance,
    once: bool = False,
    idle: float = 1.0,
    limits: Limits | None = None,
    sleep: Callable[[float], None] = time.sleep,
    beat: float = HEARTBEAT,
    uninterrupted: Callable[[], AbstractContextManager] = nullcontext,
) -> int:
    """Process jobs until the queue is empty (``once``) or forever; returns how many ran
    (``uninterrupted``: see ``run``)."""
    done, pause = 0, idle
    with Worker(inst, beat) as me:
        while True:
            # pages first (they hold a document back), one per slot of the Tesseract pool
            taken = pages.claim(inst, me.name, _alive(), MAX_ATTEMPTS, ocr_pool.default_size())
            if taken:
                pages.run_all(inst, taken, limits)
                done += len(taken)
                continue
            job = claim(inst, me.name)
            if job is None:
                if once:
                    return done
                sleep(idle)
                continue
            try:
                run(inst, job, limits, uninterrupted)
            except Exception as exc:  # keep the worker alive; the job says why it failed
                if faults.is_disk_full(exc):
                    pause = _wait_for_room(inst, job, pause, None if once else sleep)
                    continue
                _failed(inst, job, exc)
            pause = idle
            done += 1


FULL_DISK_PAUSE = 60.0  # the longest wait between tries while the disk is full


def _wait_for_room(
    inst: Instance, job: IngestJob, pause: float, sleep: Callable[[float], None] | None
) -> float:
    """A full disk is nobody's fault and passes: hand the job back (it keeps its place and
    its attempts) and wait, longer each time, up to a minute; returns the next pause."""
    log.error("disk full while filing ingest job %s: waiting %.0f s for room", job.id, pause)
    try:
        _finish(inst, job, {"status": "queued", "started_at": None, "worker": None,
                            "attempts": job.attempts - 1, "finished_at": None,
                            "result": {"waiting": "disk_full"}})  # fmt: skip
    except Exception:  # cannot write even that: the job is taken over when the beats resume
        log.warning("could not hand ingest job %s back", job.id, exc_info=True)
    if sleep is None:  # `kho worker --once`: stop and say why
        raise faults.disk_full(inst.home)
    sleep(pause)
    return min(pause * 2, FULL_DISK_PAUSE)


def _failed(inst: Instance, job: IngestJob, exc: Exception) -> None:
    try:  # the details may quote the file: sealed in the incident log, never in clear
        ref = incidents.record(inst, exc, f"ingest job {job.id}")
    except Exception:
        ref = "?"
    log.error("ingest job %s failed: %s, incident %s", job.id, type(exc).__name__, ref)
    if isinstance(exc, KhoError):
        reason = exc
    else:
        reason = KhoError(
            f"Lỗi hệ thống khi nộp tệp ({type(exc).__name__}); báo quản trị: kho incident {ref}.",
            f"A system error while filing ({type(exc).__name__}); tell the administrator: "
            f"kho incident {ref}.",
        )
    try:  # the file stays queued encrypted: `kho worker --retry-failed` tries it again
        outcome = {"status": "failed", "reason": str(reason)}
        _finish(inst, job, {"status": "failed", **jobparts.outcome_values(inst, job, outcome)})
    except Exception:  # cannot even record it: the job is taken over once this worker stops
        log.exception("could not record the failure of ingest job %s", job.id)


def retry_failed(inst: Instance) -> int:
    """Queue again the failed jobs whose file is still kept (after the cause was fixed)."""
    with inst.sessions.begin() as session:
        return session.execute(
            update(IngestJob)
            .where(IngestJob.status == "failed", IngestJob.blob.is_not(None))
            .values(
                status="queued",
                started_at=None,
                finished_at=None,
                attempts=0,
                result={},
                sealed_outcome=None,
            )
        ).rowcount


def _live_workers(session) -> set[str]:
    return set(session.execute(_alive()).scalars())


def _state(job: IngestJob, live: set[str]) -> str:
    """What the uploader sees: a running job whose worker stopped beating is ``stalled`` (it
    will be taken over), a queued one with no worker alive is ``no_worker``."""
    if job.status == "pages":  # its pages are being read by the workers
        return "running"
    if job.status == "running" and job.worker not in live:
        return "stalled"
    if job.status == "queued" and not live:
        return "no_worker"
    if job.status == "queued" and (job.result or {}).get("waiting") == "disk_full":
        return "disk_full"
    return job.status


def statuses(inst: Instance, ctx: Context, job_ids: list[int]) -> list[dict]:
    """Progress of one's own uploads (nobody else's), for the upload page."""
    with inst.sessions() as session:
        live = _live_workers(session)
        rows = session.execute(
            select(IngestJob).where(
                IngestJob.id.in_(job_ids), IngestJob.submitted_by == ctx.principal.user_id
            )
        ).scalars()
        return [
            {"job": j.id, "state": _state(j, live), **jobparts.outcome_of(inst, j)} for j in rows
        ]


def own_job(inst: Instance, ctx: Context, job_id: int) -> tuple[IngestJob, str, dict]:
    """One's own job (its row, the state the submitter sees, its outcome opened); anybody
    else's, or none, is ``NotFound`` (the caller audits the refusal)."""
    with inst.sessions() as session:
        job = session.get(IngestJob, job_id)
        if job is None or job.submitted_by != ctx.principal.user_id:
            raise NotFound(f"Không có việc nộp số {job_id}.", f"No deposit job {job_id}.")
        session.expunge(job)
        return job, _state(job, _live_workers(session)), jobparts.outcome_of(inst, job)


def overview(inst: Instance, limit: int = 20) -> dict:
    """The queue for `kho check`: counts by state, the workers alive, and the jobs worth a look
    (running, stalled, failed) — no file names, which are sealed."""
    now = utcnow()
    with inst.sessions() as session:
        live = _live_workers(session)
        workers = [
            {
                "name": w.name,
                "seen": round((now - aware(w.seen_at)).total_seconds(), 1),
                "alive": w.name in live,
            }
            for w in session.execute(
                select(IngestWorker).order_by(IngestWorker.started_at)
            ).scalars()
        ]
        counts = dict(
            session.execute(
                select(IngestJob.status, func.count())
                .where(IngestJob.status != "done")
                .group_by(IngestJob.status)
            ).all()
        )
        jobs = []
        for job in session.execute(
            select(IngestJob)
            .where(IngestJob.status.in_(("queued", "running", "failed")))
            .order_by(IngestJob.id)
        ).scalars():
            state = _state(job, live)
            counts["stalled"] = counts.get("stalled", 0) + (state == "stalled")
            if state != "queued" and state != "no_worker" and len(jobs) < limit:
                since = job.started_at or job.finished_at or job.created_at
                jobs.append(
                    {
                        "job": job.id,
                        "state": state,
                        "worker": job.worker,
                        "attempts": job.attempts,
                        "seconds": round((now - aware(since)).total_seconds()),
                        "reason": jobparts.outcome_of(inst, job).get("reason"),
                    }
                )
        oldest = session.execute(
            select(func.min(IngestJob.created_at)).where(IngestJob.status == "queued")
        ).scalar()
    return {
        "queued": counts.get("queued", 0),
        "running": counts.get("running", 0) - counts.get("stalled", 0),
        "stalled": counts.get("stalled", 0),
        "failed": counts.get("failed", 0),
        "oldest_queued_seconds": round((now - aware(oldest)).total_seconds()) if oldest else None,
        "workers": workers,
        "jobs": jobs,
    }


def overview_lines(view: dict) -> list[str]:
    """`kho check`'s lines about the queue; a stalled or failed job, or a queue nobody files,
    is a problem to report."""
    alive = [w for w in view["workers"] if w["alive"]]
    out = [
        f"ingest queue: {view['queued']} queued, {view['running']} running, "
        f"{view['stalled']} stalled, {view['failed']} failed; "
        f"{len(alive)} worker(s) alive"
    ]
    if view["queued"] and not alive:
        out.append(
            f"WARNING: {view['queued']} upload(s) waiting "
            f"(oldest {view['oldest_queued_seconds']} s) and no ingest worker is running: "
            "start `kho worker` or `kho serve`"
        )
    for job in view["jobs"]:
        if job["state"] == "stalled":
            out.append(
                f"job {job['job']}: its worker {job['worker']} stopped beating; "
                "the next worker takes it over"
            )
        elif job["state"] == "failed":
            out.append(
                f"job {job['job']}: failed after {job['attempts']} attempt(s): {job['reason']} "
                "(after fixing the cause: kho worker --retry-failed)"
            )
        else:
            out.append(f"job {job['job']}: running for {job['seconds']} s on {job['worker']}")
    return out
