"""Text of every accepted format, in memory, normalized to NFC with legacy encodings converted.

Libraries: pypdfium2 for PDF text layers (fast, and it never runs a PDF's scripts unless asked to
set up forms); python-docx for DOCX (well kept, reads tables in body order); ODT through its
``content.xml`` parsed by defusedxml (odfpy is barely maintained and slow; defusedxml refuses
entity bombs); RTF through ``ingest.rtf``. ZIP-based formats are fully read through
``limits.read_zip`` first, so a bomb is refused before any library decompresses it.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

import docx
import pypdfium2 as pdfium
import pypdfium2.version as pdfium_version
from defusedxml import ElementTree
from docx.table import Table

from archive.core.limits import Limits
from ingest.examine import legacy
from ingest.examine.limits import Deadline, read_zip
from ingest.examine.pdfium_guard import PDFIUM
from ingest.examine.rtf import rtf_to_text
from security.errors import Refused

SOFTWARE = {
    "pdf": f"pypdfium2 {pdfium_version.PYPDFIUM_INFO} (pdfium {pdfium_version.PDFIUM_INFO})",
    "docx": f"python-docx {docx.__version__}",
    "odt": "defusedxml (content.xml)",
    "xlsx": "defusedxml (shared strings and sheets)",
    "rtf": "kho rtf decoder",
    "txt": "kho text decoder",
}
MIN_TEXT_CHARS = 3  # a page with fewer letters or digits than this has no usable text layer


@dataclass
class Extracted:
    text: str
    pages: list[str] = field(default_factory=list)  # per page, PDF only
    pages_needing_ocr: list[int] = field(default_factory=list)  # 0-based
    encoding: str | None = None  # for plain text: utf-8, utf-16, cp1258, TCVN3, VNI


def normalize(text: str) -> str:
    """One newline convention, legacy TCVN3/VNI converted, NFC (search depends on it)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return unicodedata.normalize("NFC", legacy.to_unicode(unicodedata.normalize("NFC", text)))


def has_text(page_text: str) -> bool:
    """At least ``MIN_TEXT_CHARS`` letters or digits; stops at the third (a page of text was
    counted to its end before, for every page filed)."""
    found = 0
    for ch in page_text:
        if ch.isalnum():
            found += 1
            if found >= MIN_TEXT_CHARS:
                return True
    return False


# --- PDF ------------------------------------------------------------------------------------------


def pdf_text(
    data: bytes, deadline: Deadline | None = None, first: Callable | None = None
) -> Extracted:
    """Per-page text layers of an (already validated, unencrypted) PDF; blank pages noted.
    ``first(page, textpage)`` is called on page 1 while it is open (the header's geometry is
    read in the same pass: opening a page and its text again cost as much as the rest)."""
    with PDFIUM:
        pages = _pdf_pages(data, deadline, first)
    blank = [i for i, text in enumerate(pages) if not has_text(text)]
    return Extracted("\n\f".join(pages), pages, blank)


def pdf_pages_needing_ocr(data: bytes, fewest: int = 0) -> list[int]:
    """The pages of a PDF without a text layer, as ``pdf_text(data).pages_needing_ocr``, for the
    job door's question "is this a long scan?" (``ocr.scan_pages``): no page's text is kept or
    normalized when ASCII already shows it has text, and the walk stops once fewer than
    ``fewest`` such pages could still be found (the list is then partial and shorter than
    ``fewest``). Reading every page's whole text only to learn that a text PDF is no scan cost
    as much as its filing's own extraction."""
    with PDFIUM:
        document = _open(data)
        try:
            count = len(document)
            blank: list[int] = []
            for index in range(count):
                if len(blank) + count - index < fewest:
                    break
                page = document[index]
                textpage = page.get_textpage()
                if not _layer_has_text(textpage.get_text_range()):
                    blank.append(index)
                textpage.close()
                page.close()
        finally:
            document.close()
    return blank


def _layer_has_text(raw: str) -> bool:
    """``has_text(normalize(raw))``, without normalizing a page with three ASCII letters or
    digits (most pages have them in their first word): an ASCII letter or digit stays one
    through every step of ``normalize`` (NFC only composes a mark onto it; the TCVN3 and VNI
    readings map other characters, upper-case or add an "ư"), so three of them in the raw text
    are three in the normalized one."""
    found = 0
    for ch in raw:
        if ch.isascii() and ch.isalnum():
            found += 1
            if found >= MIN_TEXT_CHARS:
                return True
    return has_text(normalize(raw))


def _open(data: bytes) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise Refused(
            "Không đọc được lớp chữ của tệp PDF: hãy lấy lại bản gốc.",
            f"The PDF's text cannot be read ({exc}): get the original again.",
        ) from None


def _pdf_pages(data: bytes, deadline: Deadline | None, first: Callable | None) -> list[str]:
    document = _open(data)
    pages: list[str] = []
    try:
        for index in range(len(document)):
            if deadline is not None:
                deadline.check()
            page = document[index]
            textpage = page.get_textpage()
            pages.append(normalize(textpage.get_text_range()))
            if index == 0 and first is not None:
                first(page, textpage)
            textpage.close()
            page.close()
    finally:
        document.close()
    return pages


# --- DOCX / ODT --------------------------------------------------------------------------------


def _docx_table(table: Table) -> list[str]:
    lines = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell is returned once per grid column
                continue
            seen.add(id(cell._tc))
            cells.append("\n".join(p.text for p in cell.paragraphs).strip())
        lines.append("\t".join(cells))
    return lines


