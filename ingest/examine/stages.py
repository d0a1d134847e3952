"""The file-handling stages of ingest as one call: identify, validate, sanitize, extract, OCR.

``examine`` works on bytes in memory and returns everything the pipeline needs to file the
record, plus one PREMIS-style event per stage (what happened, how long it took, which software
did it). A refusal is raised as ``StageRefused``, still a ``Refused``, carrying the stage that
refused and the events so far, so the pipeline can record the failed event too.
"""

from __future__ import annotations

import logging
import re
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePath
from typing import TypeVar

from archive.core.limits import Limits
from ingest.examine import ocr as ocr_stage
from ingest.examine import pdf as pdf_stage
from ingest.examine import sniff, text
from ingest.examine.limits import Deadline, check_size, reason
from ingest.examine.office import clean as office_clean
from ingest.examine.office import convert as office_convert
from ingest.examine.scan import garbled, raster, textlayer
from ingest.examine.sniff import MediaType
from security.errors import Refused

T = TypeVar("T")
log = logging.getLogger(__name__)
IDENTIFICATION = "format identification"
VALIDATION = "validation"
SANITIZATION = "sanitization"
EXTRACTION = "text extraction"
OCR = "OCR"
CONVERSION = "conversion"
STAMPS = "stamp search"
STAMP_DPI = 200  # a text-layer page with images is rendered at this to search it for stamps
_EXTENSIONS = {
    MediaType.PDF: {".pdf"},
    MediaType.DOCX: {".docx", ".dotx"},
    MediaType.ODT: {".odt"},
    MediaType.RTF: {".rtf"},
    MediaType.DOC: {".doc", ".dot"},
    MediaType.XLS: {".xls", ".xlt"},
    MediaType.XLSX: {".xlsx", ".xltx"},
    MediaType.TEXT: {".txt", ".text", ""},
    MediaType.JPEG: {".jpg", ".jpeg"},
    MediaType.PNG: {".png"},
    MediaType.TIFF: {".tif", ".tiff"},
}


@dataclass(frozen=True)
class Event:
    """One PREMIS-like event; the pipeline adds the person (agent) and the wall-clock time."""

    stage: str
    outcome: str  # success | repaired | refused | not applicable | deferred
    detail: str
    seconds: float
    software: str = "kho"


@dataclass(frozen=True)
class Mark:
    """A stamp-like mark found on a page image (a scan, or a page whose text layer was unusable).

    Offices stamp secrecy and urgency in red, boxed, often rotated; a scan turns red into gray
    or black. ``value`` is None when the mark was found but its text could not be read: such a
    mark may be a secrecy stamp, so the record's level is unsure. ``text`` is document content
    (OCR of the crop): seal it with the record like other evidence, never log it.
    """

    kind: str  # level | urgency | circulation | other (ĐẾN, copy stamps…) | unknown (unread)
    value: str | None  # level: mat|toi_mat|tuyet_mat; urgency: khan|thuong_khan|hoa_toc|…
    text: str
    # 0..1, how sure the reading is: below 0.8 (ingest.examine.scan.marks.SURE) it is unsure,
    # e.g. "MẬT"
    # read where more ink was not read (it may be "TỐI MẬT"): treat the level as unsure.
    confidence: float
    page: int  # 0-based
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 as fractions of the page
    angle: float = 0.0  # degrees the mark was turned on the page


# Where each page's text came from: a usable text layer or a word-processing/plain file ("text"),
# OCR of a page with no text layer ("ocr"), OCR of a page whose text layer was unreadable
# ("garbled"), or nothing yet ("none": OCR unavailable, postponed or failed).
PAGE_SOURCES = ("text", "ocr", "garbled", "none")


