"""The header zone of a page and its two columns, from line boxes (page image or text layer).

A Party or state header is two columns side by side: the bodies and the number on the left, the
national title (or "ĐẢNG CỘNG SẢN VIỆT NAM") and the place and date on the right, each column's
lines centred on its own axis. OCR of the whole page reads those columns interleaved ("Sở Nội vụ
NAM"); found here, each column is read on its own. The header ends at the first line that
belongs to neither column: the title and subject are centred on the page, the body spans it.

The same finder works on boxes from a page image (ink components, ``line_boxes``) and from a text
layer (PDFium's text rectangles), all in fractions of the page so the review crop
(``Examined.header_zone``) means the same thing for both.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import median

import numpy as np

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 as fractions of the page

FIRST_ROWS_SPAN = 0.11  # the first rows of the header, as a share of the page height
GUTTER_RANGE = (0.22, 0.66)  # where the gap between the two columns may lie
MIN_GUTTER = 0.012  # narrowest gap accepted between the columns (~2.5 mm on A4)
AXIS_TOLERANCE = 0.09  # a right-column line is centred within this of the column's axis
RIGHT_EDGE_TOLERANCE = 0.05
MAX_HEADER_BOTTOM = 0.5
JOIN_MM = 1.0  # pieces of one line closer than this are one run of ink (under MIN_GUTTER)
LINE_MM = (1.2, 14.0)  # heights of text lines (and stamp boxes) considered, in millimetres


@dataclass(frozen=True)
class Header:
    """Where the header is: its rows' span, the gap between its columns, its boxes."""

    top: float
    bottom: float
    gutter: float  # x of the middle of the gap between the left and right columns
    left: tuple[float, float]  # x extent of the left column's lines
    right: tuple[float, float]
    rows: int
    next_top: float | None = None  # top of the first line below the header (the title)

    @property
    def cut(self) -> float:
        """Where the rest of the page begins: halfway to the next line, clear of both."""
        if self.next_top is None or self.next_top <= self.bottom:
            return self.bottom + 0.006
        return (self.bottom + self.next_top) / 2

    @property
    def zone(self) -> Box:
        pad = 0.01
        return (
            max(0.0, self.left[0] - pad),
            max(0.0, self.top - pad),
            min(1.0, self.right[1] + pad),
            min(1.0, self.bottom + pad / 2),
        )


def _rows(boxes: list[Box]) -> list[list[Box]]:
    """Boxes grouped into rows: a box joins a row when it overlaps the row's span by half."""
    return _rows_and_tops(boxes)[0]


def _rows_and_tops(boxes: list[Box]) -> tuple[list[list[Box]], list[float]]:
    """The rows (``_rows``), top first, and each row's top.

    Runs on every word of a text layer's page 1, each against the rows so far: the test is
    written out with plain comparisons (no ``min``/``max`` calls), and a row's top is its
    span's, not searched again to sort the rows. Boxes come in the order of their middles, so
    once a row ends above the middle so far less the tallest box's height, no box to come can
    join it (its top lies at most half that height above its middle, and a box upside down or
    a row's span upside down overlaps by less than its own half): such rows at the front are
    no longer compared. Not used when a coordinate is not finite (the order of the middles
    then says nothing; no caller's are)."""
    rows: list[list[Box]] = []
    spans: list[list[float]] = []
    ordered = sorted(boxes, key=_middle)
    heights = [b[3] - b[1] for b in ordered]
    tallest = max(heights, default=0.0)
    reach = max(tallest, 0.0) + 1e-9 if math.isfinite(sum(heights)) else math.inf
    live_rows: list[list[Box]] = []  # the rows a box may still join, in the order made
    live_spans: list[list[float]] = []
    for box, height in zip(ordered, heights, strict=True):
        y0, y1 = box[1], box[3]
        cutoff = (y0 + y1) / 2 - reach
        dead = 0
        while dead < len(live_spans) and live_spans[dead][1] < cutoff:
            dead += 1
        if dead:
            del live_rows[:dead], live_spans[:dead]
        for row, span in zip(live_rows, live_spans, strict=True):
            s0, s1 = span
            overlap = (s1 if s1 < y1 else y1) - (s0 if s0 > y0 else y0)
            if overlap > 0.5 * (height if height <= s1 - s0 else s1 - s0):
                row.append(box)
                if y0 < s0:
                    span[0] = y0
                if y1 > s1:
                    span[1] = y1
                break
        else:
            rows.append([box])
            spans.append([y0, y1])
            live_rows.append(rows[-1])
            live_spans.append(spans[-1])
    order = sorted(range(len(rows)), key=lambda i: spans[i][0])
    return [rows[i] for i in order], [spans[i][0] for i in order]


