"""Scan reading without images: garbled text layers, stamp vocabulary, syllables, page sizes.

Fixtures are generated (``ingest.samples``, ``ingest.demo.scans``); nothing is read from
disk.
"""

from __future__ import annotations

import io
import math
import random
import unicodedata

import pytest
from PIL import Image

from archive.core.limits import Limits
from ingest.demo import samples
from ingest.demo import scans as synth
from ingest.examine import stages
from ingest.examine import text as text_stage
from ingest.examine.scan import garbled, layout, marks, raster
from ingest.examine.scan.syllables import is_syllable
from tests.support import documents as fx


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return [d.content.decode() for d in samples.generate(60, seed=41, formats=("txt",))]


def test_vietnamese_syllables_are_recognised_and_junk_is_not() -> None:
    for word in ("quốc", "quân", "gì", "giữ", "nghiêng", "khuya", "Tỉnh", "ỦY", "người", "đảng"):
        assert is_syllable(word), word
    for junk in ("vrET", "ph4t", "ncuia", "her", "ceng", "ge", "kan", "xyz"):
        assert not is_syllable(junk), junk


def test_good_text_layers_are_never_flagged(texts: list[str]) -> None:
    for text in texts:
        assert not garbled.measure(text).garbled, garbled.measure(text)
    pages = [samples.render_pdf(t) for t in texts[:5]]
    for pdf in pages:
        examined = stages.examine(pdf, "a.pdf")
        assert examined.page_sources == ["text"] * examined.pages
        assert not examined.stamps_searched and examined.header_zone is not None


@pytest.mark.parametrize("spoil", [synth.mojibake, synth.poor_ocr])
def test_mojibake_and_poor_ocr_layers_are_flagged(texts: list[str], spoil) -> None:
    for text in texts[:20]:
        assert garbled.measure(spoil(text)).garbled, spoil(text)[:200]


def test_a_short_page_takes_its_documents_verdict(texts: list[str]) -> None:
    long_page, short_page = synth.mojibake(texts[0]), synth.mojibake("Nơi nhận: Lưu VT.")
    assert garbled.judge_pages([long_page, short_page, ""]) == [True, True, False]
    assert garbled.judge_pages([texts[0], "Nơi nhận: Lưu VT.", ""]) == [False, False, False]


def test_garbled_layer_is_never_kept_when_ocr_is_unavailable(monkeypatch, texts) -> None:
    from ingest.examine import ocr

    monkeypatch.setattr(ocr, "tesseract_version", lambda: None)
    truth = samples.generate(1, seed=2, formats=("txt",))[0].truth
    image, _ = synth.compose_page(truth, texts[1], 150)
    pdf = synth.pdf_with_layer(image, 150, synth.mojibake(texts[1]))
    examined = stages.examine(pdf, "signed.pdf")
    assert examined.page_sources == ["none"] and examined.needs_ocr
    assert examined.text.strip() == "" and examined.pages_needing_ocr == [0]


@pytest.mark.parametrize(
    ("reading", "kind", "value", "exact"),
    [
        ("TỐI MẬT", "level", "toi_mat", True),
        ("T0I MAT", "level", "toi_mat", True),
        ("TỐIMẬT", "level", "toi_mat", True),
        ("MẬT", "level", "mat", True),
        ("| MẬT |", "level", "mat", True),
        ("TOL MẬT", "level", "mat", False),  # an unread word before MẬT: maybe TỐI MẬT
        ("TƯY£T MAT", "level", "mat", False),  # a sign inside the unread word: still one word
        ("FJƯUUNWBET MẠT", "level", "mat", False),  # a TUYỆT over print: more letters than it has
        ("IƯY#Y,MAT]", "level", "mat", False),  # letters glued to MẬT: maybe TUYỆT
        ("-MẬT,", "level", "mat", True),
        ("TUYÊT MÂT", "level", "tuyet_mat", True),
        ("GIẢI MẬT", "circulation", "giai_mat", True),
        ("THƯỢNG KHẨN", "urgency", "thuong_khan", True),
        ("KHẨN", "urgency", "khan", True),
        ("HOẢ TỐC", "urgency", "hoa_toc", True),
        ("HỎA TỐC HẸN GIỜ 15 giờ", "urgency", "hoa_toc_hen_gio", True),
        ("LƯU HÀNH NỘI BỘ", "circulation", "noi_bo", True),
        ("ĐẾN Số: 1234 Ngày: 04/4", "other", "den", True),
        ("Số: 2770 Ngày: 04/4 Chuyển", "other", "den", False),
        ("SỞ CÔNG THƯƠNG LÀO CAI", "other", None, False),
        ("ỦY BAN NHÂN DÂN", "other", None, False),  # a body's name: never "KHẨN"
        ("m", None, None, False),
    ],
)
def test_stamp_readings_are_classified(reading, kind, value, exact) -> None:
    found = marks.classify(reading)
    assert (found.kind, found.value, found.exact) == (kind, value, exact)