@dataclass
class Examined:
    media_type: MediaType
    text: str
    pages: int
    page_sources: list[str] = field(default_factory=list)  # one of PAGE_SOURCES per page
    marks: list[Mark] = field(default_factory=list)  # stamps found on page images
    # True when page images were searched for stamps; False when no page was an image, or the
    # search could not run: then the absence of marks proves nothing.
    stamps_searched: bool = False
    # Where the header was read on page 1 (x0, y0, x1, y1 as fractions), for the review crop.
    header_zone: tuple[float, float, float, float] | None = None
    # Page 1's date whose day the ink proved printed (``date_ink``): the header reader keeps its
    # confidence beside a handwritten number. None when not proven (no scan, pen, unsure).
    printed_date: str | None = None
    # Page 1's number blank proved empty on the image (``number_ink.blank_is_empty``): an
    # unnumbered copy, so the header reader leaves the number empty instead of keeping its
    # printed part for a hand-written number.
    empty_number_blank: bool = False
    pages_needing_ocr: list[int] = field(default_factory=list)  # 0-based, still without text
    needs_ocr: bool = False  # OCR was needed but unavailable: flag the record for `kho ocr`
    access_copy: bytes | None = None  # sanitized PDF people download; None for other formats
    access_media_type: str | None = None  # when the access copy is not in the original's format
    removed_active_content: list[str] = field(default_factory=list)
    repaired: bool = False
    encoding: str | None = None
    events: list[Event] = field(default_factory=list)


FirstPage = Callable[[Examined], None]


class StageRefused(Refused):
    """A refusal with the stage that refused and the events recorded before it."""

    def __init__(self, refused: Refused, stage: str, events: list[Event]) -> None:
        super().__init__(refused.vi, refused.en)
        self.stage = stage
        self.events = events


def unreadable(exc: BaseException, stage: str) -> Refused:
    """The refusal for a file a library failed on unexpectedly: what failed, and what to do."""
    what = f"{type(exc).__name__}: {reason(exc)}"[:160]
    return Refused(
        f"Không đọc được tệp (bước {stage}: {what}): hãy mở tệp bằng phần mềm đã tạo ra nó, "
        "lưu lại hoặc in ra PDF rồi nộp lại; nếu vẫn lỗi, báo quản trị (chi tiết trong nhật ký).",
        f"The file could not be read ({stage}: {what}): open it in the program that made it, "
        "save it again or print it to PDF, and file it again; if it still fails, tell the "
        "administrator (the log has the details).",
    )


def log_failure(exc: BaseException, what: str) -> None:
    """Where a library failed, for the administrator: the exception type and the code path,
    not its message (a message may quote the document's own bytes)."""
    frames = traceback.extract_tb(exc.__traceback__)
    path = " < ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in frames[::-1][:8])
    log.error("%s failed with %s at %s", what, type(exc).__name__, path)


class _Recorder:
    def __init__(self) -> None:
        self.events: list[Event] = []
        self.current = IDENTIFICATION  # the stage running now, named if a library fails in it
        self.started = time.perf_counter()

    @contextmanager
    def stage(self, name: str, software: str = "kho") -> Iterator[Callable[..., None]]:
        """Times the stage; the body calls ``done(outcome, detail)``; refusals become events."""
        started = time.perf_counter()
        self.current, self.started = name, started
        recorded: list[tuple[str, str, str]] = []
        try:
            yield lambda outcome, detail, soft=software: recorded.append((outcome, detail, soft))
        except StageRefused:
            raise
        except Refused as exc:
            self.add(name, "refused", exc.en, time.perf_counter() - started, software)
            raise StageRefused(exc, name, self.events) from exc
        for outcome, detail, soft in recorded:
            self.add(name, outcome, detail, time.perf_counter() - started, soft)

    def add(self, name: str, outcome: str, detail: str, seconds: float, software: str) -> None:
        self.events.append(Event(name, outcome, detail, round(seconds, 6), software))


def _identify(data: bytes, filename: str, limits: Limits, rec: _Recorder) -> MediaType:
    with rec.stage(IDENTIFICATION) as done:
        check_size(len(data), limits)
        kind = sniff.media_type(data, filename)
        suffix = PurePath(filename).suffix.lower() if filename else ""
        note = "" if not filename or suffix in _EXTENSIONS[kind] else f" (named {suffix!r})"
        done("success", f"{kind} by content{note}")
    return kind


