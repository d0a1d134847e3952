"""Web uploads: queued encrypted, filed by the worker through the one pipeline, followed on the
page."""

from __future__ import annotations

import io
import re
import signal
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from archive.audit import log
from archive.models import AuditEntry, Document, IngestJob, IngestWorker, queries, utcnow
from archive.operations.maintenance import check_store
from ingest import pipeline
from ingest.doors import jobs
from tests.support import documents as fx
from tests.support.people import add_person
from web.stopping import StopOnSignal


def test_queued_upload_is_encrypted_then_filed_by_the_worker(inst, archivist, sample_docs):
    doc = sample_docs[0]
    job_id = jobs.submit(inst, archivist.ctx, doc.content, "Báo cáo mật đặc biệt.pdf")
    for path in inst.home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert "Báo cáo mật đặc biệt".encode() not in data
            assert doc.truth["canary"].encode() not in data
    assert not check_store(inst, grace=0).orphans  # the queued blob is not an orphan
    # no worker runs yet: the page says so
    assert jobs.statuses(inst, archivist.ctx, [job_id])[0]["state"] == "no_worker"
    other = add_person(inst, "other", "archivist", "mat")
    assert jobs.statuses(inst, other.ctx, [job_id]) == []  # one's own uploads only
    assert jobs.work(inst, once=True) == 1
    status = jobs.statuses(inst, archivist.ctx, [job_id])[0]
    assert (status["state"], status["status"]) == ("done", "stored") and status["id"]
    assert not check_store(inst, grace=0).problems  # the job's blob is gone