def test_render_resolution_follows_the_page_size() -> None:
    assert raster.dpi_for(595, 842) == 300  # A4
    assert raster.dpi_for(298, 420) == 300  # A6: never above 300
    a3 = raster.dpi_for(842, 1191)  # A3: the A4 budget of pixels, so ~212 dpi
    assert 200 <= a3 <= 220
    poster = raster.dpi_for(2 * 2384, 2 * 3370)  # twice A0: 279 million pixels at 300 dpi
    assert poster == raster.MIN_DPI
    assert (2 * 2384 / 72 * poster) * (2 * 3370 / 72 * poster) < Limits().max_image_pixels


@pytest.mark.parametrize("mode", ["LAB", "CMYK", "I;16", "RGBA", "LA", "P", "1", "F"])
def test_every_tiff_mode_becomes_a_page_image(mode: str) -> None:
    source = Image.new("L", (300, 200), 255)
    source.paste(0, (50, 50, 250, 60))
    image = source.convert(mode) if mode != "I;16" else source.convert("I").convert("I;16")
    if mode in ("RGBA", "LA"):
        image.putalpha(255)
    out = io.BytesIO()
    image.save(out, format="TIFF")
    page = raster.from_pil(Image.open(io.BytesIO(out.getvalue())))
    assert page.gray.shape == (200, 300)
    assert page.gray[55, 100] < 100 and page.gray[150, 100] > 200, mode


def test_cielab_tiff_is_examined_not_crashed() -> None:
    lab = Image.open(io.BytesIO(fx.image(fmt="PNG"))).convert("RGB").convert("LAB")
    out = io.BytesIO()
    lab.save(out, format="TIFF")
    examined = stages.examine(out.getvalue(), "lab.tif", run_ocr=False)
    assert examined.pages == 1 and examined.needs_ocr and examined.page_sources == ["none"]


def test_header_zone_of_a_text_layer() -> None:
    doc = samples.generate(1, seed=9, formats=("pdf",))[0]
    examined = stages.examine(doc.content, "a.pdf")
    x0, y0, x1, y1 = examined.header_zone
    assert 0.0 <= x0 < 0.3 and 0.0 <= y0 < 0.12 and 0.7 < x1 <= 1.0 and 0.1 < y1 < 0.35


def test_word_and_text_files_are_text_without_stamp_search() -> None:
    for data, name in ((fx.docx_file([fx.SENTENCE]), "a.docx"), (b"Tinh uy", "a.txt")):
        examined = stages.examine(data, name)
        assert examined.page_sources == ["text"] and not examined.stamps_searched
        assert examined.marks == [] and examined.header_zone is None


def test_header_columns_found_from_boxes() -> None:
    mm = (1 / 210, 1 / 297)
    left = [(0.15, 0.06, 0.4, 0.075), (0.2, 0.08, 0.35, 0.095), (0.18, 0.11, 0.37, 0.125)]
    right = [(0.48, 0.06, 0.9, 0.075), (0.55, 0.08, 0.83, 0.095), (0.5, 0.11, 0.88, 0.125)]
    title = [(0.42, 0.16, 0.58, 0.175), (0.2, 0.18, 0.8, 0.195)]
    header = layout.find_header(left + right + title, mm)
    assert header is not None and header.rows == 3
    assert 0.4 < header.gutter < 0.48 and abs(header.bottom - 0.125) < 1e-9
    assert layout.find_header([*title, (0.1, 0.3, 0.9, 0.315)], mm) is None  # one column


def test_a_body_line_in_pieces_across_the_gutter_ends_the_header() -> None:
    """On a turned or bitonal page a body line's ink comes out in pieces, none spanning the gap
    between the columns: its right part, centred like the right column, was taken for a header
    row, and OCR read the body's first line as the end of the summary ("… Tỉnh ủy Tổ chức …")."""
    mm = (1 / 210, 1 / 297)
    left = [(0.15, 0.06, 0.4, 0.075), (0.2, 0.08, 0.35, 0.095), (0.18, 0.11, 0.37, 0.125)]
    right = [(0.48, 0.06, 0.9, 0.075), (0.55, 0.08, 0.83, 0.095), (0.5, 0.11, 0.88, 0.125)]
    body = [(0.12, 0.2, 0.41, 0.215), (0.41, 0.201, 0.45, 0.216), (0.451, 0.2, 0.62, 0.215),
            (0.62, 0.202, 0.9, 0.217), (0.12, 0.22, 0.5, 0.235)]  # fmt: skip
    header = layout.find_header(left + right + body, mm)
    assert header is not None and header.rows == 3 and abs(header.next_top - 0.2) < 1e-9
    # the columns' own lines, however close to the gap, are not one run of ink
    near = [(0.15, 0.14, 0.395, 0.155), (0.49, 0.14, 0.87, 0.155)]
    assert layout.find_header(left + right + near + body, mm).rows == 4