def _examine_pdf(data: bytes, limits: Limits, password: str | None, deadline: Deadline,
                 rec: _Recorder, result: Examined, run_ocr: bool,
                 first_page: FirstPage | None = None) -> None:  # fmt: skip
    started = time.perf_counter()
    rec.current, rec.started = VALIDATION, started
    try:
        checked = pdf_stage.check_pdf(data, limits, password, deadline)
    except Refused as exc:
        rec.add(VALIDATION, "refused", exc.en, time.perf_counter() - started, pdf_stage.SOFTWARE)
        raise StageRefused(exc, VALIDATION, rec.events) from exc
    validate, sanitize = checked.seconds
    detail = f"{checked.pages} pages"
    if checked.repaired:
        detail += "; repaired by qpdf: " + "; ".join(checked.warnings[:5])
    if checked.was_encrypted:
        detail += "; opened with the password supplied, access copy unencrypted"
    outcome = "repaired" if checked.repaired else "success"
    rec.add(VALIDATION, outcome, detail, validate, pdf_stage.SOFTWARE)
    removed = ", ".join(checked.removed) or "no active content found"
    rec.add(SANITIZATION, "success", f"removed from access copy: {removed}", sanitize,
            pdf_stage.SOFTWARE)  # fmt: skip
    result.access_copy, result.pages = checked.access_copy, checked.pages
    result.removed_active_content, result.repaired = checked.removed, checked.repaired
    with rec.stage(EXTRACTION, text.SOFTWARE["pdf"]) as done:
        geometry: list[textlayer.PageGeometry] = []  # page 1's, read in the same pass
        extracted = text.pdf_text(
            checked.access_copy, deadline, lambda *page: geometry.append(textlayer.geometry(*page))
        )
        layer = _drop_garbled(extracted, result)
        blank = len(extracted.pages_needing_ocr)
        detail = f"{checked.pages - len(result.pages_needing_ocr)} pages with text"
        if blank:
            detail += f"; {blank} without"
        if "garbled" in result.page_sources:
            detail += f"; {result.page_sources.count('garbled')} with an unreadable text layer"
        done("success", detail)
    if result.page_sources and result.page_sources[0] == "text":
        _text_page_geometry(
            checked.access_copy,
            geometry[0] if geometry else None,
            limits,
            deadline,
            rec,
            result,
            run_ocr,
        )
    if result.pages_needing_ocr and run_ocr:
        _ocr_pdf(layer, limits, deadline, rec, result, first_page)
    elif result.pages_needing_ocr:
        result.needs_ocr = True
        result.page_sources = [
            "none" if i in result.pages_needing_ocr else src
            for i, src in enumerate(result.page_sources)
        ]
        rec.add(OCR, "deferred", f"{len(result.pages_needing_ocr)} pages need OCR; OCR postponed",
                0.0, "kho")  # fmt: skip


def _drop_garbled(extracted: text.Extracted, result: Examined) -> list[str]:
    """The text layer with unreadable pages (mojibake, someone else's poor OCR) blanked, so
    garbage is never indexed; those pages join the ones to OCR."""
    judged = garbled.judge_pages(extracted.pages)
    blank = set(extracted.pages_needing_ocr)
    layer, sources = [], []
    for index, (page, bad) in enumerate(zip(extracted.pages, judged, strict=True)):
        if bad and index not in blank:
            layer.append("")
            sources.append("garbled")
        else:
            layer.append(page)
            sources.append("ocr" if index in blank else "text")
    result.page_sources = sources
    result.pages_needing_ocr = [i for i, src in enumerate(sources) if src != "text"]
    result.text = "\n\f".join(layer)
    return layer


def _text_page_geometry(data: bytes, geometry: textlayer.PageGeometry | None, limits: Limits,
                        deadline: Deadline, rec: _Recorder, result: Examined,
                        run_ocr: bool) -> None:  # fmt: skip
    """Header zone of a text-layer first page; its image searched for stamps when an image
    (a scan under an OCR layer, a pasted stamp) reaches into the header zone."""
    if geometry is None:
        return
    zone = geometry.header.zone if geometry.header else None
    result.header_zone = zone
    bottom = min(max((zone[3] if zone else 0.3) + 0.1, 0.3), 0.5)
    if not run_ocr or not geometry.images_in(bottom) or not ocr_stage.ocr_available():
        return
    from ingest.examine.scan.page import search_stamps  # OpenCV: only when a page is searched

    with rec.stage(STAMPS, ocr_stage.tesseract_version() or "kho") as done:
        page = raster.render_pdf_page(data, 0, limits, dpi=STAMP_DPI)
        found, _ = search_stamps(page, 0, bottom, deadline, ocr_stage.tesseract)
        result.marks = [Mark(**vars(mark)) for mark in found]
        result.stamps_searched = True
        done("success", f"images on page 1 searched: {len(found)} stamp-like marks")


