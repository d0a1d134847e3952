"""OCR with Tesseract's Vietnamese model, entirely through pipes (nothing touches the disk).

Each page image goes to ``tesseract stdin stdout -l vie`` as an uncompressed PGM (no encoding
cost, and Leptonica reads it from memory); the text comes back on stdout. Image sizes are checked
from headers (images) or page boxes (PDF) before anything is decoded or rendered. When Tesseract
or its Vietnamese model is missing, callers get ``needs_ocr=True`` and the record waits for
``kho ocr --pending``.
"""

from __future__ import annotations

import functools
import io
import os
import shutil
import subprocess
from dataclasses import dataclass, field

import pypdfium2 as pdfium
from PIL import Image, ImageSequence

from archive.core.limits import Limits
from ingest.examine.limits import Deadline, check_pages, check_pixels, reason
from ingest.examine.pdfium_guard import PDFIUM
from ingest.examine.text import has_text, normalize
from security.errors import Refused

LANGUAGE = "vie"
DPI = 300
INSTALL_HINT = (
    "Tesseract with its Vietnamese model is missing: run scripts/system-deps.sh "
    "(Debian packages tesseract-ocr tesseract-ocr-vie)."
)


@dataclass
class OcrResult:
    text: str = ""
    pages: list[str] = field(default_factory=list)
    needs_ocr: bool = False  # True when OCR could not run here (Tesseract missing)
    software: str = ""


@functools.cache
def tesseract_version() -> str | None:
    """``tesseract 5.3.0`` when Tesseract with the ``vie`` model is installed, else None."""
    binary = shutil.which("tesseract")
    if binary is None:
        return None
    try:
        langs = subprocess.run(
            [binary, "--list-langs"], capture_output=True, text=True, timeout=30, check=False
        )
        version = subprocess.run(
            [binary, "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if LANGUAGE not in langs.stdout.split():
        return None
    first = (version.stdout or version.stderr).splitlines()
    return first[0].strip() if first else "tesseract"


def ocr_available() -> bool:
    return tesseract_version() is not None


def _pgm(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.convert("L").save(out, format="PPM")  # grayscale PPM is PGM (P5)
    return out.getvalue()


def _tesseract(image: bytes, deadline: Deadline) -> str:
    """One page through the pipe; the remaining time budget bounds the process."""
    remaining = deadline.remaining()
    if remaining <= 0:
        raise deadline.expired()
    # One thread per process: pages of several documents run side by side on the workers.
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        done = subprocess.run(
            ["tesseract", "stdin", "stdout", "-l", LANGUAGE, "--psm", "3"],
            input=image,
            capture_output=True,
            timeout=remaining,
            check=False,
            env=env,
        )
    except subprocess.TimeoutExpired:
        raise deadline.expired() from None
    if done.returncode != 0:
        raise Refused(
            "Nhận dạng chữ (OCR) thất bại trên một trang: hãy quét lại trang đó.",
            f"OCR failed on a page ({done.stderr.decode(errors='replace').strip()[-200:]}): "
            "rescan that page.",
        )
    return done.stdout.decode("utf-8", "replace")


def _frames(data: bytes, limits: Limits) -> list[Image.Image]:
    """Frames of a JPEG/PNG/(multi-page) TIFF, each size-checked before it is decoded."""
    try:
        image = Image.open(io.BytesIO(data))  # reads the header only
        frames = []
        for number, frame in enumerate(ImageSequence.Iterator(image), 1):
            check_pages(number, limits)
            check_pixels(*frame.size, limits, f"image (page {number})")
            frames.append(frame.copy())  # decodes this frame, within the checked size
        return frames
    except Refused:
        raise
    except Image.DecompressionBombError:
        raise Refused(
            f"Ảnh quá lớn, vượt giới hạn {limits.max_image_pixels:,} điểm ảnh: hãy quét lại ở "
            "độ phân giải thấp hơn (300 dpi là đủ).",
            f"The image has too many pixels (over {limits.max_image_pixels:,}, "
            "KHO_MAX_IMAGE_PIXELS): rescan at a lower resolution (300 dpi is enough).",
        ) from None
    except (OSError, ValueError, SyntaxError, TypeError) as exc:  # TypeError: mangled TIFF tags
        raise Refused(
            "Tệp ảnh bị hỏng hoặc bị cắt cụt: hãy quét lại hoặc lấy lại bản gốc.",
            f"The image is damaged or truncated ({reason(exc)}): "
            "rescan it or get the original again.",
        ) from None


def image_frames(data: bytes, limits: Limits) -> int:
    """Number of pages of an image file, validating sizes (used when OCR is unavailable)."""
    return len(_frames(data, limits))


def ocr_image(data: bytes, limits: Limits, deadline: Deadline | None = None) -> OcrResult:
    """Text of every page of a JPEG, PNG or TIFF file."""
    deadline = deadline or Deadline(limits.max_seconds)
    frames = _frames(data, limits)
    version = tesseract_version()
    if version is None:
        return OcrResult(pages=[""] * len(frames), needs_ocr=True)
    pages = [normalize(_tesseract(_pgm(frame), deadline)) for frame in frames]
    return OcrResult("\n\f".join(pages), pages, False, version)


def ocr_pdf_pages(
    data: bytes, page_indexes: list[int], limits: Limits, deadline: Deadline | None = None
) -> OcrResult:
    """OCR of the given (0-based) pages of an unencrypted PDF, rendered in memory at 300 dpi.

    ``pages`` holds one entry per requested page, in the order given.
    """
    deadline = deadline or Deadline(limits.max_seconds)
    version = tesseract_version()
    if version is None:
        return OcrResult(pages=[""] * len(page_indexes), needs_ocr=True)
    pages: list[str] = []
    for index in page_indexes:
        deadline.check()
        picture = _render(data, index, limits)  # under the PDFium lock
        pages.append(normalize(_tesseract(picture, deadline)))  # outside it
    return OcrResult("\n\f".join(pages), pages, False, version)


def _render(data: bytes, index: int, limits: Limits) -> bytes:
    """One page at 300 dpi as grayscale PGM bytes, rendered in memory."""
    with PDFIUM:
        document = pdfium.PdfDocument(data)
        try:
            page = document[index]
            width, height = page.get_size()
            scale = DPI / 72
            check_pixels(int(width * scale), int(height * scale), limits, f"page {index + 1}")
            bitmap = page.render(scale=scale, grayscale=True)
            picture = _pgm(bitmap.to_pil())
            bitmap.close()
            page.close()
        finally:
            document.close()
    return picture


def merge_pages(layer: list[str], ocr_indexes: list[int], ocr: OcrResult) -> list[str]:
    """Text layer pages with OCR text put in for the pages that had none."""
    merged = list(layer)
    for index, text in zip(ocr_indexes, ocr.pages, strict=True):
        if has_text(text) or not has_text(merged[index]):
            merged[index] = text
    return merged
