"""Limits against hostile files (bombs) and the checks the ingest stages share.

Every limit is configurable (``archive.limits.Limits``, one set per instance, from ``KHO_MAX_*``
settings) and every refusal says, in Vietnamese and English, which limit was hit and what the
archivist can do.

Time limit — the choice: a cooperative ``Deadline`` that each stage checks between units of work
(PDF pages, ZIP members, OCR pages), and that bounds every external program it starts (the
``tesseract`` subprocess gets the remaining time as its timeout and is killed past it). A worker
process per document would also stop a stuck native call, but costs a fork and a copy of the file
for every document (too slow for the ≥ 40 documents/s target); threads cannot be stopped at all.
The units of work are themselves bounded by the other limits (size, pages, pixels), so no single
unit can run unbounded.
"""

from __future__ import annotations

import io
import re
import time
import zipfile
from dataclasses import dataclass

from archive.core.limits import Limits, MiB
from security.errors import Refused

_CHUNK = 64 * 1024
_STREAM_NAME = re.compile(r"(stream )?<_io\.BytesIO object at 0x[0-9a-f]+>:? ?")


def reason(exc: BaseException) -> str:
    """A library's error message without the in-memory stream names it puts in."""
    return _STREAM_NAME.sub("", str(exc)).strip() or type(exc).__name__


def _mib(n: int) -> str:
    return f"{n / MiB:.0f} MiB" if n >= MiB else f"{n} bytes"


def check_size(size: int, limits: Limits) -> None:
    if size == 0:
        raise Refused(
            "Tệp rỗng (0 byte): hãy kiểm tra lại tệp gốc rồi nộp lại.",
            "The file is empty (0 bytes): check the original and submit it again.",
        )
    if size > limits.max_bytes:
        raise Refused(
            f"Tệp lớn {_mib(size)}, vượt giới hạn {_mib(limits.max_bytes)} (KHO_MAX_BYTES): "
            "hãy tách tệp hoặc nhờ quản trị nâng giới hạn.",
            f"The file is {_mib(size)}, over the {_mib(limits.max_bytes)} limit "
            "(KHO_MAX_BYTES): split it or ask the administrator to raise the limit.",
        )


def check_pages(pages: int, limits: Limits) -> None:
    if pages > limits.max_pages:
        raise Refused(
            f"Tài liệu có {pages} trang, vượt giới hạn {limits.max_pages} trang (KHO_MAX_PAGES): "
            "hãy tách tài liệu hoặc nhờ quản trị nâng giới hạn.",
            f"The document has {pages} pages, over the {limits.max_pages}-page limit "
            "(KHO_MAX_PAGES): split it or ask the administrator to raise the limit.",
        )


def check_pixels(width: int, height: int, limits: Limits, what: str = "image") -> None:
    """Refuse before decoding: a small PNG can declare a 100,000 x 100,000 canvas."""
    if width <= 0 or height <= 0 or width * height > limits.max_image_pixels:
        raise Refused(
            f"Ảnh {width}x{height} điểm ảnh vượt giới hạn {limits.max_image_pixels:,} điểm ảnh "
            "(KHO_MAX_IMAGE_PIXELS): hãy quét lại ở độ phân giải thấp hơn (300 dpi là đủ).",
            f"The {what} is {width}x{height} pixels, over the {limits.max_image_pixels:,}-pixel "
            "limit (KHO_MAX_IMAGE_PIXELS): rescan at a lower resolution (300 dpi is enough).",
        )


def _bomb(detail_vi: str, detail_en: str) -> Refused:
    return Refused(
        f"Tệp nén có dấu hiệu 'bom giải nén' ({detail_vi}) nên bị từ chối: hãy mở tệp bằng "
        "Word/LibreOffice trên máy cách ly và lưu lại thành PDF.",
        f"The compressed file looks like a decompression bomb ({detail_en}) and is refused: "
        "open it in Word/LibreOffice on an isolated machine and save it as PDF.",
    )


