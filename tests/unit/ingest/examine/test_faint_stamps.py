"""Faint stamps: boxes whose sides broke into dashes, bitonal PDF scans known as bitonal, and a
red stamp whose box was found only in part.

A faint red stamp on a bitonal scan is what the scanner's threshold left of it: sides a pixel or
two thick, broken into dashes and stepping from row to row, letters in pieces. These pages are
drawn here (never read from a corpus): the fast tests check the finder on its own, the slow
ones read whole generated scans (faint, bitonal, 150 and 300 dpi, PDF and PNG, turned; red on
colour and gray) and require that no secret scan comes out ordinary.
"""

from __future__ import annotations

import random

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from archive.core.limits import Limits
from ingest.demo import samples
from ingest.demo import scans as synth
from ingest.demo.scans import StampSpec
from ingest.examine import ocr, stages
from ingest.examine.scan import marks as stamp_marks
from ingest.examine.scan import raster, stamp_reading, stamps

SURE = stamp_marks.SURE
LEVEL_RANK = {"mat": 1, "toi_mat": 2, "tuyet_mat": 3}


def _dashed_box(width_mm: float, height_mm: float, dpi: int, angle: float, seed: int,
                gaps_mm: tuple[float, float] = (0.15, 0.5)) -> np.ndarray:  # fmt: skip
    """A header zone (white, 0 = ink) with a box whose one-pixel sides are broken into dashes
    of 0.5-2.5 mm with gaps of ``gaps_mm`` (0.15-0.5 mm unless said), turned by ``angle``, and
    a line of print above."""
    rng = np.random.default_rng(seed)
    px_mm = dpi / 25.4
    page = np.full((round(80 * px_mm), round(120 * px_mm)), 255, np.uint8)
    x0, y0 = round(30 * px_mm), round(30 * px_mm)
    x1, y1 = x0 + round(width_mm * px_mm), y0 + round(height_mm * px_mm)
    ink = np.zeros_like(page)
    for (ax, ay), (bx, by) in (((x0, y0), (x1, y0)), ((x1, y0), (x1, y1)),
                               ((x1, y1), (x0, y1)), ((x0, y1), (x0, y0))):  # fmt: skip
        length = float(np.hypot(bx - ax, by - ay))
        t = 0.0
        while t < length:
            dash = rng.uniform(0.5, 2.5) * px_mm
            u0, u1 = t / length, min(1.0, (t + dash) / length)
            cv2.line(ink, (round(ax + (bx - ax) * u0), round(ay + (by - ay) * u0)),
                     (round(ax + (bx - ax) * u1), round(ay + (by - ay) * u1)), 255, 1)  # fmt: skip
            t += dash + rng.uniform(*gaps_mm) * px_mm
    matrix = cv2.getRotationMatrix2D(((x0 + x1) / 2, (y0 + y1) / 2), angle, 1.0)
    ink = cv2.warpAffine(ink, matrix, (page.shape[1], page.shape[0]), flags=cv2.INTER_NEAREST)
    page[ink > 0] = 0
    text = Image.fromarray(page)  # a line of the subject in 12 pt italics, 2.5 mm above
    font = ImageFont.truetype(synth.FONT_DIR + "DejaVuSerif-Italic.ttf", round(12 / 72 * dpi))
    where = (x0 - round(8 * px_mm), y0 - round(2.5 * px_mm))
    ImageDraw.Draw(text).text(where, "về việc bàn giao hồ sơ", fill=0, font=font, anchor="ls")
    return np.asarray(text).copy()