def _rows_by_definition(boxes: list[layout.Box]) -> list[list[layout.Box]]:
    """The row grouping as first written (min/max over every row, rows sorted by their boxes):
    the faster ``layout._rows`` must group every set of boxes exactly as this does."""
    rows: list[list[layout.Box]] = []
    spans: list[list[float]] = []
    for box in sorted(boxes, key=lambda b: (b[1] + b[3]) / 2):
        height = box[3] - box[1]
        for row, span in zip(rows, spans, strict=True):
            overlap = min(span[1], box[3]) - max(span[0], box[1])
            if overlap > 0.5 * min(height, span[1] - span[0]):
                row.append(box)
                span[0], span[1] = min(span[0], box[1]), max(span[1], box[3])
                break
        else:
            rows.append([box])
            spans.append([box[1], box[3]])
    return sorted(rows, key=lambda r: min(b[1] for b in r))


def test_rows_are_grouped_as_defined() -> None:
    rnd = random.Random(7)
    for _ in range(400):
        boxes = []
        for _ in range(rnd.randint(0, 50)):
            top = round(rnd.random(), rnd.choice([1, 2, 6]))  # ties in tops and middles too
            height = round(rnd.random() * rnd.choice([0.01, 0.05, 0.2]), rnd.choice([2, 6]))
            left = rnd.random()
            boxes.append((left, top, left + 0.1, top + height * rnd.choice([1, 1, 0])))
        rows, tops = layout._rows_and_tops(boxes)
        assert rows == _rows_by_definition(boxes)
        assert tops == [min(b[1] for b in row) for row in rows]


def test_rows_are_grouped_as_defined_among_tall_and_upside_down_boxes() -> None:
    """Rows far above the boxes to come are no longer compared (``_rows_and_tops``): a tall box
    keeps them in reach; boxes upside down cannot reach them either; a coordinate that is not
    a number (none in practice) turns that off."""
    rnd = random.Random(11)
    for _ in range(600):
        boxes = []
        for _ in range(rnd.randint(0, 40)):
            top = round(rnd.random(), rnd.choice([1, 2, 6]))
            height = rnd.random() * rnd.choice([0.005, 0.02, 0.02, 0.3])
            sign = -1 if rnd.random() < 0.1 else 1
            bottom = math.nan if rnd.random() < 0.01 else top + sign * height
            boxes.append((0.1, top, 0.2, bottom))
        assert layout._rows(boxes) == _rows_by_definition(boxes)


def test_page_statistics_count_characters_as_defined() -> None:
    rnd = random.Random(3)
    odd_spaces = " \u00a0\u2003\u3000\u200b\x1c\x1f\x85\t\n\f"
    alphabet = [chr(c) for c in range(0x3100)] + list(odd_spaces) * 40
    texts = [fx.SENTENCE, "Ã¡Ã  Ä'Æ°á»£c \u00a0 12/CV-ĐU", odd_spaces, "ab", "a b c"]
    texts += ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 80))) for _ in range(300)]
    for page in texts:
        nfc = unicodedata.normalize("NFC", page)
        measured = garbled.measure(page)
        assert measured.characters == sum(1 for ch in nfc if not ch.isspace())
        kept = nfc.translate(garbled._DELETE_ORDINARY)
        assert measured.odd == sum(1 for ch in kept if not ch.isspace())
        assert text_stage.has_text(page) == (sum(1 for ch in page if ch.isalnum()) >= 3)


def test_page_statistics_count_tokens_as_the_regex_over_the_page_finds_them(texts) -> None:
    """``measure`` takes whole words as tokens when they are all letters and digits; its counts
    are those of ``_TOKEN`` (runs of letters and digits) over the whole page."""
    rnd = random.Random(5)
    alphabet = [chr(c) for c in range(0x3100)] + list(" \u00a0\u2003\t\n_.,-") * 60
    pages = [*texts[:20], *(synth.mojibake(t) for t in texts[:10])]
    pages += [synth.poor_ocr(t) for t in texts[:10]]
    pages += ["l6p_12 a_b Tỉnh,ủy (Lào)Cai 12/CV-ĐU \u00a0x\u0301y", "", "___", "a\u0301 b\u0323c"]
    pages += ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 120))) for _ in range(300)]
    for page in pages:
        counts = [
            garbled._token(t) for t in garbled._TOKEN.findall(unicodedata.normalize("NFC", page))
        ]
        measured = garbled.measure(page)
        expected = tuple(sum(c[i] for c in counts) for i in range(3))
        assert (measured.tokens, measured.syllables, measured.marked) == expected, page
