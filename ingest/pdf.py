"""Validate, repair and sanitize a PDF with pikepdf (qpdf), in memory.

The original bitstream is kept untouched (the archive encrypts it, for evidence); what people
download is the *access copy* made here: the same pages with every piece of active content
removed (scripts, automatic or dangerous actions, embedded files, XFA forms), unencrypted, and
rewritten by qpdf so that what it had to repair is repaired in the copy too.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass, field

import pikepdf
from pikepdf import Array, Dictionary, Name, Stream

from ingest.limits import Deadline, Limits, check_pages, check_pixels, reason
from security.errors import Refused

SOFTWARE = f"pikepdf {pikepdf.__version__} (qpdf {pikepdf.__libqpdf_version__})"

# Action types that run code, start programs, send data out or open other files.
DANGEROUS_ACTIONS = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/SubmitForm",
        "/ImportData",
        "/GoToE",
        "/GoToR",
        "/RichMediaExecute",
        "/Rendition",
    }
)
# Annotations that carry files or media players rather than marks on the page.
DANGEROUS_ANNOTS = frozenset({"/FileAttachment", "/RichMedia", "/Movie", "/Sound", "/Screen"})
# Keys that lead only to page content, fonts and images, where no action can be triggered from;
# not walking them keeps sanitizing a text PDF well under a millisecond per page.
_INERT_KEYS = frozenset(
    {
        "/Parent",
        "/Contents",
        "/Resources",
        "/Font",
        "/FontDescriptor",
        "/DescendantFonts",
        "/Widths",
        "/W",
        "/ToUnicode",
        "/Encoding",
        "/Metadata",
        "/MediaBox",
        "/CropBox",
        "/Thumb",
        "/AP",
        "/P",
        "/Dest",
        "/StructParent",
        "/StructTreeRoot",
    }
)


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


def _open(data: bytes, password: str | None) -> pikepdf.Pdf:
    try:
        return pikepdf.open(io.BytesIO(data), password=password or "")
    except pikepdf.PasswordError:
        if password:
            raise Refused(
                "Mật khẩu đã cung cấp không mở được tệp PDF: hãy kiểm tra lại mật khẩu "
                "(--password-file).",
                "The password supplied does not open the PDF: check it (--password-file).",
            ) from None
        raise Refused(
            "Tệp PDF được bảo vệ bằng mật khẩu: hãy nộp lại kèm mật khẩu "
            "(kho ingest --password-file TỆP_MẬT_KHẨU).",
            "The PDF is password-protected: file it again with its password "
            "(kho ingest --password-file PASSWORD_FILE).",
        ) from None
    except (pikepdf.PdfError, RuntimeError, ValueError) as exc:
        raise _damaged(exc) from None


def _damaged(exc: Exception) -> Refused:
    return Refused(
        "Tệp PDF bị hỏng, không sửa được: hãy lấy lại bản gốc hoặc quét lại văn bản giấy.",
        f"The PDF is damaged beyond repair ({reason(exc)}): "
        "get the original again or rescan the paper.",
    )


class _Sanitizer:
    """Walks everything an action can hang from and removes active content, noting each."""

    def __init__(self, pdf: pikepdf.Pdf) -> None:
        self.pdf = pdf
        self.removed: list[str] = []
        self.seen: set[tuple[int, int]] = set()

    def note(self, what: str) -> None:
        if what not in self.removed:
            self.removed.append(what)

    def run(self) -> list[str]:
        root = self.pdf.Root
        opener = root.get("/OpenAction")
        # A destination ("open at page 1") or a plain GoTo is navigation, not active content.
        if isinstance(opener, Dictionary) and str(opener.get("/S", "")) != "/GoTo":
            del root["/OpenAction"]
            self.note("OpenAction")
        names = root.get("/Names")
        if isinstance(names, Dictionary):
            for key, label in (("/JavaScript", "JavaScript"), ("/EmbeddedFiles", "EmbeddedFiles")):
                if key in names:
                    del names[key]
                    self.note(label)
        form = root.get("/AcroForm")
        if isinstance(form, Dictionary) and "/XFA" in form:
            del form["/XFA"]
            self.note("XFA")
        for key in ("/Collection", "/AF"):  # PDF portfolios and associated files
            if key in root:
                del root[key]
                self.note("EmbeddedFiles")
        self.walk(root, "Catalog")
        for page in self.pdf.pages:
            self.walk(page.obj, "Page")
        return self.removed

    def walk(self, obj: object, where: str) -> None:
        if isinstance(obj, Array):
            for item in list(obj):
                self.walk(item, where)
            return
        if not isinstance(obj, (Dictionary, Stream)):
            return
        if obj.is_indirect:
            if obj.objgen in self.seen:
                return
            self.seen.add(obj.objgen)
        kind = obj.get("/Type")
        where = {"/Annot": "Annot", "/Page": "Page", "/Outlines": "Outline"}.get(str(kind), where)
        if "/Annots" in obj:
            self.drop_annots(obj)
        for key in list(obj.keys()):
            if key in _INERT_KEYS:
                continue
            value = obj.get(key)
            if key == "/AA":
                del obj[key]
                self.note(f"{where} AA")
            elif key == "/JS":
                del obj[key]
                self.note("JavaScript")
            elif key == "/EF":
                del obj[key]
                self.note("EmbeddedFiles")
            elif key in ("/A", "/Next") and self.dangerous(value):
                del obj[key]
            else:
                self.walk(value, where)

    def dangerous(self, action: object) -> bool:
        """True (and noted) when the action, or one chained after it, must go."""
        if isinstance(action, Array):
            return any(self.dangerous(item) for item in action)
        if not isinstance(action, Dictionary):
            return False
        kind = str(action.get("/S", ""))
        if kind in DANGEROUS_ACTIONS:
            self.note("JavaScript" if kind == "/JavaScript" else f"{kind[1:]} action")
            return True
        return False

    def drop_annots(self, holder: Dictionary | Stream) -> None:
        annots = holder.get("/Annots")
        if not isinstance(annots, Array):
            return
        keep = Array()
        for annot in annots:
            subtype = str(annot.get("/Subtype", "")) if isinstance(annot, Dictionary) else ""
            if subtype in DANGEROUS_ANNOTS:
                self.note(f"{subtype[1:]} annotation")
            else:
                keep.append(annot)
        if len(keep) != len(annots):
            holder["/Annots"] = keep


def _check_images(pdf: pikepdf.Pdf, limits: Limits, deadline: Deadline) -> None:
    """Image sizes from their dictionaries, so a bomb image is refused before anything decodes."""
    for number, page in enumerate(pdf.pages, 1):
        deadline.check()
        resources = page.obj.get("/Resources")
        xobjects = resources.get("/XObject") if isinstance(resources, Dictionary) else None
        if not isinstance(xobjects, Dictionary):
            continue
        for key in list(xobjects.keys()):
            image = xobjects.get(key)
            if isinstance(image, Stream) and image.get("/Subtype") == Name.Image:
                width, height = int(image.get("/Width", 0)), int(image.get("/Height", 0))
                check_pixels(width, height, limits, f"image on page {number}")


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
    pdf = _open(data, password)
    with pdf:
        try:
            pages = len(pdf.pages)
            if pages == 0:
                raise Refused(
                    "Tệp PDF bị hỏng, không còn trang nào đọc được: hãy lấy lại bản gốc.",
                    "The PDF is damaged: no page could be recovered; get the original again.",
                )
            check_pages(pages, limits)
            _check_images(pdf, limits, deadline)
            validated = time.perf_counter()
            removed = _Sanitizer(pdf).run()
            deadline.check()
            out = io.BytesIO()
            pdf.save(out, encryption=False, fix_metadata_version=False)
        except (pikepdf.PdfError, RuntimeError) as exc:
            raise _damaged(exc) from None
        warnings = [reason(w) for w in pdf.get_warnings()]
        return CheckedPdf(
            access_copy=out.getvalue(),
            pages=pages,
            repaired=bool(warnings),
            warnings=warnings,
            removed=removed,
            was_encrypted=pdf.is_encrypted,
            seconds=(validated - started, time.perf_counter() - validated),
        )
