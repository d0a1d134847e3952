"""Tests for ingest.samples: the generator other tests and `kho demo` rely on."""

import functools
import re
import unicodedata
from collections import Counter

import pypdfium2 as pdfium
import pytest

from ingest.demo import samples

HAS_FONT = samples.find_unicode_font() is not None
needs_font = pytest.mark.skipif(not HAS_FONT, reason="no Vietnamese TTF (fonts-dejavu-core)")


@functools.cache
def _generated(count: int) -> tuple[samples.SampleDocument, ...]:
    """generate(50) takes about a second; read-only tests share one run."""
    return tuple(samples.generate(count))


def _pdf_text(content: bytes) -> str:
    pdf = pdfium.PdfDocument(content)
    try:
        return unicodedata.normalize(
            "NFC", "\n".join(page.get_textpage().get_text_range() for page in pdf)
        )
    finally:
        pdf.close()


def _flat(text: str) -> str:
    """PDF lines wrap mid-sentence; compare with whitespace collapsed."""
    return " ".join(text.split())


def _text(doc: samples.SampleDocument) -> str:
    if doc.truth["format"] == "pdf":
        return _pdf_text(doc.content)
    return doc.content.decode("utf-8")


def test_generate_is_deterministic() -> None:
    first, second = samples.generate(8, seed=7), samples.generate(8, seed=7)
    assert [d.filename for d in first] == [d.filename for d in second]
    assert [d.content for d in first] == [d.content for d in second]
    assert [d.truth for d in first] == [d.truth for d in second]
    other = samples.generate(8, seed=8)
    assert [d.truth["canary"] for d in other] != [d.truth["canary"] for d in first]


def test_numbers_canaries_and_filenames_are_unique() -> None:
    docs = _generated(50)
    assert len(docs) == 50
    for key in ("number", "canary"):
        assert len({d.truth[key] for d in docs}) == 50, key
    assert len({d.filename for d in docs}) == 50
    assert all(d.filename.isascii() and d.filename.startswith("mau-") for d in docs)


def test_truth_fields_are_well_formed() -> None:
    for doc in _generated(50):
        t = doc.truth
        assert t["kind"] in ("party", "state")
        assert t["doc_type"] in samples.TITLES
        assert t["unit"] in samples.UNITS
        assert t["format"] == doc.filename.rsplit(".", 1)[1]
        assert re.fullmatch(r"Khomau[a-z]{8}", t["canary"])
        assert "2015-01-01" <= t["date"] <= "2026-12-31"
        assert not t["subject"].startswith("V/v")  # printed on a công văn, not registered
        assert t["doc_type"] == "CV" or t["subject"].startswith("về ")
        if t["kind"] == "party":
            assert t["number"] == f"{t['number'].split('-')[0]}-{t['doc_type']}/{t['issuer_code']}"
        else:
            assert re.fullmatch(r"\d+/[^/]+-[^/]+", t["number"])


def test_level_urgency_unit_and_kind_mix() -> None:
    docs = _generated(50)
    levels = Counter(d.truth["level"] for d in docs)
    assert set(levels) == {"thuong", "mat", "toi_mat", "tuyet_mat"}
    assert 25 <= levels["thuong"] <= 35 and levels["mat"] > levels["toi_mat"]
    urgencies = Counter(d.truth["urgency"] for d in docs)
    assert set(urgencies) == {"thuong", "khan", "thuong_khan", "hoa_toc"}
    assert urgencies["thuong"] >= 30
    assert set(Counter(d.truth["unit"] for d in docs)) == set(samples.UNITS)
    kinds = Counter(d.truth["kind"] for d in docs)
    assert 1 <= kinds["state"] <= 10
    small = samples.generate(20, seed=3, formats=("txt",))
    assert {d.truth["level"] for d in small} == {"thuong", "mat", "toi_mat", "tuyet_mat"}


