"""The geometry of a text-layer page: where its lines are, and whether it carries images.

A text-layer PDF is not rendered for reading, but its first page still has a header zone (for
the review crop) and may carry a stamp as an image (a scan with an OCR layer, a stamp image
pasted on an e-signed file). PDFium's text rectangles and image objects tell both for about a
millisecond, without rendering the page.
"""

from __future__ import annotations

from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ingest.pdfium_guard import PDFIUM
from ingest.scan import layout

Box = tuple[float, float, float, float]
IMAGE_MIN_SHARE = 0.0005  # images smaller than this share of the page are ornaments


@dataclass(frozen=True)
class PageGeometry:
    header: layout.Header | None
    images: list[Box]  # image objects on the page, as fractions (x0, y0, x1, y1 from the top)

    def images_in(self, bottom: float) -> bool:
        """True when an image reaches into the top ``bottom`` share of the page."""
        return any(box[1] < bottom for box in self.images)


def first_page(data: bytes) -> PageGeometry | None:
    """Header and images of page 1 of an (already validated) PDF, or None if unreadable."""
    with PDFIUM:
        try:
            document = pdfium.PdfDocument(data)
        except pdfium.PdfiumError:
            return None
        try:
            if len(document) == 0:
                return None
            page = document[0]
            width, height = page.get_size()
            textpage = page.get_textpage()
            rects = [textpage.get_rect(i) for i in range(textpage.count_rects())]
            textpage.close()
            images = []
            for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2):
                left, bottom, right, top = obj.get_bounds()
                box = (left / width, 1 - top / height, right / width, 1 - bottom / height)
                if (box[2] - box[0]) * (box[3] - box[1]) >= IMAGE_MIN_SHARE:
                    images.append(box)
            page.close()
        finally:
            document.close()
    return PageGeometry(layout.header_of_text_layer(rects, width, height), images)
