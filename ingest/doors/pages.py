"""OCR page jobs: the pages of a long scan read by any worker, the document filed once all are.

OCR costs about 2 s per page per core, so a 40-page scan would keep one worker busy for over a
minute while the others idle. A worker reads the pages of a scan on every core of its machine
(``ingest.examine.ocr_pool``, page 1 first); when other workers are alive, the pages are spread
over them too: a worker that claims a queued upload whose file is a scan with at least
``SPLIT_FROM`` pages to OCR does not file it: it adds one ``OcrPageJob`` per page after the
first and puts the upload in state ``pages``. A worker alone files the scan itself: page jobs
would have it read one page at a time, and page 1 (the header, the secrecy) last. Every worker
takes page jobs before uploads, as many at once as its Tesseract pool has slots (``claim``:
``FOR UPDATE SKIP LOCKED``, as uploads; ``run_all``: a thread per page), reads the upload's
bytes from the blob store, OCRs each page in memory
(``ingest.examine.ocr.ocr_page``) and keeps the text sealed under a key of its own derived from
the upload's data key (``archive.core.jobparts``, part ``page/<n>``: STREAM's nonces start at
zero, so no two ciphertexts may share a key). The worker that finishes the last page puts the
upload back in the queue (the upload's row is locked while a page is finished, so two pages
finishing at once cannot both think the other is pending); the worker that claims it then files
it through the one pipeline, its OCR taking the pages read elsewhere
(``ocr.pages_read_elsewhere``) and reading only page 1 itself, with its layout (stamps, the
header). Filing removes the page rows.

Crash-safe as uploads are: a running page job whose worker stopped beating is taken over by the
next claim; after ``jobs.MAX_ATTEMPTS`` it is left to the filing (no text: the filing reads that
page itself and, should it stop the worker again, the upload fails with its reason). A page read
twice (a worker that stalled, then woke) is harmless: only the first text is kept.
"""

from __future__ import annotations

import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import delete, func, or_, select, update

from archive.core import bindings, jobparts
from archive.core.instance import Instance
from archive.core.limits import Limits
from archive.models import IngestJob, OcrPageJob, utcnow
from ingest.examine import ocr
from security.crypto.stream import decrypt_bytes

log = logging.getLogger(__name__)
# A scan with at least this many pages to OCR is split into page jobs.
SPLIT_FROM = int(os.environ.get("KHO_OCR_PAGE_JOBS_FROM", "3"))


def _part(page: int) -> str:
    return f"page/{page}"


def pages_to_split(data: bytes, filename: str, limits: Limits, others: bool = True) -> list[int]:
    """The pages (after the first) to give to page jobs; empty when not worth it (a short
    scan, or no other worker alive: ``others``)."""
    if not others or not ocr.ocr_available():
        return []
    wanted = ocr.scan_pages(data, filename, limits, fewest=SPLIT_FROM) or []
    return [p for p in wanted if p > 0] if len(wanted) >= SPLIT_FROM else []


def split(inst: Instance, job: IngestJob, pages: list[int]) -> bool:
    """Add the page jobs and put the upload in state ``pages``, if it is still this worker's;
    the claim's attempt is given back (splitting is no failure)."""
    with inst.sessions.begin() as session:
        moved = session.execute(
            update(IngestJob)
            .where(
                IngestJob.id == job.id,
                IngestJob.status == "running",
                IngestJob.worker.is_not_distinct_from(job.worker),
            )
            .values(status="pages", worker=None, attempts=IngestJob.attempts - 1)
        )
        if moved.rowcount != 1:
            return False
        session.add_all(OcrPageJob(job_id=job.id, page=page) for page in pages)
    return True


def texts(inst: Instance, job: IngestJob, key: bytes) -> dict[int, str] | None:
    """The pages read by page jobs (``None``: the upload was never split)."""
    with inst.sessions() as session:
        rows = session.execute(select(OcrPageJob).where(OcrPageJob.job_id == job.id)).scalars()
        rows = list(rows)
    if not rows:
        return None
    return {
        row.page: jobparts.open_part(key, job.uid, _part(row.page), row.sealed_text).decode()
        for row in rows
        if row.sealed_text is not None
    }


def forget(session, job_id: int) -> None:
    """Remove an upload's page jobs (in the transaction that records its outcome)."""
    session.execute(delete(OcrPageJob).where(OcrPageJob.job_id == job_id))


