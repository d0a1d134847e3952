"""Records held back because their secrecy could not be read with confidence (chờ xác định độ
mật): filed instead of refused, hidden from everyone but their filer and security officers in
every view, released only by a person setting the level, never released by a later reading."""

from __future__ import annotations

import json
import re
import secrets
from datetime import date

import pytest
from sqlalchemy import select

from archive.core.limits import Limits
from archive.lifecycle import plan, registers
from archive.models import AuditEntry, Document
from archive.records import gate, grants, history, review
from ingest import pipeline
from ingest.delivery import preview
from ingest.demo import samples
from ingest.doors import jobs, recognition
from ingest.examine import ocr, stages
from search import query
from security.errors import NotFound, Refused
from tests.support import documents as fx
from tests.support.people import add_person
from tests.support.scans import header_page, scan_pdf


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _login(client, person) -> None:
    page = client.get("/login").get_data(as_text=True)
    response = client.post(
        "/login",
        data={"csrf_token": _csrf(page), "username": person.username, "password": person.password},
    )
    assert response.status_code == 302


def _hidden(inst, ctx, doc_id: int) -> None:
    """Every read of one record through the gate answers "not found"."""
    for read in (gate.view_document, gate.read_document, gate.open_content):
        with pytest.raises(NotFound):
            read(inst, ctx, doc_id)
    with pytest.raises(NotFound):
        preview.page_png(inst, ctx, doc_id, 0)
    with pytest.raises(NotFound):
        preview.header_png(inst, ctx, doc_id)
    with pytest.raises(NotFound):
        history.history(inst, ctx, doc_id)
    assert doc_id not in {v.id for v in gate.list_documents(inst, ctx)}


# -- the failure the issue is about ---------------------------------------------------------------


@pytest.mark.slow
def test_stamped_secret_scan_is_never_filed_as_ordinary(inst, archivist):
    """A scan (no text layer) with a red boxed "MẬT" stamp under the number. Before: filed as
    ordinary, found and opened by a reader cleared only THƯỜNG. Now: held back, or, when the
    stamp is read, filed MẬT (and still held back if the reading was unsure)."""
    scan = scan_pdf(header_page("MẬT"))
    result = pipeline.ingest_bytes(inst, archivist.ctx, scan, "quet.pdf")
    assert result.status == "stored", result.reason
    assert result.secrecy_pending or result.fields["level"] == "mat"
    ordinary = add_person(inst, "docgia", "reader", "thuong", "VP")
    cleared = add_person(inst, "docgia.mat", "reader", "mat", "VP")
    _hidden(inst, ordinary.ctx, result.id)
    assert query.run(inst, ordinary.ctx, query.SearchRequest("ke hoach")).total == 0
    seen = {v.id for v in query.search(inst, cleared.ctx, "phat trien dang vien")}
    assert (result.id in seen) is (not result.secrecy_pending)


def test_scan_without_any_text_is_held_back_instead_of_refused(inst, archivist, monkeypatch):
    monkeypatch.setattr(ocr, "tesseract_version", lambda: None)  # OCR unavailable
    result = pipeline.ingest_bytes(inst, archivist.ctx, scan_pdf(header_page("MẬT")), "q.pdf")
    assert result.status == "stored" and result.secrecy_pending
    assert result.review[0] == "level"
    _hidden(inst, add_person(inst, "docgia", "reader", "tuyet_mat", "VP").ctx, result.id)
    with inst.sessions() as session:
        doc = session.get(Document, result.id)
        assert doc.secrecy_pending and doc.needs_review and doc.needs_ocr


# -- hidden everywhere --------------------------------------------------------------------------


@pytest.fixture
def held(inst, archivist):
    """A scan whose header could not be read (OCR text, no number, date or type), held back,
    and an ordinary text record that shares some of its words, both in unit VP."""
    scan = fx.scanned_pdf(fx.image(("ĐẢNG VIÊN PHÁT TRIỂN", "TỈNH ỦY LÀO CAI")))
    pending = pipeline.ingest_bytes(inst, archivist.ctx, scan, "scan.pdf")
    assert pending.status == "stored" and pending.secrecy_pending, pending
    text = samples.render_text(
        {
            "kind": "party",
            "doc_type": "TB",
            "number": "7-TB/TU",
            "issuer": "Tỉnh ủy Lào Cai",
            "date": "2025-02-03",
            "subject": "về lịch làm việc",
            "level": "thuong",
            "urgency": "thuong",
        },
        ["Thông báo lịch làm việc của Thường trực."],
    ).encode()
    plain = pipeline.ingest_bytes(inst, archivist.ctx, text, "tb.txt")
    assert plain.status == "stored" and not plain.secrecy_pending
    return pending.id, plain.id


