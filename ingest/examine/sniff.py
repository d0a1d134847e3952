"""Identify a file by its content, never by its name.

The name only serves the message: "thu.pdf is really a Windows program" tells the archivist more
than "unsupported format". ZIP containers are told apart by their members (``word/document.xml``
for DOCX, a ``mimetype`` member for ODT), which only needs the ZIP's central directory.
"""

from __future__ import annotations

import io
import struct
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
    DOC = "application/msword"
    XLS = "application/vnd.ms-excel"
    XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
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
DOC, XLS, XLSX = MediaType.DOC, MediaType.XLS, MediaType.XLSX
JPEG, PNG, TIFF = MediaType.JPEG, MediaType.PNG, MediaType.TIFF
IMAGES = frozenset({JPEG, PNG, TIFF})
# Word-processing and spreadsheet files: a PDF access copy is made of them (ingest.office).
OFFICE = frozenset({DOCX, ODT, RTF, DOC, XLS, XLSX})
ACCEPTED = "PDF, DOC, DOCX, ODT, RTF, XLS, XLSX, TXT, JPEG, PNG, TIFF"

_MAGIC: tuple[tuple[bytes, MediaType], ...] = (
    (b"\xff\xd8\xff", JPEG),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"II*\x00", TIFF),
    (b"MM\x00*", TIFF),
    (b"II+\x00", TIFF),  # BigTIFF
    (b"MM\x00+", TIFF),
    (b"{\\rtf", RTF),
)