def test_a_stop_while_a_job_finishes_waits_for_its_bytes_to_be_deleted(
    inst, archivist, sample_docs, monkeypatch
):
    """A stop between the outcome's commit and the deletion of the job's bytes left them as an
    orphan blob (seen with two workers on object storage): `kho worker` holds the stop back."""
    job_id = jobs.submit(inst, archivist.ctx, sample_docs[0].content, "a.pdf")
    stop = StopOnSignal()
    stop.armed = True
    real = jobs._finish

    def stopped_meanwhile(*args, **kwargs):
        stop._interrupt(signal.SIGTERM, None)  # as the signal handler does, mid-commit
        return real(*args, **kwargs)

    monkeypatch.setattr(jobs, "_finish", stopped_meanwhile)
    with pytest.raises(KeyboardInterrupt):
        jobs.work(inst, once=True, uninterrupted=stop.held)
    status = jobs.statuses(inst, archivist.ctx, [job_id])[0]
    assert (status["state"], status["status"]) == ("done", "stored")
    assert not check_store(inst, grace=0).problems  # the job's bytes went with it


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_upload_through_the_web_for_an_archivist_without_second_factor(app, inst):
    app.config["WTF_CSRF_ENABLED"] = True
    person = add_person(inst, "vanthu.mat", "archivist", "mat")
    reader = add_person(inst, "canbo", "reader", "mat")
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    client.post(
        "/login",
        data={"csrf_token": _csrf(page), "username": "vanthu.mat", "password": person.password},
    )
    form = client.get("/upload").get_data(as_text=True)
    files = [
        (io.BytesIO(fx.docx_file(["Kế hoạch 3-KH/TU về đảng viên."])), "ke-hoach.docx"),
        (io.BytesIO(b"MZ\x90\x00" + bytes(60)), "virus.pdf"),
    ]
    response = client.post(
        "/upload",
        data={"csrf_token": _csrf(form), "files": files},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    ids = [int(i) for i in re.findall(r'data-job="(\d+)"', page)]
    assert len(ids) == 2 and "upload.js" in page
    jobs.work(inst, once=True)
    states = client.get(f"/upload/status?ids={ids[0]},{ids[1]}").get_json()
    assert sorted(s["status"] for s in states) == ["rejected", "stored"]
    reader_client = app.test_client()
    page = reader_client.get("/login").get_data(as_text=True)
    reader_client.post(
        "/login", data={"csrf_token": _csrf(page), "username": "canbo", "password": reader.password}
    )
    assert reader_client.get("/upload").status_code == 404


def _beat_long_ago(inst, name: str) -> None:
    with inst.sessions.begin() as session:
        session.execute(
            update(IngestWorker)
            .where(IngestWorker.name == name)
            .values(seen_at=utcnow() - jobs.TAKEOVER_AFTER - timedelta(seconds=1))
        )


def test_a_job_whose_worker_stopped_beating_is_taken_over(inst, archivist, sample_docs):
    job_id = jobs.submit(inst, archivist.ctx, sample_docs[0].content, "a.pdf")
    dead = jobs.Worker(inst)
    dead.__enter__()  # registered, then "killed": its thread is stopped, its row stays
    dead._stop.set()
    claimed = jobs.claim(inst, dead.name)
    assert claimed.id == job_id and claimed.attempts == 1
    assert jobs.claim(inst, "other") is None  # alive: nobody else takes it
    assert jobs.statuses(inst, archivist.ctx, [job_id])[0]["state"] == "running"
    _beat_long_ago(inst, dead.name)
    assert jobs.statuses(inst, archivist.ctx, [job_id])[0]["state"] == "stalled"
    view = jobs.overview(inst)
    assert view["stalled"] == 1 and view["running"] == 0
    assert any("stopped beating" in line for line in jobs.overview_lines(view))
    assert jobs.work(inst, once=True) == 1  # a new worker takes it over
    status = jobs.statuses(inst, archivist.ctx, [job_id])[0]
    assert (status["state"], status["status"], status["attempts"]) == ("done", "stored", 2)
    # the stalled worker wakes up and finishes too: the outcome stays the one recorded
    assert not jobs._finish(inst, claimed, {"status": "failed"})
    assert jobs.statuses(inst, archivist.ctx, [job_id])[0]["status"] == "stored"


def test_a_file_that_stops_every_worker_is_failed_not_retried(inst, archivist, sample_docs):
    job_id = jobs.submit(inst, archivist.ctx, sample_docs[1].content, "b.pdf")
    for attempt in range(jobs.MAX_ATTEMPTS):
        with jobs.Worker(inst, beat=60) as worker:
            job = jobs.claim(inst, worker.name)
            assert job.id == job_id and job.attempts == attempt + 1
            _beat_long_ago(inst, worker.name)
            worker.name = "gone"  # as if killed: nothing handed back on the way out
    assert jobs.claim(inst, "next") is None
    status = jobs.statuses(inst, archivist.ctx, [job_id])[0]
    assert status["state"] == "failed" and "3" in status["reason"]
    lines = jobs.overview_lines(jobs.overview(inst))
    assert any(f"job {job_id}: failed" in line for line in lines)
    assert jobs.retry_failed(inst) == 1
    assert jobs.work(inst, once=True) == 1
    assert jobs.statuses(inst, archivist.ctx, [job_id])[0]["status"] == "stored"


def test_an_unexpected_error_fails_the_job_and_keeps_the_worker(
    inst, archivist, sample_docs, monkeypatch
):
    first = jobs.submit(inst, archivist.ctx, sample_docs[2].content, "c.pdf")
    second = jobs.submit(inst, archivist.ctx, sample_docs[3].content, "d.pdf")
    real = jobs.pipeline.ingest_bytes
    calls = []

    def broken_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("boom")
        return real(*args, **kwargs)

    monkeypatch.setattr(jobs.pipeline, "ingest_bytes", broken_once)
    assert jobs.work(inst, once=True) == 2
    one, two = sorted(jobs.statuses(inst, archivist.ctx, [first, second]), key=lambda s: s["job"])
    assert one["state"] == "failed" and "RuntimeError" in one["reason"]
    assert (two["state"], two["status"]) == ("done", "stored")
    assert not check_store(inst, grace=0).orphans  # the failed file is kept for a retry


def test_queued_without_any_worker_alive_says_so(inst, archivist, sample_docs):
    job_id = jobs.submit(inst, archivist.ctx, sample_docs[4].content, "e.pdf")
    assert jobs.statuses(inst, archivist.ctx, [job_id])[0]["state"] == "no_worker"
    assert "no ingest worker is running" in "\n".join(jobs.overview_lines(jobs.overview(inst)))
    with jobs.Worker(inst, beat=60):
        assert jobs.statuses(inst, archivist.ctx, [job_id])[0]["state"] == "queued"
    with inst.sessions() as session:  # a worker that stops cleanly leaves the roll
        assert session.scalar(select(func.count()).select_from(IngestWorker)) == 0


def test_the_same_bytes_filed_at_once_by_two_workers_make_one_record(
    inst, archivist, sample_docs, monkeypatch
):
    doc = sample_docs[0]
    first = pipeline.ingest_bytes(inst, archivist.ctx, doc.content, "a.pdf")
    before = set(inst.blobs.names())
    real = queries.find_by_content
    calls = []

    def checked_before_the_other_commit(session, mac):
        calls.append(mac)
        return [] if len(calls) == 1 else real(session, mac)

    monkeypatch.setattr(queries, "find_by_content", checked_before_the_other_commit)
    second = pipeline.ingest_bytes(inst, archivist.ctx, doc.content, "b.pdf")
    assert len(calls) == 2  # the pipeline's check passed; filing asked again in its transaction
    assert (second.status, second.id) == ("duplicate", first.id)
    assert set(inst.blobs.names()) == before  # the loser's blobs are gone
    with inst.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Document)) == 1
        last = session.execute(select(AuditEntry).order_by(AuditEntry.seq.desc())).scalars()
        entry = next(last)
    assert (entry.action, entry.outcome, entry.object_id) == ("ingest", "duplicate", first.id)


