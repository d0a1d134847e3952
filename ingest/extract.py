"""Validate a file and extract its text, entirely in memory (nothing is written to disk)."""

from __future__ import annotations

import io
import unicodedata

import pikepdf
import pypdfium2 as pdfium

from ingest.sniff import PDF, TEXT
from security.errors import Refused


def _decode_text(data: bytes) -> str:
    encoding = "utf-16" if data.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise Refused(
            "Tệp văn bản không ở mã UTF-8 hoặc UTF-16.",
            "The text file is neither UTF-8 nor UTF-16: convert it to UTF-8.",
        ) from None


def _validate_pdf(data: bytes) -> None:
    try:
        with pikepdf.open(io.BytesIO(data)):
            pass
    except pikepdf.PasswordError:
        raise Refused(
            "Tệp PDF được bảo vệ bằng mật khẩu: hãy cung cấp mật khẩu hoặc bản không khóa.",
            "The PDF is password-protected: supply an unlocked copy.",
        ) from None
    except pikepdf.PdfError as exc:
        raise Refused(
            "Tệp PDF bị hỏng, không mở được.", f"The PDF is damaged and cannot be opened ({exc})."
        ) from None


def _pdf_text(data: bytes) -> str:
    pdf = pdfium.PdfDocument(data)
    try:
        pages = []
        for page in pdf:
            textpage = page.get_textpage()
            pages.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return "\n\f".join(pages)
    finally:
        pdf.close()


def extract_text(data: bytes, media_type: str) -> str:
    """NFC text of the document; PDFs are validated with pikepdf first."""
    if media_type == PDF:
        _validate_pdf(data)
        text = _pdf_text(data)
    elif media_type == TEXT:
        text = _decode_text(data)
    else:
        raise Refused("Định dạng chưa được hỗ trợ.", f"Unsupported media type {media_type}.")
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