def _ocr_pdf(layer: list[str], limits: Limits, deadline: Deadline, rec: _Recorder,
             result: Examined, first_page: FirstPage | None) -> None:  # fmt: skip
    wanted = result.pages_needing_ocr
    with rec.stage(OCR) as done:
        found = ocr_stage.ocr_pdf_pages(result.access_copy or b"", wanted, limits, deadline,
                                        _first_page(result, first_page))  # fmt: skip
        if found.needs_ocr:
            result.needs_ocr = True
            result.page_sources = ["none" if i in wanted else s
                                   for i, s in enumerate(result.page_sources)]  # fmt: skip
            done("deferred", f"{len(wanted)} pages need OCR; {ocr_stage.INSTALL_HINT}")
            return
        pages = ocr_stage.merge_pages(layer, wanted, found)
        result.text = "\n\f".join(pages)
        result.pages_needing_ocr = [i for i in wanted if not text.has_text(pages[i])]
        result.page_sources = ["none" if i in result.pages_needing_ocr else s
                               for i, s in enumerate(result.page_sources)]  # fmt: skip
        _take_page_image_findings(found, result)
        done("success", f"{len(wanted)} pages recognised ({ocr_stage.LANGUAGE})"
             + _ocr_detail(found), found.software)  # fmt: skip


def _first_page(result: Examined, first_page: FirstPage | None) -> ocr_stage.FirstPage | None:
    """``first_page`` called with what is known once page 1 is read by OCR: its text alone,
    its marks and header zone (the other pages still being read)."""
    if first_page is None:
        return None

    def call(found: ocr_stage.OcrResult) -> None:
        early = replace(result, text=found.text, events=list(result.events),
                        page_sources=result.page_sources[:1] or ["ocr"])  # fmt: skip
        _take_page_image_findings(found, early)
        first_page(early)

    return call


def _take_page_image_findings(found: ocr_stage.OcrResult, result: Examined) -> None:
    if found.stamps_searched:
        result.marks = [Mark(**vars(mark)) for mark in found.marks]
        result.stamps_searched = True
    if found.header_zone is not None:
        result.header_zone = found.header_zone
    result.printed_date = found.printed_date
    result.empty_number_blank = found.empty_number_blank


def _ocr_detail(found: ocr_stage.OcrResult) -> str:
    """What the page-image reading did, without any of the document's text."""
    if not found.stamps_searched:
        return ""
    seconds = ", ".join(f"{step} {value:.2f} s" for step, value in found.seconds.items())
    detail = f"; page 1 read by layout, {len(found.marks)} stamp-like marks ({seconds})"
    if found.number_ink:
        detail += f"; number digits by their ink: {found.number_ink}"
    if found.date_ink:
        detail += f"; day by its ink: {found.date_ink}"
    if found.first_page_after is not None and len(found.pages) > 1:
        detail += (f"; page 1 read after {found.first_page_after:.2f} s, all "
                   f"{len(found.pages)} pages after {found.whole_after or 0:.2f} s")  # fmt: skip
    return detail


def _examine_image(data: bytes, limits: Limits, deadline: Deadline, rec: _Recorder,
                   result: Examined, run_ocr: bool,
                   first_page: FirstPage | None = None) -> None:  # fmt: skip
    # When the OCR follows, it decodes every page within the same checks (a damaged page is
    # refused by it with the same reason): the validation does not decode them all first.
    ocr_follows = run_ocr and ocr_stage.ocr_available()
    with rec.stage(VALIDATION, "Pillow") as done:
        result.pages = ocr_stage.image_frames(data, limits, decode=not ocr_follows)
        checked = "; pages decoded by the OCR" if ocr_follows else ""
        done("success", f"{result.pages} image pages, sizes within limits{checked}")
    rec.add(SANITIZATION, "not applicable", "images carry no active content", 0.0, "kho")
    result.pages_needing_ocr = list(range(result.pages))
    with rec.stage(OCR) as done:
        found = (
            ocr_stage.ocr_image(
                data, limits, deadline, _first_page(result, first_page), result.pages
            )
            if run_ocr
            else None
        )
        if found is None or found.needs_ocr:
            result.needs_ocr = True
            result.page_sources = ["none"] * result.pages
            why = "OCR postponed" if found is None else ocr_stage.INSTALL_HINT
            done("deferred", f"{result.pages} pages need OCR; {why}")
            return
        result.text = found.text
        result.pages_needing_ocr = [i for i, p in enumerate(found.pages) if not text.has_text(p)]
        result.page_sources = ["none" if i in result.pages_needing_ocr else "ocr"
                               for i in range(result.pages)]  # fmt: skip
        _take_page_image_findings(found, result)
        done("success", f"{result.pages} pages recognised ({ocr_stage.LANGUAGE})"
             + _ocr_detail(found), found.software)  # fmt: skip


