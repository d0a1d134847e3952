"""A refused format says what it is; a few bytes of another format are not plain text; BigTIFF,
legacy Office and XLSX are recognised."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from ingest.examine import stages
from ingest.examine.sniff import MediaType, media_type
from security.errors import Refused
from tests.support import documents as fx
from tests.support import office_files as ox


def _saved(fmt: str, **options) -> bytes:
    out = io.BytesIO()
    Image.new("L", (40, 20), 255).save(out, fmt, **options)
    return out.getvalue()


@pytest.mark.parametrize(
    ("make", "named"),
    [
        (lambda: _saved("JPEG2000"), "a JPEG 2000 image"),
        (lambda: _saved("WEBP"), "a WebP image"),
        (lambda: b"8BPS\x00\x01" + bytes(40), "a Photoshop image (PSD)"),
        (lambda: b"\xcf\xfa\xed\xfe", "a macOS program (Mach-O)"),
        (lambda: b"\xfe\xed\xfa\xce", "a macOS program (Mach-O)"),
        (lambda: b"Rar!", "a RAR archive"),
        (lambda: b"%!PS", "a PostScript file"),
        (lambda: b"<svg", "an SVG drawing"),
        (lambda: b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>', "an SVG"),
        (lambda: b"\x00\x00\x00\x1cftypheic" + bytes(20), "a HEIC image"),
        (lambda: b"DDS |" + bytes(40), "a DDS texture"),
        (lambda: b"qoif" + bytes(10), "a QOI image"),
        (lambda: b"/* XPM */\nstatic char *x[] = {};", "an XPM image"),
    ],
)
def test_refused_formats_say_what_they_are(make, named: str) -> None:
    with pytest.raises(Refused) as caught:
        media_type(make(), "cong-van.pdf")
    assert f"cong-van.pdf is really {named}" in caught.value.en
    assert "Kho accepts PDF, DOC, DOCX" in caught.value.en


@pytest.mark.parametrize("stub", [b"\x8f\x01\xa3\xfe", b"\xe9\x12", bytes(range(200, 216))])
def test_a_few_binary_bytes_are_not_plain_text(stub: bytes) -> None:
    with pytest.raises(Refused, match="Unknown file format"):
        media_type(stub)


def test_short_and_legacy_encoded_text_still_is_text() -> None:
    assert media_type("Số 12".encode()) == MediaType.TEXT
    assert media_type(fx.cp1258(fx.SENTENCE)) == MediaType.TEXT
    tcvn3 = "TØnh ñy Lµo Cai ban hµnh nghÞ quyÕt vÒ c«ng t¸c c¸n bé ®¶ng viªn".encode("latin-1")
    assert media_type(tcvn3) == MediaType.TEXT


def test_bigtiff_is_a_tiff_and_is_read() -> None:
    data = _saved("TIFF", big_tiff=True)
    assert data.startswith(b"II+\x00") and media_type(data) == MediaType.TIFF
    result = stages.examine(data, "scan.tif", run_ocr=False)
    assert result.pages == 1 and result.needs_ocr


def test_xlsx_is_recognised_and_macro_workbooks_refused() -> None:
    assert media_type(ox.xlsx([["a"]])) == MediaType.XLSX
    with pytest.raises(Refused, match="macros \\(XLSM\\)"):
        media_type(ox.edit_zip(ox.xlsx([["a"]]), {"xl/vbaProject.bin": b"\x00"}))


def test_a_damaged_compound_file_is_refused_as_damaged_legacy_office() -> None:
    with pytest.raises(Refused, match="damaged legacy Office file"):
        media_type(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100))
