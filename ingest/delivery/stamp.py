"""Leak tracing: every page of a downloaded copy carries who received it, when, and a trace id.

Every download is a PDF: a PDF access copy as it is, a scan turned into a PDF, a Word or text file
without a PDF access copy as a PDF of the record's text (the original format only as the
"original" download).

The stamp is one small overlay per page size, drawn by fpdf2 with DejaVu Sans embedded (so
Vietnamese names and markings print as they are; when the font is missing, names are folded to
ASCII and Helvetica is used), then placed on each page as a Form XObject with pikepdf. The secrecy
marking (e.g. "TỐI MẬT") is repeated in the header and the footer; the trace id is also written
into the document information as ``/KhoTrace``. Everything happens in memory.

``stamped_download`` is the service the web calls: the read goes through the gate
(``archive.records.gate.open_traced_copy``), whose single audit entry holds the trace id.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import logging
import os
import shutil
import stat
import tempfile
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from pathlib import Path

import pikepdf
from fpdf import FPDF
from PIL import Image

from archive.core.instance import Instance
from archive.records import gate
from security.actor import Context
from security.errors import KhoError
from security.vocabulary import LEVEL_NAMES

FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
)
VIETNAM = timezone(timedelta(hours=7))
MARGIN = 14.0  # points from the page edge to the stamp lines


class StampFailed(KhoError):
    code = "stamp_failed"


@dataclass(frozen=True)
class Stamped:
    filename: str
    media_type: str
    data: bytes
    trace_id: str


log = logging.getLogger(__name__)

# Latin, Latin-1, Latin Extended-A/B, combining marks, Vietnamese (Latin Extended Additional),
# general punctuation: what names, units and markings use. A subset parses in a few
# milliseconds, where the whole DejaVu Sans (750 kB) takes ~80 ms on every stamp.
_RANGES = [(0x20, 0x24F), (0x300, 0x36F), (0x1E00, 0x1EFF), (0x2000, 0x206F)]


@cache
def _font() -> Path | None:
    """A small subset of DejaVu Sans, made once and shared by every process of this user.

    It is kept in a private folder of the user's (``$TMPDIR/kho-fonts-UID``, mode 0700) under a
    name taken from the source font, so workers, test processes and processes ended without their
    exit handlers (a killed worker, a pool's child) reuse one file instead of leaving one behind
    each. The file holds nothing of an archive's: only glyphs of a system font.
    """
    source = next((p for p in FONT_CANDIDATES if p.is_file()), None)
    if source is None:
        return None
    st = source.stat()
    folder = _private_folder()
    target = folder / f"stamp-{st.st_size}-{st.st_mtime_ns}.ttf"
    if target.is_file():
        return target
    from fontTools import subset

    logging.getLogger("fontTools.subset").setLevel(logging.ERROR)  # "FFTM not subset"
    font = subset.load_font(str(source), subset.Options())
    subsetter = subset.Subsetter(subset.Options())
    subsetter.populate(unicodes=[c for lo, hi in _RANGES for c in range(lo, hi + 1)])
    subsetter.subset(font)
    handle, partial = tempfile.mkstemp(dir=folder, suffix=".part")
    with os.fdopen(handle, "wb") as out:
        font.save(out)
    os.replace(partial, target)  # whole or not at all, when two processes make it at once
    return target


def _private_folder() -> Path:
    """This user's own folder for the font. When the shared name is taken by someone else or
    others can write to it (a font planted there would be parsed by every stamp), a fresh private
    folder of this process is used instead, removed at exit."""
    folder = Path(tempfile.gettempdir()) / f"kho-fonts-{os.getuid()}"
    with contextlib.suppress(FileExistsError):
        folder.mkdir(mode=0o700)
    st = folder.lstat()
    if stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid() and not st.st_mode & 0o077:
        return folder
    log.warning("%s is not this user's private folder; the stamp font is made apart", folder)
    own = Path(tempfile.mkdtemp(prefix="kho-fonts-"))
    atexit.register(shutil.rmtree, own, True)
    return own


def fold(text: str) -> str:
    """ASCII spelling for the Helvetica fallback ("Trần Văn Minh" → "Tran Van Minh")."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def marking_of(level: str) -> str:
    """The marking printed on the page: nothing for ordinary records, else e.g. "TỐI MẬT"."""
    return "" if level == "thuong" else LEVEL_NAMES.get(level, level).upper()


def font_path() -> Path | None:
    """The stamp's font file (a DejaVu Sans subset), for other drawings of the same line."""
    return _font()


def stamp_lines(viewer: str, unit: str, when: datetime, trace_id: str) -> str:
    local = (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(VIETNAM)
    return (
        f"Bản cấp cho {viewer} ({unit}) lúc {local:%d/%m/%Y %H:%M} (UTC+7) · Mã truy vết {trace_id}"
    )


def _stamp_font(pdf: FPDF, line: str, marking: str) -> tuple[str, str, str]:
    """The stamp's font added to ``pdf``: its family and the line and marking to draw with it
    (folded to ASCII for Helvetica when DejaVu Sans is missing)."""
    font = _font()
    if font is None:
        return "Helvetica", fold(line), fold(marking)
    pdf.add_font("Stamp", fname=str(font))
    return "Stamp", line, marking


def _draw_stamp(pdf: FPDF, family: str, size: tuple[float, float], line: str, marking: str):
    """The marking (if any) and the line, at the top and the bottom of the current page."""
    width, height = size
    small = 7.0 if width >= 400 else 5.0
    if marking:
        pdf.set_font(family, size=11)
        pdf.set_text_color(179, 38, 30)
        pdf.set_xy(0, MARGIN - 4)
        pdf.cell(width, 12, marking, align="C")
        pdf.set_xy(0, height - MARGIN - 10)
        pdf.cell(width, 12, marking, align="C")
    pdf.set_font(family, size=small)
    pdf.set_text_color(90, 90, 90)
    pdf.set_xy(0, MARGIN + (9 if marking else -2))
    pdf.cell(width, small + 2, line, align="C")
    pdf.set_xy(0, height - MARGIN - (19 if marking else 6))
    pdf.cell(width, small + 2, line, align="C")


def _overlay(sizes: list[tuple[float, float]], line: str, marking: str) -> bytes:
    """One overlay page per distinct page size, in the same order as ``sizes``."""
    pdf = FPDF(unit="pt")
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    family, line, marking = _stamp_font(pdf, line, marking)
    for size in sizes:
        pdf.add_page(format=size)
        _draw_stamp(pdf, family, size, line, marking)
    return bytes(pdf.output())


def stamped_pdf(
    pdf_bytes: bytes, viewer: str, unit: str, when: datetime, trace_id: str, level_label: str
) -> bytes:
    """The PDF with the stamp on every page and ``/KhoTrace`` in its information dictionary."""
    line = stamp_lines(viewer, unit, when, trace_id)
    try:
        pdf = pikepdf.open(io.BytesIO(pdf_bytes))
    except pikepdf.PdfError as exc:
        raise StampFailed(
            "Không đóng dấu được bản sao này; vui lòng báo văn thư.",
            f"This copy cannot be stamped ({type(exc).__name__}).",
        ) from None
    with pdf:
        boxes = [pikepdf.Rectangle(page.mediabox) for page in pdf.pages]
        sizes = sorted({(round(b.width, 2), round(b.height, 2)) for b in boxes})
        overlay = pikepdf.open(io.BytesIO(_overlay(sizes, line, level_label)))
        with overlay:
            forms = {
                size: pdf.copy_foreign(page.as_form_xobject())
                for size, page in zip(sizes, overlay.pages, strict=True)
            }
            for page, box in zip(pdf.pages, boxes, strict=True):
                form = forms[(round(box.width, 2), round(box.height, 2))]
                page.add_overlay(form, box)
            pdf.docinfo[pikepdf.Name("/KhoTrace")] = trace_id
            out = io.BytesIO()
            pdf.save(out, compress_streams=True)
    return out.getvalue()


def _text_document(text: str) -> tuple[FPDF, str | None]:
    """A plain A4 PDF of a record's text, not yet output, and its font family (None: the
    Helvetica fallback, the text folded)."""
    pdf = FPDF(unit="pt", format="A4")
    pdf.set_margins(56, 56, 56)
    pdf.set_auto_page_break(True, margin=56)
    font = _font()
    if font is not None:
        pdf.add_font("Stamp", fname=str(font))
        pdf.set_font("Stamp", size=11)
    else:
        pdf.set_font("Helvetica", size=11)
        text = fold(text)
    pdf.add_page()
    pdf.multi_cell(0, 15, text.replace("\t", "    ") or " ")
    return pdf, "Stamp" if font is not None else None


def stamped_text_pdf(
    text: str, viewer: str, unit: str, when: datetime, trace_id: str, level_label: str
) -> bytes:
    """A record's text as a PDF with the stamp drawn on every page as it is made: one document
    and one embedded font, where making the text PDF and then stamping it (``stamped_pdf``)
    loaded and subset the font twice and copied every page (a download took twice as long)."""
    pdf, family = _text_document(text)
    line, marking = stamp_lines(viewer, unit, when, trace_id), level_label
    if family is None:
        family, line, marking = "Helvetica", fold(line), fold(marking)
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    for number in range(1, pdf.pages_count + 1):
        pdf.page = number
        _draw_stamp(pdf, family, (pdf.w, pdf.h), line, marking)
    pdf.page = pdf.pages_count
    return _with_trace(bytes(pdf.output()), trace_id)


def _with_trace(pdf_bytes: bytes, trace_id: str) -> bytes:
    """``/KhoTrace`` in the document information (fpdf2 writes only the standard keys)."""
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        pdf.docinfo[pikepdf.Name("/KhoTrace")] = trace_id
        out = io.BytesIO()
        pdf.save(out, compress_streams=True)
    return out.getvalue()


def image_pdf(data: bytes) -> bytes:
    """A scanned image as a PDF, one page per frame, in memory (so it can carry the stamp)."""
    image = Image.open(io.BytesIO(data))
    frames = []
    for index in range(getattr(image, "n_frames", 1)):
        image.seek(index)
        frames.append(image.convert("RGB"))
    out = io.BytesIO()
    frames[0].save(out, format="PDF", save_all=True, append_images=frames[1:], resolution=150)
    return out.getvalue()


def pdf_name(filename: str) -> str:
    stem = filename.rsplit(".", 1)[0] if "." in filename else filename
    return f"{stem or 'document'}.pdf"


def stamped_download(inst: Instance, ctx: Context, doc_id: int, viewer: str, unit: str) -> Stamped:
    """The file for a download, always a PDF stamped for ``viewer`` on every page: a PDF
    access copy as it is; a scanned image turned into a PDF; a Word or text file (with no PDF
    access copy) as a PDF made from the record's text. The original format is only the
    "original" download, for those allowed originals.

    The trace id is in the download's own audit entry (written before any byte is released).
    """
    copy = gate.open_traced_copy(inst, ctx, doc_id)
    name, media_type = copy.content.filename, copy.content.media_type
    stamp = (viewer, unit, copy.at, copy.trace_id, marking_of(copy.level))
    if media_type == "application/pdf":
        data = stamped_pdf(copy.content.read(), *stamp)
    elif media_type.startswith("image/"):
        data, name = stamped_pdf(image_pdf(copy.content.read()), *stamp), pdf_name(name)
    else:
        data, name = stamped_text_pdf(copy.text or "", *stamp), pdf_name(name)
    return Stamped(name, "application/pdf", data, copy.trace_id)
