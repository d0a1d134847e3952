"""Stamps and header columns read from page images (Tesseract), on generated scans.

Every page is drawn by ``ingest.demo.scans``: a header in two columns, a red boxed rubber
stamp turned by a few degrees, faint or strong, then scanned as colour, grayscale or bitonal at
150-300 dpi. A secret scan must never come out as ordinary: its level is read, or the mark is found
and held as ``unknown``. An ordinary scan (bare, with an incoming "ĐẾN" stamp, with the signer's
round red seal) must not get a secrecy mark nor an ``unknown`` one.
"""

from __future__ import annotations

import random

import pytest

from ingest.demo import samples
from ingest.demo import scans as synth
from ingest.demo.scans import StampSpec
from ingest.examine import ocr, stages
from ingest.examine.limits import Deadline
from ingest.examine.scan import marks as stamp_marks
from ingest.examine.scan import raster
from ingest.examine.scan.page import read_page

pytestmark = pytest.mark.slow
SURE = stamp_marks.SURE
LEVEL_RANK = {"mat": 1, "toi_mat": 2, "tuyet_mat": 3}


@pytest.fixture(scope="module", autouse=True)
def tesseract() -> None:
    if ocr.tesseract_version() is None:
        pytest.fail(ocr.INSTALL_HINT)


@pytest.fixture(scope="module")
def headers() -> list[tuple[dict, str]]:
    docs = samples.generate(40, seed=77, formats=("txt",))
    party = [(d.truth, d.content.decode()) for d in docs if d.truth["kind"] == "party"]
    state = [(d.truth, d.content.decode()) for d in docs if d.truth["kind"] == "state"]
    return party[:6] + state[:2]


def _scan(headers, n: int, stamps: list[StampSpec], mode: str, dpi: int, fmt: str = "pdf",
          seal: bool = False) -> bytes:  # fmt: skip
    truth, text = headers[n % len(headers)]
    data, _, _ = synth.make_scan(truth, text, stamps, mode, dpi, fmt, seal, random.Random(n))
    return data


def _level(text: str, level: str, angle: float, faint: bool = False) -> StampSpec:
    return StampSpec("level", level, (synth.LEVEL_TEXT[level],), angle, faint)


def _marks(data: bytes, name: str) -> list:
    examined = stages.examine(data, name)
    assert examined.stamps_searched and examined.page_sources[0] == "ocr"
    assert examined.header_zone is not None
    return examined.marks


def _never_below(marks: list, level: str) -> bool:
    """Held: the level read (or higher), or an unknown mark that keeps the record back; and
    no sure reading of a lower level."""
    sure_lower = [
        m for m in marks
        if m.kind == "level" and LEVEL_RANK[m.value] < LEVEL_RANK[level] and m.confidence >= SURE
    ]  # fmt: skip
    held = any(
        (m.kind == "level" and LEVEL_RANK[m.value] >= LEVEL_RANK[level]) or m.kind == "unknown"
        for m in marks
    )
    return held and not sure_lower


@pytest.mark.parametrize(
    ("level", "mode", "dpi", "angle", "fmt"),
    [
        ("mat", "color", 150, 12.0, "pdf"),  # red, rotated, coarse
        ("toi_mat", "gray", 200, -15.0, "pdf"),  # red turned gray, rotated
        ("tuyet_mat", "bitonal", 300, 4.0, "pdf"),  # red turned black
        ("toi_mat", "bitonal", 150, -9.0, "png"),
        ("mat", "gray", 300, 0.5, "png"),
        ("tuyet_mat", "color", 200, -19.0, "png"),
    ],
)
def test_boxed_red_rotated_stamps_are_read(headers, level, mode, dpi, angle, fmt) -> None:
    data = _scan(headers, dpi + len(level), [_level("", level, angle)], mode, dpi, fmt)
    marks = _marks(data, f"scan.{fmt}")
    levels = [(m.value, m.confidence) for m in marks if m.kind == "level"]
    assert levels and levels[0][0] == level and levels[0][1] >= SURE, marks
    mark = next(m for m in marks if m.kind == "level")
    assert abs(mark.angle - angle) <= 4.5 and 0.0 <= mark.box[0] < mark.box[2] <= 1.0


@pytest.mark.parametrize(
    ("level", "mode", "dpi", "angle"),
    [
        ("toi_mat", "gray", 150, 7.0),
        ("mat", "bitonal", 200, -3.0),
        ("tuyet_mat", "gray", 300, 16.0),
        ("toi_mat", "bitonal", 300, 11.0),
    ],
)
def test_faint_stamps_are_never_read_as_ordinary(headers, level, mode, dpi, angle) -> None:
    data = _scan(headers, dpi + 3, [_level("", level, angle, faint=True)], mode, dpi)
    marks = _marks(data, "faint.pdf")
    assert _never_below(marks, level), marks


