"""OCR page jobs: a long scan's pages read by any worker, the record filed once all are; a page
job of a worker that died is taken over; texts sealed, and gone once the record is filed."""

from __future__ import annotations

import io
import threading

import pytest
from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select, update

from archive.models import IngestJob, IngestWorker, OcrPageJob, utcnow
from ingest.doors import jobs, pages
from ingest.examine import ocr
from ingest.examine.scan import raster
from search import query

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not ocr.ocr_available(), reason="needs tesseract with its vie model"),
]
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
WORDS = ["PHUONGAN", "KIEMTRA", "GIAMSAT", "TONGKET"]  # one word to find on each page


def _scan(page_count: int, fmt: str) -> bytes:
    """A scan without text layer: page n carries ``WORDS[n]`` (pictures only)."""
    font = ImageFont.truetype(FONT, 44)
    frames = []
    for n in range(page_count):
        canvas = Image.new("L", (1400, 420), 255)
        draw = ImageDraw.Draw(canvas)
        draw.text((60, 60), "ĐẢNG CỘNG SẢN VIỆT NAM", 0, font=font)
        draw.text((60, 200), f"Trang {n + 1}: {WORDS[n]} nội dung", 0, font=font)
        frames.append(canvas)
    out = io.BytesIO()
    frames[0].save(out, format=fmt, save_all=True, append_images=frames[1:], resolution=150)
    return out.getvalue()


def _register(inst, name: str) -> None:
    with inst.sessions.begin() as session:
        session.add(IngestWorker(name=name, host="test", pid=1))


def _claim_page(inst, worker: str):
    """A page job for ``worker``, the test's workers beating first (OCR takes seconds)."""
    taken = _claim_pages(inst, worker, 1)
    return taken[0] if taken else None


def _claim_pages(inst, worker: str, limit: int):
    with inst.sessions.begin() as session:
        session.execute(update(IngestWorker).values(seen_at=utcnow()))
    return pages.claim(inst, worker, jobs._alive(), jobs.MAX_ATTEMPTS, limit)


def _rows(inst, job_id: int) -> list[OcrPageJob]:
    with inst.sessions() as session:
        return list(
            session.execute(
                select(OcrPageJob).where(OcrPageJob.job_id == job_id).order_by(OcrPageJob.page)
            ).scalars()
        )


def _nothing_in_clear(inst) -> None:
    """No page's words in any file of the instance (SQLite's database and WAL, blobs, index,
    logs) while the page texts wait for the filing."""
    for path in inst.home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for word in WORDS:
                assert word.encode() not in data, (word, path)
                assert word.lower().encode() not in data, (word, path)


def _job(inst, job_id: int) -> IngestJob:
    with inst.sessions() as session:
        return session.get(IngestJob, job_id)


@pytest.mark.parametrize("fmt", ["PDF", "TIFF"])
def test_a_long_scan_is_read_page_by_page_by_several_workers(inst, archivist, fmt, monkeypatch):
    job_id = jobs.submit(inst, archivist.ctx, _scan(4, fmt), f"ban-quet.{fmt.lower()}", None, "mat")
    for name in ("w1", "w2"):
        _register(inst, name)
    claimed = jobs.claim(inst, "w1")
    assert jobs.run(inst, claimed) == {"status": "pages", "pages": 3}  # pages 2-4; 1 by layout
    assert _job(inst, job_id).status == "pages"
    assert jobs.statuses(inst, archivist.ctx, [job_id])[0]["state"] == "running"
    assert jobs.claim(inst, "w2") is None  # not filed before its pages are read
    taken = []
    for worker in ("w1", "w2", "w1"):  # any worker takes any page
        page = _claim_page(inst, worker)
        taken.append((worker, page.page))
        assert pages.run(inst, page)
    assert taken == [("w1", 1), ("w2", 2), ("w1", 3)]
    assert _claim_page(inst, "w2") is None
    rows = _rows(inst, job_id)
    assert all(r.status == "done" and r.sealed_text for r in rows)
    assert not any(w.encode() in r.sealed_text for r in rows for w in WORDS)  # sealed
    _nothing_in_clear(inst)
    assert _job(inst, job_id).status == "queued"  # the last page put it back

    read_here = []
    real = raster.render_pdf_page
    monkeypatch.setattr(
        raster, "render_pdf_page", lambda d, i, *a, **k: read_here.append(i) or real(d, i, *a, **k)
    )
    outcome = jobs.run(inst, jobs.claim(inst, "w2"))
    assert outcome["status"] == "stored", outcome
    if fmt == "PDF":
        assert read_here == [0]  # the filing rendered only page 1: the others were read
    assert _rows(inst, job_id) == []  # the page texts went with the filing
    for word in WORDS:
        assert [h.id for h in query.search(inst, archivist.ctx, word)] == [outcome["id"]], word


