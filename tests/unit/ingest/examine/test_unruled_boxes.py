"""Boxes bridged out of bold print: the pieces of bold letters across two to four lines of body
text line up, turned 12-21° to the print, into a box of dashes whose "sides" cut through
letters. Read as nothing, such boxes held ordinary pages for a person as possible secrecy
stamps. A stamp's box side is a ruled line (thin ink along most of it), even when faint.

Every page is drawn by the test (never read from a corpus).
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from ingest.examine import ocr
from ingest.examine.limits import Deadline
from ingest.examine.scan import page as page_reading
from ingest.examine.scan import raster, stamps
from ingest.examine.scan.page import search_stamps
from tests.support.documents import BODY_LINES, justified_page

DPI = 300
PX_MM = DPI / 25.4


def _body(face: str = "DejaVuSerif-Bold.ttf", top_mm: float = 60.0, angle: float = 0.0,
          spacing: float = 1.2) -> tuple[Image.Image, list[float]]:  # fmt: skip
    """An A4 page of body text (13 pt, justified) from ``top_mm`` down, and its baselines."""
    image, baselines, _ = justified_page(BODY_LINES, face, top_mm, spacing, DPI)
    return image.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255), baselines


def _scanned(image: Image.Image) -> raster.PageImage:
    """With the scanner's noise, cut at a bitonal threshold."""
    rng = np.random.default_rng(1)
    noisy = np.asarray(image, np.float32) + rng.normal(0, 6, image.size[::-1])
    return raster.PageImage(np.where(noisy > 150, 255, 0).astype(np.uint8), None, DPI, True)


def _side(draw: ImageDraw.ImageDraw, a: np.ndarray, b: np.ndarray, inked: float) -> None:
    """A stamp box's side from corner ``a`` to ``b``: dashes of 1 mm, a pixel or two thick,
    inking ``inked`` of its length."""
    length = float(np.hypot(*(b - a)))
    step = 1.0 * PX_MM / inked
    for at in np.arange(0.0, length, step):
        p, q = a + (b - a) * at / length, a + (b - a) * min(length, at + PX_MM) / length
        draw.line((*p, *q), fill=0, width=2)


def _stamp_box(image: Image.Image, cand: stamps.Candidate, top: float, bottom: float) -> None:
    """Draw the candidate's box: its top side inking ``top`` of its length, its bottom
    ``bottom``, its ends 0.6."""
    draw = ImageDraw.Draw(image)
    turn = np.radians(cand.angle)
    along = np.array([np.cos(turn), np.sin(turn)]) * cand.size[0] / 2
    across = np.array([-np.sin(turn), np.cos(turn)]) * cand.size[1] / 2
    centre = np.array(cand.centre)
    tl, tr = centre - along - across, centre + along - across
    bl, br = centre - along + across, centre + along + across
    _side(draw, tl, tr, top)
    _side(draw, bl, br, bottom)
    _side(draw, tl, bl, 0.6)
    _side(draw, tr, br, 0.6)


@pytest.mark.parametrize("angle", [0.0, -12.0, 15.0, -21.0])
def test_a_box_cut_through_bold_letters_is_print(angle: float) -> None:
    """A box 18 x 10 mm across three lines of bold body text, its sides cutting through the
    letters (no ruled line along either): print."""
    image, baselines = _body()
    centre = (100 * PX_MM, (baselines[2] + baselines[3]) / 2)
    box = stamps.Candidate(centre, (18 * PX_MM, 10 * PX_MM), angle, {"frame", "dashed"})
    assert page_reading._unruled_box(_scanned(image), box)


@pytest.mark.parametrize(("top", "bottom"), [(0.67, 0.67), (0.2, 0.9), (0.55, 0.1)])
@pytest.mark.parametrize("angle", [0.0, -15.0])
def test_a_faint_stamp_box_keeps_a_ruled_side(top: float, bottom: float, angle: float) -> None:
    """A stamp's box of dashes, 44 x 10 mm, in a clear corner or laid over the body text: at
    least one long side is a ruled line, so the box is no print, and unread it stays held."""
    for over in (False, True):
        image = Image.new("L", (round(210 * PX_MM), round(130 * PX_MM)), 255)
        if over:
            image, _ = _body(top_mm=12.0)
        box = stamps.Candidate((150 * PX_MM, 25 * PX_MM), (44 * PX_MM, 10 * PX_MM), angle,
                               {"frame", "dashed"})  # fmt: skip
        _stamp_box(image, box, top, bottom)
        page = _scanned(image)
        assert not page_reading._unruled_box(page, box), page_reading._ruled_share(page, box)


def test_stamp_ink_is_never_judged_by_its_sides() -> None:
    image, baselines = _body()
    centre = (100 * PX_MM, (baselines[2] + baselines[3]) / 2)
    for cues in ({"frame", "dashed", "light"}, {"frame", "dashed", "red"}, {"frame"}):
        box = stamps.Candidate(centre, (18 * PX_MM, 10 * PX_MM), -12.0, cues)
        assert not page_reading._unruled_box(_scanned(image), box)


@pytest.mark.slow
def test_bold_body_text_holds_nothing() -> None:
    """Bold body text 1.2 spaced, bitonal 300 dpi, at 0° and -0.6°: the boxes its letters make
    are print, no unread stamp and no mark."""
    if ocr.tesseract_version() is None:
        pytest.fail(ocr.INSTALL_HINT)
    for angle in (0.0, -0.6):
        image, _ = _body(angle=angle)
        found, _ = search_stamps(_scanned(image), 0, 0.5, Deadline(600), ocr.tesseract)
        assert not [m for m in found if m.kind in ("level", "unknown")], (angle, found)
