"""The geometry of a text-layer page: where its lines are, and whether it carries images.

A text-layer PDF is not rendered for reading, but its first page still has a header zone (for
the review crop) and may carry a stamp as an image (a scan with an OCR layer, a stamp image
pasted on an e-signed file). PDFium's text rectangles and image objects tell both for about a
millisecond, without rendering the page.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass

import pypdfium2.raw as pdfium_c

from ingest.examine.scan import layout

Box = tuple[float, float, float, float]
IMAGE_MIN_SHARE = 0.0005  # images smaller than this share of the page are ornaments
HEADER_SHARE = 0.55  # text lines below this share of the page height are not looked at


@dataclass(frozen=True)
class PageGeometry:
    header: layout.Header | None
    images: list[Box]  # image objects on the page, as fractions (x0, y0, x1, y1 from the top)

    def images_in(self, bottom: float) -> bool:
        """True when an image reaches into the top ``bottom`` share of the page."""
        return any(box[1] < bottom for box in self.images)


def geometry(page, textpage) -> PageGeometry:
    """Header and images of an open PDFium page (with its text page)."""
    width, height = page.get_size()
    rects = [textpage.get_rect(i) for i in range(textpage.count_rects())]
    rects = [r for r in rects if r[3] > height * (1 - HEADER_SHARE)]  # the upper part
    images = []
    for left, bottom, right, top in _image_bounds(page.raw, form=False):
        box = (left / width, 1 - top / height, right / width, 1 - bottom / height)
        if (box[2] - box[0]) * (box[3] - box[1]) >= IMAGE_MIN_SHARE:
            images.append(box)
    return PageGeometry(layout.header_of_text_layer(rects, width, height), images)


def _image_bounds(container, form: bool, depth: int = 0) -> list[tuple[float, float, float, float]]:
    """Bounds (PDF points) of the image objects of a page or form XObject, looking inside
    forms (a stamp pasted as an overlay is one) two levels deep. Raw PDFium calls: wrapping
    every text object of a page in Python would cost more than the whole extraction."""
    count = (pdfium_c.FPDFFormObj_CountObjects if form else pdfium_c.FPDFPage_CountObjects)(
        container
    )
    get = pdfium_c.FPDFFormObj_GetObject if form else pdfium_c.FPDFPage_GetObject
    found = []
    for index in range(max(0, count)):
        obj = get(container, index)
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            edges = [ctypes.c_float() for _ in range(4)]
            if pdfium_c.FPDFPageObj_GetBounds(obj, *(ctypes.byref(e) for e in edges)):
                found.append(tuple(e.value for e in edges))  # left, bottom, right, top
        elif kind == pdfium_c.FPDF_PAGEOBJ_FORM and depth < 2:
            found.extend(_image_bounds(obj, form=True, depth=depth + 1))
    return found  # type: ignore[return-value]
