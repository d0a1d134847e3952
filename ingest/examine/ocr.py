"""OCR with Tesseract's Vietnamese model, entirely through pipes (nothing touches the disk).

Page images go to ``tesseract stdin stdout -l vie`` as uncompressed PGM (no encoding cost, and
Leptonica reads it from memory); the text comes back on stdout. Image sizes are checked from
headers (images) or page boxes (PDF) before anything is decoded or rendered. The first page of a
document is read with its layout (``ingest.examine.scan.page``: stamps read on their own, then the
header column by column); other pages whole. When Tesseract or its Vietnamese model is missing,
callers get ``needs_ocr=True`` and the record waits for ``kho ocr --pending``.
"""

from __future__ import annotations

import contextlib
import functools
import io
import itertools
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PIL import Image, ImageSequence

from archive.core.limits import Limits
from ingest.examine.limits import Deadline, check_pages, check_pixels, reason
from ingest.examine.scan import raster
from ingest.examine.text import has_text, normalize
from security.errors import Refused

if TYPE_CHECKING:  # reading a page loads OpenCV: only when a page is read
    from ingest.examine.scan.page import FoundMark, PageReading

LANGUAGE = "vie"
DPI = raster.OCR_DPI
INSTALL_HINT = (
    "Tesseract with its Vietnamese model is missing: run scripts/system-deps.sh "
    "(Debian packages tesseract-ocr tesseract-ocr-vie)."
)


# Texts of pages already OCR'd elsewhere (page jobs: ``ingest.doors.pages``), by 0-based index:
# the document's own OCR takes them instead of reading those pages again. Never page 1, which
# is read here with its layout (stamps, the header column by column).
_READ_ELSEWHERE: ContextVar[dict[int, str] | None] = ContextVar("kho_pages_read", default=None)


@contextlib.contextmanager
def pages_read_elsewhere(texts: dict[int, str]) -> Iterator[None]:
    """Within this block, OCR of a document takes these pages' texts as read."""
    token = _READ_ELSEWHERE.set({i: t for i, t in texts.items() if i > 0})
    try:
        yield
    finally:
        _READ_ELSEWHERE.reset(token)


def _read_elsewhere(index: int) -> str | None:
    return (_READ_ELSEWHERE.get() or {}).get(index)


@dataclass
class OcrResult:
    text: str = ""
    pages: list[str] = field(default_factory=list)
    needs_ocr: bool = False  # True when OCR could not run here (Tesseract missing)
    software: str = ""
    marks: list[FoundMark] = field(default_factory=list)  # stamps found on the first page
    stamps_searched: bool = False  # the first page's image was searched for stamps
    header_zone: tuple[float, float, float, float] | None = None  # on the first page
    seconds: dict[str, float] = field(default_factory=dict)  # time by step, summed over pages

    def add(self, reading: PageReading) -> None:
        self.pages.append(normalize(reading.text))
        self.marks.extend(reading.marks)
        self.stamps_searched = self.stamps_searched or reading.stamps_searched
        self.header_zone = self.header_zone or reading.header_zone
        for step, seconds in reading.seconds.items():
            self.seconds[step] = self.seconds.get(step, 0.0) + seconds


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