@pytest.mark.parametrize(("dpi", "angle"), [(150, 1.6), (150, -13.4), (300, 1.2), (200, 7.5)])
def test_a_box_of_dashes_on_a_bitonal_page_is_a_frame(dpi: int, angle: float) -> None:
    zone = _dashed_box(36, 9, dpi, angle, seed=dpi + round(angle))
    page = raster.PageImage(zone, None, dpi, bitonal=True)
    frames = [c for c in stamps.find_candidates(page, 1.0) if "frame" in c.cues]
    px_mm = dpi / 25.4
    centre = (30 * px_mm + 18 * px_mm, 30 * px_mm + 4.5 * px_mm)
    near = [f for f in frames if np.hypot(f.centre[0] - centre[0], f.centre[1] - centre[1])
            < 3 * px_mm]  # fmt: skip
    assert near, frames
    assert abs(near[0].size[0] / px_mm - 36) < 4 and abs(near[0].size[1] / px_mm - 9) < 3


@pytest.mark.parametrize(("dpi", "angle"), [(300, 0.7), (300, -8.0), (200, 4.0), (150, 1.0)])
def test_a_box_of_dots_far_apart_on_a_bitonal_page_is_a_frame(dpi: int, angle: float) -> None:
    """Dashes 2.5-4 mm apart: fainter than the gaps the bridged search closes."""
    zone = _dashed_box(40, 9, dpi, angle, seed=dpi + round(angle), gaps_mm=(2.5, 4.0))
    page = raster.PageImage(zone, None, dpi, bitonal=True)
    frames = [c for c in stamps.find_candidates(page, 1.0) if "frame" in c.cues]
    px_mm = dpi / 25.4
    centre = (30 * px_mm + 20 * px_mm, 30 * px_mm + 4.5 * px_mm)
    near = [f for f in frames if np.hypot(f.centre[0] - centre[0], f.centre[1] - centre[1])
            < 3 * px_mm]  # fmt: skip
    assert near, frames
    assert abs(near[0].size[0] / px_mm - 40) < 4 and abs(near[0].size[1] / px_mm - 9) < 3
    assert "dashed" in near[0].cues  # maybe found in part: a lower level read there is unsure


def _print_lines(dpi: int, seed: int) -> np.ndarray:
    """A bitonal header zone of print only: names in bold capitals, a number line, an
    underline, a date in italics, lines of body text, a table rule, some speckle."""
    rng = random.Random(seed)
    px_mm = dpi / 25.4
    image = Image.new("L", (round(180 * px_mm), round(110 * px_mm)), 255)
    draw = ImageDraw.Draw(image)

    def font(name: str, pt: float) -> ImageFont.FreeTypeFont:
        return ImageFont.truetype(synth.FONT_DIR + name, round(pt / 72 * dpi))

    lines = [
        ("DejaVuSerif.ttf", 13, "UBND TỈNH LÀO CAI", 10),
        ("DejaVuSerif-Bold.ttf", 13, "SỞ NỘI VỤ TỈNH LÀO CAI", 10),
        ("DejaVuSerif.ttf", 13, "Số: 27/KH-SNV", 14),
        ("DejaVuSerif-Bold.ttf", 16, "KẾ HOẠCH TUYỂN DỤNG", 40),
        ("DejaVuSerif-Italic.ttf", 13, "Lào Cai, ngày 25 tháng 3 năm 2022", 60),
        ("DejaVuSerif.ttf", 13, "Thực hiện Kế hoạch số 92-KH/TU ngày 29/6/2021 của Ban", 8),
        ("DejaVuSerif.ttf", 13, "Thường vụ Tỉnh ủy về chuyển đổi số trong cơ quan đảng.", 8),
        ("DejaVuSans-Bold.ttf", 12, "I. MỤC ĐÍCH, YÊU CẦU", 8),
    ]
    y = 10 * px_mm
    for name, pt, text, x_mm in lines:
        draw.text((x_mm * px_mm, y), text, fill=0, font=font(name, pt))
        y += pt / 72 * 25.4 * 1.5 * px_mm
    draw.line((10 * px_mm, 26 * px_mm, 50 * px_mm, 26 * px_mm), fill=0, width=2)  # underline
    draw.line((5 * px_mm, y + 4 * px_mm, 175 * px_mm, y + 4 * px_mm), fill=0, width=1)
    ink = np.asarray(image).copy()
    for _ in range(round(200 * px_mm)):  # speckle of a cheap scanner
        ink[rng.randrange(ink.shape[0]), rng.randrange(ink.shape[1])] = 0
    return ink


