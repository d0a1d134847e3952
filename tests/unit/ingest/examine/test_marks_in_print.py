"""A mark's words read in lines of running text are print, not a mark. A secrecy, urgency or
circulation stamp is one line of capitals in its own box; dense body text scanned bitonal
gives boxes bridged out of its letters, and one of them, holding seven lines of print, was read
"... lến; thực hiện Quy trìn ng Thương nhận được ..." and matched loosely as THƯỢNG KHẨN: an
urgency sent to a person for nothing (DejaVuSerif 13 pt, 1.2 spaced, bitonal 300 dpi, -0.6°).

Every page is drawn by the test (never read from a corpus); the fast tests give the OCR reading,
the slow one reads a whole page of print with Tesseract.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from ingest.demo import scans as synth
from ingest.examine import ocr
from ingest.examine.limits import Deadline
from ingest.examine.scan import marks, raster, stamp_reading, stamps
from ingest.examine.scan.page import search_stamps
from tests.support.documents import BODY_LINES

DPI = 300
PX_MM = DPI / 25.4
PRINT = (
    "đôn đốc, kiểm tra việc thực hiện, định kỳ",
    "bản đến; thực hiện quy trình xử lý văn",
    "Sở Công Thương nhận được Văn bản số",
    "trên dịch vụ công quốc gia của Hợp tác",
    "huấn luyện, kiểm tra cấp Giấy chứng",
)
READ = "lến; thực hiện Quy trìn ng Thương nhận được Vẽ dịch vụ công"


def _boxed(lines: tuple[str, ...], size_mm: tuple[float, float] = (45.0, 20.0)
           ) -> tuple[raster.PageImage, stamps.Candidate]:  # fmt: skip
    """A bitonal page with a box of ``size_mm`` (0.3 mm lines) holding ``lines`` of 13 pt
    print, 1.2 spaced, and the box as a candidate found by bridged dashes."""
    page = Image.new("L", (round(210 * PX_MM), round(120 * PX_MM)), 255)
    draw = ImageDraw.Draw(page)
    x0, y0 = 60 * PX_MM, 30 * PX_MM
    w, h = size_mm[0] * PX_MM, size_mm[1] * PX_MM
    draw.rectangle((x0, y0, x0 + w, y0 + h), outline=0, width=max(2, round(0.3 * PX_MM)))
    size = round(13 / 72 * DPI)
    font = ImageFont.truetype(synth.FONT_DIR + "DejaVuSerif.ttf", size)
    y = y0 + 0.15 * size
    for line in lines:
        draw.text((x0 + 0.5 * PX_MM, y), line, fill=0, font=font)
        y += 1.2 * size
    cand = stamps.Candidate((x0 + w / 2, y0 + h / 2), (w, h), 0.0, {"frame", "dashed"})
    return raster.PageImage(np.asarray(page).copy(), None, DPI, bitonal=True), cand


def _words(text: str) -> list[stamp_reading.Word]:
    """The reading as Tesseract's words, spread along the crop, each read at 60."""
    return [stamp_reading.Word(t, 60.0, 40 * i, 40 * i + 35) for i, t in enumerate(text.split())]


def test_lower_case_words_spelling_a_mark_are_running_text() -> None:
    assert marks.spelt_in_lower_case(READ, "thuong_khan")
    assert marks.spelt_in_lower_case("khẩn trương", "khan")
    assert not marks.spelt_in_lower_case("đến THƯỢNG KHẨN xin", "thuong_khan")
    assert not marks.spelt_in_lower_case("TUYỆT mật", "tuyet_mat")  # one word in capitals
    assert not marks.spelt_in_lower_case("lTUYETMAT", "tuyet_mat")  # glued: not judged


def test_a_mark_read_loosely_in_lines_of_print_is_no_mark() -> None:
    """Old code: an unsure THƯỢNG KHẨN (urgency, 0.3) from this box, sent to a person."""
    page, cand = _boxed(PRINT)
    crop = stamp_reading.prepare(page, cand)
    assert crop is not None and crop.rows >= 3  # several lines
    assert marks.classify(READ).value == "thuong_khan"
    verdict = stamp_reading.judge(crop, _words(READ), PX_MM)
    assert verdict.kind is None, verdict


