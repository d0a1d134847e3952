"""OCR with Tesseract's Vietnamese model, entirely through pipes (nothing touches the disk).

Page images go as uncompressed PGM through a pipe (no encoding cost, and Leptonica reads them
from memory) to a long-lived Tesseract of the process's pool (``ingest.examine.ocr_pool``),
which has its model loaded; the text comes back through a pipe. The pool keeps every core busy
with the pages of a document and the documents of a batch. Image sizes are checked from headers
(images) or page boxes (PDF) before anything is decoded or rendered. The first page of a
document is read here with its layout (``ingest.examine.scan.page``: stamps read on their own,
then the header column by column), its runs ahead of every other page's; meanwhile a thread
decodes or renders the other pages and hands them to the pool, each read whole. When Tesseract
or its Vietnamese model is missing, callers get ``needs_ocr=True`` and the record waits for
``kho ocr --pending``.
"""

from __future__ import annotations

import contextlib
import enum
import functools
import io
import itertools
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from PIL import Image, ImageSequence

from archive.core.limits import Limits
from ingest.examine import ocr_pool
from ingest.examine.limits import Deadline, check_pages, check_pixels, reason
from ingest.examine.scan import date_ink, number_ink, raster
from ingest.examine.text import has_text, normalize
from security.errors import Refused

if TYPE_CHECKING:  # reading a page loads OpenCV: only when a page is read
    from ingest.examine.scan.page import FoundMark, PageReading

LANGUAGE = ocr_pool.LANGUAGE
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
    first_page_after: float | None = None  # seconds from the start until page 1 was read
    whole_after: float | None = None  # seconds from the start until every page was read
    number_ink: str | None = None  # page 1's number digits judged by their ink, and why
    date_ink: str | None = None  # page 1's day judged by its ink (printed, pen, unsure), and why
    printed_date: str | None = None  # page 1's date whose day its ink proved printed (ISO)
    # Page 1's number blank, read as nothing by OCR, proved empty by the image (no ink there):
    # an unnumbered copy, not a number written by hand that OCR lost.
    empty_number_blank: bool = False

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
    """One image (PGM bytes) through the pipe, ahead of the pool's body pages: its text, or
    with ``tsv`` Tesseract's table of words with their boxes and confidences. The remaining
    time budget bounds the process."""
    return ocr_pool.pool().run(image, deadline, psm, tsv)


class Reading(enum.Enum):
    """How far ``_frames`` reads each frame of an image file."""

    HEADER = "header"  # its size and the page count checked, nothing decoded
    DECODED = "decoded"  # decoded too (the whole file validated), then dropped
    PAGE = "page"  # decoded and converted to a page image for OCR


def _frames(
    data: bytes, limits: Limits, start: int = 0, reading: Reading = Reading.PAGE
) -> Iterator[raster.PageImage | None]:
    """Frames of a JPEG/PNG/(multi-page) TIFF one at a time, each size-checked before it is
    decoded, and converted to a page image (any colour mode: CIELab, CMYK, 16-bit…) inside
    the same guard, so a damaged or exotic file is refused with a clear reason. Frames
    before ``start`` are checked, not decoded (they were, by the caller); past it, each is
    read as far as ``reading`` says (``None`` for a frame not converted)."""
    try:
        image = Image.open(io.BytesIO(data))  # reads the header only
        for number, frame in enumerate(ImageSequence.Iterator(image), 1):
            check_pages(number, limits)
            check_pixels(*frame.size, limits, f"image (page {number})")
            if number <= start or reading is Reading.HEADER:
                yield None
                continue
            frame.load()  # decodes this frame, within the checked size
            yield raster.from_pil(frame) if reading is Reading.PAGE else None
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


def image_frames(data: bytes, limits: Limits, decode: bool = True) -> int:
    """Number of pages of an image file, each decoded once to validate it (``decode`` false:
    each page's header checked only, for a caller that decodes every page right after, as the
    OCR does: a 6-page scan was decoded twice, on one core, before any Tesseract started)."""
    reading = Reading.DECODED if decode else Reading.HEADER
    return sum(1 for _ in _frames(data, limits, reading=reading))


FirstPage = Callable[["OcrResult"], None]
Numbered = tuple[int, raster.PageImage]  # a page image and its 0-based index


