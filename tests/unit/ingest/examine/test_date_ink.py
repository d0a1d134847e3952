"""The header's day told by its ink (``ingest.examine.scan.date_ink``): a printed day OCR read
as debris is put back (an e-signing system's day, raised and in another type, included); a
day a pen wrote that OCR read as clean digits is set aside for a person; anything unclear stays
as read. Pages are drawn here (tests/support/scans.py), never read from a corpus."""

from __future__ import annotations

import pytest

from archive.core.limits import Limits
from ingest.describe.numbers import read_date
from ingest.examine import ocr
from ingest.examine.limits import Deadline
from ingest.examine.scan import date_ink, raster
from tests.support.scans import date_line_page

ZONE = (0.03, 0.15, 0.97, 0.5)  # the header's rows on the drawn page, as fractions
YEAR = (40.0, 275.0, 3.0, 5.0)  # height, bottom, stroke, chroma of the year's digits


@pytest.mark.parametrize(
    ("day", "read", "kind"),
    [
        ((38.0, 274.0, 3.2, 6.0), 95, "printed"),  # the line's type
        ((37.0, 265.0, 2.2, None), 85, "printed"),  # another type, raised: an e-signing system
        ((38.0, 274.0, 3.2, 6.0), 40, "unsure"),  # print's ink, not read back surely
        ((50.0, 282.0, 5.5, 6.0), 30, "pen"),  # taller and broader
        ((46.0, 275.0, 3.0, 6.0), 83, "pen"),  # taller, though read back surely (a wrong day)
        ((38.0, 274.0, 3.2, 80.0), 20, "pen"),  # blue ink beside black print
        ((38.0, 245.0, 3.2, 6.0), 95, "unsure"),  # well above the line, else print's
        ((38.0, 274.0, 5.5, 6.0), 95, "unsure"),  # broader only, and read surely: bold print?
        ((8.0, 274.0, 3.2, 6.0), 95, "unsure"),  # too small to measure
    ],
)
def test_a_verdict_needs_clear_evidence(day, read: float, kind: str) -> None:
    assert date_ink.judge(day, YEAR, read).kind == kind


def test_only_a_date_line_among_the_first_lines_is_judged() -> None:
    page = raster.from_pil(date_line_page("06"), dpi=200)
    body = "\n".join(["x"] * 20 + ["Căn cứ Nghị định ngày 30 tháng 8 năm 2019"])
    cited = "UBND\nSố: 5/QĐ-SCT\n\nCỘNG HÒA\nHà Nội, ngày 0Ÿ tháng # năm 2026\n\n" + body[-41:]
    texts = ("UBND TỈNH LÀO CAI\nSố: 1050/QĐ-SCT", body, cited, "Lào Cai, ngày 2026 tháng 3")
    for text in texts:
        assert date_ink.settle(page, text, ZONE, Deadline(60), ocr.tesseract) == (text, None)
    text = "Lào Cai, ngày U6_ tháng 3 năm 2026"
    assert date_ink.settle(page, text, None, Deadline(60), ocr.tesseract) == (text, None)


def test_a_day_read_alone_must_agree_with_the_digits_in_the_debris() -> None:
    assert date_ink.agrees("U6_", "06") and date_ink.agrees("Z", "15") and date_ink.agrees("", "7")
    assert not date_ink.agrees("U8_", "06") and not date_ink.agrees("1", "24")


@pytest.mark.slow
def test_a_printed_day_that_disagrees_with_its_debris_stays_with_a_person() -> None:
    _tesseract()
    page = raster.from_pil(date_line_page("06", how="raised"), dpi=200)
    text = HEADER + "Lào Cai, ngày U8_ tháng 3 năm 2026\n\nQUYẾT ĐỊNH"
    settled, verdict = date_ink.settle(page, text, ZONE, Deadline(120), ocr.tesseract)
    assert verdict is not None and verdict.kind == "printed" and settled == text
    assert verdict.printed_date is None  # no date proved: the header reader keeps its doubt


def test_a_day_set_aside_goes_to_a_person_with_the_printed_month() -> None:
    reading = read_date("Lào Cai, ngày (04) tháng 3 năm 2026")
    assert reading is not None and reading.iso is None and reading.blank
    assert reading.handwritten == "(04)" and reading.printed == "tháng 3 năm 2026"


def _tesseract() -> None:
    if ocr.tesseract_version() is None:
        pytest.skip("Tesseract is not installed")


HEADER = (
    "UBND TỈNH LÀO CAI\nSỞ CÔNG THƯƠNG\nSố: 1050/QĐ-SCT\n\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
)


