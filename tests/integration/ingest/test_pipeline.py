"""The ingest pipeline wired end to end: access copies, PREMIS events, quarantine, OCR later,
same-number warnings, protected PDFs, and the `kho ingest` / `kho ocr` / `kho quarantine` doors."""

from __future__ import annotations

import pikepdf
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from archive.core.limits import Limits
from archive.models import Document, RecordEvent
from archive.records import gate, quarantine, reading
from ingest import pipeline
from ingest.demo import samples
from ingest.doors import recognition
from ingest.examine import ocr
from search import query
from security.actor import Context
from security.errors import NotFound, Refused
from tests.support import documents as fx
from tests.support.people import add_person
from web.cli import main


def _events(inst, doc_id: int) -> list[tuple[str, str]]:
    with inst.sessions() as session:
        rows = session.execute(
            select(RecordEvent.event, RecordEvent.outcome).where(RecordEvent.document_id == doc_id)
        )
        return [tuple(r) for r in rows]


def test_people_download_the_sanitized_copy_and_the_original_is_kept(inst, archivist):
    hostile = fx.hostile_pdf(javascript=True, open_action=True)
    result = pipeline.ingest_bytes(inst, archivist.ctx, hostile, "js.pdf")
    assert result.status == "stored", result.reason
    copy = gate.open_content(inst, archivist.ctx, result.id).read()
    assert b"JavaScript" not in copy and b"app.alert" not in copy
    with pikepdf.open(__import__("io").BytesIO(copy)) as pdf:
        assert len(pdf.pages) == 1
    original = gate.open_content(inst, archivist.ctx, result.id, original=True).read()
    assert original == hostile
    events = dict(_events(inst, result.id))
    assert {
        "format identification",
        "validation",
        "sanitization",
        "text extraction",
        "encryption/storage",
    } <= set(events)


def test_top_secret_is_quarantined_until_an_administrator_releases_it(inst, archivist, sample_docs):
    doc = next(d for d in sample_docs if d.truth["level"] == "tuyet_mat")
    result = pipeline.ingest_bytes(inst, archivist.ctx, doc.content, doc.filename)
    assert result.status == "quarantined" and "TUYỆT MẬT" in result.reason
    with pytest.raises(NotFound):
        gate.view_document(inst, archivist.ctx, result.id)
    assert result.id not in {v.id for v in gate.list_documents(inst, archivist.ctx)}
    reader = add_person(inst, "canbo.tm", "reader", "mat")
    with pytest.raises(Refused):
        quarantine.release(inst, reader.ctx, result.id, "12/QĐ-VPTU")
    admin = add_person(inst, "quantri", "admin", "thuong")
    assert [q["id"] for q in quarantine.listing(inst, admin.ctx)] == [result.id]
    quarantine.release(inst, admin.ctx, result.id, "12/QĐ-VPTU")
    assert gate.view_document(inst, archivist.ctx, result.id).level == "tuyet_mat"
    word = doc.truth["canary"]
    assert [h.id for h in query.search(inst, archivist.ctx, word)] == [result.id]


def test_same_number_different_bytes_is_stored_with_a_warning(inst, archivist):
    truth = {
        "kind": "party",
        "doc_type": "KH",
        "number": "117-KH/TU",
        "issuer": "Tỉnh ủy Lào Cai",
        "date": "2024-03-05",
        "subject": "về chuyển đổi số",
        "level": "thuong",
        "urgency": "thuong",
    }
    first = pipeline.ingest_bytes(
        inst, archivist.ctx, samples.render_text(truth, ["Bản một."]).encode(), "a.txt"
    )
    second = pipeline.ingest_bytes(
        inst, archivist.ctx, samples.render_text(truth, ["Bản hai."]).encode(), "b.txt"
    )
    assert second.status == "stored"
    assert any(str(first.id) in w for w in second.warnings)


def test_protected_pdf_is_filed_once_the_password_is_given(inst, archivist):
    protected = fx.encrypted_pdf("u-secret")
    refused = pipeline.ingest_bytes(inst, archivist.ctx, protected, "khoa.pdf")
    assert refused.status == "rejected" and "--password-file" in refused.reason
    stored = pipeline.ingest_bytes(inst, archivist.ctx, protected, "khoa.pdf", password="u-secret")
    assert stored.status == "stored", stored.reason
    copy = gate.open_content(inst, archivist.ctx, stored.id).read()
    with pikepdf.open(__import__("io").BytesIO(copy)) as pdf:  # the access copy opens freely
        assert not pdf.is_encrypted


