"""A faint one-line stamp on a bitonal scan whose box is found from its two dotted ends.

The scanner's threshold cut the box of a faint TUYỆT MẬT into dots: its two short sides are
still dotted lines, but its long sides have gaps wider than any side is joined over (the ink
thinned out for 5-6 mm) and part of the bottom lies under a line of print. No long side was
found whole, so only pieces of the stamp were proposed. Every page here is drawn by the test.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from ingest.demo import scans as synth
from ingest.examine.scan import raster, stamps

BOX_MM = (40.0, 10.0)


Point = tuple[float, float]


def _dotted(draw: ImageDraw.ImageDraw, start: Point, end: Point, px_mm: float,
            rng: np.random.Generator, holes: list[tuple[float, float]]) -> None:  # fmt: skip
    """A side of a faint box: dashes 0.4-1.4 mm long, 0.6-1.8 mm apart, one pixel thick, none
    within ``holes`` (stretches of the side, as shares of its length, where the ink is gone)."""
    (x0, y0), (x1, y1) = start, end
    length = float(np.hypot(x1 - x0, y1 - y0))
    at = 0.0
    while at < length:
        dash = rng.uniform(0.4, 1.4) * px_mm
        if not any(a <= at / length <= b for a, b in holes):
            a, b = at / length, min(length, at + dash) / length
            draw.line((x0 + a * (x1 - x0), y0 + a * (y1 - y0),
                       x0 + b * (x1 - x0), y0 + b * (y1 - y0)), fill=255)  # fmt: skip
        at += dash + rng.uniform(0.6, 1.8) * px_mm


def _faint_stamp(dpi: int, angle: float, seed: int, print_over: bool = True
                 ) -> tuple[np.ndarray, tuple[float, float]]:  # fmt: skip
    """A bitonal header zone (200 x 60 mm) with a faint boxed "TUYỆT MẬT" 40 x 10 mm at the
    top right, turned by ``angle``: its short sides dotted, its top side with a 5.5 mm gap,
    its bottom with a 6 mm gap and its right quarter gone under two lines of bold print that
    cross it; and the centre of the box in pixels."""
    px_mm = dpi / 25.4
    rng = np.random.default_rng(seed)
    w, h = (round(v * px_mm) for v in BOX_MM)
    stamp = Image.new("L", (w + 1, h + 1), 0)
    draw = ImageDraw.Draw(stamp)
    _dotted(draw, (0, 0), (w, 0), px_mm, rng, [(0.45, 0.59)])
    _dotted(draw, (0, h), (w, h), px_mm, rng, [(0.2, 0.35)])
    _dotted(draw, (0, 0), (0, h), px_mm, rng, [])
    _dotted(draw, (w, 0), (w, h), px_mm, rng, [])
    font = ImageFont.truetype(synth.FONT_DIR + "DejaVuSans-Bold.ttf", round(6 * px_mm))
    letters = Image.new("L", stamp.size, 0)
    ImageDraw.Draw(letters).text((w / 2, h / 2), "TUYỆT MẬT", fill=255, font=font, anchor="mm")
    specks = rng.random((stamp.height, stamp.width)) < 0.35  # faint letters: specks of them
    stamp = Image.fromarray(np.maximum(np.asarray(stamp), np.where(
        (np.asarray(letters) > 0) & specks, 255, 0).astype(np.uint8)))  # fmt: skip
    turned = stamp.rotate(angle, resample=Image.Resampling.NEAREST, expand=True, fillcolor=0)
    zone = Image.new("L", (round(200 * px_mm), round(60 * px_mm)), 255)
    x, y = zone.width - turned.width - round(15 * px_mm), round(4 * px_mm)
    zone.paste(0, (x, y), turned)
    centre = (x + turned.width / 2, y + turned.height / 2)
    if print_over:
        bold = ImageFont.truetype(synth.FONT_DIR + "DejaVuSerif-Bold.ttf", round(4.5 * px_mm))
        text = ImageDraw.Draw(zone)
        for row, line in enumerate(("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                                    "Độc lập - Tự do - Hạnh phúc")):  # fmt: skip
            text.text((zone.width - round(8 * px_mm), centre[1] + 7 * row * px_mm), line,
                      fill=0, font=bold, anchor="rm")  # fmt: skip
    return np.asarray(zone).copy(), centre


@pytest.mark.parametrize(
    ("dpi", "angle", "seed"),
    [(200, 18.0, 1), (200, 15.0, 4), (200, -15.0, 6), (300, 9.0, 3), (150, 6.0, 5)],
)
def test_a_faint_box_broken_beyond_joining_is_closed_from_its_two_ends(
    dpi: int, angle: float, seed: int
) -> None:
    """Drawn pages whose two short sides are clear of the print (a turned box's end that dips
    into a line of print loses its dots there, and then this rule has no end to close from)."""
    zone, centre = _faint_stamp(dpi, angle, seed)
    page = raster.PageImage(zone, None, dpi, bitonal=True)
    px_mm = dpi / 25.4
    frames = [c for c in stamps.find_candidates(page, 1.0) if "frame" in c.cues]
    near = [f for f in frames if np.hypot(f.centre[0] - centre[0], f.centre[1] - centre[1])
            < 3 * px_mm]  # fmt: skip
    sizes = [(f.size[0] / px_mm, f.size[1] / px_mm, f.angle) for f in near]
    whole = [
        (w, h, a)
        for w, h, a in sizes
        if abs(w - BOX_MM[0]) < 3 and abs(h - BOX_MM[1]) < 2.5 and abs(a + angle) <= 3
    ]
    assert whole, sizes


def test_two_level_dotted_ends_with_dotted_rows_above_and_below_close_a_box() -> None:
    """The rule itself on sides already found (pixels at 150 dpi): two vertical sides sharing
    their rows, 38 mm apart, dotted rows just above and below spanning 0.63 and 0.5 of the
    width close the box; without the bottom row, with the ends at unlike heights, with the
    ends closer than twice the height (stems of letters), or with too little of the long sides
    dotted where they can be seen, there is none."""
    px_mm = 150 / 25.4
    left, right = (104, 142, 126), (108, 139, 352)
    top = [(175, 282, 92), (313, 349, 92)]
    bottom = [(136, 166, 148), (203, 287, 148)]
    assert stamps._two_ended_boxes(top + bottom, [left, right], px_mm) == [(126, 92, 352, 148)]
    assert stamps._two_ended_boxes(top, [left, right], px_mm) == []
    low = (130, 170, 352)  # a right end lower than the left one by most of its height
    assert stamps._two_ended_boxes(top + bottom, [left, low], px_mm) == []
    near = (108, 139, 200)  # 12.5 mm from the left: less than twice the box's height
    assert stamps._two_ended_boxes(top + bottom, [left, near], px_mm) == []
    half = [(175, 282, 92)]  # the top's dots stop at 4/5 of the width: 0.47 and 0.5, too little
    assert stamps._two_ended_boxes(half + bottom, [left, right], px_mm) == []
    hidden = np.zeros((200, 400), bool)
    hidden[80:105, 290:352] = True  # ... unless print hides the rest of the top: 0.65 of it seen
    assert stamps._two_ended_boxes(half + bottom, [left, right], px_mm, hidden) == [
        (126, 92, 352, 148)
    ]
    thin = [(175, 190, 92)]  # a top row spanning 6 % of the width: not a side
    assert stamps._two_ended_boxes(thin + bottom, [left, right], px_mm) == []