def test_txt_is_utf8_nfc_with_layout() -> None:
    docs = samples.generate(20, formats=("txt",))
    for doc in docs:
        text = doc.content.decode("utf-8")
        assert unicodedata.is_normalized("NFC", text)
        assert text.count(doc.truth["canary"]) == 1
        assert text.count(doc.sentence) == 1
        assert doc.truth["subject"] in text
        own = re.findall(rf"(?<!\d){re.escape(doc.truth['number'])}", text)
        assert len(own) == 1, "the body may cite others but never the document's own number"
        assert "Nơi nhận:" in text
        lines = set(text.splitlines())
        for marks, key in ((samples.LEVEL_MARKS, "level"), (samples.URGENCY_MARKS, "urgency")):
            found = {m for m in marks.values() if m in lines} - {""}
            assert found == ({marks[doc.truth[key]]} - {""}), (doc.filename, key)


def test_header_text_layout() -> None:
    truth = {
        "kind": "party",
        "doc_type": "KH",
        "number": "117-KH/BTCTU",
        "date": "2024-03-05",
        "issuer": "Ban Tổ chức Tỉnh ủy Lào Cai",
        "subject": "về công tác phát triển đảng viên",
        "level": "toi_mat",
        "urgency": "thuong_khan",
        "canary": "Khomauabcdefgh",
    }
    text = samples.render_text(truth, ["Câu thứ nhất.", "Mã theo dõi nội bộ: Khomauabcdefgh."])
    assert text.splitlines()[:10] == [
        "TỈNH ỦY LÀO CAI",
        "BAN TỔ CHỨC",
        "*",
        "Số 117-KH/BTCTU",
        "TỐI MẬT",
        "THƯỢNG KHẨN",
        "ĐẢNG CỘNG SẢN VIỆT NAM",
        "Lào Cai, ngày 05 tháng 3 năm 2024",
        "",
        "KẾ HOẠCH",
    ]


def test_many_documents_mention_dang_vien_and_some_cite() -> None:
    texts = [d.content.decode() for d in samples.generate(50, formats=("txt",))]
    assert sum("đảng viên" in t for t in texts) >= 25
    assert any(re.search(r"Thực hiện .+ số \d+-\w+/\w+ ngày", t) for t in texts)


def test_sentence_property_occurs_in_text() -> None:
    for doc in _generated(50)[:10]:
        assert doc.sentence in _flat(_text(doc))
        assert doc.truth["canary"] in doc.sentence


@needs_font
def test_pdf_text_layer_is_extractable() -> None:
    pdfs = [d for d in _generated(50)[:16] if d.truth["format"] == "pdf"]
    assert pdfs and all(d.content.startswith(b"%PDF-") for d in pdfs)
    for doc in pdfs:
        flat = _flat(_pdf_text(doc.content))
        for key in ("subject", "number", "canary"):
            assert _flat(doc.truth[key]) in flat, (doc.filename, key)
        assert doc.sentence in flat


@needs_font
def test_pdf_header_extracts_left_column_then_right() -> None:
    doc = next(d for d in _generated(50) if d.truth["format"] == "pdf")
    text = samples.render_text(doc.truth, ["Thân văn bản."])
    header = _flat(text.split("\n\n")[0])  # left column lines, then right column lines
    assert _flat(_pdf_text(samples.render_pdf(text))).startswith(header)


@needs_font
def test_long_pdf_spans_pages() -> None:
    truth = samples.generate(1, formats=("txt",))[0].truth
    body = ["Đảng viên tham gia sinh hoạt chi bộ đầy đủ, đúng quy định."] * 80
    content = samples.render_pdf(samples.render_text(truth, body))
    assert len(pdfium.PdfDocument(content)) >= 2
    assert truth["canary"] not in _pdf_text(content)  # body given here has no canary
    assert _flat(body[0]) in _flat(_pdf_text(content))


def test_without_font_pdf_falls_back_to_txt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(samples, "find_unicode_font", lambda: None)
    docs = samples.generate(4)
    assert all(d.truth["format"] == "txt" and d.filename.endswith(".txt") for d in docs)
    with pytest.raises(RuntimeError, match="fonts-dejavu-core"):
        samples.render_pdf("x")


def test_rejects_unknown_format() -> None:
    with pytest.raises(ValueError):
        samples.generate(2, formats=("docx",))
