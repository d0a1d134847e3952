"""Identify a file by its content, never by its name."""

from __future__ import annotations

from security.errors import Refused

PDF = "application/pdf"
TEXT = "text/plain"

_REFUSED_SIGNATURES = {
    b"PK\x03\x04": "a ZIP container (DOCX/ODT support comes with the full ingest pipeline)",
    b"MZ": "a Windows program",
    b"\x7fELF": "a Linux program",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"II*\x00": "a TIFF image",
    b"MM\x00*": "a TIFF image",
}


def media_type(data: bytes) -> str:
    """The media type of ``data``, or ``Refused`` saying what the file really is."""
    head = data[:1024]
    if head.lstrip(b"\r\n\t \x00")[:5] == b"%PDF-" or data[:1024].find(b"%PDF-") != -1:
        return PDF
    for signature, what in _REFUSED_SIGNATURES.items():
        if head.startswith(signature):
            raise Refused(
                f"Định dạng tệp chưa được hỗ trợ ({what}).",
                f"Unsupported file format: the content is {what}.",
            )
    if b"<html" in head.lower() or b"<!doctype html" in head.lower():
        raise Refused(
            "Tệp là trang HTML, không phải văn bản lưu trữ.",
            "The file is an HTML page, not a document: save it as PDF first.",
        )
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")) or b"\x00" not in head:
        return TEXT
    raise Refused(
        "Không nhận dạng được định dạng tệp.",
        "Unknown file format: Kho accepts PDF and plain text here.",
    )
