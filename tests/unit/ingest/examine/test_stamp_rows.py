"""A secrecy stamp set over a printed line of the header, on a bitonal scan: its box is found
only in part (the sides that cross the print are lost in it), the part reads as nothing, and
no colour tells stamp ink there. The row of that part is read: a level read there holds the
page for a person, never as a sure level.

Every page is drawn by the test (the generator's own stamp, ink and scanner; never a corpus).
"""

from __future__ import annotations

import random

import pytest

from archive.core.limits import Limits
from ingest.demo import samples
from ingest.demo import scans as synth
from ingest.demo.scans import StampSpec
from ingest.examine import ocr
from ingest.examine.limits import Deadline
from ingest.examine.scan import marks, raster, stamps
from ingest.examine.scan import page as page_reading
from ingest.examine.scan.page import search_stamps

LEVEL_RANK = {"mat": 1, "toi_mat": 2, "tuyet_mat": 3}


def _header_page(seed: int, stamp_angle: float | None = None, dpi: int = 150) -> raster.PageImage:
    """A generated Party header page (its right column opens with "ĐẢNG CỘNG SẢN VIỆT NAM"),
    scanned bitonal as a PNG and decoded as ingest does. With ``stamp_angle``, a red boxed TUYỆT
    MẬT from the generator's faint ink, turned that much, its top 3 mm under the page's top and
    its right end 12 mm from the edge: it lies over the column's first line."""
    rng = random.Random(seed)
    doc = samples.generate(6, seed=seed, formats=("txt",))[seed % 6]
    page, _ = synth.compose_page(doc.truth, doc.content.decode(), dpi, 0)
    if stamp_angle is not None:
        spec = StampSpec("level", "tuyet_mat", (synth.LEVEL_TEXT["tuyet_mat"],), stamp_angle,
                         True, True, "top_right")  # fmt: skip
        mask = synth.stamp_image(spec, dpi, rng)
        px_mm = dpi / 25.4
        xy = (page.width - mask.width - round(12 * px_mm), round(3 * px_mm))
        synth.apply_ink(page, mask, xy, synth.INKS["red"])
    data = synth.encode(synth.scan(page, "bitonal", dpi, rng), "png", dpi)
    decoded = next(iter(ocr._frames(data, Limits())))
    assert decoded.bitonal
    return decoded


@pytest.mark.slow
def test_a_tuyet_mat_over_the_header_line_is_held_not_missed() -> None:
    """Turned 8.4°, over "ĐẢNG CỘNG SẢN VIỆT NAM" at 150 dpi: the box found was its top side
    and the print (4 mm tall, inset to nothing), and the stamp was missed."""
    if ocr.tesseract_version() is None:
        pytest.fail(ocr.INSTALL_HINT)
    page = _header_page(1, stamp_angle=8.4)
    found, _ = search_stamps(page, 0, 0.5, Deadline(600), ocr.tesseract)
    sure_lower = [m for m in found if m.kind == "level" and LEVEL_RANK[m.value] < 3
                  and m.confidence >= marks.SURE]  # fmt: skip
    assert not sure_lower, found
    held = [m for m in found if m.kind == "unknown" or m.value == "tuyet_mat"]
    assert held, found
    assert all(m.confidence < marks.SURE for m in found if m.kind == "unknown")


@pytest.mark.slow
def test_an_ordinary_header_page_gets_no_mark_from_its_rows() -> None:
    """The same page without the stamp: its boxes' rows (print only) hold nothing."""
    if ocr.tesseract_version() is None:
        pytest.fail(ocr.INSTALL_HINT)
    page = _header_page(1)
    found, _ = search_stamps(page, 0, 0.5, Deadline(600), ocr.tesseract)
    assert not [m for m in found if m.kind in ("level", "unknown")], found


def test_a_box_of_bridged_dashes_in_running_text_is_print() -> None:
    """Two lines of running text 7 mm apart, their baselines bridged, make a box of dashes in
    the body of a 300 dpi bitonal page (seen 11-13 x 7 mm at 31-45% of the page height): read
    as nothing, it is print, not an unread stamp. Taller, higher on the page, or found by more
    than bridged dashes, it stays a possible stamp."""
    px_mm, height = 300 / 25.4, 3508

    def box(top: float, tall_mm: float, cues: set[str]) -> stamps.Candidate:
        size = (12.0 * px_mm, tall_mm * px_mm)
        return stamps.Candidate((1700.0, top * height + size[1] / 2), size, -3.0, cues)

    assert page_reading._dashes_of_print(box(0.36, 6.9, {"frame", "dashed"}), height, px_mm)
    assert not page_reading._dashes_of_print(box(0.2, 6.9, {"frame", "dashed"}), height, px_mm)
    assert not page_reading._dashes_of_print(box(0.36, 12.5, {"frame", "dashed"}), height, px_mm)
    assert not page_reading._dashes_of_print(box(0.36, 6.9, {"frame"}), height, px_mm)
    assert not page_reading._dashes_of_print(box(0.36, 6.9, {"frame", "dashed", "light"}),
                                             height, px_mm)  # fmt: skip
