"""Identify a file by its content, never by its name.

The name only serves the message: "thu.pdf is really a Windows program" tells the archivist more
than "unsupported format". ZIP containers are told apart by their members (``word/document.xml``
for DOCX, a ``mimetype`` member for ODT), which only needs the ZIP's central directory.
"""

from __future__ import annotations

import io
import zipfile
from enum import StrEnum
from pathlib import PurePath

from security.errors import Refused


class MediaType(StrEnum):
    """Accepted formats; values are the media types stored on the record."""

    PDF = "application/pdf"
    DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    ODT = "application/vnd.oasis.opendocument.text"
    RTF = "application/rtf"
    TEXT = "text/plain"
    JPEG = "image/jpeg"
    PNG = "image/png"
    TIFF = "image/tiff"


PDF, DOCX, ODT, RTF, TEXT = (
    MediaType.PDF,
    MediaType.DOCX,
    MediaType.ODT,
    MediaType.RTF,
    MediaType.TEXT,
)
JPEG, PNG, TIFF = MediaType.JPEG, MediaType.PNG, MediaType.TIFF
IMAGES = frozenset({JPEG, PNG, TIFF})

_MAGIC: tuple[tuple[bytes, MediaType], ...] = (
    (b"\xff\xd8\xff", JPEG),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"II*\x00", TIFF),
    (b"MM\x00*", TIFF),
    (b"{\\rtf", RTF),
)

# Signature -> (Vietnamese, English) description of what the file really is.
_REFUSED: tuple[tuple[bytes, str, str], ...] = (
    (b"MZ", "một chương trình Windows (EXE/DLL)", "a Windows program (EXE/DLL)"),
    (b"\x7fELF", "một chương trình Linux (ELF)", "a Linux program (ELF)"),
    (b"\xcf\xfa\xed\xfe", "một chương trình macOS", "a macOS program"),
    (b"\xca\xfe\xba\xbe", "một chương trình Java/macOS", "a Java or macOS program"),
    (b"#!", "một tập lệnh (script)", "a script"),
    (b"\xd0\xcf\x11\xe0", "tệp Office đời cũ (DOC/XLS)", "a legacy Office file (DOC/XLS)"),
    (b"Rar!", "tệp nén RAR", "a RAR archive"),
    (b"7z\xbc\xaf", "tệp nén 7-Zip", "a 7-Zip archive"),
    (b"\x1f\x8b", "tệp nén GZIP", "a GZIP archive"),
    (b"BZh", "tệp nén BZIP2", "a BZIP2 archive"),
    (b"\xfd7zXZ", "tệp nén XZ", "an XZ archive"),
    (b"GIF8", "ảnh GIF", "a GIF image"),
    (b"BM", "ảnh BMP", "a BMP image"),
)
_MARKUP = (b"<!doctype html", b"<html", b"<?xml", b"<svg", b"<script", b"<head", b"<body")
_TEXT_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"


def _refuse(what_vi: str, what_en: str, filename: str, todo_vi: str, todo_en: str) -> Refused:
    name = PurePath(filename).name if filename else ""
    vi = f"Tệp {name} thực chất là {what_vi}" if name else f"Tệp thực chất là {what_vi}"
    en = f"{name} is really {what_en}" if name else f"The content is {what_en}"
    return Refused(
        f"{vi}, không phải văn bản lưu trữ: {todo_vi}.", f"{en}, not a document: {todo_en}."
    )


def _unsupported(what_vi: str, what_en: str, filename: str) -> Refused:
    return _refuse(
        what_vi,
        what_en,
        filename,
        "Kho nhận PDF, DOCX, ODT, RTF, TXT, JPEG, PNG, TIFF",
        "Kho accepts PDF, DOCX, ODT, RTF, TXT, JPEG, PNG and TIFF",
    )


