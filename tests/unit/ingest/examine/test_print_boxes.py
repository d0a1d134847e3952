"""Boxes of print on bitonal scans: the baseline of one line of running text and the top of the
small letters of the one above, bridged, with stems between them, make a box of dashes. Read as
nothing, it held ordinary pages for a person as a possible secrecy stamp (a subject or the
first lines of the body high on the page, printed and scanned bitonal at 300 dpi). A rubber
stamp sets its words off from its box by a margin of paper; print has letters along the box.

Every page is drawn by the test (never read from a corpus).
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from ingest.demo import scans as synth
from ingest.examine import ocr
from ingest.examine.limits import Deadline
from ingest.examine.scan import page as page_reading
from ingest.examine.scan import raster, stamps
from ingest.examine.scan.page import search_stamps
from tests.support.documents import BODY_LINES, justified_page

DPI = 300
PX_MM = DPI / 25.4
LINES = BODY_LINES[:6]


def _scanned(image: Image.Image, angle: float = 0.0) -> raster.PageImage:
    """The page turned a little, with the scanner's noise, cut at a bitonal threshold."""
    image = image.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
    rng = np.random.default_rng(1)
    noisy = np.asarray(image, np.float32) + rng.normal(0, 6, image.size[::-1])
    return raster.PageImage(np.where(noisy > 150, 255, 0).astype(np.uint8), None, DPI, True)


def _running_text(top_mm: float, face: str = "DejaVuSerif-Bold.ttf"
                  ) -> tuple[Image.Image, list[float], float]:  # fmt: skip
    """An A4 page with LINES justified from ``top_mm`` (13 pt, 1.5 spaced); the baselines in
    pixels and the height of the small letters."""
    return justified_page(LINES, face, top_mm, spacing=1.5, dpi=DPI)


@pytest.mark.slow
def test_running_text_high_on_a_bitonal_page_holds_nothing() -> None:
    """Bold lines of running text from 45-65 mm down (a subject, the body's first lines),
    scanned bitonal at 300 dpi turned -0.6°: the boxes its lines make are print, no unread
    stamp (from 55 mm, a 12 x 8 mm box of them was held)."""
    if ocr.tesseract_version() is None:
        pytest.fail(ocr.INSTALL_HINT)
    for top in (45.0, 55.0, 65.0):
        image, _, _ = _running_text(top)
        page = _scanned(image, -0.6)
        found, _ = search_stamps(page, 0, 0.5, Deadline(600), ocr.tesseract)
        assert not [m for m in found if m.kind in ("level", "unknown")], (top, found)


def test_a_box_whose_sides_run_along_letters_is_print() -> None:
    """A box from the top of one line's small letters down to the next line's baseline:
    letters lie just inside both its long sides."""
    image, baselines, x_height = _running_text(60.0, "DejaVuSerif.ttf")
    page = _scanned(image)
    top, bottom = baselines[2] - x_height, baselines[3]
    box = stamps.Candidate((110 * PX_MM, (top + bottom) / 2), (16 * PX_MM, bottom - top), 0.0,
                           {"frame", "dashed"})  # fmt: skip
    assert page_reading._print_box(page, box)


def _dashed_stamp(angle: float) -> tuple[raster.PageImage, stamps.Candidate]:
    """A faint TUYỆT MẬT as a bitonal scan leaves it: its box 44 x 10 mm in dashes a pixel or
    two thick (2 mm of ink, 1 mm of paper), its words set 2 mm off the box, turned."""
    stamp = Image.new("L", (round(44 * PX_MM), round(10 * PX_MM)), 255)
    draw = ImageDraw.Draw(stamp)
    w, h = stamp.width - 1, stamp.height - 1
    dash, step = round(2 * PX_MM), round(3 * PX_MM)
    for x in range(0, w, step):
        draw.line((x, 0, min(w, x + dash), 0), fill=0, width=2)
        draw.line((x, h, min(w, x + dash), h), fill=0, width=2)
    for y in range(0, h, step):
        draw.line((0, y, 0, min(h, y + dash)), fill=0, width=2)
        draw.line((w, y, w, min(h, y + dash)), fill=0, width=2)
    font = ImageFont.truetype(synth.FONT_DIR + "DejaVuSans-Bold.ttf", round(4.2 * 1.35 * PX_MM))
    draw.text((stamp.width / 2, stamp.height / 2), "TUYỆT MẬT", fill=0, font=font, anchor="mm")
    turned = stamp.rotate(angle, resample=Image.Resampling.NEAREST, expand=True, fillcolor=255)
    page = Image.new("L", (round(210 * PX_MM), round(100 * PX_MM)), 255)
    x, y = round(140 * PX_MM), round(10 * PX_MM)
    page.paste(turned, (x, y))
    centre = (x + turned.width / 2, y + turned.height / 2)
    size = (stamp.width - 1.0, stamp.height - 1.0)
    return _scanned(page), stamps.Candidate(centre, size, -angle, {"frame", "dashed"})


@pytest.mark.parametrize("angle", [0.0, 4.0, -12.0])
def test_a_stamp_box_of_dashes_keeps_its_margin_and_stays_a_stamp(angle: float) -> None:
    """The words of a stamp are set off from its box: the box is no box of print, and an
    unread one is still held for a person. So is any box of stamp ink (light, red)."""
    page, box = _dashed_stamp(angle)
    assert not page_reading._print_box(page, box)
    image, baselines, x_height = _running_text(60.0, "DejaVuSerif.ttf")
    top, bottom = baselines[2] - x_height, baselines[3]
    light = stamps.Candidate((110 * PX_MM, (top + bottom) / 2), (16 * PX_MM, bottom - top), 0.0,
                             {"frame", "dashed", "light"})  # fmt: skip
    assert not page_reading._print_box(_scanned(image), light)


def test_a_box_across_lines_of_print_stays_a_stamp() -> None:
    """A box whose long sides cut through the middle of two lines of small letters, as a
    stamp's box laid over print does: letters on both sides of each side alike, so nothing
    says it is print; unread, it is held (a faint TUYỆT MẬT's only held box lay so)."""
    image, baselines, x_height = _running_text(60.0, "DejaVuSerif.ttf")
    top, bottom = baselines[2] - x_height / 2, baselines[3] - x_height / 2
    box = stamps.Candidate((110 * PX_MM, (top + bottom) / 2), (16 * PX_MM, bottom - top), 0.0,
                           {"frame", "dashed"})  # fmt: skip
    assert not page_reading._print_box(_scanned(image), box)