def _read_capped(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> bytes:
    """Decompress one member in chunks, stopping as soon as it outgrows ``budget``."""
    out = io.BytesIO()
    with archive.open(info) as stream:
        while chunk := stream.read(_CHUNK):
            out.write(chunk)
            if out.tell() > budget:
                raise _bomb("giải nén vượt giới hạn", "decompressed data exceeds the limit")
    return out.getvalue()


def _open_zip(data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise Refused(
            "Tệp nén (DOCX/ODT) bị hỏng hoặc bị cắt cụt: hãy lấy lại bản gốc.",
            "The ZIP-based file (DOCX/ODT) is damaged or truncated: get the original again.",
        ) from None


@dataclass
class _Budget:
    left: int
    deadline: Deadline | None


def read_zip(data: bytes, limits: Limits, deadline: Deadline | None = None) -> dict[str, bytes]:
    """Every member of a ZIP container, decompressed in memory within the limits.

    Declared sizes are summed first (cheap, catches honest bombs), then each member is streamed
    with a cap on what actually comes out (declared sizes can lie), and nested ZIPs (embedded
    DOCX/XLSX objects) are checked the same way down to ``max_zip_depth``.
    """
    budget = _Budget(limits.max_decompressed_bytes, deadline)
    return _read_zip(data, limits, budget, depth=1)


def _read_zip(data: bytes, limits: Limits, budget: _Budget, depth: int) -> dict[str, bytes]:
    if depth > limits.max_zip_depth:
        raise _bomb(
            f"lồng nhau quá {limits.max_zip_depth} mức (KHO_MAX_ZIP_DEPTH)",
            f"nested more than {limits.max_zip_depth} levels deep (KHO_MAX_ZIP_DEPTH)",
        )
    archive = _open_zip(data)
    with archive:
        infos = archive.infolist()
        if len(infos) > limits.max_zip_entries:
            raise _bomb(
                f"{len(infos)} mục, giới hạn {limits.max_zip_entries} (KHO_MAX_ZIP_ENTRIES)",
                f"{len(infos)} entries, limit {limits.max_zip_entries} (KHO_MAX_ZIP_ENTRIES)",
            )
        declared = sum(info.file_size for info in infos)
        if declared > budget.left:
            raise _bomb(
                f"khai báo {_mib(declared)} sau giải nén (KHO_MAX_DECOMPRESSED_BYTES)",
                f"declares {_mib(declared)} uncompressed (KHO_MAX_DECOMPRESSED_BYTES)",
            )
        members: dict[str, bytes] = {}
        for info in infos:
            if budget.deadline is not None:
                budget.deadline.check()
            if info.is_dir():
                continue
            try:
                content = _read_capped(archive, info, budget.left)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
                raise Refused(
                    f"Tệp nén bị hỏng ở mục {info.filename!r}: hãy lấy lại bản gốc.",
                    f"The ZIP-based file is damaged at member {info.filename!r}: "
                    "get the original again.",
                ) from None
            budget.left -= len(content)
            if content.startswith(b"PK\x03\x04"):
                _read_zip(content, limits, budget, depth + 1)
            members[info.filename] = content
        return members


class Deadline:
    """Processing-time budget of one document, checked between units of work."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.start = time.monotonic()

    def remaining(self) -> float:
        return self.seconds - (time.monotonic() - self.start)

    def check(self) -> None:
        if self.remaining() <= 0:
            raise self.expired()

    def expired(self) -> Refused:
        return Refused(
            f"Xử lý tài liệu quá {self.seconds:g} giây (KHO_MAX_SECONDS) nên đã dừng: hãy tách "
            "tài liệu hoặc nhờ quản trị nâng giới hạn.",
            f"Processing took longer than {self.seconds:g} s (KHO_MAX_SECONDS) and was stopped: "
            "split the document or ask the administrator to raise the limit.",
        )
