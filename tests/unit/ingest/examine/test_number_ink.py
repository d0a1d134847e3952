"""Printed or handwritten number digits, told by their ink (``ingest.examine.scan.number_ink``):
digits OCR set apart from the printed symbol are print when they have the symbol's height,
stroke, baseline and colour and read back the same on their own; a pen's digits are kept for a
person. Pages are drawn here (tests/support/scans.py), never read from a corpus."""

from __future__ import annotations

import pytest

from ingest.examine import ocr
from ingest.examine.limits import Deadline
from ingest.examine.scan import number_ink, raster
from tests.support.scans import number_line_page

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
