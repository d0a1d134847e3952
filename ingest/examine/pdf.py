"""Validate, repair and sanitize a PDF with pikepdf (qpdf), in memory.

The original bitstream is kept untouched (the archive encrypts it, for evidence); what people
download is the *access copy* made here: the same pages with every piece of active content
removed (scripts, automatic or dangerous actions, embedded files, XFA forms), unencrypted, and
rewritten by qpdf so that what it had to repair is repaired in the copy too.
"""

from __future__ import annotations

import io
import re
import time
from dataclasses import dataclass, field
from decimal import Decimal

import pikepdf
from pikepdf import Dictionary, Name, Stream

from archive.core.limits import Limits
from ingest.examine.limits import Deadline, check_pages, check_pixels, reason
from ingest.examine.pdf_sanitize import Sanitizer, flatten_page_tree, leftovers
from security.errors import Refused

SOFTWARE = f"pikepdf {pikepdf.__version__} (qpdf {pikepdf.__libqpdf_version__})"


@dataclass
class CheckedPdf:
    """Result of validation and sanitization; ``access_copy`` is the PDF people may download."""

    access_copy: bytes
    pages: int
    repaired: bool
    warnings: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    was_encrypted: bool = False
    seconds: tuple[float, float] = (0.0, 0.0)  # validation, sanitization


def _open(data: bytes, password: str | None) -> tuple[pikepdf.Pdf, bool]:
    """The open PDF, and whether only its attachments were encrypted (opened without them).

    Page attributes are not pushed down the page tree on opening (qpdf would stop at a loop
    in the tree, which ``_page_count`` rebuilds instead).
    """
    try:
        return pikepdf.open(
            io.BytesIO(data), password=password or "", inherit_page_attributes=False
        ), False
    except pikepdf.PasswordError:
        if not password:
            unlocked = _attachments_only(data)
            if unlocked is not None:
                return unlocked, True
            raise Refused(
                "Tệp PDF được bảo vệ bằng mật khẩu: hãy nộp lại kèm mật khẩu "
                "(kho ingest --password-file TỆP_MẬT_KHẨU).",
                "The PDF is password-protected: file it again with its password "
                "(kho ingest --password-file PASSWORD_FILE).",
            ) from None
        raise Refused(
            "Mật khẩu đã cung cấp không mở được tệp PDF: hãy kiểm tra lại mật khẩu "
            "(--password-file).",
            "The password supplied does not open the PDF: check it (--password-file).",
        ) from None
    except (pikepdf.PdfError, RuntimeError, ValueError) as exc:
        raise _damaged(exc) from None


_ENCRYPT_REF = re.compile(rb"/Encrypt(?=\s*\d+\s+\d+\s+R)")


def _attachments_only(data: bytes) -> pikepdf.Pdf | None:
    """A PDF whose pages and strings are not encrypted, only its embedded files (crypt filter
    ``/EFF``; viewers open the pages without a password and ask for one on opening an
    attachment). qpdf insists on the password, so the file is read with its encryption
    dictionary unhooked (the name overwritten in place, offsets unchanged). The attachments
    are removed from the access copy anyway; the original is kept untouched."""
    unhooked, count = _ENCRYPT_REF.subn(b"/KhoNoEn", data)
    if count == 0:
        return None
    try:
        pdf = pikepdf.open(io.BytesIO(unhooked), inherit_page_attributes=False)
    except (pikepdf.PdfError, RuntimeError, ValueError):
        return None
    ref = pdf.trailer.get("/KhoNoEn")
    clear = (
        isinstance(ref, Dictionary)
        and str(ref.get("/StmF", "/Identity")) == "/Identity"
        and str(ref.get("/StrF", "/Identity")) == "/Identity"
        and "/EFF" in ref
        and (_number(ref.get("/V")) or 0) >= 4
    )
    if not clear:
        pdf.close()
        return None
    del pdf.trailer["/KhoNoEn"]
    return pdf


def _damaged(exc: Exception) -> Refused:
    return Refused(
        "Tệp PDF bị hỏng, không sửa được: hãy lấy lại bản gốc hoặc quét lại văn bản giấy.",
        f"The PDF is damaged beyond repair ({reason(exc)}): "
        "get the original again or rescan the paper.",
    )