def _middle(box: Box) -> float:
    return (box[1] + box[3]) / 2


def _gutter(boxes: list[Box]) -> tuple[float, float] | None:
    """The widest vertical gap in GUTTER_RANGE with text on both sides, as (start, end)."""
    lo, hi = GUTTER_RANGE
    spans = sorted((max(lo, b[0]), min(hi, b[2])) for b in boxes if b[2] > lo and b[0] < hi)
    gaps: list[tuple[float, float]] = []
    cursor = lo
    for x0, x1 in spans:
        if x0 > cursor:
            gaps.append((cursor, x0))
        cursor = max(cursor, x1)
    if cursor < hi:
        gaps.append((cursor, hi))
    gaps = [
        (a, b)
        for a, b in gaps
        if b - a >= MIN_GUTTER
        and any(box[2] <= a + 1e-6 for box in boxes)
        and any(box[0] >= b - 1e-6 for box in boxes)
    ]
    return max(gaps, key=lambda g: g[1] - g[0]) if gaps else None


def _runs(row: list[Box], join: float) -> list[tuple[float, float]]:
    """The row's runs of ink along x: boxes that overlap or lie closer than ``join`` are one.

    A body line on a turned or bitonal page comes out in pieces, none of them as wide as the gap
    between the columns; ``join`` is less than the narrowest such gap."""
    runs: list[tuple[float, float]] = []
    for x0, _, x1, _ in sorted(row):
        if runs and x0 <= runs[-1][1] + join:
            runs[-1] = (runs[-1][0], max(runs[-1][1], x1))
        else:
            runs.append((x0, x1))
    return runs


def _right_part(row: list[Box], start: float) -> list[Box]:
    return [b for b in row if b[0] >= start - 1e-6]


def _centre(boxes: list[Box]) -> float:
    return (min(b[0] for b in boxes) + max(b[2] for b in boxes)) / 2


def _in_right_column(part: list[Box], axis: float, right_end: float) -> bool:
    """Centred on the right column's axis, or ending where its first line ends (a date line
    set flush right)."""
    if abs(_centre(part) - axis) <= AXIS_TOLERANCE:
        return True
    return abs(max(b[2] for b in part) - right_end) <= RIGHT_EDGE_TOLERANCE