@pytest.mark.slow
def test_scan_filed_without_tesseract_is_recognised_later(inst, archivist, monkeypatch):
    scan = fx.scanned_pdf(fx.image(("ĐẢNG VIÊN PHÁT TRIỂN", "TỈNH ỦY LÀO CAI")))
    monkeypatch.setattr(ocr, "tesseract_version", lambda: None)  # as if not installed
    stored = pipeline.ingest_bytes(inst, archivist.ctx, scan, "scan.pdf", declared_level="mat")
    assert stored.status == "stored" and any("OCR" in w for w in stored.warnings)
    assert recognition.pending(inst) == [stored.id]
    assert recognition.recognise(inst, archivist.ctx, stored.id, Limits()).status == "unavailable"
    monkeypatch.undo()
    done = recognition.recognise(inst, archivist.ctx, stored.id, Limits())
    assert done.status == "done" and recognition.pending(inst) == []
    with inst.sessions() as session:
        doc = session.get(Document, stored.id)
        doc.objects  # noqa: B018
        assert sorted(o.version for o in doc.objects if o.kind == "text") == [1, 2]
        assert "TRI" in reading.read_text(inst, doc).upper()
    assert [h.id for h in query.search(inst, archivist.ctx, "lao cai")] == [stored.id]


def test_ingest_command_summary_json_and_exit_status(app, inst, archivist, tmp_path, home_env):
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "a.docx").write_bytes(fx.docx_file(["Kế hoạch phát triển đảng viên năm 2026."]))
    (folder / "fake.pdf").write_bytes(b"MZ\x90\x00" + bytes(60))
    env = home_env
    runner = CliRunner()
    result = runner.invoke(main, ["ingest", str(folder), "--as", "vanthu"], env=env)
    assert result.exit_code == 2
    assert "đã lưu (stored)" in result.output and "từ chối (rejected)" in result.output
    assert "Windows program" in result.output
    result = runner.invoke(
        main, ["ingest", str(folder / "a.docx"), "--as", "vanthu", "--json"], env=env
    )
    assert '"status": "duplicate"' in result.output
    admin = Context(None, "cli")
    assert quarantine.listing(inst, admin) == []
    assert (
        "0 văn bản" in runner.invoke(main, ["ocr", "--pending", "--as", "vanthu"], env=env).output
    )


def test_watched_inbox_files_settled_files_and_explains_refusals(inst, archivist, tmp_path):
    from ingest.doors import inbox

    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "ok.txt").write_bytes(fx.docx_file(["Kế hoạch số 5-KH/TU về đảng viên."]))
    (folder / "bad.pdf").write_bytes(b"PK\x03\x04 not really")
    first = list(inbox.watch(inst, archivist.ctx, folder, interval=60, once=True))
    assert first == []  # too fresh: may still be being copied
    ticks = []
    results = list(
        inbox.watch(
            inst,
            archivist.ctx,
            folder,
            interval=0,
            once=False,
            sleep=lambda s: ticks.append(s) or _stop(len(ticks)),
        )
    )
    assert sorted(r.status for r in results) == ["rejected", "stored"]
    assert (folder / "done" / "ok.txt").exists()
    reason = (folder / "rejected" / "bad.pdf.reason.txt").read_text(encoding="utf-8")
    assert "ZIP" in reason
    assert not [p for p in folder.iterdir() if p.is_file()]


class _Stop(Exception):
    pass


def _stop(ticks: int) -> None:
    if ticks >= 3:
        raise _Stop


@pytest.fixture(autouse=True)
def _swallow_stop(monkeypatch):
    """Let the endless watch loop end after a few looks in the test above."""
    from ingest.doors import inbox

    real = inbox.watch

    def bounded(*args, **kwargs):
        try:
            yield from real(*args, **kwargs)
        except _Stop:
            return

    monkeypatch.setattr(inbox, "watch", bounded)
