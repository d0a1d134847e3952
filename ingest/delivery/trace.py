"""Reading the trace id back from a copy that left Kho (``kho trace FILE``): a stamped PDF
(``/KhoTrace`` in its information, else the stamp's printed line), a page preview (its
``KhoTrace`` PNG chunk, else the watermark read by OCR: a screenshot or a photo keeps no chunk).
In memory; what the id names is looked up in the audit log (``archive.oversight.inspection``).
"""

from __future__ import annotations

import io
import re

import pikepdf
import pypdfium2 as pdfium
from PIL import Image

from ingest.examine import ocr
from ingest.examine.limits import Deadline
from ingest.examine.pdfium_guard import PDFIUM

# Four groups of four hexadecimal digits (archive.records.gate.new_trace_id); OCR may read
# 0 as O and 1 as I or l.
_TRACE = re.compile(
    r"\b([0-9A-FOIL]{4})[-–—]([0-9A-FOIL]{4})[-–—]([0-9A-FOIL]{4})[-–—]([0-9A-FOIL]{4})\b"
)
_OCR_FIXES = str.maketrans({"O": "0", "I": "1", "L": "1"})
OCR_SECONDS = 60.0


def find_in_text(text: str) -> str | None:
    """The first trace id printed in ``text`` (as a stamp writes it)."""
    match = _TRACE.search(text.upper())
    if match is None:
        return None
    return "-".join(group.translate(_OCR_FIXES) for group in match.groups())


def _from_pdf(data: bytes) -> str | None:
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            value = pdf.docinfo.get("/KhoTrace")
            if value is not None:
                return str(value)
    except pikepdf.PdfError:
        return None
    with PDFIUM:
        document = pdfium.PdfDocument(data)
        try:
            for index in range(min(len(document), 3)):
                page = document[index]
                try:
                    textpage = page.get_textpage()
                    found = find_in_text(textpage.get_text_range())
                    textpage.close()
                finally:
                    page.close()
                if found:
                    return found
        finally:
            document.close()
    return None


def _from_image(data: bytes) -> str | None:
    image = Image.open(io.BytesIO(data))
    chunk = image.info.get("KhoTrace")
    if chunk:
        return str(chunk)
    if not ocr.ocr_available():
        return None
    gray = image.convert("L")
    if gray.width < 1600:  # small print reads better larger
        factor = 1600 / gray.width
        gray = gray.resize((1600, round(gray.height * factor)))
    deadline = Deadline(OCR_SECONDS)
    found = find_in_text(ocr.tesseract(_pgm(gray), deadline, psm=11))  # lines anywhere
    if found is None:  # a second reading, as one block: the solid band at the bottom
        band = gray.crop((0, gray.height * 9 // 10, gray.width, gray.height))
        found = find_in_text(ocr.tesseract(_pgm(band), deadline, psm=6))
    return found


def _pgm(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PPM")
    return out.getvalue()


def trace_id_of(data: bytes) -> str | None:
    """The trace id a leaked copy carries, or None when none can be read."""
    if data.startswith(b"%PDF"):
        return _from_pdf(data)
    try:
        return _from_image(data)
    except (OSError, Image.DecompressionBombError):
        return None