def test_a_job_being_claimed_is_skipped_not_waited_for(inst, archivist, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("FOR UPDATE SKIP LOCKED is PostgreSQL's (SQLite has one writer)")
    ids = [jobs.submit(inst, archivist.ctx, f"Tệp {n}".encode(), f"{n}.txt") for n in (1, 2)]
    with inst.sessions.begin() as held:  # another worker in the middle of claiming the first
        held.execute(select(IngestJob).where(IngestJob.id == ids[0]).with_for_update()).one()
        claimed = jobs.claim(inst)  # at once (a wait would end in the test's timeout)
    assert claimed.id == ids[1]
    assert jobs.claim(inst).id == ids[0]


def test_a_refusal_reason_is_sealed_and_outcomes_kept_in_clear_before_are_sealed_on_repair(
    inst, archivist
):
    from archive.core import jobparts

    broken = b"%PDF-1.7\n" + b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n" * 20
    job_id = jobs.submit(inst, archivist.ctx, broken, "hỏng.pdf")
    jobs.work(inst, once=True)
    status = jobs.statuses(inst, archivist.ctx, [job_id])[0]
    assert status["status"] == "rejected" and status["reason"]  # the uploader reads it
    with inst.sessions() as session:
        row = session.get(IngestJob, job_id)
        assert set(row.result) == {"status", "id", "review", "secrecy_pending", "attempts"}
        assert status["reason"].encode() not in row.sealed_outcome
        entry = session.execute(
            select(AuditEntry).where(AuditEntry.action == "ingest").order_by(AuditEntry.seq.desc())
        ).scalar()
        assert entry.outcome == "rejected" and "reason" not in entry.detail  # sealed there too
        assert (
            log.opened(inst.keyring, log.payload_of(entry))["detail"]["reason"]
            == (status["reason"])
        )
    # a job finished before 0018 kept its reason in clear: kho check says so, --repair seals it
    with inst.sessions.begin() as session:
        session.execute(
            update(IngestJob)
            .where(IngestJob.id == job_id)
            .values(result={"status": "rejected", "reason": "quoted (clear)"}, sealed_outcome=None)
        )
    assert any("0018" in note for note in check_store(inst, grace=0).notes)
    check_store(inst, repair=True, grace=0)
    with inst.sessions() as session:
        row = session.get(IngestJob, job_id)
        assert "reason" not in row.result and jobparts.outcome_of(inst, row)["reason"] == (
            "quoted (clear)"
        )
    assert not any("0018" in note for note in check_store(inst, grace=0).notes)
    if inst.engine.dialect.name == "sqlite":  # the clear text left the file too
        assert b"quoted (clear)" not in Path(inst.engine.url.database).read_bytes()