def test_urgency_stamp_read_beside_the_secrecy_one(headers) -> None:
    stamps = [
        _level("", "toi_mat", -2.0),
        StampSpec("urgency", "hoa_toc", ("HỎA TỐC",), 14.0, False, False),  # unboxed, turned
    ]
    marks = _marks(_scan(headers, 5, stamps, "color", 200), "urgent.pdf")
    found = {(m.kind, m.value) for m in marks}
    assert {("level", "toi_mat"), ("urgency", "hoa_toc")} <= found, marks


@pytest.mark.parametrize(
    ("mode", "dpi", "incoming", "seal"),
    [
        ("color", 200, False, False),
        ("color", 300, True, True),
        ("gray", 150, True, True),
        ("bitonal", 200, True, False),
        ("bitonal", 300, False, True),
        ("gray", 300, False, True),
    ],
)
def test_ordinary_scans_get_no_secrecy_and_no_unknown_mark(headers, mode, dpi, incoming,
                                                          seal) -> None:  # fmt: skip
    stamps = [synth.incoming_stamp(random.Random(dpi))] if incoming else []
    marks = _marks(_scan(headers, dpi + 1, stamps, mode, dpi, seal=seal), "ordinary.pdf")
    assert not [m for m in marks if m.kind in ("level", "unknown")], marks


def test_header_columns_are_read_one_after_the_other(headers) -> None:
    truth, text = next((t, x) for t, x in headers if t["kind"] == "state")
    image, _ = synth.compose_page(truth, text, 200)
    reading = read_page(raster.from_pil(image, 200), 0, Deadline(120), ocr.tesseract, True)
    lines = [line for line in reading.text.splitlines() if line.strip()]
    national = next(i for i, line in enumerate(lines) if "CỘNG HÒA" in line.upper())
    number = next(i for i, line in enumerate(lines) if line.startswith("Số"))
    assert number < national, lines[:10]  # the left column first, whole
    assert lines[national].upper().strip().endswith("VIỆT NAM"), lines[national]  # not mixed
    body_name = truth["issuer"].split(" tỉnh")[0].upper()
    assert not any(body_name in line.upper() and "CỘNG" in line.upper() for line in lines)
    assert reading.header_zone is not None and reading.header_zone[3] < 0.4


def test_scan_with_someone_elses_ocr_layer_is_read_again(headers) -> None:
    truth, text = headers[2]
    image, _ = synth.compose_page(truth, text, 200)
    pdf = synth.pdf_with_layer(image, 200, synth.poor_ocr(text))
    examined = stages.examine(pdf, "scan-with-layer.pdf")
    assert examined.page_sources == ["garbled"] and examined.stamps_searched
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in examined.text.upper()
    assert synth.poor_ocr(text).splitlines()[0] not in examined.text  # the garbage is gone


def test_stamp_image_on_a_text_layer_pdf_is_searched_and_read() -> None:
    """An e-signed or OCR'd PDF keeps its text layer, but a stamp pasted as an image on page 1
    is still found (the page is rendered only because it carries an image)."""
    import io

    import pikepdf
    from fpdf import FPDF
    from PIL import Image

    doc = samples.generate(1, seed=4, formats=("pdf",))[0]
    mask = synth.stamp_image(StampSpec("level", "toi_mat", ("TỐI MẬT",), 6.0), 200,
                             random.Random(3))  # fmt: skip
    ink = Image.new("RGB", mask.size, "white")
    synth.apply_ink(ink, mask, (0, 0), synth.INKS["red"])
    overlay = FPDF(format="A4", unit="mm")
    overlay.add_page()
    overlay.image(ink, x=30, y=38, w=mask.width * 25.4 / 200)
    with (
        pikepdf.open(io.BytesIO(doc.content)) as pdf,
        pikepdf.open(io.BytesIO(bytes(overlay.output()))) as stamp,
    ):
        pdf.pages[0].add_overlay(stamp.pages[0])
        out = io.BytesIO()
        pdf.save(out)
    examined = stages.examine(out.getvalue(), "signed.pdf")
    assert examined.page_sources == ["text"] and examined.stamps_searched
    assert ("level", "toi_mat") in {(m.kind, m.value) for m in examined.marks}, examined.marks
    assert any(e.stage == stages.STAMPS for e in examined.events)
    plain = stages.examine(doc.content, "plain.pdf")  # no image: no rendering, no search
    assert not plain.stamps_searched and plain.marks == []
