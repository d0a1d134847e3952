"""Each stamp candidate is read by Tesseract on its own: what one crop reads never depends on
the other crops of its page.

The crops of a page were once read as one sheet, one under the other: the same TUYỆT MẬT box
read "TUYỆT MẠT" (sure) on one tree and "TUYỆẸT MẠT" (unsure, held) on another that only added
a box of print to the sheet. Pages are drawn here and read with the real Tesseract.
"""

from __future__ import annotations

import random

from PIL import Image, ImageDraw

from ingest.demo import scans as synth
from ingest.examine import ocr
from ingest.examine.limits import Deadline
from ingest.examine.scan import marks, raster, stamp_reading, stamps
from ingest.examine.scan.raster import to_pgm

DPI = 200
PX_MM = DPI / 25.4


def _page() -> tuple[raster.PageImage, stamps.Candidate, stamps.Candidate]:
    """A colour scan with a red boxed TỐI MẬT and a line of print: their two candidates."""
    canvas = synth._Canvas(DPI)
    draw = ImageDraw.Draw(canvas.image)
    print_font = synth._font("DejaVuSerif.ttf", round(13 / 72 * DPI))
    line_xy = (canvas.mm(25), canvas.mm(60))
    draw.text(line_xy, "Số 282-TTr/BTCTU ngày 12 tháng 3", fill=(0, 0, 0), font=print_font)
    line_box = draw.textbbox(line_xy, "Số 282-TTr/BTCTU ngày 12 tháng 3", font=print_font)
    stamp_font = synth._font("DejaVuSans-Bold.ttf", round(5.5 * PX_MM))
    probe = ImageDraw.Draw(Image.new("L", (1, 1)))
    x0, y0, x1, y1 = probe.textbbox((0, 0), "TỐI MẬT", font=stamp_font)
    pad = 14
    mask = Image.new("L", (x1 - x0 + 2 * pad, y1 - y0 + 2 * pad), 0)
    ink = ImageDraw.Draw(mask)
    ink.text((pad - x0, pad - y0), "TỐI MẬT", fill=255, font=stamp_font)
    ink.rectangle((0, 0, mask.width - 1, mask.height - 1), outline=255, width=4)
    stamp_xy = (canvas.mm(40), canvas.mm(30))
    synth.apply_ink(canvas.image, mask, stamp_xy, synth.INKS["red"])
    page = raster.from_pil(synth.scan(canvas.image, "color", DPI, random.Random(3)), DPI)
    stamp = stamps.Candidate(
        (stamp_xy[0] + mask.width / 2, stamp_xy[1] + mask.height / 2),
        (mask.width, mask.height),
        0.0,
        {"red", "frame"},
    )
    line = stamps.Candidate(
        ((line_box[0] + line_box[2]) / 2, (line_box[1] + line_box[3]) / 2),
        (line_box[2] - line_box[0] + 20, line_box[3] - line_box[1] + 20),
        0.0,
        {"rotated"},
    )
    return page, stamp, line


def test_each_crop_is_read_alone_and_reads_the_same_beside_others():
    page, stamp, line = _page()
    crops = [stamp_reading.prepare(page, c) for c in (stamp, line)]
    assert all(c is not None for c in crops)
    seen: list[bytes] = []

    def run(image: bytes, deadline: Deadline, psm: int, tsv: bool) -> str:
        seen.append(image)
        return ocr.tesseract(image, deadline, psm, tsv)

    together = stamp_reading.read_crops(crops, Deadline(120), run)
    # One Tesseract run per crop, each on that crop alone (framed in white), nothing else.
    assert seen == [to_pgm(stamp_reading._framed(c.image)) for c in crops]
    alone = [stamp_reading.read_crops([c], Deadline(120), ocr.tesseract)[0] for c in crops]
    assert together == alone
    reading = " ".join(w.text for w in together[0])
    assert marks.classify(reading).value == "toi_mat", reading
    # Word columns are the crop's own, not the white frame's: they fall on its ink.
    left, right = crops[0].ink_span
    assert all(left - 10 <= w.x0 < w.x1 <= right + 10 for w in together[0])