@pytest.mark.slow
def test_reader_cleared_thuong_cannot_find_or_open_a_pending_scan(app, inst, archivist, held):
    scan_id, plain_id = held
    reader = add_person(inst, "docgia", "reader", "thuong", "VP")
    colleague = add_person(inst, "vanthu2", "archivist", "tuyet_mat", "VP")
    officer = add_person(inst, "baomat", "security_officer", "mat", "VP")
    for person in (reader, colleague):
        _hidden(inst, person.ctx, scan_id)
    # Search: no hit, no count, no facet, no suggestion drawn from the held-back record.
    found = query.run(inst, reader.ctx, query.SearchRequest("lao cai"))
    assert [h.id for h in found.hits] == [plain_id] and found.total == 1
    assert found.facets["level"] == [("thuong", 1)]
    alone = query.run(inst, reader.ctx, query.SearchRequest("phat trien"))
    assert (alone.total, alone.hits, alone.facets) == (0, [], {})
    assert query.run(inst, reader.ctx, query.SearchRequest("phat triem")).suggestion is None
    # The filer and the security officer see it.
    for person in (archivist, officer):
        mine = query.run(inst, person.ctx, query.SearchRequest("lao cai"))
        assert mine.total == 2 and scan_id in {h.id for h in mine.hits}
        gate.view_document(inst, person.ctx, scan_id)
    assert query.run(inst, archivist.ctx, query.SearchRequest("phat triem")).suggestion
    # Registers: an entry for the held-back record is not shown, nor exported.
    for doc_id in (scan_id, plain_id):
        registers.add_entry(
            inst, archivist.ctx, "DEN", date(2025, 3, 1), {"sender": "VPTU"}, doc_id
        )
    shown = registers.entries(inst, reader.ctx, "DEN", 2025)
    assert [e.document_id for e in shown] == [plain_id]
    assert f",{scan_id}\r" not in registers.export_csv(inst, reader.ctx, "DEN", 2025)
    assert len(registers.entries(inst, archivist.ctx, "DEN", 2025)) == 2
    # No dossier, grant or share while held back; the refusal reads like a missing record.
    plan.plan(inst, archivist.ctx, 2025, "2025-VP-01", "Hồ sơ kế hoạch", "10")
    with pytest.raises(NotFound):
        plan.add(inst, archivist.ctx, "2025-VP-01", [scan_id])
    with pytest.raises(NotFound):
        grants.request(inst, reader.ctx, scan_id, "cần cho công việc")
    # The review queue: first for the filer and the officer, absent for the colleague.
    assert review.queue(inst, archivist.ctx)[0].id == scan_id
    assert [v.id for v in review.queue(inst, officer.ctx)] == [scan_id]
    assert scan_id not in {v.id for v in review.queue(inst, colleague.ctx)}
    # The web pages: 404 for the reader, the same as a record that does not exist.
    client = app.test_client()
    _login(client, reader)
    for url in ("", "/file", "/page/0.png"):
        assert client.get(f"/documents/{scan_id}{url}").status_code == 404
    assert client.get("/review").status_code == 404
    page = client.get("/search?q=lao+cai").get_data(as_text=True)
    assert f"/documents/{plain_id}" in page and f"/documents/{scan_id}" not in page
    assert f"/documents/{scan_id}" not in client.get("/").get_data(as_text=True)