def _take_over_abandoned(session, alive, max_attempts: int) -> None:
    abandoned = (
        OcrPageJob.status == "running",
        or_(OcrPageJob.worker.is_(None), OcrPageJob.worker.not_in(alive)),
    )
    given_up = session.execute(  # a page that stopped its worker each time: left to the filing
        select(OcrPageJob.id, OcrPageJob.job_id).where(
            *abandoned, OcrPageJob.attempts >= max_attempts
        )
    ).all()
    if given_up:
        session.execute(
            update(OcrPageJob)
            .where(OcrPageJob.id.in_([row.id for row in given_up]))
            .values(status="done", worker=None, finished_at=utcnow())
        )
        for job_id in {row.job_id for row in given_up}:
            _requeue(session, job_id)
    session.execute(
        update(OcrPageJob).where(*abandoned).values(status="queued", worker=None, started_at=None)
    )


def claim(
    inst: Instance, worker: str, alive, max_attempts: int, limit: int = 1
) -> list[OcrPageJob]:
    """The ``limit`` oldest queued page jobs, marked running for ``worker`` (never waits on
    another's); ``alive``: the workers beating (a select), as for uploads. A worker asks for
    one per slot of its Tesseract pool (``run_all``), so that its cores all read while there
    are pages."""
    with inst.sessions.begin() as session:
        _take_over_abandoned(session, alive, max_attempts)
        taken = list(
            session.execute(
                select(OcrPageJob)
                .where(OcrPageJob.status == "queued")
                .order_by(OcrPageJob.id)
                .limit(max(1, limit))
                .with_for_update(skip_locked=True)
            ).scalars()
        )
        now = utcnow()
        for page in taken:
            page.status, page.worker, page.started_at = "running", worker, now
            page.attempts += 1
        return taken


def run_all(inst: Instance, taken: list[OcrPageJob], limits: Limits | None = None) -> int:
    """The pages claimed together, read at once, a thread each: their Tesseract runs share the
    process's pool (``ingest.examine.ocr_pool``), one slot each; returns how many were recorded.
    An error that is not the OCR's own (the database, the blob store) is raised once every page
    has ended, as a single page's would be."""
    if len(taken) == 1:
        return int(run(inst, taken[0], limits))
    with ThreadPoolExecutor(len(taken), thread_name_prefix="kho-page") as threads:
        return sum(threads.map(lambda page: run(inst, page, limits), taken))


def run(inst: Instance, page: OcrPageJob, limits: Limits | None = None) -> bool:
    """OCR one page and keep its text sealed; returns whether the page is recorded as done."""
    with inst.sessions() as session:
        job = session.get(IngestJob, page.job_id)
    key = jobparts.job_key(inst, job)
    with inst.blobs.open(job.blob) as fh:
        data = decrypt_bytes(key, fh, bindings.job(job.uid, "file"))
    began = time.perf_counter()
    try:
        found = ocr.ocr_page(data, page.page, limits or inst.limits)
    except Exception as exc:  # the filing reads the page itself and gives the reason
        log.warning("OCR page job %s failed (%s): left to the filing", page.id, type(exc).__name__)
        found = None
    sealed = jobparts.seal(key, job.uid, _part(page.page), found[0].encode()) if found else None
    return finish(inst, page, sealed, time.perf_counter() - began)


def finish(inst: Instance, page: OcrPageJob, sealed: bytes | None, seconds: float) -> bool:
    """Record a page's text if the page is still this worker's; the last page of an upload
    puts the upload back in the queue. The upload's row is locked first, so pages finishing
    at once are counted one after the other."""
    with inst.sessions.begin() as session:
        session.execute(
            select(IngestJob.id).where(IngestJob.id == page.job_id).with_for_update()
        ).scalar_one()
        done = session.execute(
            update(OcrPageJob)
            .where(
                OcrPageJob.id == page.id,
                OcrPageJob.status == "running",
                OcrPageJob.worker == page.worker,
            )
            .values(status="done", sealed_text=sealed, seconds=seconds, finished_at=utcnow())
        )
        if done.rowcount != 1:
            log.warning("OCR page job %s was taken over; its text is the other worker's", page.id)
            return False
        _requeue(session, page.job_id)
    return True


def _requeue(session, job_id: int) -> None:
    pending = session.scalar(
        select(func.count())
        .select_from(OcrPageJob)
        .where(OcrPageJob.job_id == job_id, OcrPageJob.status != "done")
    )
    if not pending:
        session.execute(
            update(IngestJob)
            .where(IngestJob.id == job_id, IngestJob.status == "pages")
            .values(status="queued", started_at=None)
        )
