"""Text of every format comes out as NFC Unicode, legacy encodings converted."""

from __future__ import annotations

import io
import unicodedata

import pikepdf
import pytest

from ingest.examine import legacy, stages
from ingest.examine import text as text_layer
from ingest.examine.office import convert
from ingest.examine.sniff import MediaType
from ingest.examine.text import decode_plain, plain_text
from tests.support import documents as fx

S = fx.SENTENCE
VNI_SENTENCE = "Tænh uûy Laøo Cai ban haønh nghò quyeát veà coâng taùc caùn boä ñaûng vieân"
TCVN3_SENTENCE = "TØnh ñy Lµo Cai ban hµnh nghÞ quyÕt vÒ c«ng t¸c c¸n bé ®¶ng viªn"


def _is_nfc(text: str) -> bool:
    return unicodedata.is_normalized("NFC", text)


def test_pdf_text_layer_per_page() -> None:
    result = stages.examine(fx.pdf_pages(3), "a.pdf")
    assert result.pages == 3 and result.pages_needing_ocr == []
    assert result.text.count("\f") == 2 and S in result.text.replace("\n", " ")
    assert _is_nfc(result.text)


def _pdf_of(pages: list[bytes]) -> bytes:
    """One PDF made of the first page of each PDF given, in order."""
    with pikepdf.new() as doc:
        for data in pages:
            with pikepdf.open(io.BytesIO(data)) as page:
                doc.pages.append(page.pages[0])
        out = io.BytesIO()
        doc.save(out)
    return out.getvalue()


def test_the_split_decision_finds_the_pages_the_filing_would_ocr() -> None:
    """The job door's walk (``pdf_pages_needing_ocr``: no whole text kept, stopping once
    too few pages could be left) names the pages ``pdf_text`` finds without a text layer, or
    says there are fewer than ``fewest``: a text page, a scanned one, two letters only, a
    page whose letters are not ASCII (normalized before they are counted), a legacy one."""
    scan = fx.scanned_pdf(fx.image())
    data = _pdf_of([fx.pdf(), scan, fx.pdf("ab"), fx.pdf("Đồ ỦY"), scan, fx.pdf(TCVN3_SENTENCE),
                    fx.pdf("— đ —"), scan])  # fmt: skip
    expected = [1, 2, 4, 6, 7]
    assert text_layer.pdf_text(data).pages_needing_ocr == expected
    assert text_layer.pdf_pages_needing_ocr(data) == expected
    for fewest in range(len(expected) + 3):
        found = text_layer.pdf_pages_needing_ocr(data, fewest)
        assert found == expected if len(expected) >= fewest else len(found) < fewest, fewest
    assert text_layer.pdf_pages_needing_ocr(fx.pdf_pages(2), 3) == []


@pytest.mark.parametrize(
    "raw",
    ["", "ab", "abc", "a\u0301b\u0301", "1 2 3", "\x00a\x00b\r\n", "đđ", "ĐĐĐ", "ᄀ\u1161ᆨ",
     "ᄀ\u1161ᆨ ᄀ\u1161ᆨ ᄀ\u1161", "— đ —", "ab\u0301đ", TCVN3_SENTENCE, VNI_SENTENCE,
     "TØnh", "µ¸ ¸"],
)  # fmt: skip
def test_a_page_has_text_when_its_normalized_text_would(raw: str) -> None:
    """The door's shortcut counts ASCII letters in the raw text; it must agree with counting
    after ``normalize`` (Hangul jamo compose into one letter: raw counting would not)."""
    expected = text_layer.has_text(text_layer.normalize(raw))
    assert text_layer._layer_has_text(raw) == expected


def test_pdf_page_without_text_layer_is_flagged_when_ocr_is_postponed() -> None:
    result = stages.examine(fx.scanned_pdf(fx.image()), "scan.pdf", run_ocr=False)
    assert result.pages_needing_ocr == [0] and result.needs_ocr
    assert result.events[-1].stage == "OCR" and result.events[-1].outcome == "deferred"