def test_a_page_job_of_a_worker_that_died_is_taken_over(inst, archivist):
    job_id = jobs.submit(inst, archivist.ctx, _scan(3, "TIFF"), "ban-quet.tiff", None, "mat")
    for name in ("alive", "other"):
        _register(inst, name)
    jobs.run(inst, jobs.claim(inst, "alive"))
    [dead] = pages.claim(inst, "gone", jobs._alive(), jobs.MAX_ATTEMPTS)  # never beat: dead
    assert dead.page == 1
    first = _claim_page(inst, "alive")
    assert first.page == 1 and first.attempts == 2  # taken over from the dead worker
    assert pages.run(inst, first)
    assert not pages.run(inst, dead)  # the dead worker woke: its text is not kept
    second = _claim_page(inst, "alive")
    assert second.page == 2 and pages.run(inst, second)
    outcome = jobs.run(inst, jobs.claim(inst, "alive"))
    assert outcome["status"] == "stored" and _rows(inst, job_id) == []
    assert [h.id for h in query.search(inst, archivist.ctx, WORDS[2])] == [outcome["id"]]


def test_a_worker_alone_reads_a_long_scan_itself_on_every_core(inst, archivist, monkeypatch):
    """No page jobs without another worker: its own pool reads the pages, page 1 first."""
    job_id = jobs.submit(inst, archivist.ctx, _scan(4, "TIFF"), "mot-minh.tiff", None, "mat")
    _register(inst, "alone")
    bodies = []
    real = ocr._Body.__init__
    monkeypatch.setattr(
        ocr._Body,
        "__init__",
        lambda self, wanted, *a: bodies.append(wanted) or real(self, wanted, *a),
    )
    outcome = jobs.run(inst, jobs.claim(inst, "alone"))
    assert outcome["status"] == "stored" and _rows(inst, job_id) == []
    assert bodies == [[1, 2, 3]]  # pages 2-4 read in the pool while page 1 was read
    for word in WORDS:
        assert [h.id for h in query.search(inst, archivist.ctx, word)] == [outcome["id"]], word


def test_a_short_scan_is_filed_by_one_worker(inst, archivist):
    jobs.submit(inst, archivist.ctx, _scan(2, "TIFF"), "ngan.tiff", None, "mat")
    _register(inst, "w")
    assert jobs.run(inst, jobs.claim(inst, "w"))["status"] == "stored"
    with inst.sessions() as session:
        assert session.execute(select(OcrPageJob)).first() is None


def _split_upload(inst, archivist, page_count: int) -> int:
    """An upload split into page jobs for pages 2..``page_count`` by a worker ``w1`` (another,
    ``w2``, alive beside it), without reading anything yet."""
    job_id = jobs.submit(inst, archivist.ctx, _scan(2, "TIFF"), "dai.tiff", None, "mat")
    for name in ("w1", "w2"):
        _register(inst, name)
    assert pages.split(inst, jobs.claim(inst, "w1"), list(range(1, page_count)))
    return job_id


def test_a_worker_claims_one_page_job_per_slot_of_its_pool(inst, archivist):
    job_id = _split_upload(inst, archivist, 6)  # page jobs for pages 2-6 (indexes 1-5)
    first = _claim_pages(inst, "w1", 3)
    assert [p.page for p in first] == [1, 2, 3]
    assert all(p.status == "running" and p.worker == "w1" and p.attempts == 1 for p in first)
    second = _claim_pages(inst, "w2", 3)  # what is left, never another's
    assert [p.page for p in second] == [4, 5]
    assert _claim_pages(inst, "w1", 3) == []
    rows = _rows(inst, job_id)
    assert [(r.page, r.worker) for r in rows] == [
        (1, "w1"), (2, "w1"), (3, "w1"), (4, "w2"), (5, "w2")
    ]  # fmt: skip
    assert _job(inst, job_id).status == "pages"


def test_the_worker_loop_reads_as_many_pages_at_once_as_its_pool_has_slots(
    inst, archivist, monkeypatch
):
    """``jobs.work`` claims ``KHO_OCR_PROCESSES`` page jobs in one go and reads them side by
    side: each of the three fake readings waits at a barrier for the other two, which only a
    worker reading them at once can pass (one at a time, the barrier breaks)."""
    job_id = _split_upload(inst, archivist, 5)  # page jobs for pages 2-5 (indexes 1-4)
    monkeypatch.setenv("KHO_OCR_PROCESSES", "3")
    together = threading.Barrier(3, timeout=60)
    seen = []

    def reading(inst, page, limits=None):
        seen.append(
            (page.page, sorted(r.page for r in _rows(inst, job_id) if r.status == "running"))
        )
        if page.page <= 3:
            together.wait()  # the first claim: three pages read at once
        return True

    monkeypatch.setattr(pages, "run", reading)
    assert jobs.work(inst, once=True) == 4
    assert sorted(seen) == [(1, [1, 2, 3]), (2, [1, 2, 3]), (3, [1, 2, 3]), (4, [1, 2, 3, 4])]
    assert not together.broken
    # the worker stopped with its pages unread (the fake read none): handed back, not lost
    assert [(r.status, r.attempts) for r in _rows(inst, job_id)] == [("queued", 0)] * 4
