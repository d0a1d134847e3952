"""Ordinary scans held for a person without need: a signer's seal that the stamp zone's edge
cuts, and an urgency stamp read one letter off.

Pages are drawn here (never read from a corpus) with the generator's own seal and stamps; the
finder and the judge are checked on their own, without Tesseract.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
from PIL import ImageDraw

from ingest.demo import scans as synth
from ingest.demo.scans import StampSpec
from ingest.examine.scan import marks, raster, stamp_reading, stamps

SURE = marks.SURE


def _signature_page(dpi: int, mode: str, seal_top: float, seed: int,
                    secret: bool = False) -> raster.PageImage:  # fmt: skip
    """An A4 page with the signer's title and a round red seal across it, the seal's top at
    ``seal_top`` of the page height (so a zone ending at 0.5 cuts it), a signature stroke over
    it; with ``secret``, a red boxed "MẬT" stamp under the number, as the generator stamps it."""
    rng = random.Random(seed)
    page = synth._Canvas(dpi).image
    draw = ImageDraw.Draw(page)
    px_mm = dpi / 25.4
    font = synth._font("DejaVuSerif-Bold.ttf", round(13 / 72 * dpi))
    mask = synth.round_seal(dpi, rng)
    sx, sy = round(120 * px_mm), round(seal_top * page.height)
    for k, title in enumerate(("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC")):  # printed across the ring
        draw.text((sx + mask.width // 2, sy + round((2 + 6 * k) * px_mm)), title, fill=(0, 0, 0),
                  font=font, anchor="mm")  # fmt: skip
    synth._signature_scribble(page, sx + mask.width // 3, sy + mask.height // 2, dpi, rng)
    synth.apply_ink(page, mask, (sx, sy), synth.INKS["red"])
    if secret:
        spec = StampSpec("level", "mat", ("MẬT",), 6.0)
        stamp = synth.stamp_image(spec, dpi, rng)
        synth.apply_ink(page, stamp, (round(30 * px_mm), round(45 * px_mm)), synth.INKS["red"])
    return raster.from_pil(synth.scan(page, mode, dpi, rng), dpi, bitonal=mode == "bitonal")


@pytest.mark.parametrize(
    ("dpi", "mode", "seal_top"),
    [(150, "color", 0.44), (200, "bitonal", 0.47), (300, "gray", 0.42), (150, "bitonal", 0.38)],
)
def test_a_seal_cut_by_the_zone_edge_is_found_and_its_pieces_are_not_held(dpi, mode, seal_top):
    page = _signature_page(dpi, mode, seal_top, seed=dpi)
    seals = stamps.find_seals(page, 0.5)
    scale = min(1.0, stamps.ANALYSIS_DPI / dpi)
    px_mm = dpi * scale / 25.4
    assert len(seals) == 1, seals
    x, y, r = seals[0]
    assert abs(x / px_mm - (120 + r / px_mm)) < 4 and 15 <= r / px_mm <= 21
    assert (y - r) / px_mm < 0.5 * 297 < (y + r) / px_mm  # the zone's edge cuts it
    to_page = 1 / scale  # analysis pixels to page pixels
    inside = [
        c for c in stamps.find_candidates(page, 0.5)
        if np.hypot(c.centre[0] - x * to_page, c.centre[1] - y * to_page) < r * to_page
    ]  # fmt: skip
    assert inside and all("on_seal" in c.cues for c in inside), [(c.cues, c.centre) for c in inside]


@pytest.mark.parametrize(("dpi", "mode"), [(150, "color"), (200, "bitonal"), (300, "gray")])
def test_a_secrecy_stamp_is_never_taken_for_part_of_a_seal(dpi: int, mode: str) -> None:
    page = _signature_page(dpi, mode, 0.45, seed=dpi + 1, secret=True)
    px_mm = dpi / 25.4
    near_stamp = [
        c for c in stamps.find_candidates(page, 0.5)
        if abs(c.centre[1] / px_mm - 50) < 12 and c.centre[0] / px_mm < 80
    ]  # fmt: skip
    assert near_stamp and not any("on_seal" in c.cues for c in near_stamp), near_stamp


def test_print_alone_makes_no_seal() -> None:
    """Lines of bold and plain print, a table's rules: circles fitted through them are inked
    on far less of their outline than a seal's ring."""
    dpi = 200
    page = synth._Canvas(dpi).image
    draw = ImageDraw.Draw(page)
    px_mm = dpi / 25.4
    bold = synth._font("DejaVuSerif-Bold.ttf", round(13 / 72 * dpi))
    plain = synth._font("DejaVuSerif.ttf", round(13 / 72 * dpi))
    words = ["Tổ", "chức", "kiểm", "tra", "chuẩn", "bị", "báo", "cáo", "gửi", "Đoàn", "đúng"]
    rng = random.Random(3)
    for row in range(22):
        line = " ".join(rng.sample(words, 9))
        font = bold if row % 5 == 0 else plain
        draw.text((round(25 * px_mm), round((20 + 6.5 * row) * px_mm)), line, fill=(0, 0, 0),
                  font=font)  # fmt: skip
    for k in range(5):  # a table's rules
        y = round((170 + 8 * k) * px_mm)
        draw.line((round(25 * px_mm), y, round(185 * px_mm), y), fill=(0, 0, 0), width=2)
    scanned = raster.from_pil(synth.scan(page, "gray", dpi, rng), dpi)
    assert stamps.find_seals(scanned, 0.5) == []


