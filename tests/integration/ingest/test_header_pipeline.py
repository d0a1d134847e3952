"""The header reader as ingest runs it: which text came from page images, the instance's
gazetteer, and review items that reach the record."""

from __future__ import annotations

import json
import random

import pytest

from archive.core.limits import Limits
from ingest import pipeline
from ingest.describe import gazetteer
from ingest.examine import ocr
from tests.support import header_variants as hv
from tests.support.scans import number_line_page, scan_pdf


def _state_variant(layout: str) -> hv.Variant:
    rng = random.Random(7)
    issuer = next(i for i in hv.issuers(rng) if i.name.startswith("Ủy ban nhân dân tỉnh"))
    return hv.variant(rng, issuer, layout, 0)


def test_typed_blank_is_an_unnumbered_copy_with_review_items_kept() -> None:
    v = _state_variant("blank_text")
    described = pipeline.describe(v.text.encode(), "draft.txt", None, Limits(), None)
    assert described.fields["number"] is None and described.fields["date"] is None
    items = {item["field"]: item for item in described.review}
    assert items["number"]["code"] == items["date"]["code"] == "blank"
    assert described.evidence["number"]["note"]  # why, shown to the archivist


def test_instance_gazetteer_names_the_issuer(tmp_path) -> None:
    text = (
        "ỦY BAN NHÂN DÂN\nXÃ NA HẤU\nSố: 5/QĐ-UBND\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "Na Hầu, ngày 05 tháng 3 năm 2025\nQUYẾT ĐỊNH\nvề công tác cán bộ\nCăn cứ Luật;\n"
    ).encode()
    before = pipeline.describe(text, "a.txt", None, Limits(), None, tmp_path)
    assert before.fields["issuer"] == "Ủy ban nhân dân xã Na Hấu"
    data = json.loads(gazetteer.DEFAULT_PATH.read_text(encoding="utf-8"))
    data["localities"].append("Na Hầu")
    (tmp_path / "bodies.json").write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    after = pipeline.describe(text, "a.txt", None, Limits(), None, tmp_path)
    assert after.fields["issuer"] == "Ủy ban nhân dân xã Na Hầu"
    assert "Na Hầu" in after.evidence["issuer"]["note"]


@pytest.mark.slow
@pytest.mark.skipif(not ocr.ocr_available(), reason="Tesseract with Vietnamese is not installed")
def test_scan_blank_keeps_the_printed_part_unless_the_image_shows_it_empty() -> None:
    """On a scan the blank is where the number is written by hand: its printed part is kept
    (here a pen's 575 that OCR may or may not read). An unnumbered copy printed and scanned has
    nothing in its blank, which the page image proves: its number is empty, as a text layer's
    is. Both go to review as blanks."""
    for hand, digits, empty in ((False, "", True), (True, "575", False)):
        page = number_line_page(digits, "/TB-UBND", hand=hand, gap=" " * 14)
        described = pipeline.describe(scan_pdf(page), "scan.pdf", None, Limits(), None)
        assert pipeline.read_from_image(described.examined)
        assert described.examined.empty_number_blank is empty
        items = {item["field"]: item for item in described.review}
        assert described.fields["number"] == (None if empty else "/TB-UBND")
        assert items["number"]["code"] == "blank"
        assert described.fields["issuer"] == "Sở Công Thương tỉnh Lào Cai"