def test_cli_json_hides_a_held_back_record_and_lists_it_for_the_filer(kho, tmp_path, monkeypatch):
    kho("init")
    monkeypatch.setattr(ocr, "tesseract_version", lambda: None)
    kho("user", "add", "vanthu", "--role", "archivist", "--clearance", "mat", "--unit", "VP")
    kho("user", "add", "docgia", "--role", "reader", "--clearance", "mat", "--unit", "VP")
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(scan_pdf(header_page(None)))
    filed = _json(kho("ingest", str(scan), "--as", "vanthu", "--json").output)[0]
    assert filed["status"] == "stored" and filed["secrecy_pending"] is True
    assert filed["review"][0] == "level"
    doc_id = str(filed["id"])
    assert kho("show", doc_id, "--as", "docgia", "--json", ok=False).exit_code != 0
    listed = _json(kho("review", "list", "--as", "vanthu", "--json").output)
    assert listed[0]["id"] == filed["id"] and listed[0]["secrecy_pending"] is True
    refused = kho("review", "confirm", doc_id, "--as", "vanthu", ok=False)
    assert refused.exit_code != 0 and "--level" in refused.output
    kho("review", "confirm", doc_id, "--as", "vanthu", "--level", "mat")
    shown = _json(kho("show", doc_id, "--as", "docgia", "--json").output)[0]
    assert shown["level"] == "mat" and shown["secrecy_pending"] is False