@pytest.mark.slow
@pytest.mark.parametrize("how", ("printed", "raised"))
@pytest.mark.parametrize("colour", (True, False))
def test_a_printed_day_read_as_debris_is_put_back(how: str, colour: bool) -> None:
    _tesseract()
    page = raster.from_pil(date_line_page("06", how=how, colour=colour), dpi=200)
    text = HEADER + "Lào Cai, ngày U6_ tháng 3 năm 2026\n\nQUYẾT ĐỊNH"
    settled, verdict = date_ink.settle(page, text, ZONE, Deadline(120), ocr.tesseract)
    assert verdict is not None and verdict.kind == "printed", verdict
    assert "ngày 06 tháng 3 năm 2026" in settled
    assert read_date(settled.split("\n")[5]).iso == "2026-03-06"  # type: ignore[union-attr]
    assert verdict.printed_date == "2026-03-06" and "printed_date" not in repr(verdict)


@pytest.mark.slow
@pytest.mark.parametrize("colour", (True, False))
def test_a_pens_day_read_as_digits_is_set_aside(colour: bool) -> None:
    _tesseract()
    page = raster.from_pil(date_line_page("24", how="pen", colour=colour), dpi=200)
    text = HEADER + "Lào Cai, ngày 24 tháng 3 năm 2026\n\nQUYẾT ĐỊNH"
    settled, verdict = date_ink.settle(page, text, ZONE, Deadline(120), ocr.tesseract)
    assert verdict is not None and verdict.kind == "pen", verdict
    assert "ngày (24) tháng 3 năm 2026" in settled and verdict.printed_date is None
    reading = read_date(settled.split("\n")[5])
    assert reading is not None and reading.iso is None and reading.blank


@pytest.mark.slow
@pytest.mark.parametrize("dpi", (150, 300))
def test_a_printed_day_read_as_digits_stays(dpi: int) -> None:
    _tesseract()
    page = raster.from_pil(date_line_page("06", colour=False, dpi=dpi), dpi=dpi)
    text = HEADER + "Lào Cai, ngày 06 tháng 3 năm 2026\n\nQUYẾT ĐỊNH"
    settled, verdict = date_ink.settle(page, text, ZONE, Deadline(120), ocr.tesseract)
    assert settled == text and verdict is not None and verdict.kind != "pen", verdict
    assert verdict.printed_date == ("2026-03-06" if verdict.kind == "printed" else None)


@pytest.mark.slow
def test_a_printed_day_read_otherwise_alone_proves_no_date() -> None:
    """Print's ink, read surely alone as "06", where whole-page OCR read "08": two readings of
    print that disagree prove no date (the header reader keeps its doubt)."""
    _tesseract()
    page = raster.from_pil(date_line_page("06", colour=False), dpi=200)
    text = HEADER + "Lào Cai, ngày 08 tháng 3 năm 2026\n\nQUYẾT ĐỊNH"
    settled, verdict = date_ink.settle(page, text, ZONE, Deadline(120), ocr.tesseract)
    assert settled == text and verdict is not None and verdict.kind == "printed", verdict
    assert verdict.printed_date is None


@pytest.mark.slow
@pytest.mark.parametrize("how", ("printed", "raised"))
def test_a_printed_day_beside_a_handwritten_number_is_not_doubted(how: str) -> None:
    """The number's digits a pen wrote, the day printed: the number goes to a person, the date
    does not (it was capped at 0.7 with "ngày có thể cũng viết tay", a needless doubt)."""
    _tesseract()
    from ingest import pipeline
    from tests.support.scans import scan_pdf

    page = date_line_page("06", how=how, pen_number=True)
    described = pipeline.describe(scan_pdf(page), "scan.pdf", None, Limits(max_seconds=240), None)
    review = {item["field"]: item for item in described.review}
    assert described.examined.printed_date == "2026-03-06"
    assert described.fields.get("date") == "2026-03-06" and "date" not in review, review
    assert review["number"]["code"] == "blank"


@pytest.mark.slow
@pytest.mark.parametrize("pen_number", (True, False))
def test_a_scan_whose_day_a_pen_wrote_sends_the_date_to_a_person(pen_number: bool) -> None:
    """Whole-page OCR reads a pen's clean day as digits: without its ink judged, the date was
    taken as read (flagged only when the number was handwritten too)."""
    _tesseract()
    from ingest import pipeline
    from tests.support.scans import scan_pdf

    page = date_line_page("24", how="pen", pen_number=pen_number)
    described = pipeline.describe(scan_pdf(page), "scan.pdf", None, Limits(max_seconds=240), None)
    review = {item["field"]: item for item in described.review}
    assert described.fields.get("date") is None and described.examined.printed_date is None
    assert review["date"]["code"] == "blank" and "tháng 3 năm 2026" in review["date"]["reason"]
