"""A red box drawn close around its letters (a double box whose inner line touches them, at
150 dpi) is read, and a red box that still gives nothing to read is held, never dropped: a
clean red boxed MẬT under the number was once filed as ordinary so.

Pages are drawn here; the crop finder is checked on its own, without Tesseract.
"""

from __future__ import annotations

import random
from dataclasses import replace

from PIL import Image, ImageDraw

from ingest.demo import scans as synth
from ingest.examine.limits import Deadline
from ingest.examine.scan import page as scan_page
from ingest.examine.scan import raster, stamp_reading, stamps

DPI = 150
PX_MM = DPI / 25.4


def _close_box(text: str) -> Image.Image:
    """An ink mask: bold capitals, an inner box one pixel from them, an outer box around."""
    font = synth._font("DejaVuSans-Bold.ttf", round(5.5 * PX_MM))
    probe = ImageDraw.Draw(Image.new("L", (1, 1)))
    x0, y0, x1, y1 = probe.textbbox((0, 0), text, font=font)
    pad, gap, line = 12, 4, 3
    mask = Image.new("L", (x1 - x0 + 2 * pad, y1 - y0 + 2 * pad), 0)
    draw = ImageDraw.Draw(mask)
    draw.text((pad - x0, pad - y0), text, fill=255, font=font)
    w, h = mask.size
    caps = probe.textbbox((pad - x0, pad - y0), "MAT", font=font)  # capitals without marks
    inner = (pad - 2, caps[1] - 1, w - pad + 1, caps[3])  # on the capitals' tops and feet
    draw.rectangle(inner, outline=255, width=2)
    outer = (pad - 1 - gap - line, pad - 1 - gap - line, w - pad + gap + line, h - pad + gap + line)
    draw.rectangle(outer, outline=255, width=line)
    return mask


def _page(mask: Image.Image | None, blank_box: bool = False) -> tuple[raster.PageImage, tuple]:
    canvas = synth._Canvas(DPI)
    draw = ImageDraw.Draw(canvas.image)
    font = synth._font("DejaVuSerif.ttf", round(13 / 72 * DPI))
    draw.text((canvas.mm(25), canvas.mm(30)), "Số 282-TTr/BTCTU", fill=(0, 0, 0), font=font)
    xy = (canvas.mm(35), canvas.mm(38))
    if blank_box:  # a red double box with nothing legible in it
        mask = Image.new("L", (canvas.mm(22), canvas.mm(10)), 0)
        d = ImageDraw.Draw(mask)
        d.rectangle((0, 0, mask.width - 1, mask.height - 1), outline=255, width=3)
        d.rectangle((7, 7, mask.width - 8, mask.height - 8), outline=255, width=2)
    synth.apply_ink(canvas.image, mask, xy, synth.INKS["red"])
    scanned = synth.scan(canvas.image, "color", DPI, random.Random(7))
    centre = (xy[0] + mask.width / 2, xy[1] + mask.height / 2)
    return raster.from_pil(scanned, DPI), (centre, (mask.width, mask.height))


def test_letters_touching_a_close_inner_box_are_found():
    page, (centre, size) = _page(_close_box("MẬT"))
    cand = stamps.Candidate(centre, size, 0.0, {"red"})
    crop = stamp_reading.prepare(page, cand)
    assert crop is not None and crop.rows == 1


def test_a_red_box_with_nothing_to_read_is_held_not_dropped():
    page, (centre, size) = _page(None, blank_box=True)
    red_frame = stamps.Candidate(centre, size, 0.0, {"red", "frame"})
    black_frame = stamps.Candidate(centre, size, 0.0, {"frame"})
    crops, unread = scan_page._crops(page, [red_frame, black_frame])
    assert crops == [] and unread == [red_frame]  # a black box (a table's cell) is not held


def test_a_frame_with_nothing_readable_is_read_by_its_red_inks_own_rectangle():
    page, (centre, size) = _page(_close_box("MẬT"))
    tall = (size[0] * 1.05, size[1] * 1.6)  # a frame closed by the number line above it
    frame = stamps.Candidate((centre[0], centre[1] - 0.3 * size[1]), tall, 0.0, {"frame", "red"})
    frame.red_rect = (centre, size, 0.0)
    crops, unread = scan_page._crops(page, [frame])
    assert unread == [] and len(crops) == 1


def test_a_faint_box_of_light_ink_on_a_150_dpi_gray_scan_is_held_not_dropped():
    """A faint red stamp on a grayscale scan is light ink: its box found at the wrong angle or
    size at 150 dpi crops to nothing legible, and is held like a red one (a faint TỐI MẬT
    turned 11° was filed as ordinary so). A black box (a table's cell) is still not held."""
    canvas = synth._Canvas(DPI)
    mask = Image.new("L", (canvas.mm(22), canvas.mm(10)), 0)
    d = ImageDraw.Draw(mask)
    d.rectangle((0, 0, mask.width - 1, mask.height - 1), outline=255, width=3)
    d.rectangle((7, 7, mask.width - 8, mask.height - 8), outline=255, width=2)
    xy = (canvas.mm(35), canvas.mm(38))
    synth.apply_ink(canvas.image, mask, xy, synth.INKS["red"])
    page = raster.from_pil(synth.scan(canvas.image, "gray", DPI, random.Random(7)), DPI)
    assert page.rgb is None and not page.bitonal
    centre, size = (xy[0] + mask.width / 2, xy[1] + mask.height / 2), (mask.width, mask.height)
    light_frame = stamps.Candidate(centre, size, 0.0, {"light", "frame", "rotated"})
    black_frame = stamps.Candidate(centre, size, 0.0, {"frame"})
    crops, unread = scan_page._crops(page, [light_frame, black_frame])
    assert crops == [] and unread == [light_frame]


def test_a_box_of_stamp_ink_read_to_no_mark_is_held_not_dropped(monkeypatch):
    """A clear boxed TỐI MẬT stamped over the header's printed line was found only in part (the
    line running into its box): a light 8 x 6 mm frame, too small to be held as an unread stamp,
    which read to "1`". A box of stamp ink whose reading makes no mark is held for a person; a
    black box read so (a table's cell) is still dropped."""
    page, (centre, size) = _page(_close_box("MẬT"))
    crop = stamp_reading.prepare(page, stamps.Candidate(centre, size, 0.0, {"red"}))
    assert crop is not None
    part = (8 * PX_MM, 6 * PX_MM)
    light_frame = stamps.Candidate(centre, part, 6.0, {"light", "frame"})
    black_frame = stamps.Candidate(centre, part, 6.0, {"frame"})
    pieces = [replace(crop, candidate=light_frame), replace(crop, candidate=black_frame)]
    monkeypatch.setattr(scan_page, "_crops", lambda page, candidates: (pieces, []))
    junk = [stamp_reading.Word("1`", 36.7, 16, 97)]
    monkeypatch.setattr(
        stamp_reading, "read_crops", lambda crops, deadline, run: [junk] * len(crops)
    )
    found, used = scan_page.search_stamps(page, 0, 0.5, Deadline(60), run=None)
    assert [(m.kind, m.value) for m in found] == [("unknown", None)] and used == [light_frame]