# Signature -> (Vietnamese, English) description of what the file really is.
_REFUSED: tuple[tuple[bytes, str, str], ...] = (
    (b"MZ", "một chương trình Windows (EXE/DLL)", "a Windows program (EXE/DLL)"),
    (b"\x7fELF", "một chương trình Linux (ELF)", "a Linux program (ELF)"),
    (b"\xcf\xfa\xed\xfe", "một chương trình macOS (Mach-O)", "a macOS program (Mach-O)"),
    (b"\xce\xfa\xed\xfe", "một chương trình macOS (Mach-O)", "a macOS program (Mach-O)"),
    (b"\xfe\xed\xfa\xce", "một chương trình macOS (Mach-O)", "a macOS program (Mach-O)"),
    (b"\xfe\xed\xfa\xcf", "một chương trình macOS (Mach-O)", "a macOS program (Mach-O)"),
    (b"\xca\xfe\xba\xbe", "một chương trình Java/macOS", "a Java or macOS program"),
    (b"\x00asm", "một chương trình WebAssembly", "a WebAssembly program"),
    (b"#!", "một tập lệnh (script)", "a script"),
    (b"Rar!", "tệp nén RAR", "a RAR archive"),
    (b"7z\xbc\xaf", "tệp nén 7-Zip", "a 7-Zip archive"),
    (b"\x1f\x8b", "tệp nén GZIP", "a GZIP archive"),
    (b"BZh", "tệp nén BZIP2", "a BZIP2 archive"),
    (b"\xfd7zXZ", "tệp nén XZ", "an XZ archive"),
    (b"\x28\xb5\x2f\xfd", "tệp nén Zstandard", "a Zstandard archive"),
    (b"MSCF", "tệp nén CAB", "a CAB archive"),
    (b"GIF8", "ảnh GIF", "a GIF image"),
    (b"BM", "ảnh BMP", "a BMP image"),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "ảnh JPEG 2000", "a JPEG 2000 image"),
    (b"\xff\x4f\xff\x51", "ảnh JPEG 2000", "a JPEG 2000 image"),
    (b"\x00\x00\x00\x0cJXL ", "ảnh JPEG XL", "a JPEG XL image"),
    (b"\xff\x0a", "ảnh JPEG XL", "a JPEG XL image"),
    (b"8BPS", "ảnh Photoshop (PSD)", "a Photoshop image (PSD)"),
    (b"%!PS", "tệp PostScript", "a PostScript file"),
    (b"\xc5\xd0\xd3\xc6", "tệp PostScript (EPS)", "a PostScript file (EPS)"),
    (b"DDS ", "ảnh DDS", "a DDS texture"),
    (b"qoif", "ảnh QOI", "a QOI image"),
    (b"icns", "biểu tượng macOS (ICNS)", "a macOS icon (ICNS)"),
    (b"\x00\x00\x01\x00", "biểu tượng Windows (ICO)", "a Windows icon (ICO)"),
    (b"\x00\x00\x02\x00", "con trỏ Windows (CUR)", "a Windows cursor (CUR)"),
    (b"BLP", "ảnh BLP", "a BLP texture"),
    (b"SIMPLE  =", "dữ liệu thiên văn FITS", "an astronomy FITS file"),
    (b"\xd7\xcd\xc6\x9a", "hình vẽ Windows Metafile (WMF)", "a Windows Metafile drawing"),
    (b"/* XPM */", "ảnh XPM", "an XPM image"),
    (b"OggS", "tệp âm thanh/video Ogg", "an Ogg audio or video file"),
    (b"ID3", "tệp âm thanh MP3", "an MP3 audio file"),
    (b"fLaC", "tệp âm thanh FLAC", "a FLAC audio file"),
    (b"\x1aE\xdf\xa3", "tệp video Matroska/WebM", "a Matroska or WebM video"),
    (b"SQLite format 3", "cơ sở dữ liệu SQLite", "an SQLite database"),
    (b"!<arch>", "thư viện chương trình (ar/deb)", "a program library or package (ar/deb)"),
    (b"-----BEGIN ", "khóa hoặc chứng thư (PEM)", "a key or certificate (PEM)"),
    (b"\x30\x82", "khóa hoặc chứng thư (DER)", "a key or certificate (DER)"),
)
# ISO base media files (MP4, HEIC, AVIF…): "ftyp" at offset 4, then the brand.
_FTYP = {
    b"avif": ("ảnh AVIF", "an AVIF image"),
    b"avis": ("ảnh AVIF", "an AVIF image"),
    b"heic": ("ảnh HEIC (iPhone)", "a HEIC image (iPhone)"),
    b"heix": ("ảnh HEIC (iPhone)", "a HEIC image (iPhone)"),
    b"mif1": ("ảnh HEIF", "a HEIF image"),
    b"jxl ": ("ảnh JPEG XL", "a JPEG XL image"),
}
_RIFF = {
    b"WEBP": ("ảnh WebP", "a WebP image"),
    b"WAVE": ("tệp âm thanh WAV", "a WAV audio file"),
    b"AVI ": ("tệp video AVI", "an AVI video"),
}
_MARKUP = (b"<!doctype html", b"<html", b"<?xml", b"<svg", b"<script", b"<head", b"<body")
_CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE2 compound file: legacy Office, Outlook…
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
        f"Kho nhận {ACCEPTED}",
        f"Kho accepts {ACCEPTED}",
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
    if "xl/vbaProject.bin" in names:
        raise _refuse(
            "bảng tính Excel có macro (XLSM)",
            "an Excel workbook with macros (XLSM)",
            filename,
            "hãy lưu lại thành XLSX không macro hoặc PDF",
            "save it as an XLSX without macros, or as PDF",
        )
    if "word/document.xml" in names and "[Content_Types].xml" in names:
        return DOCX  # also DOTX templates and Strict OOXML (same part names)
    if "xl/workbook.xml" in names and "[Content_Types].xml" in names:
        return XLSX
    if mimetype == ODT_MIMETYPE and "content.xml" in names:
        return ODT
    if mimetype.startswith(b"application/vnd.oasis.opendocument"):
        kind = mimetype.decode("ascii", "replace").rsplit(".", 1)[-1]
        raise _unsupported(
            f"tài liệu OpenDocument loại {kind}", f"an OpenDocument {kind}", filename
        )
    if "[Content_Types].xml" in names:
        raise _unsupported(
            "tệp Office không phải Word hay Excel (PPTX, Visio…)",
            "an Office file that is neither Word nor Excel (PPTX, Visio…)",
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


def _compound_kind(data: bytes, filename: str) -> MediaType:
    """Legacy Word and Excel are OLE2 compound files; their main stream names tell them apart
    (read with olefile, which only parses the file's directory)."""
    import olefile  # imported here: only legacy Office files need it

    try:
        with olefile.OleFileIO(data) as ole:
            streams = {"/".join(entry) for entry in ole.listdir(streams=True, storages=False)}
    except (OSError, ValueError, IndexError, struct.error, RecursionError):
        raise _refuse(
            "một tệp Office đời cũ bị hỏng",
            "a damaged legacy Office file",
            filename,
            "hãy mở bằng Word/Excel và lưu lại",
            "open it in Word or Excel and save it again",
        ) from None
    if "WordDocument" in streams:
        return DOC
    if "Workbook" in streams or "Book" in streams:
        return XLS
    if "EncryptedPackage" in streams:
        raise _refuse(
            "một tệp Office được đặt mật khẩu",
            "a password-protected Office file",
            filename,
            "hãy gỡ mật khẩu (hoặc lưu thành PDF) rồi nộp lại",
            "remove the password (or save it as PDF) and file it again",
        )
    if "PowerPoint Document" in streams:
        raise _unsupported("bài trình chiếu PowerPoint (PPT)", "a PowerPoint deck (PPT)", filename)
    if any(name.startswith("__substg1.0_") for name in streams):
        raise _unsupported("thư Outlook (MSG)", "an Outlook message (MSG)", filename)
    raise _unsupported(
        "một tệp OLE2 không phải Word/Excel", "an OLE2 file that is not Word or Excel", filename
    )


def _container_kind(head: bytes, filename: str) -> None:
    """RIFF and ISO media containers say what they hold a few bytes in."""
    if head.startswith(b"RIFF") and head[8:12] in _RIFF:
        raise _unsupported(*_RIFF[head[8:12]], filename)
    if head.startswith(b"\x01\x00\x00\x00") and head[40:44] == b" EMF":
        raise _unsupported("hình vẽ Windows (EMF)", "a Windows enhanced metafile (EMF)", filename)
    if head[4:8] == b"ftyp":
        what = _FTYP.get(
            head[8:12], ("tệp âm thanh/video (MP4/MOV)", "an audio or video file (MP4)")
        )
        raise _unsupported(*what, filename)


def _plain_8bit(head: bytes) -> bool:
    """Text in a legacy 8-bit encoding (cp1258, TCVN3, VNI): mostly ASCII letters and spaces.
    A few bytes of another format (a 4-byte stub) are not enough to call it text."""
    if b"\x00" in head or not _mostly_text(head.decode("latin-1")):
        return False
    try:
        head.decode("utf-8")
        valid_utf8 = True
    except UnicodeDecodeError as exc:
        valid_utf8 = exc.start >= len(head) - 3  # cut in the middle of a character
    if valid_utf8 and len(head) >= 2:
        return True
    letters = sum(1 for b in head if 0x41 <= b <= 0x5A or 0x61 <= b <= 0x7A or b == 0x20)
    return len(head) >= 16 and letters >= 0.5 * len(head)


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
    if head.startswith(_CFB):
        return _compound_kind(data, filename)
    if head.find(b"%PDF-") != -1:  # the PDF header may follow a little junk
        return PDF
    for magic, what_vi, what_en in _REFUSED:
        if head.startswith(magic):
            raise _unsupported(what_vi, what_en, filename)
    _container_kind(head, filename)
    if b"<svg" in head.lower():
        raise _unsupported("hình vẽ SVG", "an SVG drawing", filename)
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
    if _plain_8bit(head):
        return TEXT
    raise Refused(
        f"Không nhận dạng được định dạng tệp (dữ liệu nhị phân lạ): Kho nhận {ACCEPTED}.",
        f"Unknown file format (unrecognised binary data): Kho accepts {ACCEPTED}.",
    )