def _examine_office(data: bytes, kind: MediaType, limits: Limits, deadline: Deadline,
                    rec: _Recorder, result: Examined, run_ocr: bool,
                    first_page: FirstPage | None = None) -> None:  # fmt: skip
    """Cleaned of what reaches out or runs, then a PDF access copy printed by LibreOffice in a
    sandbox, examined like any PDF (text, OCR of pages that are pictures); the text itself then
    read from the file's own structure (``_own_words``). Without LibreOffice: text by
    python-docx and the readers here, and the cleaned file as the access copy."""
    with rec.stage(SANITIZATION, office_clean.SOFTWARE) as done:
        cleaned = office_clean.clean(data, kind, limits, deadline)
        removed = ", ".join(cleaned.removed) or "no active or external content found"
        done("success", f"removed before conversion: {removed}")
    if office_convert.available():
        with rec.stage(CONVERSION, office_convert.version() or "LibreOffice") as done:
            pdf = office_convert.to_pdf(cleaned.data, kind, limits, deadline)
            done("success", "PDF access copy printed by LibreOffice in a sandbox "
                 "(no network, no host files, written to RAM only)")  # fmt: skip
        _examine_pdf(pdf, limits, None, deadline, rec, result, run_ocr, first_page)
        later = [r for r in result.removed_active_content if r not in cleaned.removed]
        result.removed_active_content = cleaned.removed + later
        result.access_media_type = MediaType.PDF
        if kind in _OWN_READERS and result.page_sources[:1] == ["text"]:
            _own_words(cleaned.data, kind, limits, deadline, rec, result)
        return
    with rec.stage(CONVERSION, "kho") as done:
        if kind in (MediaType.DOC, MediaType.XLS):
            raise Refused(
                "Chưa cài LibreOffice nên không đọc được tệp Word/Excel đời cũ (DOC/XLS): chạy "
                "scripts/system-deps.sh, hoặc lưu tệp thành DOCX/PDF rồi nộp lại.",
                f"Legacy Word/Excel files (DOC/XLS) need LibreOffice. {office_convert.INSTALL_HINT}"
                " Or save the file as DOCX or PDF and file it again.",
            )
        done("not applicable", f"no PDF access copy: {office_convert.INSTALL_HINT} Text read "
             "without LibreOffice; the cleaned file is the access copy.")  # fmt: skip
    _examine_document(cleaned.data, kind, limits, deadline, rec, result)
    result.access_copy, result.removed_active_content = cleaned.data, cleaned.removed


_OWN_READERS = {MediaType.DOCX: "docx", MediaType.ODT: "odt", MediaType.RTF: "rtf"}
_LETTERS = re.compile(r"[^\W\d_]{2,}")


def _words(page: str) -> set[str]:
    return set(_LETTERS.findall(page.casefold()))


def _read_document(data: bytes, kind: MediaType, limits: Limits,
                   deadline: Deadline) -> text.Extracted:  # fmt: skip
    if kind == MediaType.DOCX:
        return text.docx_text(data, limits, deadline)
    if kind == MediaType.XLSX:
        return text.xlsx_text(data, limits, deadline)
    if kind == MediaType.ODT:
        return text.odt_text(data, limits, deadline)
    if kind == MediaType.RTF:
        return text.rtf_text(data)
    return text.plain_text(data)