def test_docx_paragraphs_and_header_table_in_order(monkeypatch) -> None:
    """python-docx (the reading without LibreOffice): cells joined by tabs, in body order."""
    monkeypatch.setattr(convert, "available", lambda: False)
    data = fx.docx_file(
        [S, "Nơi nhận:"],
        table=[["TỈNH ỦY LÀO CAI", "ĐẢNG CỘNG SẢN VIỆT NAM"], ["Số 31-KH/TU", "Lào Cai, ngày 05"]],
    )
    result = stages.examine(data, "a.docx")
    assert result.media_type == MediaType.DOCX
    lines = result.text.split("\n")
    assert lines[:3] == [
        "TỈNH ỦY LÀO CAI\tĐẢNG CỘNG SẢN VIỆT NAM",
        "Số 31-KH/TU\tLào Cai, ngày 05",
        S,
    ]
    assert result.access_copy == data  # nothing to clean: the file itself is the access copy
    assert [e.stage for e in result.events][1:3] == ["sanitization", "conversion"]


@pytest.mark.parametrize("libreoffice", [False, True])
def test_docx_written_with_a_vni_font_is_converted(monkeypatch, libreoffice: bool) -> None:
    if libreoffice and not convert.available():
        pytest.skip("LibreOffice and bubblewrap (scripts/system-deps.sh)")
    if not libreoffice:
        monkeypatch.setattr(convert, "available", lambda: False)
    result = stages.examine(fx.docx_file([VNI_SENTENCE]), "vni.docx")
    assert " ".join(result.text.split()) == S  # the PDF copy wraps lines where the page ends


def test_odt_text() -> None:
    result = stages.examine(fx.odt_file(["TỈNH ỦY LÀO CAI", S]), "a.odt")
    assert result.media_type == MediaType.ODT
    assert result.text == f"TỈNH ỦY LÀO CAI\n{S}"


def test_rtf_code_page_bytes_and_unicode_escapes() -> None:
    result = stages.examine(fx.rtf_file("Tỉnh ủy Lào Cai", "Đảng Cộng sản Việt Nam"), "a.rtf")
    assert result.text.strip() == "Tỉnh ủy Lào Cai\nĐảng Cộng sản Việt Nam"
    assert "Khong phai" not in result.text and "Times New Roman" not in result.text


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (S.encode(), "utf-8"),
        (b"\xef\xbb\xbf" + S.encode(), "utf-8"),
        (S.encode("utf-16"), "utf-16"),
        (S.encode("utf-16-be"), "utf-16"),
        (fx.cp1258(S), "cp1258"),
        (TCVN3_SENTENCE.encode("latin-1"), "TCVN3"),
        (VNI_SENTENCE.encode("cp1252"), "VNI"),
    ],
)
def test_plain_text_encodings(data: bytes, encoding: str) -> None:
    result = stages.examine(data, "a.txt")
    assert (result.text, result.encoding) == (S, encoding)
    assert f"decoded as {encoding}" in result.events[-1].detail


def test_nfd_text_becomes_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", S)
    assert plain_text(decomposed.encode()).text == S


def test_broken_utf16_is_refused_with_advice() -> None:
    with pytest.raises(Exception, match="UTF-16"):
        decode_plain(b"\xff\xfe\x00\xd8")


def test_legacy_detection_leaves_unicode_alone() -> None:
    for text in (S, "Giá 100 § 3 × 4", "Tỉnh ủy Lào Cai — Hòa Bình"):
        assert legacy.to_unicode(text) == text
    assert legacy.vni_to_unicode("Ñaûng Coäng saûn Vieät Nam") == "Đảng Cộng sản Việt Nam"
    assert legacy.to_unicode(TCVN3_SENTENCE) == S


def test_examine_gives_the_text_without_ocr() -> None:
    assert stages.examine(fx.pdf(), "", run_ocr=False).text.startswith("Tỉnh ủy Lào Cai")
    assert stages.examine(S.encode(), "", run_ocr=False).text == S