def tesseract(image: bytes, deadline: Deadline, psm: int = 3, tsv: bool = False) -> str:
    """One image (PGM bytes) through the pipe: its text, or with ``tsv`` Tesseract's table of
    words with their boxes and confidences. The remaining time budget bounds the process."""
    remaining = deadline.remaining()
    if remaining <= 0:
        raise deadline.expired()
    # One thread per process: pages of several documents run side by side on the workers.
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        done = subprocess.run(
            ["tesseract", "stdin", "stdout", "-l", LANGUAGE, "--psm", str(psm)]
            + (["tsv"] if tsv else []),
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


def _frames(data: bytes, limits: Limits, decode: bool = True) -> Iterator[raster.PageImage | None]:
    """Frames of a JPEG/PNG/(multi-page) TIFF one at a time, each size-checked before it is
    decoded, and converted to a page image (any colour mode: CIELab, CMYK, 16-bit…) inside
    the same guard, so a damaged or exotic file is refused with a clear reason."""
    try:
        image = Image.open(io.BytesIO(data))  # reads the header only
        for number, frame in enumerate(ImageSequence.Iterator(image), 1):
            check_pages(number, limits)
            check_pixels(*frame.size, limits, f"image (page {number})")
            frame.load()  # decodes this frame, within the checked size
            yield raster.from_pil(frame) if decode else None
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
    """Number of pages of an image file, each decoded once to validate it."""
    return sum(1 for _ in _frames(data, limits, decode=False))


def ocr_image(data: bytes, limits: Limits, deadline: Deadline | None = None) -> OcrResult:
    """Text of every page of a JPEG, PNG or TIFF file; stamps and header of the first."""
    deadline = deadline or Deadline(limits.max_seconds)
    version = tesseract_version()
    if version is None:
        return OcrResult(pages=[""] * image_frames(data, limits), needs_ocr=True)
    from ingest.examine.scan.page import read_page

    result = OcrResult(software=version)
    for number, page in enumerate(_frames(data, limits)):
        deadline.check()
        assert page is not None
        known = _read_elsewhere(number)
        if known is not None:
            result.pages.append(normalize(known))
            continue
        result.add(read_page(page, number, deadline, tesseract, first=number == 0))
    result.text = "\n\f".join(result.pages)
    return result


def ocr_pdf_pages(
    data: bytes, page_indexes: list[int], limits: Limits, deadline: Deadline | None = None
) -> OcrResult:
    """OCR of the given (0-based) pages of an unencrypted PDF, rendered in memory at a dpi that
    fits the page size (300 for A4). ``pages`` holds one entry per requested page, in order."""
    deadline = deadline or Deadline(limits.max_seconds)
    version = tesseract_version()
    if version is None:
        return OcrResult(pages=[""] * len(page_indexes), needs_ocr=True)
    from ingest.examine.scan.page import read_page

    result = OcrResult(software=version)
    for index in page_indexes:
        deadline.check()
        known = _read_elsewhere(index)
        if known is not None:
            result.pages.append(normalize(known))
            continue
        page = raster.render_pdf_page(data, index, limits)  # under the PDFium lock
        result.add(read_page(page, index, deadline, tesseract, first=index == 0))  # outside it
    result.text = "\n\f".join(result.pages)
    return result


def scan_pages(data: bytes, filename: str, limits: Limits) -> list[int] | None:
    """The pages of a file that OCR would read (0-based): every frame of an image, the pages
    of a PDF without a text layer; ``None`` for anything else or what does not open (the
    pipeline then examines it and gives its reason)."""
    from ingest.examine import sniff
    from ingest.examine.text import pdf_text

    try:
        kind = sniff.media_type(data, filename)
        if kind == sniff.MediaType.PDF:
            return pdf_text(data).pages_needing_ocr
        if kind in sniff.IMAGES:
            return list(range(image_frames(data, limits)))
    except Exception:  # refused, damaged, encrypted: the filing says why
        return None
    return None


def ocr_page(data: bytes, index: int, limits: Limits) -> tuple[str, str] | None:
    """One page (0-based) of a scan read on its own (a page job), not by layout: its text and
    Tesseract's version, or ``None`` when OCR cannot run here (the filing then reads it)."""
    version = tesseract_version()
    if version is None:
        return None
    from ingest.examine.scan.page import read_page

    deadline = Deadline(limits.max_seconds)
    if data[:1024].lstrip().startswith(b"%PDF-"):
        page = raster.render_pdf_page(data, index, limits)
    else:
        page = next(itertools.islice(_frames(data, limits), index, None))
    return read_page(page, index, deadline, tesseract, first=False).text, version


def merge_pages(layer: list[str], ocr_indexes: list[int], ocr: OcrResult) -> list[str]:
    """Text layer pages with OCR text put in for the pages that had none."""
    merged = list(layer)
    for index, text in zip(ocr_indexes, ocr.pages, strict=True):
        if has_text(text) or not has_text(merged[index]):
            merged[index] = text
    return merged