def _zip_kind(data: bytes, filename: str) -> MediaType:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            mimetype = b""
            if "mimetype" in names and archive.getinfo("mimetype").file_size < 200:
                mimetype = archive.read("mimetype").strip()
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError):
        raise _refuse(
            "một tệp nén ZIP bị hỏng hoặc bị cắt cụt",
            "a damaged or truncated ZIP archive",
            filename,
            "hãy lấy lại bản gốc",
            "get the original again",
        ) from None
    if "word/vbaProject.bin" in names:
        raise _refuse(
            "tài liệu Word có macro (DOCM)",
            "a Word document with macros (DOCM)",
            filename,
            "hãy lưu lại thành DOCX không macro hoặc PDF",
            "save it as a DOCX without macros, or as PDF",
        )
    if "word/document.xml" in names and "[Content_Types].xml" in names:
        return DOCX
    if mimetype == ODT_MIMETYPE and "content.xml" in names:
        return ODT
    if mimetype.startswith(b"application/vnd.oasis.opendocument"):
        kind = mimetype.decode("ascii", "replace").rsplit(".", 1)[-1]
        raise _unsupported(
            f"tài liệu OpenDocument loại {kind}", f"an OpenDocument {kind}", filename
        )
    if "[Content_Types].xml" in names:
        raise _unsupported(
            "tệp Office không phải Word (XLSX/PPTX)",
            "an Office file that is not Word (XLSX/PPTX)",
            filename,
        )
    raise _unsupported("một tệp nén ZIP", "a ZIP archive", filename)


def _mostly_text(text: str) -> bool:
    """Control characters (other than tabs, newlines, form feeds) mean binary data."""
    controls = sum(1 for ch in text if (ord(ch) < 32 and ch not in "\t\n\r\f") or ch == "\x7f")
    return controls <= len(text) // 100


def _looks_like_utf16(head: bytes) -> bool:
    """UTF-16 without BOM: Vietnamese text is mostly ASCII, leaving every other byte zero."""
    if len(head) < 16:
        return False
    head = head[: len(head) // 2 * 2]
    order = "utf-16-le" if head[1::2].count(0) >= head[0::2].count(0) else "utf-16-be"
    zeros = max(head[1::2].count(0), head[0::2].count(0))
    if zeros < 0.3 * len(head) / 2:
        return False
    return _mostly_text(head.decode(order, "replace"))


def _is_markup(head: bytes) -> bool:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return start.startswith(_MARKUP) or b"<html" in head.lower() or b"<script" in head.lower()


def media_type(data: bytes, filename: str = "") -> MediaType:
    """The media type of ``data``, or ``Refused`` saying what the file really is."""
    if not data:
        raise Refused(
            "Tệp rỗng (0 byte): hãy kiểm tra lại tệp gốc rồi nộp lại.",
            "The file is empty (0 bytes): check the original and submit it again.",
        )
    head = data[:1024]
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(data, filename)
    for magic, what_vi, what_en in _REFUSED:
        if head.startswith(magic):
            raise _unsupported(what_vi, what_en, filename)
    if head.find(b"%PDF-") != -1:  # the PDF header may follow a little junk
        return PDF
    if _is_markup(head):
        raise _refuse(
            "một trang web (HTML/XML)",
            "a web page (HTML/XML)",
            filename,
            "hãy in trang thành PDF rồi nộp bản PDF",
            "print it to PDF and file the PDF",
        )
    if head.startswith(_TEXT_BOMS) or _looks_like_utf16(head):
        return TEXT
    if b"\x00" not in head and _mostly_text(head.decode("latin-1")):
        return TEXT
    raise Refused(
        "Không nhận dạng được định dạng tệp (dữ liệu nhị phân lạ): Kho nhận PDF, DOCX, ODT, RTF, "
        "TXT, JPEG, PNG, TIFF.",
        "Unknown file format (unrecognised binary data): Kho accepts PDF, DOCX, ODT, RTF, TXT, "
        "JPEG, PNG and TIFF.",
    )
