"""Page previews rendered in memory: PDFium draws one page, Pillow encodes it as PNG, and the
bytes go straight to the response. Nothing is written to disk and nothing is cached.

The read passes the gate (``archive.downloads.open_for_preview``: one decision, one audit entry
with the page number); only PDFs (or their sanitized access copies) have a preview.
"""

from __future__ import annotations

import io

import pypdfium2 as pdfium

from archive import downloads
from archive.audit import Context
from archive.instance import Instance
from ingest.pdfium_guard import PDFIUM
from security.errors import NotFound

MAX_WIDTH = 1600
MIN_WIDTH = 200


def _no_preview(doc_id: int, page: int) -> NotFound:
    return NotFound(
        f"Văn bản số {doc_id} không có trang {page + 1} để xem trước.",
        f"Document {doc_id} has no page {page + 1} to preview.",
    )


def render_page(pdf: bytes, page: int = 0, width: int = 900) -> bytes | None:
    """PNG of one page scaled to ``width`` pixels, or None when the page does not exist."""
    width = max(MIN_WIDTH, min(MAX_WIDTH, width))
    with PDFIUM:
        document = pdfium.PdfDocument(pdf)
        try:
            if not 0 <= page < len(document):
                return None
            pdf_page = document[page]
            try:
                scale = width / max(pdf_page.get_width(), 1.0)
                bitmap = pdf_page.render(scale=scale, may_draw_forms=False)
                image = bitmap.to_pil()
            finally:
                pdf_page.close()
        finally:
            document.close()
    out = io.BytesIO()
    image.convert("RGB").save(out, format="PNG", optimize=False, compress_level=6)
    return out.getvalue()


def page_count(pdf: bytes) -> int:
    with PDFIUM:
        document = pdfium.PdfDocument(pdf)
        try:
            return len(document)
        finally:
            document.close()


def page_png(inst: Instance, ctx: Context, doc_id: int, page: int = 0, width: int = 900) -> bytes:
    """The page as PNG bytes for someone allowed to read the document; 404-like otherwise."""
    content = downloads.open_for_preview(inst, ctx, doc_id, page)
    if content.media_type != "application/pdf":
        raise _no_preview(doc_id, page)
    png = render_page(content.read(), page, width)
    if png is None:
        raise _no_preview(doc_id, page)
    return png
