"""Printed or handwritten number digits, told by their ink (``ingest.examine.scan.number_ink``):
digits OCR set apart from the printed symbol are print when they have the symbol's height,
stroke, baseline and colour and read back the same on their own; a pen's digits are kept for a
person. Pages are drawn here (tests/support/scans.py), never read from a corpus."""

from __future__ import annotations

import pytest

from ingest.examine import ocr
from ingest.examine.limits import Deadline
from ingest.examine.scan import number_ink, raster
from tests.support.scans import date_line_page, number_line_page

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