def docx_text(data: bytes, limits: Limits, deadline: Deadline | None = None) -> Extracted:
    members = read_zip(data, limits, deadline)  # bombs refused before python-docx decompresses
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many kinds on broken packages
        # python-docx knows only transitional WordprocessingML documents: a template (DOTX) or
        # Strict OOXML (other namespaces) is read here by local names instead.
        if "word/document.xml" in members:
            try:
                return Extracted(normalize(_wordml_lines(members["word/document.xml"])))
            except Exception:  # noqa: S110 (malformed XML: the refusal below says so)
                pass
        raise Refused(
            "Tệp DOCX bị hỏng, không đọc được: hãy mở bằng Word và lưu lại.",
            f"The DOCX is damaged and cannot be read ({type(exc).__name__}): "
            "open it in Word and save it again.",
        ) from None
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            lines.extend(_docx_table(block))
        else:
            lines.append(block.text)
    return Extracted(normalize("\n".join(lines)))


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _wordml_lines(xml: bytes) -> str:
    """Paragraph text of a WordprocessingML part in any namespace (transitional or Strict)."""
    lines: list[str] = []
    for paragraph in ElementTree.fromstring(xml).iter():
        if _local(paragraph.tag) != "p":
            continue
        parts = []
        for node in paragraph.iter():
            name = _local(node.tag)
            if name == "t" and node.text:
                parts.append(node.text)
            elif name == "tab":
                parts.append("\t")
            elif name in ("br", "cr"):
                parts.append("\n")
        lines.append("".join(parts))
    return "\n".join(lines)


def xlsx_text(data: bytes, limits: Limits, deadline: Deadline | None = None) -> Extracted:
    """Cell text of a workbook (shared strings, then inline strings), sheet by sheet."""
    members = read_zip(data, limits, deadline)
    lines: list[str] = []
    try:
        for name in sorted(members):
            if name == "xl/sharedStrings.xml" or name.startswith("xl/worksheets/sheet"):
                root = ElementTree.fromstring(members[name])
                for item in root.iter():
                    if _local(item.tag) in ("si", "is"):
                        lines.append(
                            "".join(t.text or "" for t in item.iter() if _local(t.tag) == "t")
                        )
    except Exception as exc:  # malformed XML, entity tricks (defusedxml)
        raise Refused(
            "Tệp XLSX bị hỏng, không đọc được: hãy mở bằng Excel và lưu lại.",
            f"The XLSX is damaged and cannot be read ({type(exc).__name__}): "
            "open it in Excel and save it again.",
        ) from None
    return Extracted(normalize("\n".join(lines)))


_TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_BLOCKS = {f"{{{_TEXT_NS}}}p", f"{{{_TEXT_NS}}}h"}


def _odt_inline(element, parts: list[str]) -> None:
    """Text of a paragraph: runs, spaces (<text:s text:c="3"/>), tabs and line breaks."""
    if element.text:
        parts.append(element.text)
    for child in element:
        tag = child.tag
        if tag == f"{{{_TEXT_NS}}}s":
            parts.append(" " * int(child.get(f"{{{_TEXT_NS}}}c", "1")))
        elif tag == f"{{{_TEXT_NS}}}tab":
            parts.append("\t")
        elif tag == f"{{{_TEXT_NS}}}line-break":
            parts.append("\n")
        elif tag != f"{{{_TEXT_NS}}}note":
            _odt_inline(child, parts)
        if child.tail:
            parts.append(child.tail)


def _odt_blocks(element, lines: list[str]) -> None:
    for child in element:
        if child.tag in _BLOCKS:
            parts: list[str] = []
            _odt_inline(child, parts)
            lines.append("".join(parts))
        elif child.tag == f"{{{_TABLE_NS}}}table-row":
            cells = []
            for cell in child:
                inner: list[str] = []
                _odt_blocks(cell, inner)
                cells.append("\n".join(inner).strip())
            lines.append("\t".join(cells))
        else:
            _odt_blocks(child, lines)


def odt_text(data: bytes, limits: Limits, deadline: Deadline | None = None) -> Extracted:
    members = read_zip(data, limits, deadline)
    try:
        root = ElementTree.fromstring(members["content.xml"])
    except Exception as exc:  # missing member, malformed XML, entity tricks (defusedxml)
        raise Refused(
            "Tệp ODT bị hỏng, không đọc được: hãy mở bằng LibreOffice và lưu lại.",
            f"The ODT is damaged and cannot be read ({type(exc).__name__}): "
            "open it in LibreOffice and save it again.",
        ) from None
    lines: list[str] = []
    _odt_blocks(root, lines)
    return Extracted(normalize("\n".join(lines)))


# --- RTF and plain text --------------------------------------------------------------------------


def rtf_text(data: bytes) -> Extracted:
    return Extracted(normalize(rtf_to_text(data)))


def _utf16_order(data: bytes) -> str:
    head = data[:1024]
    return "utf-16-le" if head[1::2].count(0) >= head[0::2].count(0) else "utf-16-be"


def decode_plain(data: bytes) -> tuple[str, str]:
    """UTF-8 (with or without BOM), UTF-16 (BOM, or detected), else cp1258/TCVN3/VNI."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or (b"\x00" in data[:1024]):
        encoding = "utf-16" if data.startswith((b"\xff\xfe", b"\xfe\xff")) else _utf16_order(data)
        try:
            return data.decode(encoding), "utf-16"
        except UnicodeDecodeError:
            raise Refused(
                "Tệp văn bản khai báo mã UTF-16 nhưng nội dung hỏng: hãy lưu lại thành UTF-8.",
                "The text file claims UTF-16 but is damaged: save it again as UTF-8.",
            ) from None
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return legacy.decode_8bit(data)


def plain_text(data: bytes) -> Extracted:
    text, encoding = decode_plain(data)
    return Extracted(normalize(text), encoding=encoding)
