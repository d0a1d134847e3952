"""Page previews rendered in memory: PDFium draws one page, Pillow encodes it as PNG, and the
bytes go straight to the response. Nothing is written to disk and nothing is cached.

The read passes the gate (``archive.records.gate.open_for_preview``: one decision, one audit entry
with the page number and a trace id); every page image carries a visible watermark with the
viewer, the time and that trace id (``watermark``), so a screenshot or a photo of the screen is
traced like a download. Only PDFs (or their sanitized access copies) have a preview. The crop of
page 1's header (``header_png``, for the review page) is drawn the same way from PDFs and from
scanned images.
"""

from __future__ import annotations

import io

import pypdfium2 as pdfium
from PIL import Image, ImageDraw, ImageFont, PngImagePlugin

from archive.core.instance import Instance
from archive.records import gate
from ingest.delivery import stamp
from ingest.examine.pdfium_guard import PDFIUM
from security.actor import Context
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


def read_with_pages(
    inst: Instance, ctx: Context, doc_id: int
) -> tuple[gate.DocumentView, str, int]:
    """The document page: description, text and the number of pages the reader can page
    through (0: no preview), from one read through the gate. The file is counted in memory;
    each page image is then its own audited ``preview`` read (``page_png``)."""
    view, text, content = gate.read_document_and_file(inst, ctx, doc_id)
    if content is None or content.media_type != "application/pdf":
        return view, text, 0
    try:
        return view, text, page_count(content.read())
    except pdfium.PdfiumError:  # a file PDFium cannot open has no preview, the text remains
        return view, text, 0


def watermark(png: bytes, line: str, marking: str, trace_id: str) -> bytes:
    """The page with the viewer, time and trace id drawn across it (light, repeated, so that
    cropping does not remove it) and once in a solid band at the bottom (readable on a photo),
    and the trace id in the PNG's ``KhoTrace`` text chunk."""
    page = Image.open(io.BytesIO(png)).convert("RGBA")
    size = max(12, page.width // 60)
    path = stamp.font_path()
    font = ImageFont.truetype(str(path), size) if path else ImageFont.load_default()
    if path is None:
        line, marking = stamp.fold(line), stamp.fold(marking)
    layer = Image.new("RGBA", page.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    text = f"{marking}  {line}" if marking else line
    step = max(size * 8, page.height // 6)
    for y in range(step // 2, page.height - 2 * size, step):
        draw.text((size, y), text, font=font, fill=(179, 38, 30, 70))
    band = size + size // 2
    draw.rectangle((0, page.height - band - 4, page.width, page.height), fill=(255, 255, 255, 235))
    draw.text((size // 2, page.height - band), text, font=font, fill=(20, 20, 20, 255))
    marked = Image.alpha_composite(page, layer).convert("RGB")
    info = PngImagePlugin.PngInfo()
    info.add_text("KhoTrace", trace_id)
    out = io.BytesIO()
    marked.save(out, format="PNG", pnginfo=info, optimize=False, compress_level=6)
    return out.getvalue()


def page_png(
    inst: Instance,
    ctx: Context,
    doc_id: int,
    page: int = 0,
    width: int = 900,
    viewer: str | None = None,
    unit: str = "-",
) -> bytes:
    """The page as PNG bytes for someone allowed to read the document, 404-like otherwise;
    watermarked with the viewer, the time and the trace id written in the preview's entry."""
    copy = gate.open_for_preview(inst, ctx, doc_id, page)
    if copy.content.media_type != "application/pdf":
        raise _no_preview(doc_id, page)
    png = render_page(copy.content.read(), page, width)
    if png is None:
        raise _no_preview(doc_id, page)
    who = viewer or (ctx.principal.username if ctx.principal else "-")
    line = stamp.stamp_lines(who, unit, copy.at, copy.trace_id)
    return watermark(png, line, stamp.marking_of(copy.level), copy.trace_id)


# The top third of page 1 when the examination did not say where the header was read.
DEFAULT_HEADER_ZONE = (0.0, 0.0, 1.0, 1 / 3)
_MARGIN = 0.02  # around the zone, so a stamp on its edge is not cut


def _first_page(content_type: str, data: bytes, width: int) -> Image.Image | None:
    """Page 1 as an image ``width`` pixels wide, from a PDF or a scanned image; None if neither."""
    if content_type == "application/pdf":
        png = render_page(data, 0, width)
        return Image.open(io.BytesIO(png)) if png is not None else None
    if content_type.startswith("image/"):
        image = Image.open(io.BytesIO(data))  # Pillow's decompression-bomb limit applies
        image.seek(0)
        image = image.convert("RGB")
        return image.resize((width, max(1, round(image.height * width / image.width))))
    return None


def header_png(inst: Instance, ctx: Context, doc_id: int, width: int = 1200) -> bytes:
    """PNG of page 1's header zone (where the examination read it; the top third if unknown),
    so a reviewer reads a handwritten number or a stamp beside the form. Through the gate."""
    content, zone = gate.open_header(inst, ctx, doc_id)
    width = max(MIN_WIDTH, min(MAX_WIDTH, width))
    page = _first_page(content.media_type, content.read(), width)
    if page is None:
        raise _no_preview(doc_id, 0)
    x0, y0, x1, y1 = zone or DEFAULT_HEADER_ZONE
    box = (
        round(max(0.0, x0 - _MARGIN) * page.width),
        round(max(0.0, y0 - _MARGIN) * page.height),
        round(min(1.0, x1 + _MARGIN) * page.width),
        round(min(1.0, y1 + _MARGIN) * page.height),
    )
    if box[2] <= box[0] or box[3] <= box[1]:
        box = (0, 0, page.width, round(page.height * DEFAULT_HEADER_ZONE[3]))
    out = io.BytesIO()
    page.crop(box).save(out, format="PNG", optimize=False, compress_level=6)
    return out.getvalue()