def _own_words(data: bytes, kind: MediaType, limits: Limits, deadline: Deadline,
               rec: _Recorder, result: Examined) -> None:  # fmt: skip
    """A word-processor file's text from its own structure (paragraphs, and table cells in
    order: a header's two columns are a table), not from the PDF LibreOffice printed of it,
    whose text layer breaks lines and mixes columns where the page set them side by side.
    Pages of the PDF that were recognised from images (a scan pasted in) follow it. Kept
    only when it has text, and has every word of the printed first page: a secrecy mark in a
    text box, a page header or a field that the readers here do not reach must not be lost,
    so such a file keeps the PDF's reading (as does a file of pictures)."""
    with rec.stage(EXTRACTION, text.SOFTWARE[_OWN_READERS[kind]]) as done:
        own = _read_document(data, kind, limits, deadline).text
        if not text.has_text(own):
            done("not applicable", "no text in the file's own structure: the PDF's text kept")
            return
        pages = result.text.split("\n\f")
        missing = _words(pages[0]) - _words(own)
        if missing:
            done(
                "not applicable",
                f"{len(missing)} words of the printed page 1 are not in the file's paragraphs "
                "and tables (text boxes, page headers): the PDF's text kept",
            )
            return
        pictures = [pages[i] for i, src in enumerate(result.page_sources)
                    if src == "ocr" and i < len(pages)]  # fmt: skip
        result.text = "\n\f".join([own, *pictures])
        done("success", f"{len(own)} characters read from the file's own structure")


def _examine_document(data: bytes, kind: MediaType, limits: Limits, deadline: Deadline,
                      rec: _Recorder, result: Examined) -> None:  # fmt: skip
    """DOCX, ODT, RTF, XLSX and plain text read here: ZIP limits are checked while reading."""
    name = {**_OWN_READERS, MediaType.XLSX: "xlsx"}.get(kind, "txt")
    with rec.stage(EXTRACTION, text.SOFTWARE[name]) as done:
        extracted = _read_document(data, kind, limits, deadline)
        result.text, result.encoding, result.pages = extracted.text, extracted.encoding, 1
        result.page_sources = ["text"]
        done("success", f"{len(extracted.text)} characters" + (
            f", decoded as {extracted.encoding}" if extracted.encoding else ""))  # fmt: skip


def examine(
    data: bytes,
    filename: str = "",
    limits: Limits | None = None,
    password: str | None = None,
    *,
    run_ocr: bool = True,
    first_page: FirstPage | None = None,
) -> Examined:
    """Everything the pipeline needs to know about a file, or ``StageRefused`` saying why not.

    ``run_ocr=False`` leaves pages without text flagged (``needs_ocr``) for ``kho ocr --pending``
    instead of recognising them now (for interactive uploads that must answer quickly).
    ``first_page``, when page 1 is read by OCR, is called with what is known of the file once
    page 1 is read (its text alone), while its other pages are still being read.
    """
    limits = limits or Limits()
    deadline = Deadline(limits.max_seconds)
    rec = _Recorder()
    try:
        kind = _identify(data, filename, limits, rec)
        result = Examined(media_type=kind, text="", pages=0, events=rec.events)
        if kind == MediaType.PDF:
            _examine_pdf(data, limits, password, deadline, rec, result, run_ocr, first_page)
        elif kind in sniff.IMAGES:
            _examine_image(data, limits, deadline, rec, result, run_ocr, first_page)
        elif kind in sniff.OFFICE:
            _examine_office(data, kind, limits, deadline, rec, result, run_ocr, first_page)
        else:
            rec.add(SANITIZATION, "not applicable", "plain text carries no active content", 0.0,
                    "kho")  # fmt: skip
            _examine_document(data, kind, limits, deadline, rec, result)
    except StageRefused:
        raise
    except Refused as exc:  # a refusal outside any timed stage (should not happen)
        raise StageRefused(exc, "examine", rec.events) from exc
    except Exception as exc:  # a library failed on this file: refuse the file, never the batch
        log_failure(exc, f"ingest stage {rec.current!r}")
        refused = unreadable(exc, rec.current)
        rec.add(rec.current, "failed", refused.en, time.perf_counter() - rec.started, "kho")
        raise StageRefused(refused, rec.current, rec.events) from exc
    return result