@pytest.mark.parametrize(("dpi", "seed"), [(150, 1), (200, 2), (300, 3)])
def test_lines_of_print_make_no_box_of_dots(dpi: int, seed: int) -> None:
    """Gaps of 4 mm would join the strokes of letters into sides: only ink with paper on
    both sides of a line counts, so print alone is no box."""
    page = raster.PageImage(_print_lines(dpi, seed), None, dpi, bitonal=True)
    px_mm = 150 / 25.4
    small = cv2.resize(page.gray, None, fx=150 / dpi, fy=150 / dpi, interpolation=cv2.INTER_AREA)
    ink = np.where(small < stamps.PAPER_INK, 255, 0).astype(np.uint8)
    for angle in (-6, 0, 3):
        matrix = cv2.getRotationMatrix2D((ink.shape[1] / 2, ink.shape[0] / 2), angle, 1.0)
        upright = cv2.warpAffine(ink, matrix, ink.shape[::-1], flags=cv2.INTER_NEAREST)
        assert stamps._dotted_boxes(upright, px_mm) == ([], [])


def test_pieces_of_a_side_in_line_are_joined_and_others_are_not() -> None:
    px_mm = 150 / 25.4
    pieces = [(178, 292, 265), (299, 373, 263), (169, 248, 320), (255, 311, 319),
              (318, 393, 317), (500, 560, 264)]  # fmt: skip
    joined = stamps._chained(pieces, px_mm)
    assert (169, 393, 320) in joined  # three pieces of the bottom side, placed at the longest
    assert (178, 373, 265) in joined  # two of the top side
    assert (500, 560, 264) in joined  # too far along (> 1.5 mm) to be the same side
    assert len(joined) == 3


def test_a_red_blob_holding_a_piece_of_a_frame_keeps_its_own_rectangle() -> None:
    piece = stamps.Candidate((380.0, 240.0), (53.0, 39.0), -18.0, {"frame"})
    red = stamps.Candidate((354.0, 242.0), (107.0, 57.0), -17.5, {"red"})
    merged = stamps._merge([piece, red])
    assert len(merged) == 1 and merged[0].cues == {"frame", "red"}
    assert merged[0].size == red.size and merged[0].centre == red.centre
    # A frame as large as the red ink it holds stays the stamp's outline.
    whole = stamps.Candidate((354.0, 242.0), (110.0, 60.0), -18.0, {"frame"})
    kept = stamps._merge([whole, red])
    assert len(kept) == 1 and kept[0].size == whole.size


@pytest.mark.parametrize(("mode", "bitonal"), [("bitonal", True), ("gray", False),
                                               ("color", False)])  # fmt: skip
def test_a_rendered_pdf_page_knows_it_was_a_bitonal_scan(mode: str, bitonal: bool) -> None:
    image = Image.new("RGB", (620, 877), "white")
    image.paste((0, 0, 0), (100, 100, 500, 140))
    image.paste((205, 35, 45), (100, 200, 300, 240))
    scanned = synth.scan(image, mode, 75, random.Random(1))
    page = raster.render_pdf_page(synth.encode(scanned, "pdf", 75), 0, Limits(), dpi=150)
    assert page.bitonal is bitonal
    assert raster.from_pil(scanned, 75).bitonal is bitonal  # an image file says it itself


# -- whole generated scans, read with Tesseract -------------------------------------------------


def _faint(spec: StampSpec, dpi: int, rng: random.Random, strength: float) -> Image.Image:
    mask = np.asarray(synth.stamp_image(spec, dpi, rng), dtype=np.float32)
    return Image.fromarray((mask * strength).clip(0, 255).astype(np.uint8))


