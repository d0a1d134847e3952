"""Format identification by content: every accepted format, and what is refused and why."""

from __future__ import annotations

import pytest

from ingest.examine import sniff, stages
from ingest.examine.sniff import MediaType
from security.errors import Refused
from tests.support import documents as fx


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda: fx.pdf(), MediaType.PDF),
        (lambda: b"\r\n  " + fx.pdf(), MediaType.PDF),
        (lambda: fx.docx_file(["Tỉnh ủy"]), MediaType.DOCX),
        (lambda: fx.odt_file(["Tỉnh ủy"]), MediaType.ODT),
        (lambda: fx.rtf_file("Tỉnh ủy", "Lào Cai"), MediaType.RTF),
        (lambda: fx.SENTENCE.encode(), MediaType.TEXT),
        (lambda: b"\xef\xbb\xbf" + fx.SENTENCE.encode(), MediaType.TEXT),
        (lambda: fx.SENTENCE.encode("utf-16"), MediaType.TEXT),
        (lambda: fx.SENTENCE.encode("utf-16-le"), MediaType.TEXT),
        (lambda: fx.cp1258(fx.SENTENCE), MediaType.TEXT),
        (lambda: fx.image(fmt="JPEG"), MediaType.JPEG),
        (lambda: fx.image(fmt="PNG"), MediaType.PNG),
        (lambda: fx.image(fmt="TIFF", pages=2), MediaType.TIFF),
    ],
)
def test_every_accepted_format_is_identified_by_content(make, expected) -> None:
    data = make()
    assert sniff.media_type(data, "no-extension") == expected
    assert sniff.media_type(data, "misleading.exe") == expected  # the name never decides


@pytest.mark.parametrize(
    ("content", "what_en", "what_vi"),
    [
        (fx.zip_with({"a.txt": b"hello"}), "is really a ZIP archive", "tệp nén ZIP"),
        (b"MZ\x90\x00" + b"\x00" * 200, "is really a Windows program", "chương trình Windows"),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 100, "is really a Linux program", "chương trình Linux"),
        (b"<!DOCTYPE html><html><body>x</body></html>", "is really a web page", "trang web"),
        (b"  <html><script>alert(1)</script>", "is really a web page", "trang web"),
    ],
)
def test_a_pdf_that_is_really_something_else_is_refused_with_the_reason(
    content, what_en, what_vi
) -> None:
    with pytest.raises(Refused) as caught:
        stages.examine(content, "cong-van.pdf")
    assert f"cong-van.pdf {what_en}" in caught.value.en
    assert what_vi in caught.value.vi
    assert caught.value.stage == "format identification"
    assert caught.value.events[-1].outcome == "refused"


def test_empty_file_is_refused() -> None:
    with pytest.raises(Refused) as caught:
        stages.examine(b"", "rong.pdf")
    assert "empty (0 bytes)" in caught.value.en and "Tệp rỗng" in caught.value.vi


@pytest.mark.parametrize(
    ("members", "expected"),
    [
        (
            {
                "[Content_Types].xml": b"<x/>",
                "word/document.xml": b"<x/>",
                "word/vbaProject.bin": b"\x00",
            },
            "macros (DOCM)",
        ),
        (
            {"[Content_Types].xml": b"<x/>", "ppt/presentation.xml": b"<x/>"},
            "neither Word nor Excel (PPTX",
        ),
        ({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}, "OpenDocument"),
    ],
)
def test_other_zip_containers_are_refused(members, expected) -> None:
    with pytest.raises(Refused, match=expected.replace("(", r"\(").replace(")", r"\)")):
        sniff.media_type(fx.zip_with(members), "x.docx")


def test_truncated_zip_is_refused_as_damaged() -> None:
    data = fx.docx_file(["Tỉnh ủy"])
    with pytest.raises(Refused, match="damaged or truncated ZIP"):
        sniff.media_type(data[: len(data) // 2], "x.docx")


def test_unknown_binary_is_refused() -> None:
    with pytest.raises(Refused, match="Unknown file format"):
        sniff.media_type(bytes(range(256)) * 4)


def test_content_wins_over_a_wrong_extension_and_the_event_says_so() -> None:
    result = stages.examine(fx.pdf(), "bien-ban.docx", run_ocr=False)
    assert result.media_type == MediaType.PDF
    assert "named '.docx'" in result.events[0].detail