def _crop(cues: set[str], size_mm: tuple[float, float], px_mm: float) -> stamp_reading.Crop:
    cand = stamps.Candidate((400.0, 300.0), (size_mm[0] * px_mm, size_mm[1] * px_mm), 0.0, cues)
    return stamp_reading.Crop(cand, np.full((90, 300), 255, np.uint8), (20, 280), rows=2)


@pytest.mark.parametrize(
    ("cues", "kind"),
    [
        ({"frame", "on_seal"}, "other"),  # a piece of the seal: not an unread stamp
        ({"frame", "red", "on_seal"}, "other"),
        ({"frame"}, "unknown"),  # the same box anywhere else is held
        ({"frame", "red"}, "unknown"),
    ],
)
def test_an_unread_box_on_a_seal_is_not_held(cues: set[str], kind: str) -> None:
    px_mm = 200 / 25.4
    words = [stamp_reading.Word("—_——.", 20.0, 30, 120), stamp_reading.Word(">>.", 15.0, 150, 200)]
    assert stamp_reading.judge(_crop(cues, (14.0, 7.0), px_mm), words, px_mm).kind == kind


@pytest.mark.parametrize(("cues"), [{"frame", "on_seal"}, {"red", "on_seal"}])
def test_a_level_read_on_a_seal_is_still_a_level(cues: set[str]) -> None:
    px_mm = 200 / 25.4
    words = [stamp_reading.Word("MẬT", 90.0, 20, 280)]
    verdict = stamp_reading.judge(_crop(cues, (20.0, 8.0), px_mm), words, px_mm)
    assert (verdict.kind, verdict.value) == ("level", "mat")


# -- a mark read one letter off --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("-__—_—— THƯỢNG KHAV", "urgency", "thuong_khan"),  # a long word exact, one letter off
        ("THƯỢNG KHẤN", "urgency", "thuong_khan"),
        ("KHONG PHO BIEX", "circulation", "khong_pho_bien"),
        ("TUYỆT MAX", "level", "tuyet_mat"),  # the highest level, held as unsure
        ("THƯỢNG KHAV MẬT", "level", "mat"),  # a level read is never hidden by it
        ("KHAV", None, None),  # a short word alone is not enough
        ("TÔL MAX", None, None),  # nor short words only
        ("THƯỢNG KHAVX", None, None),
    ],
)
def test_a_mark_of_several_words_read_one_letter_off(text, kind, value) -> None:
    reading = marks.classify(text)
    assert (reading.kind, reading.value) == (kind, value)
    if kind is not None and text != "THƯỢNG KHẤN":
        assert not reading.exact


def test_an_urgency_stamp_read_one_letter_off_is_an_unsure_urgency_not_an_unread_stamp():
    px_mm = 150 / 25.4
    words = [
        stamp_reading.Word("-__—_——", 30.0, 10, 60),
        stamp_reading.Word("THƯỢNG", 91.0, 70, 170),
        stamp_reading.Word("KHAV", 88.0, 180, 250),
    ]
    verdict = stamp_reading.judge(_crop({"frame", "light"}, (52.0, 14.0), px_mm), words, px_mm)
    assert (verdict.kind, verdict.value) == ("urgency", "thuong_khan")
    assert verdict.confidence < SURE  # a person checks the urgency; the level is not held