def _faint_scan(level: str, mode: str, dpi: int, angle: float, fmt: str, seed: int,
                strength: float) -> bytes:  # fmt: skip
    """A page of a generated header with one faint red boxed secrecy stamp under the number,
    its ink ``strength`` times the generator's own faint ink, scanned as ``mode``."""
    rng = random.Random(seed)
    doc = samples.generate(6, seed=seed, formats=("txt",))[seed % 6]
    spec = StampSpec("level", level, (synth.LEVEL_TEXT[level],), angle, True)
    mask = _faint(spec, dpi, rng, strength)
    page, layout = synth.compose_page(doc.truth, doc.content.decode(), dpi, mask.height)
    x, y = synth._place(spec, mask, layout, page, dpi, rng, 0)
    synth.apply_ink(page, mask, (max(0, x), y), synth.INKS["red"])
    return synth.encode(synth.scan(page, mode, dpi, rng), fmt, dpi)


def _held(found: list, level: str) -> bool:
    """The level read (or higher), or the mark held as unknown or unsure; never a sure lower
    level alone."""
    levels = [m for m in found if m.kind == "level"]
    sure_lower = [m for m in levels if LEVEL_RANK[m.value] < LEVEL_RANK[level]
                  and m.confidence >= SURE]  # fmt: skip
    held = any(
        m.kind == "unknown" or LEVEL_RANK[m.value] >= LEVEL_RANK[level] or m.confidence < SURE
        for m in levels + [m for m in found if m.kind == "unknown"]
    )
    return held and not sure_lower


@pytest.mark.slow
@pytest.mark.parametrize(
    ("level", "mode", "dpi", "angle", "fmt", "seed"),
    [
        ("tuyet_mat", "bitonal", 150, 0.9, "pdf", 3),  # a box of dots with gaps of 3-4 mm
        ("toi_mat", "gray", 150, 16.0, "png", 2),  # fainter still, on paper with show-through
        ("toi_mat", "gray", 150, 16.0, "png", 4),  # its box found at a wrong angle, cut across
        ("tuyet_mat", "bitonal", 150, 1.5, "pdf", 9),  # rendered at 300 dpi: a bitonal PDF
        ("tuyet_mat", "bitonal", 150, -12.0, "png", 4),
        ("tuyet_mat", "bitonal", 300, -1.5, "pdf", 5),
        ("toi_mat", "bitonal", 300, 9.0, "png", 6),
        ("mat", "color", 150, 16.5, "png", 7),  # red, faint, turned
        ("toi_mat", "gray", 200, -6.0, "pdf", 8),  # red turned light gray
    ],
)
def test_faint_secret_stamps_are_read_or_held(level, mode, dpi, angle, fmt, seed) -> None:
    if ocr.tesseract_version() is None:
        pytest.fail(ocr.INSTALL_HINT)
    data = _faint_scan(level, mode, dpi, angle, fmt, seed, strength=0.85)
    examined = stages.examine(data, f"faint.{fmt}")
    assert examined.stamps_searched and examined.page_sources[0] == "ocr"
    assert _held(examined.marks, level), examined.marks


@pytest.mark.parametrize(
    ("cues", "text", "sure"),
    [
        ({"frame", "dashed"}, "MẬT", False),  # maybe the half of a TUYỆT MẬT box that was found
        ({"frame", "dashed"}, "TỐI MẬT", False),
        ({"frame", "dashed"}, "TUYỆT MẬT", True),  # nothing higher can hide around it
        ({"frame"}, "MẬT", True),  # a whole box, closed
    ],
)
def test_a_lower_level_in_a_box_of_dashes_is_never_sure(cues, text, sure) -> None:
    cand = stamps.Candidate((100.0, 50.0), (300.0, 90.0), 0.0, cues)
    crop = stamp_reading.Crop(cand, np.full((90, 300), 255, np.uint8), (20, 280))
    words, x = [], 20
    for word in text.split():
        width = 260 // len(text.split()) - 10
        words.append(stamp_reading.Word(word, 95.0, x, x + width))
        x += width + 10
    verdict = stamp_reading.judge(crop, words, 150 / 25.4)
    assert verdict.kind == "level" and (verdict.confidence >= SURE) is sure, verdict


