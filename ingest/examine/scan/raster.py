"""Page images as arrays, in memory: decoded image frames and PDF pages rendered at a fitting dpi.

Every page that is read from pixels passes through here, so the colour handling lives in one
place: exotic TIFF modes (CIELab, CMYK, 16-bit, with alpha) go through RGB or are scaled, never
straight to grayscale (Pillow cannot convert CIELab to "L"). A page keeps its colour when it has
any, because red stamp ink is found by its colour before grayscale and bitonal scans hide it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pypdfium2 as pdfium
from PIL import Image

from archive.core.limits import Limits
from ingest.examine.limits import check_pixels
from ingest.examine.pdfium_guard import PDFIUM

OCR_DPI = 300  # an A4 page is rendered at 300 dpi, as before
MIN_DPI = 100  # never below this: text smaller than ~10 px per line is not readable
A4_POINTS = 595 * 842
A4_INCHES = (8.27, 11.69)
# Pixels a rendered page may have: an A4 at 300 dpi (8.7 million). Larger pages (A3, posters,
# plans) get a lower dpi so that one page never costs more memory and OCR time than this.
PAGE_PIXEL_BUDGET = round(A4_POINTS * (OCR_DPI / 72) ** 2 * 1.05)
COLOUR_SPREAD = 24  # max-min of RGB above which a pixel has colour (not gray paper or toner)


@dataclass
class PageImage:
    """One page as pixels. ``rgb`` is None for grayscale and bitonal sources."""

    gray: np.ndarray  # H×W uint8
    rgb: np.ndarray | None  # H×W×3 uint8, only when the page carries colour
    dpi: float
    bitonal: bool = False

    @property
    def size(self) -> tuple[int, int]:
        return self.gray.shape[1], self.gray.shape[0]


def dpi_for(width_points: float, height_points: float, wanted: int = OCR_DPI) -> int:
    """The render resolution for a page of this size: ``wanted`` unless the page would pass the
    pixel budget (then as much as fits, but not under MIN_DPI)."""
    area_inches = max(1.0, width_points * height_points) / 72**2
    fitting = math.sqrt(PAGE_PIXEL_BUDGET / area_inches)
    return max(MIN_DPI, min(wanted, math.floor(fitting)))


def _has_colour(rgb: np.ndarray) -> bool:
    """True when more than a trace of the page is coloured (stamps, seals, handwriting)."""
    step = max(1, rgb.shape[0] // 400)
    sample = rgb[::step, ::step].astype(np.int16)
    spread = sample.max(axis=2) - sample.min(axis=2)
    return float((spread > COLOUR_SPREAD).mean()) > 0.0005


def _to_rgb_or_gray(image: Image.Image) -> Image.Image:
    """An "RGB" or "L" copy of any Pillow mode (CIELab, CMYK, 16-bit, alpha, palette)."""
    mode = image.mode
    if mode in ("1", "L", "RGB"):
        return image if mode != "1" else image.convert("L")
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        values = np.asarray(image, dtype=np.float64)
        top = float(values.max()) or 1.0
        return Image.fromarray((values * (255.0 / max(top, 255.0))).clip(0, 255).astype(np.uint8))
    if mode in ("LA", "La", "PA", "RGBA", "RGBa", "P"):
        rgba = image.convert("RGBA")  # transparency over white paper, not over black
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")  # LAB, CMYK, YCbCr, HSV…


def from_pil(image: Image.Image, dpi: float | None = None, bitonal: bool = False) -> PageImage:
    """A decoded frame as a page; the dpi from the file, else guessed from an A4 width;
    ``bitonal`` when the caller knows its source was (a rendered bitonal PDF scan)."""
    bitonal = bitonal or image.mode == "1"
    converted = _to_rgb_or_gray(image)
    if dpi is None:
        dpi = guess_dpi(image)
    if converted.mode == "RGB":
        rgb = np.asarray(converted, dtype=np.uint8)
        gray = np.asarray(converted.convert("L"), dtype=np.uint8)
        return PageImage(gray, rgb if _has_colour(rgb) else None, dpi, bitonal)
    return PageImage(np.asarray(converted, dtype=np.uint8), None, dpi, bitonal)


def guess_dpi(image: Image.Image) -> float:
    """The resolution an image file declares, else the one that makes its width an A4 page's."""
    declared = image.info.get("dpi")
    if declared:
        try:
            value = float(declared[0])
        except (TypeError, ValueError, IndexError):
            value = 0.0
        if 60 <= value <= 1200:
            return value
    width, height = image.size
    landscape = 1.2 < width / max(1, height) < 2.0  # an A4 on its side; a strip is a page's width
    return max(72.0, min(600.0, (height if landscape else width) / A4_INCHES[0]))


def to_pgm(gray: np.ndarray) -> bytes:
    """Uncompressed PGM (P5) bytes for Tesseract's stdin: no encoding cost, nothing on disk."""
    height, width = gray.shape
    return b"P5\n%d %d\n255\n" % (width, height) + np.ascontiguousarray(gray).tobytes()


def render_pdf_page(data: bytes, index: int, limits: Limits, dpi: int | None = None) -> PageImage:
    """One page rendered in memory (colour kept when there is any), under the PDFium lock."""
    with PDFIUM:
        document = pdfium.PdfDocument(data)
        try:
            page = document[index]
            width, height = page.get_size()
            dpi = dpi or dpi_for(width, height)
            scale = dpi / 72
            check_pixels(int(width * scale), int(height * scale), limits, f"page {index + 1}")
            bitmap = page.render(scale=scale)
            picture = bitmap.to_pil()
            bitmap.close()
            bitonal = _scanned_bitonal(page, width * height)
            page.close()
        finally:
            document.close()
    return from_pil(picture, dpi, bitonal)


def _scanned_bitonal(page: pdfium.PdfPage, area: float) -> bool:
    """The page is a bitonal scan: its images are all one bit per pixel and cover most of it.
    Rendered, its edges turn gray, but there never was gray ink on it (a faint red stamp is
    black or white there, never lighter than the print), which the stamp finder must know."""
    covered = 0.0
    for image in page.get_objects(filter=[pdfium.raw.FPDF_PAGEOBJ_IMAGE], max_depth=2):
        if image.get_metadata().bits_per_pixel != 1:
            return False
        left, bottom, right, top = image.get_bounds()
        covered += max(0.0, right - left) * max(0.0, top - bottom)
    return covered >= 0.5 * area