class _Body:
    """The pages after the first: decoded or rendered by a thread of their own, in order, and
    handed to the pool one page a run while page 1 is read by the caller (each slot's
    Tesseract has its model loaded already, so a run of one page costs no more than a share
    of a longer run, and the slots finish together). At most one page more than the pool has
    slots is held in memory (9 MB an A4 page)."""

    def __init__(self, wanted: list[int], pages: Callable[[], Iterator[Numbered]],
                 deadline: Deadline) -> None:  # fmt: skip
        self.pool = ocr_pool.pool()
        self.deadline = deadline
        self.sent: list[tuple[list[int], Future]] = []
        self.error: BaseException | None = None
        self._slots = threading.Semaphore(self.pool.size + 1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._feed, args=(pages,), name="kho-ocr-feed",
                                        daemon=True)  # fmt: skip
        if wanted:
            self._thread.start()

    def _feed(self, pages: Callable[[], Iterator[Numbered]]) -> None:
        try:
            for index, page in pages():
                self._send(index, page)
        except _Stopped:
            pass
        except BaseException as exc:  # a damaged page, the time budget: raised by ``texts``
            self.error = exc

    def _send(self, index: int, page: raster.PageImage) -> None:
        while not self._slots.acquire(timeout=0.2):
            if self._stop.is_set():
                raise _Stopped
            self.deadline.check()
        if self._stop.is_set():
            raise _Stopped
        future = self.pool.submit([page.gray], self.deadline)
        future.add_done_callback(lambda _: self._slots.release())
        self.sent.append(([index], future))

    def stop(self) -> None:
        """The document is abandoned (page 1 failed): nothing more is read for it."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        for _, future in self.sent:
            future.cancel()

    def texts(self) -> dict[int, str]:
        """Every page's text by index, once all are read; the first failure is raised."""
        if self._thread.ident is not None:
            self._thread.join()
        found: dict[int, str] = {}
        try:
            for indexes, future in self.sent:
                found.update(zip(indexes, future.result(), strict=True))
        except BaseException:
            self.stop()
            raise
        if self.error is not None:
            self.stop()
            raise self.error
        return found


class _Stopped(Exception):
    pass


def _read(
    wanted: list[int],
    first: Callable[[], raster.PageImage],
    rest: Callable[[list[int]], Iterator[Numbered]],
    deadline: Deadline,
    version: str,
    first_page: FirstPage | None,
) -> OcrResult:
    """OCR of the ``wanted`` pages (0-based, in order): page 1, when wanted, read here by its
    layout, its runs ahead of the others'; the others read in the pool meanwhile. Pages read
    elsewhere (page jobs) are taken as they are. ``first_page`` is called with the result of
    page 1 alone as soon as it is read, before the other pages are."""
    from ingest.examine.scan.page import read_page

    started = time.perf_counter()
    result = OcrResult(software=version)
    known = {index: text for index in wanted if (text := _read_elsewhere(index)) is not None}
    body = [index for index in wanted if index not in known and index != 0]
    texts: dict[int, str] = dict(known)
    pool = ocr_pool.pool()
    reads_first = 0 in wanted and 0 not in known
    with pool.reading_header() if reads_first else contextlib.nullcontext():
        image = first() if reads_first else None  # before the others start rendering
        pages = _Body(body, lambda: rest(body), deadline)
        try:
            if image is not None:
                reading = read_page(image, 0, deadline, tesseract, first=True)
                reading = _number_by_ink(image, reading, deadline, result)
                del image
                result.add(reading)
                texts[0] = result.pages.pop()
                result.first_page_after = time.perf_counter() - started
                if first_page is not None:
                    first_page(replace(result, text=texts[0], pages=[texts[0]]))
        except BaseException:
            pages.stop()
            raise
    read_here = pages.texts()
    deadline.check()
    texts.update(read_here)
    result.pages = [normalize(texts[index]) for index in wanted]
    result.text = "\n\f".join(result.pages)
    result.whole_after = time.perf_counter() - started
    return result