def find_header(boxes: list[Box], mm: tuple[float, float]) -> Header | None:
    """The two-column header among line boxes, or None when the page has none.

    ``mm`` is one millimetre as a fraction of the page's width and height.
    """
    low, high = LINE_MM[0] * mm[1], LINE_MM[1] * mm[1]
    lines = [b for b in boxes if low <= b[3] - b[1] <= high and b[1] < MAX_HEADER_BOTTOM]
    lines = [b for b in lines if b[2] - b[0] >= 1.5 * mm[0]]
    rows, tops = _rows_and_tops(lines)
    if len(rows) < 2:
        return None
    first_top = tops[0]
    first = [
        row
        for row, top in zip(rows[:4], tops[:4], strict=True)
        if top < first_top + FIRST_ROWS_SPAN
    ]
    gap = None
    while first and gap is None:  # a long title among the first rows hides the gap: drop it
        gap = _gutter([b for row in first for b in row])
        first = first if gap else first[:-1]
    if gap is None:
        return None
    start, end = gap
    axes = [_centre(part) for row in first if (part := _right_part(row, start))]
    if not axes or not any(b[2] <= start + 1e-6 for row in first for b in row):
        return None
    axis = median(axes[:2])  # the national title, or the Party's name, and the next line
    right_end = max(b[2] for b in _right_part(first[0], start) or first[0])
    header_rows: list[list[Box]] = []
    next_top = None
    join = JOIN_MM * mm[0]
    for row, top in zip(rows, tops, strict=True):
        if top < first_top - 1e-6:
            continue
        part = _right_part(row, start)
        # a run of ink across the gap between the columns: a line of the body
        crossing = any(x0 < start - 1e-6 and x1 > end + 1e-6 for x0, x1 in _runs(row, join))
        if crossing or (part and not _in_right_column(part, axis, right_end)):
            next_top = top
            break
        header_rows.append(row)
    if len(header_rows) < 2:
        return None
    members = [b for row in header_rows for b in row]
    left = [b for b in members if b[2] <= end]
    right = [b for b in members if b[2] > end]
    if not left or not right:
        return None
    return Header(
        top=first_top,
        bottom=max(b[3] for b in members),
        gutter=(start + end) / 2,
        left=(min(b[0] for b in left), max(b[2] for b in left)),
        right=(min(b[0] for b in right), max(b[2] for b in right)),
        rows=len(header_rows),
        next_top=next_top,
    )


# --- boxes from pixels -------------------------------------------------------------------------


def ink_mask(gray: np.ndarray) -> np.ndarray:
    """Dark marks on the paper (uint8 0/255), thresholded once for the whole page (Otsu),
    never lighter than mid-gray so that a blank page's noise is not read as ink."""
    import cv2  # only page images need OpenCV; a text layer's geometry does not

    threshold, _ = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    threshold = min(float(threshold), 200.0)
    return np.where(gray < threshold, 255, 0).astype(np.uint8)


def line_boxes(ink: np.ndarray, px_per_mm: float) -> list[Box]:
    """Text-line boxes: ink smeared sideways by a word space, then its connected components."""
    import cv2

    height, width = ink.shape
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (max(3, round(2.2 * px_per_mm)), 1))
    smeared = cv2.dilate(ink, kernel)
    contours, _ = cv2.findContours(smeared, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    boxes: list[Box] = []
    for contour in contours:
        x, y, w, h = cv2.boundingRect(contour)
        if w * h < 6 or (w < 0.8 * px_per_mm and h < 0.8 * px_per_mm):
            continue
        boxes.append((x / width, y / height, (x + w) / width, (y + h) / height))
    return boxes


def merge_runs(boxes: list[Box], gap: float) -> list[Box]:
    """Text-layer rectangles (often one per word or run) joined into lines: same row, and less
    than ``gap`` (a fraction of the page width) apart."""
    merged: list[Box] = []
    for row in _rows(boxes):
        current: list[float] | None = None
        for x0, y0, x1, y1 in sorted(row):
            if current is not None and x0 - current[2] <= gap:
                current = [current[0], min(current[1], y0), max(current[2], x1),
                           max(current[3], y1)]  # fmt: skip
            else:
                if current is not None:
                    merged.append(tuple(current))  # type: ignore[arg-type]
                current = [x0, y0, x1, y1]
        if current is not None:
            merged.append(tuple(current))  # type: ignore[arg-type]
    return merged


def header_of_text_layer(
    rects: list[tuple[float, float, float, float]], width: float, height: float
) -> Header | None:
    """The header of a text-layer page from PDFium's rectangles (PDF points, origin bottom-left)."""
    if width <= 0 or height <= 0:
        return None
    boxes = [
        (left / width, 1 - top / height, right / width, 1 - bottom / height)
        for left, bottom, right, top in rects
        if right > left and top > bottom
    ]
    mm = (72 / 25.4 / width, 72 / 25.4 / height)
    return find_header(merge_runs(boxes, 2.2 * mm[0]), mm)
