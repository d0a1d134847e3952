"""OCR with Tesseract's Vietnamese model, through pipes; flagged "needs OCR" when it is missing.

These tests FAIL (not skip) without Tesseract: CI installs it with scripts/system-deps.sh.
"""

from __future__ import annotations

import pytest

from archive.core.limits import Limits
from ingest.examine import ocr, stages
from security.errors import Refused
from tests.support import documents as fx

LINES = (fx.SENTENCE.upper(), "ĐẢNG CỘNG SẢN VIỆT NAM")


@pytest.fixture
def tesseract() -> str:
    version = ocr.tesseract_version()
    if version is None:
        pytest.fail(ocr.INSTALL_HINT)
    return version


def _found(text: str) -> int:
    words = set(fx.fold(text).split())
    return sum(1 for word in fx.OCR_WORDS if fx.fold(word) in words)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_vietnamese_words_come_out_of_an_image(tesseract: str, fmt: str) -> None:
    result = stages.examine(fx.image(LINES, fmt=fmt), f"scan.{fmt.lower()}")
    assert _found(result.text) >= 2, result.text
    assert "ĐẢNG" in result.text or "đảng" in result.text.lower()  # diacritics survive
    event = result.events[-1]
    assert (event.stage, event.outcome, event.software) == ("OCR", "success", tesseract)
    assert not result.needs_ocr and result.pages == 1


def test_every_page_of_a_multipage_tiff(tesseract: str) -> None:
    result = stages.examine(fx.image(("TỈNH ỦY LÀO CAI NGHỊ QUYẾT",), "TIFF", pages=2), "a.tif")
    pages = result.text.split("\f")
    assert result.pages == 2 and len(pages) == 2
    assert all(_found(page) >= 2 for page in pages), pages


def test_pdf_page_without_text_layer_is_recognised(tesseract: str) -> None:
    result = stages.examine(fx.scanned_pdf(fx.image(LINES)), "scan.pdf")
    assert _found(result.text) >= 2, result.text
    assert result.pages_needing_ocr == [] and not result.needs_ocr


def test_without_tesseract_the_record_is_flagged_needs_ocr(monkeypatch) -> None:
    monkeypatch.setattr(ocr, "tesseract_version", lambda: None)
    image = stages.examine(fx.image(LINES), "scan.png")
    assert image.needs_ocr and image.pages_needing_ocr == [0] and image.text == ""
    assert image.events[-1].outcome == "deferred"
    assert "scripts/system-deps.sh" in image.events[-1].detail
    scan = stages.examine(fx.scanned_pdf(fx.image(LINES)), "scan.pdf")
    assert scan.needs_ocr and scan.pages_needing_ocr == [0]


def test_huge_image_is_refused_before_decoding() -> None:
    with pytest.raises(Refused) as caught:
        stages.examine(fx.huge_png(), "to.png")
    assert "KHO_MAX_IMAGE_PIXELS" in caught.value.en and "điểm ảnh" in caught.value.vi
    assert caught.value.stage == "validation"


def test_image_pixel_limit_is_configurable() -> None:
    with pytest.raises(Refused, match="1800x200 pixels"):
        stages.examine(fx.image(), "a.png", Limits(max_image_pixels=100_000))


def test_truncated_image_is_refused() -> None:
    data = fx.image(fmt="PNG")
    with pytest.raises(Refused, match="damaged or truncated"):
        stages.examine(data[: len(data) // 2], "cut.png")


def test_ocr_time_limit_stops_tesseract(tesseract: str) -> None:
    with pytest.raises(Refused, match="KHO_MAX_SECONDS"):
        stages.examine(fx.image(LINES), "a.png", Limits(max_seconds=0.01))


@pytest.fixture
def decodes(monkeypatch) -> list[int]:
    """Each frame decode Pillow does (a frame whose pixels are read from the file), by size."""
    from PIL import ImageFile

    done: list[int] = []
    load = ImageFile.ImageFile.load

    def counted(self):
        if self.tile:  # still to be decoded
            done.append(self.size[1])
        return load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", counted)
    return done


def test_a_multipage_scan_is_decoded_once_per_page_before_and_during_ocr(
    tesseract: str, decodes: list[int]
) -> None:
    """The validation checks the pages' headers and the OCR decodes each page once: before,
    every page was decoded for the validation and again for the OCR (page 1 three times), on
    one core, before any Tesseract started."""
    result = stages.examine(fx.image(("TỈNH ỦY LÀO CAI NGHỊ QUYẾT",), "TIFF", pages=3), "a.tif")
    assert result.pages == 3 and len(result.text.split("\f")) == 3
    assert len(decodes) == 3
    validation = next(e for e in result.events if e.stage == "validation")
    assert "decoded by the OCR" in validation.detail


def test_without_ocr_the_validation_still_decodes_every_page(monkeypatch, decodes) -> None:
    monkeypatch.setattr(ocr, "tesseract_version", lambda: None)
    result = stages.examine(fx.image(("NGHỊ QUYẾT",), "TIFF", pages=3), "a.tif")
    assert result.needs_ocr and len(decodes) == 3
    with pytest.raises(Refused, match="damaged or truncated"):
        stages.examine(fx.image(("NGHỊ QUYẾT",), "TIFF", pages=3)[:-1000], "cut.tif")


def test_a_damaged_last_page_is_refused_by_the_ocr(tesseract: str) -> None:
    """Its header is sound, its pixels cut short: the OCR, decoding it, refuses the scan with
    the validation's reason (nothing is half-read into a record)."""
    data = fx.image(("TỈNH ỦY LÀO CAI NGHỊ QUYẾT",), "TIFF", pages=3)[:-1000]
    assert ocr.image_frames(data, Limits(), decode=False) == 3
    with pytest.raises(Refused, match="damaged or truncated"):
        stages.examine(data, "cut.tif")


def test_a_page_job_decodes_its_page_alone(tesseract: str, decodes: list[int]) -> None:
    data = fx.image(("TỈNH ỦY LÀO CAI NGHỊ QUYẾT",), "TIFF", pages=3)
    text, _version = ocr.ocr_page(data, 2, Limits())
    assert "3" in text
    assert len(decodes) == 1