def _number_by_ink(
    image: raster.PageImage, reading: PageReading, deadline: Deadline, result: OcrResult
) -> PageReading:
    """Page 1's number whose clean digits OCR set apart from the symbol: printed (the gap
    closed, as a text layer has it) or left to be taken as handwritten (``number_ink``); a
    number line whose symbol OCR garbled is read again from the header zone first."""
    started = time.perf_counter()
    zone = number_ink.LazyZone(image, reading.header_zone, deadline, tesseract)
    if number_ink.needs_symbol(reading.text):
        text, mended = number_ink.mend_symbol(reading.text, zone.get())
        if mended:
            result.number_ink = "symbol read again from the header zone"
            reading = replace(reading, text=text)
    text, verdict = number_ink.settle(
        image, reading.text, reading.header_zone, deadline, tesseract, zone
    )
    if verdict is not None:
        judged = verdict.reason if verdict.printed else f"kept: {verdict.reason}"
        result.number_ink = "; ".join(filter(None, (result.number_ink, judged)))
        reading = replace(reading, text=text)
        reading.seconds["number_ink"] = time.perf_counter() - started
    if number_ink.has_blank_number(reading.text) and (zoned := zone.get()) is not None:
        empty = number_ink.blank_is_empty(zoned)
        result.empty_number_blank = empty is True
        seen = {True: "empty", False: "ink in it", None: "not found on the image"}[empty]
        result.number_ink = "; ".join(filter(None, (result.number_ink, f"blank: {seen}")))
    started = time.perf_counter()
    text, day = date_ink.settle(image, reading.text, reading.header_zone, deadline, tesseract, zone)
    if day is not None:
        result.date_ink = f"{day.kind}: {day.reason}"
        result.printed_date = day.printed_date
        reading = replace(reading, text=text)
        reading.seconds["date_ink"] = time.perf_counter() - started
    return reading


def ocr_image(
    data: bytes,
    limits: Limits,
    deadline: Deadline | None = None,
    first_page: FirstPage | None = None,
    count: int | None = None,
) -> OcrResult:
    """Text of every page of a JPEG, PNG or TIFF file; stamps and header of the first.
    ``count``: its number of frames, when the caller has already checked them all."""
    deadline = deadline or Deadline(limits.max_seconds)
    version = tesseract_version()
    count = image_frames(data, limits) if count is None else count
    if version is None:
        return OcrResult(pages=[""] * count, needs_ocr=True)

    def first() -> raster.PageImage:
        page = next(_frames(data, limits))
        assert page is not None
        return page

    def rest(wanted: list[int]) -> Iterator[Numbered]:
        chosen = set(wanted)
        for index, page in enumerate(_frames(data, limits, start=min(wanted))):
            if index in chosen and page is not None:
                yield index, page

    return _read(list(range(count)), first, rest, deadline, version, first_page)


def ocr_pdf_pages(
    data: bytes,
    page_indexes: list[int],
    limits: Limits,
    deadline: Deadline | None = None,
    first_page: FirstPage | None = None,
) -> OcrResult:
    """OCR of the given (0-based) pages of an unencrypted PDF, rendered in memory at a dpi that
    fits the page size (300 for A4). ``pages`` holds one entry per requested page, in order."""
    deadline = deadline or Deadline(limits.max_seconds)
    version = tesseract_version()
    if version is None:
        return OcrResult(pages=[""] * len(page_indexes), needs_ocr=True)

    def rest(wanted: list[int]) -> Iterator[Numbered]:
        for index in wanted:
            yield index, raster.render_pdf_page(data, index, limits)  # under the PDFium lock

    return _read(
        page_indexes,
        lambda: raster.render_pdf_page(data, 0, limits),
        rest,
        deadline,
        version,
        first_page,
    )


def scan_pages(data: bytes, filename: str, limits: Limits, fewest: int = 0) -> list[int] | None:
    """The pages of a file that OCR would read (0-based): every frame of an image, the pages
    of a PDF without a text layer; ``None`` for anything else or what does not open (the
    pipeline then examines it and gives its reason). A caller that only wants to know of
    ``fewest`` pages or more may get fewer than there are when there are fewer than that (a
    PDF's pages are then not all looked at: ``text.pdf_pages_needing_ocr``)."""
    from ingest.examine import sniff
    from ingest.examine.text import pdf_pages_needing_ocr

    try:
        kind = sniff.media_type(data, filename)
        if kind == sniff.MediaType.PDF:
            return pdf_pages_needing_ocr(data, fewest)
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
        page = next(itertools.islice(_frames(data, limits, start=index), index, None))
    return read_page(page, index, deadline, tesseract, first=False).text, version


def merge_pages(layer: list[str], ocr_indexes: list[int], ocr: OcrResult) -> list[str]:
    """Text layer pages with OCR text put in for the pages that had none."""
    merged = list(layer)
    for index, text in zip(ocr_indexes, ocr.pages, strict=True):
        if has_text(text) or not has_text(merged[index]):
            merged[index] = text
    return merged
