"""Unread boxes that are no secrecy stamp by their shape. A secrecy stamp is one line of
capitals in a box about 8 mm tall, always wider than tall: a box taller than wide in no stamp
ink, or a box 16 mm tall and more holding three lines of letters or more (an incoming "ĐẾN"
stamp, its column of lines), held ordinary generated scans for a person when read as nothing.

Every box is drawn by the test; what OCR read is given (nothing), so no Tesseract is needed.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from ingest.demo import scans as synth
from ingest.examine.scan import raster, stamp_reading, stamps

DPI = 200
PX_MM = DPI / 25.4


def _boxed(size_mm: tuple[float, float], lines: tuple[str, ...], letter_mm: float
           ) -> tuple[raster.PageImage, tuple[float, float]]:  # fmt: skip
    """A bitonal page with a black box of ``size_mm`` (0.4 mm lines) at (60, 30) mm holding
    ``lines`` of letters ``letter_mm`` tall, spread evenly; the box's centre in pixels."""
    page = Image.new("L", (round(210 * PX_MM), round(120 * PX_MM)), 255)
    draw = ImageDraw.Draw(page)
    x0, y0 = 60 * PX_MM, 30 * PX_MM
    w, h = size_mm[0] * PX_MM, size_mm[1] * PX_MM
    draw.rectangle((x0, y0, x0 + w, y0 + h), outline=0, width=max(2, round(0.4 * PX_MM)))
    font = ImageFont.truetype(synth.FONT_DIR + "DejaVuSans-Bold.ttf", round(letter_mm * PX_MM))
    for i, line in enumerate(lines):
        y = y0 + h * (i + 1) / (len(lines) + 1)
        draw.text((x0 + w / 2, y), line, fill=0, font=font, anchor="mm")
    gray = np.asarray(page).copy()
    return raster.PageImage(gray, None, DPI, bitonal=True), (x0 + w / 2, y0 + h / 2)


def _verdict(page: raster.PageImage, centre: tuple[float, float], size_mm: tuple[float, float],
             cues: set[str]) -> str | None:  # fmt: skip
    cand = stamps.Candidate(centre, (size_mm[0] * PX_MM, size_mm[1] * PX_MM), 0.0, cues)
    crop = stamp_reading.prepare(page, cand)
    assert crop is not None
    return stamp_reading.judge(crop, [], PX_MM).kind  # read as nothing


def test_an_unread_box_taller_than_wide_in_black_is_no_secrecy_stamp() -> None:
    """A column of an incoming stamp's lines, closed by its rules (11.5 x 16 mm)."""
    size = (11.5, 16.0)
    page, centre = _boxed(size, ("SỐ", "NGÀY"), 2.5)
    assert _verdict(page, centre, size, {"frame"}) is None
    assert _verdict(page, centre, size, {"frame", "dashed"}) is None


@pytest.mark.parametrize("cues", [{"frame"}, {"frame", "light"}])
def test_an_unread_box_wider_than_tall_is_still_held(cues: set[str]) -> None:
    """The shape of a secrecy stamp: unread, it is held for a person."""
    size = (16.0, 8.0)
    page, centre = _boxed(size, ("XẬX",), 4.0)
    assert _verdict(page, centre, size, cues) == "unknown"


def test_an_unread_box_taller_than_wide_in_stamp_ink_is_still_held() -> None:
    """Light ink (red turned gray) is stamp ink: a piece of a stamp found in part is held."""
    size = (11.5, 16.0)
    page, centre = _boxed(size, ("SỐ", "NGÀY"), 2.5)
    assert _verdict(page, centre, size, {"frame", "light"}) == "unknown"


def test_a_box_of_four_lines_17_mm_tall_is_another_stamp() -> None:
    """An incoming stamp's box (40 x 17.5 mm, four lines), read as nothing: not held."""
    size = (40.0, 17.5)
    page, centre = _boxed(size, ("UBND TỈNH LÀO CAI", "ĐẾN", "SỐ", "NGÀY"), 2.2)
    assert _verdict(page, centre, size, {"frame"}) == "other"


def test_a_secrecy_box_over_print_is_still_held() -> None:
    """A stamp's box 13.5 mm tall found over two lines of print (three rows in all)."""
    size = (43.0, 13.5)
    page, centre = _boxed(size, ("xin chào", "TUYỆT MẬT", "văn bản"), 2.6)
    assert _verdict(page, centre, size, {"frame"}) == "unknown"