def _number(value: object) -> int | None:
    """An integer where the PDF should have one; None for a name, a string or nothing."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        return None
    return int(value)


def _check_images(pdf: pikepdf.Pdf, limits: Limits, deadline: Deadline) -> list[str]:
    """Image sizes from their dictionaries, so a bomb image is refused before anything decodes.

    Every image stream of the file is checked (in pages, forms, annotations alike). An image
    whose size is not a number (``/Width /Height``) cannot be drawn by any viewer: it is noted
    as a warning, not a reason to refuse the document.
    """
    warnings: list[str] = []
    for count, obj in enumerate(pdf.objects):
        if count % 1000 == 0:
            deadline.check()
        if not isinstance(obj, Stream) or obj.get("/Subtype") != Name.Image:
            continue
        width, height = _number(obj.get("/Width")), _number(obj.get("/Height"))
        if width is None or height is None:
            warnings.append(f"image {obj.objgen[0]} has no numeric size and cannot be drawn")
            continue
        check_pixels(width, height, limits, f"image (object {obj.objgen[0]})")
    return warnings


def _page_count(pdf: pikepdf.Pdf, warnings: list[str]) -> int:
    """Pages as viewers count them; a page tree with loops is rebuilt without them."""
    try:
        return len(pdf.pages)
    except pikepdf.PdfError as exc:
        if "loop" not in str(exc).lower():
            raise
    pages = flatten_page_tree(pdf)
    warnings.append(f"page tree had a loop; rebuilt with {pages} pages")
    return len(pdf.pages)


def _written(pdf: pikepdf.Pdf) -> bytes:
    out = io.BytesIO()
    pdf.save(out, encryption=False, fix_metadata_version=False)
    return out.getvalue()


def _checked_copy(pdf: pikepdf.Pdf) -> tuple[bytes, list[str]]:
    """Sanitize, write, and search the written copy again; a second pass over that copy if
    anything listed survived, and a refusal if it still does."""
    removed = Sanitizer(pdf).run()
    copy = _written(pdf)
    for attempt in (1, 2):
        with pikepdf.open(io.BytesIO(copy)) as written:
            left = leftovers(written)
            if not left:
                return copy, removed
            if attempt == 2:
                break
            removed += [r for r in Sanitizer(written).run() if r not in removed]
            copy = _written(written)
    raise Refused(
        "Không loại bỏ được hết nội dung chủ động (mã lệnh, tệp đính kèm) khỏi bản sao để đọc "
        "nên tệp bị từ chối: hãy in tệp ra PDF (Microsoft Print to PDF) rồi nộp bản in.",
        f"Active content could not be removed from the access copy ({', '.join(left)}), so the "
        "file is refused: print it to PDF and file the printed copy.",
    )


def check_pdf(
    data: bytes,
    limits: Limits | None = None,
    password: str | None = None,
    deadline: Deadline | None = None,
) -> CheckedPdf:
    """Open (repairing what qpdf can), check limits, and make the sanitized access copy."""
    limits = limits or Limits()
    deadline = deadline or Deadline(limits.max_seconds)
    started = time.perf_counter()
    pdf, attachments_locked = _open(data, password)
    ours: list[str] = []
    with pdf:
        try:
            pages = _page_count(pdf, ours)
            if pages == 0:
                raise Refused(
                    "Tệp PDF bị hỏng, không còn trang nào đọc được: hãy lấy lại bản gốc.",
                    "The PDF is damaged: no page could be recovered; get the original again.",
                )
            check_pages(pages, limits)
            ours += _check_images(pdf, limits, deadline)
            validated = time.perf_counter()
            copy, removed = _checked_copy(pdf)
            deadline.check()
        except (pikepdf.PdfError, RuntimeError, RecursionError) as exc:
            raise _damaged(exc) from None
        if attachments_locked:
            removed.append("encrypted attachments (pages were not encrypted)")
        warnings = [reason(w) for w in pdf.get_warnings()] + ours
        return CheckedPdf(
            access_copy=copy,
            pages=pages,
            repaired=bool(warnings),
            warnings=warnings,
            removed=removed,
            was_encrypted=pdf.is_encrypted and not attachments_locked,
            seconds=(validated - started, time.perf_counter() - validated),
        )
