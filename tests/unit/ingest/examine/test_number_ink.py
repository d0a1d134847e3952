"""Printed or handwritten number digits, told by their ink (``ingest.examine.scan.number_ink``):
digits OCR set apart from the printed symbol are print when they have the symbol's height,
stroke, baseline and colour and read back the same on their own; a pen's digits are kept for a
person. Pages are drawn here (tests/support/scans.py), never read from a corpus."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from ingest.examine import ocr
from ingest.examine.limits import Deadline
from ingest.examine.scan import number_ink, raster
from tests.support.scans import HAND, date_line_page, number_line_page

ZONE = (0.03, 0.15, 0.97, 0.5)  # the header's rows on the drawn page, as fractions


def _ink(height: float, bottom: float, stroke: float, chroma: float | None = None):
    return number_ink.Ink(height, bottom, stroke, chroma)


SYMBOL = _ink(40.0, 275.0, 3.0, 5.0)


@pytest.mark.parametrize(
    ("digits", "confidence", "printed"),
    [
        (_ink(38.0, 274.0, 3.2, 6.0), 95, True),  # the symbol's type
        (_ink(38.0, 274.0, 3.2, 6.0), 40, False),  # not read back surely
        (_ink(56.0, 274.0, 3.2, 6.0), 95, False),  # taller: a pen's
        (_ink(38.0, 255.0, 3.2, 6.0), 95, False),  # above the line
        (_ink(38.0, 274.0, 5.5, 6.0), 95, False),  # a broader stroke
        (_ink(38.0, 274.0, 3.2, 80.0), 95, False),  # blue ink beside black print
        (_ink(38.0, 274.0, 3.2, None), 95, True),  # a gray scan: no colour to compare
    ],
)
def test_every_test_of_the_ink_must_pass(digits, confidence: float, printed: bool) -> None:
    assert number_ink.judge(digits, SYMBOL, confidence).printed is printed


def test_only_clean_digits_set_apart_from_a_symbol_are_judged() -> None:
    for line in ("Số: 2# /CT-UBND", "Số: 53/TB-UBND", "Số 12-KH/BTCTU", "Số:    /QĐ-SCT"):
        page = raster.from_pil(number_line_page("53"), dpi=200)
        assert number_ink.settle(page, line, ZONE, Deadline(60), ocr.tesseract) == (line, None)


@pytest.mark.slow
@pytest.mark.parametrize("colour", (True, False))
def test_printed_digits_close_the_gap_and_a_pens_stay_for_a_person(colour: bool) -> None:
    if ocr.tesseract_version() is None:
        pytest.skip("Tesseract is not installed")
    text = "UBND TỈNH LÀO CAI\nSỞ CÔNG THƯƠNG\nSố: 1050 /QĐ-SCT\n\nCỘNG HÒA"
    printed = raster.from_pil(number_line_page("1050", colour=colour), dpi=200)
    settled, verdict = number_ink.settle(printed, text, ZONE, Deadline(120), ocr.tesseract)
    assert verdict is not None and verdict.printed, verdict
    assert "Số: 1050/QĐ-SCT" in settled and "1050 /" not in settled
    hand = raster.from_pil(number_line_page("1050", hand=True, colour=colour), dpi=200)
    kept, verdict = number_ink.settle(hand, text, ZONE, Deadline(120), ocr.tesseract)
    assert kept == text and verdict is not None and not verdict.printed, verdict


@pytest.mark.slow
def test_a_garbled_symbol_is_read_again_and_the_pens_digits_stay_apart() -> None:
    if ocr.tesseract_version() is None:
        pytest.skip("Tesseract is not installed")
    page = raster.from_pil(date_line_page("08", how="pen", number=("2191", "/TB-SCT")), dpi=200)
    text = (
        "UBND TỈNH LÀO CAI\nSỞ CÔNG THƯƠNG\nSố: 2/J “€TI-SC\n\nCỘNG HÒA\nLào Cai, ngày 0Ÿ tháng 3"
    )
    assert number_ink.needs_symbol(text)
    zone = number_ink.LazyZone(page, ZONE, Deadline(120), ocr.tesseract)
    mended, done = number_ink.mend_symbol(text, zone.get())
    assert done and mended.split("\n")[2].endswith(" /TB-SCT"), mended
    settled, verdict = number_ink.settle(page, mended, ZONE, Deadline(120), ocr.tesseract, zone)
    assert "/TB-SCT" in settled and (verdict is None or not verdict.printed), verdict


def test_a_number_line_with_a_symbol_is_left_as_read() -> None:
    for line in ("Số:1050/QĐÐ-SCT", "Số: O{_ /TTr-UBND", "Số 12-KH/BTCTU", "Số: 12/2020/NĐ-CP"):
        assert not number_ink.needs_symbol(f"UBND\n{line}\nX")
    words = [(0, 0, 40, 30, 85.0, "Số:"), (50, 0, 120, 30, 68.0, "2/01"),
             (130, 0, 230, 30, 47.0, "/CT-CS"), (900, 0, 950, 30, 96.0, "Hà")]  # fmt: skip
    zoned = number_ink.ZoneWords(None, None, words)  # type: ignore[arg-type]
    assert number_ink.mend_symbol("A\nSố: 2/J “€TI-CS\nB", zoned) == ("A\nSố: 2/01 /CT-CS\nB", True)
    assert number_ink.mend_symbol("A\nSố: 2/J “€TI-CS\nB", None) == ("A\nSố: 2/J “€TI-CS\nB", False)


def _zone(page) -> number_ink.ZoneWords:
    zoned = number_ink.read_zone(page, ZONE, Deadline(120), ocr.tesseract)
    assert zoned is not None
    return zoned


def _pen_in_blank(zoned: number_ink.ZoneWords, digits: str, gray: int) -> number_ink.ZoneWords:
    """The zone with ``digits`` written into its empty blank by a pen (larger, bolder, slanted,
    above the line; ``gray``: its ink once scanned) and the same words: OCR read nothing of
    them, as on real scans ("Số: /UBND-KTTH" read where 575 was written)."""
    row = number_ink._blank_row(zoned.words)
    assert row is not None and row[1] == [], zoned.words
    head, _, symbol = row
    image = Image.fromarray(zoned.crop)
    pen = ImageFont.truetype(HAND, 40)
    left = head[2] + (symbol[0] - head[2]) // 4
    ImageDraw.Draw(image).text((left, head[1] - 14), digits, fill=gray, font=pen)
    return number_ink.ZoneWords(np.asarray(image), None, zoned.words)


@pytest.mark.slow
def test_an_empty_blank_is_told_from_a_pens_digits_ocr_lost() -> None:
    """An unnumbered copy printed and scanned ("Số:          /TB-UBND", or dots in the blank)
    has no ink in its blank: proved empty. Digits written there by a pen (blue, or gray on a
    grayscale scan) are ink even when OCR read nothing of them: never empty."""
    if ocr.tesseract_version() is None:
        pytest.skip("Tesseract is not installed")
    for gap in (" " * 14, "   .........   "):
        for colour in (True, False):
            page = number_line_page("", "/TB-UBND", colour=colour, gap=gap)
            zoned = _zone(raster.from_pil(page, 200))
            assert number_ink.blank_is_empty(zoned) is True, (gap, colour)
    for digits, gray in (("575", 70), ("5", 70), ("53", 150)):  # 150: a light blue pen
        written = _pen_in_blank(zoned, digits, gray)
        assert number_ink.blank_is_empty(written) is False, (digits, gray)


def test_only_a_number_line_read_with_nothing_in_its_blank_is_looked_at() -> None:
    blank = ("Số:   /TB-UBND", "Số: ....... /CT-UBND", "Số:/QĐ-SCT", "Số -KH/BTCTU", "Sô: _ /TTr")
    for line in blank:
        assert number_ink.has_blank_number(f"UBND TỈNH\n{line}\nCỘNG HÒA"), line
    for line in ("Số: 2# /CT-UBND", "Số: 53/TB-UBND", "Số 12-KH/BTCTU", "Số: O{_ /TTr-UBND"):
        assert not number_ink.has_blank_number(f"UBND TỈNH\n{line}\nCỘNG HÒA"), line


def test_a_number_line_missing_from_the_zone_proves_nothing() -> None:
    crop = np.full((200, 800), 255, np.uint8)
    words = [(10, 10, 60, 40, 95.0, "UBND"), (100, 10, 200, 40, 95.0, "TỈNH")]
    assert number_ink.blank_is_empty(number_ink.ZoneWords(crop, None, words)) is None
    glued = [(10, 60, 200, 90, 95.0, "Số:/TB-UBND")]  # no blank to look at
    assert number_ink.blank_is_empty(number_ink.ZoneWords(crop, None, glued)) is None
