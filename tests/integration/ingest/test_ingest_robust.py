"""Any failure on one file is that file's rejection, never the batch's end: every committed
file is reported and indexed, and a poison file never blocks the inbox."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import select

from archive.core import faults
from archive.models import AuditEntry
from archive.operations.maintenance import check_store
from ingest import pipeline
from ingest.doors import inbox
from ingest.examine import text
from search import feed
from tests.support import documents as fx


def _poison_pdf_text(real):
    """pdf_text that fails like a library bug on any PDF whose text layer says POISON."""

    def fake(data, deadline=None, first=None):
        extracted = real(data, deadline, first)
        if "POISON" in extracted.text:
            raise TypeError(f"cannot handle {extracted.text[-12:]!r}")
        return extracted

    return fake


def _files(folder: Path, count: int, poison_at: int) -> list[Path]:
    folder.mkdir()
    paths = []
    for n in range(count):
        path = folder / f"{n:02}.pdf"
        words = "POISON" if n == poison_at else f"số {n}"
        path.write_bytes(fx.pdf(f"{fx.SENTENCE} {words} thứ {n}"))
        paths.append(path)
    return paths


def test_a_library_crash_is_a_rejection_with_its_stage_logged_and_audited(
    inst, archivist, monkeypatch, caplog
):
    monkeypatch.setattr(text, "pdf_text", _poison_pdf_text(text.pdf_text))
    with caplog.at_level(logging.ERROR):
        result = pipeline.ingest_bytes(inst, archivist.ctx, fx.pdf("POISON"), "x.pdf")
    assert result.status == "rejected"
    assert "could not be read (text extraction: TypeError" in result.reason
    assert "Không đọc được tệp" in result.reason
    logged = [r.getMessage() for r in caplog.records]
    assert any("TypeError" in line and "text extraction" in line for line in logged), logged
    assert not any("POISON" in line for line in logged)  # no document content in the log
    with inst.sessions() as session:
        entry = session.execute(
            select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)
        ).scalar_one()
    assert (entry.action, entry.outcome) == ("ingest", "rejected")


def test_a_crash_while_reading_the_header_is_a_rejection(inst, archivist, monkeypatch):
    def broken(_text, **_options):
        raise IndexError("list index out of range")

    monkeypatch.setattr(pipeline, "parse_header", broken)
    result = pipeline.ingest_bytes(inst, archivist.ctx, fx.pdf(), "a.pdf")
    assert result.status == "rejected" and "(description: IndexError" in result.reason


def test_batch_goes_on_past_a_crash_and_reports_and_indexes_every_committed_file(
    inst, archivist, monkeypatch, tmp_path
):
    monkeypatch.setattr(text, "pdf_text", _poison_pdf_text(text.pdf_text))
    paths = _files(tmp_path / "batch", 12, poison_at=3)
    results = list(pipeline.ingest_files(inst, archivist.ctx, paths, workers=4))
    assert [r.path for r in results] == [str(p) for p in paths]
    assert [r.status for r in results].count("stored") == 11
    assert results[3].status == "rejected" and "could not be read" in results[3].reason
    not_indexed, stale = feed.missing_from_index(inst)
    assert (not_indexed, stale) == (set(), set())
    assert not check_store(inst, grace=0).problems


def _failing_storage(monkeypatch, error: OSError) -> None:
    from archive.records import filing

    real = filing.file_record

    def failing(inst_, ctx, new, mac, **options):
        if "thứ 1" in new.text:
            raise error
        return real(inst_, ctx, new, mac, **options)

    monkeypatch.setattr(filing, "file_record", failing)


def test_a_storage_failure_is_a_rejection_and_leaves_nothing_half_stored(
    inst, archivist, monkeypatch, tmp_path
):
    _failing_storage(monkeypatch, OSError(5, "Input/output error"))
    paths = _files(tmp_path / "disk", 3, poison_at=-1)
    results = list(pipeline.ingest_files(inst, archivist.ctx, paths, workers=2))
    assert [r.status for r in results] == ["stored", "rejected", "stored"]
    assert "could not be filed (OSError" in results[1].reason
    assert not check_store(inst, grace=0).problems


def test_a_full_disk_stops_the_batch_and_leaves_nothing_half_stored(
    inst, archivist, monkeypatch, tmp_path
):
    _failing_storage(monkeypatch, OSError(28, "No space left on device"))
    paths = _files(tmp_path / "full", 3, poison_at=-1)
    results = []
    with pytest.raises(faults.DiskFull, match="The disk is full"):
        for result in pipeline.ingest_files(inst, archivist.ctx, paths, workers=2):
            results.append(result)
    assert [r.status for r in results] == ["stored"]  # the full disk is no fault of the file
    assert not check_store(inst, grace=0).problems
    assert feed.missing_from_index(inst) == (set(), set())  # what was stored is findable


def test_files_committed_ahead_of_a_stopped_report_are_still_indexed(
    inst, archivist, tmp_path, caplog
):
    paths = _files(tmp_path / "stop", 8, poison_at=-1)
    batch = pipeline.ingest_files(inst, archivist.ctx, paths, workers=4)
    with caplog.at_level(logging.WARNING):
        first = next(batch)
        batch.close()  # the caller stops (Ctrl+C, a broken pipe) after one result
    assert first.status == "stored"
    not_indexed, _stale = feed.missing_from_index(inst)
    assert not_indexed == set()
    unreported = [r for r in caplog.records if "before reporting" in r.getMessage()]
    with inst.sessions() as session:
        filed = session.execute(select(AuditEntry).where(AuditEntry.action == "ingest")).scalars()
        assert len(list(filed)) == 1 + len(unreported)
    assert len(unreported) <= 2 * 4  # the threads never ran further ahead than that


def test_watch_moves_a_poison_file_to_rejected_and_files_the_ones_behind_it(
    inst, archivist, monkeypatch, tmp_path
):
    monkeypatch.setattr(text, "pdf_text", _poison_pdf_text(text.pdf_text))
    box = tmp_path / "inbox"
    _files(box, 3, poison_at=0)
    results = list(inbox.watch(inst, archivist.ctx, box, interval=0, once=True))
    assert [r.status for r in results] == ["rejected", "stored", "stored"]
    assert (box / "rejected" / "00.pdf").exists()
    reason = (box / "rejected" / "00.pdf.reason.txt").read_text(encoding="utf-8")
    assert "could not be read" in reason
    assert sorted(p.name for p in (box / "done").iterdir()) == ["01.pdf", "02.pdf"]
    assert [p for p in box.iterdir() if p.is_file()] == []


def test_watch_survives_the_database_failing_on_one_file(inst, archivist, monkeypatch, tmp_path):
    calls = []
    real = pipeline.ingest_file

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database is locked")
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "ingest_file", flaky)
    box = tmp_path / "inbox"
    _files(box, 2, poison_at=-1)
    results = list(inbox.watch(inst, archivist.ctx, box, interval=0, once=True))
    assert [r.status for r in results] == ["rejected", "stored"]
    assert (box / "rejected" / "00.pdf").exists()