def _json(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


# -- setting the level -----------------------------------------------------------------------------


@pytest.mark.slow
def test_setting_the_level_releases_it_audited_like_a_level_change(inst, archivist, held):
    scan_id, _ = held
    reader = add_person(inst, "docgia", "reader", "thuong", "VP")
    with pytest.raises(Refused):  # confirming without choosing the level releases nothing
        review.confirm(inst, archivist.ctx, scan_id)
    review.confirm(inst, archivist.ctx, scan_id, level="thuong")
    with inst.sessions() as session:
        doc = session.get(Document, scan_id)
        assert not doc.secrecy_pending and not doc.needs_review
        entry = session.execute(
            select(AuditEntry)
            .where(AuditEntry.object_id == scan_id, AuditEntry.action == "secrecy_change")
            .order_by(AuditEntry.seq.desc())
        ).scalar()
        assert entry.outcome == "ok" and entry.detail["changed"]["secrecy_pending"] == [True, False]
    versions = history.history(inst, archivist.ctx, scan_id)
    assert "secrecy_pending" in versions[-1]["fields"]
    assert versions[-1]["old"]["secrecy_pending"] is True
    # The index followed at once: the reader now finds and opens it.
    assert scan_id in {h.id for h in query.search(inst, reader.ctx, "phat trien")}
    gate.read_document(inst, reader.ctx, scan_id)


def _file_held(inst, ctx, level: str) -> int:
    """A held-back record with a provisional level read with confidence, filed through the
    archive as ingest does (the decision itself is tested in test_secrecy_decision)."""
    from archive.models import Unit
    from archive.records import filing
    from search import feed

    content = f"Văn bản chờ xác định độ mật {level} {secrets.token_hex(4)}".encode()
    with inst.sessions() as session:
        unit = session.execute(select(Unit).where(Unit.code == "VP")).scalar_one()
    new = filing.NewRecord(
        content,
        "text/plain",
        content.decode(),
        {"level": level, "kind": "party", "doc_type": "KH"},
        "held.txt",
        unit,
        secrecy_pending=True,
    )
    doc = filing.file_record(inst, ctx, new, inst.keyring.content_mac(content))
    feed.refresh(inst, [doc.id])
    return doc.id


def test_lowering_a_held_back_level_needs_a_security_officer_and_a_reason(inst, archivist):
    doc_id = _file_held(inst, archivist.ctx, "mat")
    officer = add_person(inst, "baomat", "security_officer", "mat", "VP")
    with pytest.raises(Refused):
        review.confirm(inst, archivist.ctx, doc_id, level="thuong")
    with pytest.raises(Refused, match="reason"):
        review.confirm(inst, officer.ctx, doc_id, level="thuong")
    review.confirm(inst, officer.ctx, doc_id, level="thuong", reason="dấu MẬT là dấu của bản khác")
    with inst.sessions() as session:
        doc = session.get(Document, doc_id)
        assert (doc.level, doc.secrecy_pending) == ("thuong", False)
        assert doc.needs_review  # the other fields still wait for the archivist


def test_archivist_confirms_or_raises_a_held_back_level_within_clearance(inst, archivist):
    confirmed = _file_held(inst, archivist.ctx, "mat")
    review.confirm(inst, archivist.ctx, confirmed, level="mat")
    raised = _file_held(inst, archivist.ctx, "thuong")
    review.confirm(inst, archivist.ctx, raised, level="toi_mat")
    low = add_person(inst, "vanthu.thuong", "archivist", "thuong", "VP")
    beyond = _file_held(inst, low.ctx, "thuong")
    with pytest.raises(Refused):
        review.confirm(inst, low.ctx, beyond, level="mat")
    with inst.sessions() as session:
        assert [session.get(Document, i).level for i in (confirmed, raised)] == ["mat", "toi_mat"]
        assert session.get(Document, beyond).secrecy_pending


def test_a_held_back_record_set_to_tuyet_mat_is_quarantined_as_at_filing(inst, archivist):
    from archive.records import quarantine
    from security.actor import Context

    doc_id = _file_held(inst, archivist.ctx, "toi_mat")
    review.confirm(inst, archivist.ctx, doc_id, level="tuyet_mat")
    with inst.sessions() as session:
        doc = session.get(Document, doc_id)
        assert (doc.level, doc.status, doc.secrecy_pending) == ("tuyet_mat", "quarantined", False)
    assert [q["id"] for q in quarantine.listing(inst, Context(None, "test"))] == [doc_id]
    with pytest.raises(NotFound):
        gate.view_document(inst, archivist.ctx, doc_id)


def test_officer_confirms_at_the_level_read(inst, archivist):
    officer = add_person(inst, "baomat", "security_officer", "toi_mat", "VP")
    doc_id = _file_held(inst, archivist.ctx, "mat")
    review.confirm(inst, officer.ctx, doc_id, level="mat")
    with inst.sessions() as session:
        assert not session.get(Document, doc_id).secrecy_pending


# -- a later reading only tightens -----------------------------------------------------------


@pytest.mark.slow
def test_ocr_later_never_lowers_nor_releases(inst, archivist, monkeypatch):
    scan = fx.scanned_pdf(fx.image(("ĐẢNG VIÊN PHÁT TRIỂN", "TỈNH ỦY LÀO CAI")))
    monkeypatch.setattr(ocr, "tesseract_version", lambda: None)
    declared = pipeline.ingest_bytes(inst, archivist.ctx, scan, "a.pdf", declared_level="toi_mat")
    held = pipeline.ingest_bytes(inst, archivist.ctx, scan + b"\n%2\n", "b.pdf")
    assert not declared.secrecy_pending and held.secrecy_pending
    monkeypatch.undo()
    for doc_id in (declared.id, held.id):
        assert recognition.recognise(inst, archivist.ctx, doc_id, Limits()).status == "done"
    with inst.sessions() as session:
        first, second = session.get(Document, declared.id), session.get(Document, held.id)
        assert (first.level, first.secrecy_pending) == ("toi_mat", False)  # nothing read: kept
        assert (second.level, second.secrecy_pending) == ("thuong", True)  # still held back


def test_a_doubt_seen_by_a_later_reading_holds_a_record_back(inst, archivist, monkeypatch):
    monkeypatch.setattr(ocr, "tesseract_version", lambda: None)
    scan = fx.scanned_pdf(fx.image(("TỈNH ỦY LÀO CAI",)))
    filed = pipeline.ingest_bytes(inst, archivist.ctx, scan, "a.pdf", declared_level="mat")
    assert not filed.secrecy_pending
    monkeypatch.setattr(ocr, "ocr_available", lambda: True)
    doubtful = stages.Mark("level", "toi_mat", "T0I MẬT", 0.45, 0, (0.1, 0.1, 0.3, 0.15), 10.0)
    monkeypatch.setattr(
        stages,
        "examine",
        lambda *a, **k: stages.Examined(
            stages.MediaType.PDF,
            "TỈNH ỦY LÀO CAI\nSố 5-KH/TU\nKẾ HOẠCH",
            1,
            page_sources=["ocr"],
            marks=[doubtful],
            stamps_searched=True,
        ),
    )
    assert recognition.recognise(inst, archivist.ctx, filed.id, Limits()).status == "done"
    view = gate.view_document(inst, archivist.ctx, filed.id)
    assert (view.level, view.secrecy_pending) == ("mat", True)  # not lowered, now held back
    assert view.details["review"][0]["suggested"] == "toi_mat"
    _hidden(inst, add_person(inst, "docgia", "reader", "tuyet_mat", "VP").ctx, filed.id)


# -- the upload page and the review page -----------------------------------------------------


def test_upload_status_and_review_page_show_a_held_back_file(app, inst, monkeypatch):
    app.config["WTF_CSRF_ENABLED"] = True
    monkeypatch.setattr(ocr, "tesseract_version", lambda: None)
    filer = add_person(inst, "vanthu.web", "archivist", "mat", "VP")
    job = jobs.submit(inst, filer.ctx, scan_pdf(header_page("MẬT")), "quet.pdf")
    jobs.work(inst, once=True)
    (status,) = jobs.statuses(inst, filer.ctx, [job])
    assert status["status"] == "stored" and status["secrecy_pending"] is True
    doc_id = status["id"]
    client = app.test_client()
    _login(client, filer)
    listing = client.get("/review").get_data(as_text=True)
    assert "Chờ xác định độ mật" in listing and f"/review/{doc_id}" in listing
    page = client.get(f"/review/{doc_id}").get_data(as_text=True)
    assert "Chờ xác định độ mật" in page and f"/review/{doc_id}/header.png" in page
    assert "Không có chữ đọc được" in page  # the reason, in Vietnamese first
    crop = client.get(f"/review/{doc_id}/header.png")
    assert crop.status_code == 200 and crop.data.startswith(b"\x89PNG")
    assert crop.headers["Cache-Control"] == "no-store"
    form = {
        "csrf_token": _csrf(page),
        "number": "12-KH/BTCTU",
        "doc_type": "KH",
        "issuer": "Ban Tổ chức Tỉnh ủy Lào Cai",
        "date": "2025-03-05",
        "subject": "phát triển đảng viên",
        "level": "mat",
        "urgency": "thuong",
        "reason": "",
    }
    assert client.post(f"/review/{doc_id}", data=form).status_code == 302
    view = gate.view_document(inst, filer.ctx, doc_id)
    assert (view.level, view.secrecy_pending, view.number) == ("mat", False, "12-KH/BTCTU")
    other = app.test_client()
    _login(other, add_person(inst, "docgia", "reader", "mat", "VP"))
    assert other.get(f"/documents/{doc_id}").status_code == 200


def test_security_officer_sets_a_held_back_level_from_the_review_page(app, inst, archivist):
    app.config["WTF_CSRF_ENABLED"] = True
    officer = add_person(inst, "baomat", "security_officer", "mat", "VP")
    doc_id = _file_held(inst, archivist.ctx, "mat")
    client = app.test_client()
    _login(client, officer)
    assert f"/review/{doc_id}" in client.get("/review").get_data(as_text=True)
    page = client.get(f"/review/{doc_id}").get_data(as_text=True)
    assert 'name="level"' in page and 'name="number"' not in page  # the level is their part
    form = {"csrf_token": _csrf(page), "level": "thuong", "reason": "dấu của bản sao khác"}
    assert client.post(f"/review/{doc_id}", data=form).status_code == 302
    with inst.sessions() as session:
        doc = session.get(Document, doc_id)
        assert (doc.level, doc.secrecy_pending, doc.needs_review) == ("thuong", False, True)


def test_an_index_made_before_held_back_records_gains_the_fields(tmp_path):
    from search.index import store
    from search.index.storage import EncryptedStorage

    key = secrets.token_bytes(32)
    older = store.schema()
    older.remove("pending")
    older.remove("filer")
    (tmp_path / "ix").mkdir()
    EncryptedStorage(tmp_path / "ix", key).create_index(older)
    upgraded = store.open_index(tmp_path / "ix", key)
    assert "pending" in upgraded.schema and "filer" in upgraded.schema
    entry = store.IndexEntry(1, "thuong", 1, "KH", 2025, "chữ", pending=True, filed_by=3)
    assert store.add(tmp_path / "ix", key, [entry]) == 1