@pytest.mark.parametrize(
    ("size_mm", "cues", "kind"),
    [
        ((20.0, 10.0), {"frame", "dashed"}, "unknown"),  # shaped like a one-line stamp: held
        ((20.0, 15.0), {"frame", "dashed"}, None),  # broken print or a table's cell
        ((12.0, 16.0), {"frame", "dashed"}, None),
        ((20.0, 15.0), {"frame"}, "unknown"),  # a closed box, unread: held whatever its shape
    ],
)
def test_an_unread_box_of_dashes_is_held_only_when_shaped_like_a_stamp(size_mm, cues, kind):
    px_mm = 300 / 25.4
    size = (size_mm[0] * px_mm, size_mm[1] * px_mm)
    cand = stamps.Candidate((400.0, 300.0), size, 0.0, cues)
    crop = stamp_reading.Crop(cand, np.full((90, 300), 255, np.uint8), (20, 280))
    words = [stamp_reading.Word("~", 20.0, 30, 60), stamp_reading.Word("bỏ:", 30.0, 80, 140)]
    assert stamp_reading.judge(crop, words, px_mm).kind == kind


# -- a word of a stamp found apart from the rest ------------------------------------------------


def test_stamp_ink_in_line_before_a_word_is_its_first_word() -> None:
    px_mm = 150 / 25.4
    mat = stamps.Candidate((340, 284), (77, 32), -15.8, {"light"})  # "MẬT", turned 16°
    toi = stamps.Candidate((253, 306), (64, 25), -16.1, {"light"})  # "TỐI", before it
    after = stamps.Candidate((427, 262), (64, 25), -16.1, {"light"})  # after it
    below = stamps.Candidate((360, 360), (77, 32), -15.8, {"light"})  # the next stamp down
    far = stamps.Candidate((100, 352), (64, 25), -16.1, {"light"})  # 20 mm away on the line
    assert stamps.in_line_before(mat, toi, px_mm)
    assert not stamps.in_line_before(toi, mat, px_mm)
    assert not any(stamps.in_line_before(mat, c, px_mm) for c in (after, below, far))


@pytest.mark.parametrize(
    ("value", "cues", "before_explained", "unsure"),
    [
        ("mat", {"light"}, False, True),  # "MẬT" read, "TỐI" beside it unread: maybe TỐI MẬT
        ("toi_mat", {"red"}, False, True),  # maybe the "MẬT" half of a TUYỆT MẬT: not sure
        ("mat", {"light"}, True, False),  # the ink before was read as another mark ("KHẨN")
        ("tuyet_mat", {"light"}, False, False),  # nothing higher
        ("mat", {"frame", "light"}, False, False),  # a whole box holds the reading
    ],
)
def test_a_lower_level_with_unread_stamp_ink_before_it_is_not_sure(
    value: str, cues: set[str], before_explained: bool, unsure: bool
) -> None:
    from ingest.examine.scan import page as page_reading

    px_mm = 150 / 25.4
    mark = stamps.Candidate((340, 284), (77, 32), -15.8, cues)
    before = stamps.Candidate((253, 306), (64, 25), -16.1, {"light"})
    verdict = stamp_reading.Verdict("level", value, "MẬT", 0.97)
    explained = [before] if before_explained else []
    lost = page_reading._first_word_maybe_lost(mark, verdict, [mark, before], explained, px_mm)
    assert lost is unsure


@pytest.mark.slow
def test_a_faint_toi_mat_split_into_words_is_never_a_sure_mat() -> None:
    """Faint red turned light gray at 16°: "TỐI" and "MẬT" are found as two words and "TỐI"
    is not read; the "MẬT" alone must not be a sure level."""
    if ocr.tesseract_version() is None:
        pytest.fail(ocr.INSTALL_HINT)
    data = _faint_scan("toi_mat", "gray", 150, 16.0, "png", 2, strength=1.0)
    examined = stages.examine(data, "faint.png")
    assert examined.stamps_searched
    assert _held(examined.marks, "toi_mat"), examined.marks
