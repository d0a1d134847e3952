"""Issue 14, item 3: every copy that leaves Kho for a person carries the viewer and a trace id
(text and Word files as a stamped PDF access copy, page previews watermarked), the trace id is
in the audit entry, and `kho trace` finds the entry from a leaked copy."""

from __future__ import annotations

import io

import pikepdf
import pypdfium2 as pdfium
import pytest
from PIL import Image

from archive.oversight import inspection
from ingest import pipeline
from ingest.delivery import preview
from ingest.delivery.trace import find_in_text, trace_id_of
from ingest.demo import demo
from ingest.examine import ocr
from security.actor import Context
from tests.e2e.web.test_web_pages import _login
from tests.support.records import sample_doc

AUDITOR = Context(None, "test")


def _pdf_text(data: bytes) -> str:
    document = pdfium.PdfDocument(data)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def _entries(inst, **filters) -> list[dict]:
    return inspection.entries(inst, AUDITOR, inspection.Filter(**filters), 1000)


@pytest.fixture
def filed(app, inst, sample_docs):
    """Demo accounts; an ordinary text file and an ordinary PDF filed in unit VP."""
    demo.seed(inst, count=0)
    from archive.accounts.accounts import context_for, require_user

    with inst.sessions() as session:
        filer = context_for(require_user(session, demo.FILER), "test")
    ids = {}
    for fmt in ("txt", "pdf"):
        doc = sample_doc(sample_docs, level="thuong", fmt=fmt)
        ids[fmt] = (
            pipeline.ingest_bytes(inst, filer, doc.content, doc.filename, unit_code="VP").id,
            doc,
        )
    return ids


def test_a_text_file_is_downloaded_as_a_stamped_pdf_and_traced_back(app, inst, filed):
    client = app.test_client()
    _login(client, "canbo")
    doc_id, doc = filed["txt"]
    response = client.get(f"/documents/{doc_id}/file")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert response.mimetype == "application/pdf"
    assert ".pdf" in response.headers["Content-Disposition"]
    trace = response.headers["X-Kho-Trace"]
    text = _pdf_text(response.data)
    assert "Trần Văn Minh" in text and trace in text  # the stamp
    assert doc.truth["canary"] in text  # the record's text, as the access copy
    with pikepdf.open(io.BytesIO(response.data)) as pdf:
        assert str(pdf.docinfo["/KhoTrace"]) == trace
    assert trace_id_of(response.data) == trace
    [entry] = inspection.trace(inst, AUDITOR, trace)
    assert (entry["username"], entry["action"], entry["object_id"]) == ("canbo", "download", doc_id)
    original = client.get(f"/documents/{doc_id}/original")  # the format as filed, if allowed
    assert original.status_code in (200, 404)


def test_a_page_preview_carries_a_visible_watermark_and_its_trace(app, inst, filed):
    client = app.test_client()
    _login(client, "canbo")
    doc_id, doc = filed["pdf"]
    response = client.get(f"/documents/{doc_id}/page/0.png?w=1600")
    assert response.status_code == 200
    image = Image.open(io.BytesIO(response.data))
    trace = image.info["KhoTrace"]
    [entry] = _entries(inst, username="canbo", action="preview")
    assert entry["detail"]["trace"] == trace and entry["detail"]["page"] == 0
    clean = preview.render_page(doc.content, 0, 1600)  # the page as filed, unmarked
    assert _pixels(clean) != _pixels(response.data)  # something is drawn on the page
    bottom = image.crop((0, image.height * 9 // 10, image.width, image.height))
    assert _dark_share(bottom) > _dark_share_of(clean)  # the solid band with the line


@pytest.mark.slow
def test_kho_trace_reads_a_screenshot_of_a_preview(app, inst, filed, tmp_path):
    if not ocr.ocr_available():
        pytest.fail("Tesseract is missing: run scripts/system-deps.sh")
    client = app.test_client()
    _login(client, "canbo")
    doc_id, _doc = filed["pdf"]
    response = client.get(f"/documents/{doc_id}/page/0.png?w=1600")
    image = Image.open(io.BytesIO(response.data))
    trace = image.info["KhoTrace"]
    screenshot = io.BytesIO()
    image.convert("RGB").save(screenshot, format="PNG")  # a screenshot keeps no text chunk
    assert "KhoTrace" not in Image.open(io.BytesIO(screenshot.getvalue())).info
    assert trace_id_of(screenshot.getvalue()) == trace


@pytest.mark.slow
def test_a_screenshot_whose_page_reading_misses_the_id_is_read_again_from_its_band(monkeypatch):
    if not ocr.ocr_available():
        pytest.fail("Tesseract is missing: run scripts/system-deps.sh")
    blank = io.BytesIO()
    Image.new("RGB", (1600, 2263), "white").save(blank, format="PNG")
    trace = "0A1B-C2D3-E4F5-6789"
    marked = preview.watermark(
        blank.getvalue(), f"Bản cấp cho canbo · Mã truy vết {trace}", "", trace
    )
    screenshot = io.BytesIO()
    Image.open(io.BytesIO(marked)).convert("RGB").save(screenshot, format="PNG")
    real, modes = ocr.tesseract, []

    def first_reading_misses(image, deadline, psm=3, tsv=False):
        modes.append(psm)
        return "" if psm == 11 else real(image, deadline, psm, tsv)

    monkeypatch.setattr(ocr, "tesseract", first_reading_misses)
    assert trace_id_of(screenshot.getvalue()) == trace
    assert modes == [11, 6]


def test_the_trace_id_pattern_survives_ocr_confusions():
    assert find_in_text("Mã truy vết OA1B-C2D3-E4F5-67I9 ·") == "0A1B-C2D3-E4F5-6719"
    assert find_in_text("no trace here 1234-5678") is None


def _pixels(png: bytes) -> bytes:
    return Image.open(io.BytesIO(png)).convert("RGB").tobytes()


def _dark_share(image: Image.Image) -> float:
    gray = image.convert("L")
    return sum(1 for v in gray.getdata() if v < 100) / (gray.width * gray.height)


def _dark_share_of(png: bytes) -> float:
    image = Image.open(io.BytesIO(png))
    return _dark_share(image.crop((0, image.height * 9 // 10, image.width, image.height)))