def test_a_mark_in_capitals_over_print_is_still_read() -> None:
    """A stamp laid over print reads its own words in capitals: the mark stays."""
    page, cand = _boxed(PRINT)
    crop = stamp_reading.prepare(page, cand)
    assert crop is not None
    text = "thực hiện quy THƯỢNG KHẨN Thương nhận được"
    assert stamp_reading.judge(crop, _words(text), PX_MM).value == "thuong_khan"


@pytest.mark.parametrize("cues", [{"frame", "light"}, {"frame", "red"}])
def test_a_box_of_stamp_ink_is_never_judged_print(cues: set[str]) -> None:
    page, cand = _boxed(PRINT)
    cand.cues = set(cues)
    crop = stamp_reading.prepare(page, cand)
    assert crop is not None
    assert stamp_reading.judge(crop, _words(READ), PX_MM).kind == "urgency"


def test_a_line_of_body_text_that_speaks_of_secrecy_is_no_mark() -> None:
    """A box round one line of print about secret documents, read with its "mật" (old code:
    an unsure MẬT, the page held for a person)."""
    line = "quy định; tài liệu mật phải được quản lý chặt chẽ,"
    page, cand = _boxed((line,), (120.0, 9.0))
    crop = stamp_reading.prepare(page, cand)
    assert crop is not None and crop.rows < 3
    text = "uy định; tài Hiệu mật phải được quản lý chặt chế,"
    assert marks.classify(text).value == "mat"
    assert stamp_reading.judge(crop, _words(text), PX_MM).kind is None


def test_a_mark_in_lower_case_with_a_few_words_is_still_read() -> None:
    """A stamp read in lower case beside a little print (fewer than five lower-case words in
    one line) is not running text: the level stays (unsure, for a person)."""
    page, cand = _boxed(("tài liệu MẬT",), (40.0, 9.0))
    crop = stamp_reading.prepare(page, cand)
    assert crop is not None and crop.rows < 3
    assert stamp_reading.judge(crop, _words("tài liệu mật"), PX_MM).kind == "level"


def test_one_line_of_a_mark_in_lower_case_is_still_read() -> None:
    """A stamp of one line read in lower case (OCR's case is unsure on a lone word) is no
    body of print: the rule needs several lines."""
    page, cand = _boxed(("Khẩn",), (30.0, 9.0))
    crop = stamp_reading.prepare(page, cand)
    assert crop is not None and crop.rows < 3
    assert stamp_reading.judge(crop, _words("Khẩn"), PX_MM).kind == "urgency"


def _body(face: str, spacing: float, angle: float) -> raster.PageImage:
    """An A4 page of justified body text (13 pt) from 60 mm down, turned ``angle``, with the
    scanner's noise, cut at a bitonal threshold (300 dpi)."""
    image = Image.new("L", (round(210 * PX_MM), round(297 * PX_MM)), 255)
    draw = ImageDraw.Draw(image)
    size = round(13 / 72 * DPI)
    font = ImageFont.truetype(synth.FONT_DIR + face, size)
    left, right, y = 30 * PX_MM, 195 * PX_MM, 60 * PX_MM
    for line in BODY_LINES:
        words = line.split()
        widths = [draw.textlength(word, font=font) for word in words]
        gap = (right - left - sum(widths)) / max(1, len(words) - 1)
        x = left
        for word, width in zip(words, widths, strict=True):
            draw.text((x, y), word, fill=0, font=font)
            x += width + gap
        y += spacing * 13 / 72 * DPI
    image = image.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
    noisy = np.asarray(image, np.float32) + np.random.default_rng(2).normal(0, 6, image.size[::-1])
    return raster.PageImage(np.where(noisy > 150, 255, 0).astype(np.uint8), None, DPI, True)


@pytest.mark.slow
def test_body_text_gives_no_urgency_nor_level() -> None:
    """Plain body text turned -0.6° (old code: an unsure THƯỢNG KHẨN, the box of seven lines
    above) and not turned: no urgency, no level."""
    if ocr.tesseract_version() is None:
        pytest.fail(ocr.INSTALL_HINT)
    for angle in (-0.6, 0.0):
        page = _body("DejaVuSerif.ttf", 1.2, angle)
        found, _ = search_stamps(page, 0, 0.5, Deadline(600), ocr.tesseract)
        assert not [m for m in found if m.kind in ("urgency", "level")], (angle, found)
