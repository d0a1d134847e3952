"""Reading one page image: stamps first, then the header column by column, then the rest.

The first page of a document carries its header and its marks, so it is read with care:

1. the header zone and its two columns are found (``layout``);
2. stamp-like marks in and around the header zone are found and read on their own
   (``stamps``, ``stamp_reading``), then taken out of the page image (red ink only, on colour
   scans, so the print under a stamp stays) so they do not garble the header lines;
3. the left column is read alone, then the right column, then the rest of the page below the
   header. The text keeps that order (left column top to bottom, marks read from stamps under
   it, right column, body), which is how a text layer of the same document reads.

Other pages, and first pages without a two-column header, are read whole. Tesseract is given
page images of at least 300 dpi for the header (enlarged when the scan is coarser) and runs
through pipes (``run``), nothing is written to disk.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np

from ingest.limits import Deadline
from ingest.scan import layout, marks, stamp_reading, stamps
from ingest.scan.raster import PageImage, to_pgm

Runner = Callable[[bytes, Deadline, int, bool], str]
LAYOUT_DPI = 100
HEADER_DPI = 300  # header columns are enlarged to this when the scan is coarser
FALLBACK_ZONE = (0.0, 0.0, 1.0, 0.3)  # where a header usually is, when none was found
ZONE_BELOW_HEADER = 0.10  # stamps are searched this far below the header (page heights)
ZONE_LIMITS = (0.3, 0.5)
COLUMN_GAP = 80  # white rows between the stacked columns
# A single column of lines of varying size: over the real and generated scans it read the header
# fields (number, issuer, date, type) a little better than a uniform block (6) or sparse text
# (11, which keeps the marks of some capitals better but breaks lines on bitonal scans). Words
# are joined into lines by position afterwards, whatever Tesseract's own lines were.
HEADER_PSM = 4
RED_OUT = 30
TOUCHING = 0.006  # page heights: a piece this close to a read stamp belongs to it


@dataclass(frozen=True)
class FoundMark:
    """A mark found on a page image; ``ingest.stages.Mark`` has the same fields."""

    kind: str
    value: str | None
    text: str
    confidence: float
    page: int
    box: tuple[float, float, float, float]
    angle: float


@dataclass
class PageReading:
    text: str
    marks: list[FoundMark] = field(default_factory=list)
    header_zone: tuple[float, float, float, float] | None = None
    stamps_searched: bool = False
    seconds: dict[str, float] = field(default_factory=dict)  # layout, stamps, header, body


def find_header(page: PageImage) -> layout.Header | None:
    scale = min(1.0, LAYOUT_DPI / page.dpi)
    small = page.gray
    if scale < 1.0:
        small = cv2.resize(page.gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    px_mm = page.dpi * scale / 25.4
    height, width = small.shape
    boxes = layout.line_boxes(layout.ink_mask(small), px_mm)
    return layout.find_header(boxes, (px_mm / width, px_mm / height))


def search_stamps(page: PageImage, index: int, zone_bottom: float, deadline: Deadline,
                  run: Runner) -> tuple[list[FoundMark], list[stamps.Candidate]]:  # fmt: skip
    """Marks found in the top ``zone_bottom`` of the page, and the candidates they came from."""
    candidates = stamps.find_candidates(page, zone_bottom)
    crops = [c for c in (stamp_reading.prepare(page, cand) for cand in candidates) if c]
    deadline.check()
    readings = stamp_reading.read_crops(crops, deadline, run)
    width, height = page.size
    px_mm = page.dpi / 25.4
    found: list[FoundMark] = []
    used: list[stamps.Candidate] = []
    for crop, words in zip(crops, readings, strict=True):
        verdict = stamp_reading.judge(crop, words, px_mm)
        if verdict.kind is None:
            continue
        x0, y0, x1, y1 = crop.candidate.bounds()
        box = (
            round(max(0.0, x0 / width), 4),
            round(max(0.0, y0 / height), 4),
            round(min(1.0, x1 / width), 4),
            round(min(1.0, y1 / height), 4),
        )
        found.append(FoundMark(verdict.kind, verdict.value, verdict.text, verdict.confidence,
                               index, box, round(-crop.candidate.angle, 1)))  # fmt: skip
        used.append(crop.candidate)
    return _absorbed(found), used


def _absorbed(found: list[FoundMark]) -> list[FoundMark]:
    """An unreadable piece lying on, or right against, a stamp read as another kind ("ĐẾN",
    a body's name) is a piece of that stamp (boxes with ruled rows are found row by row), not
    a mark of its own."""

    def belongs(piece: FoundMark, other: FoundMark) -> bool:
        a, b = piece.box, other.box
        across = min(a[2], b[2]) - max(a[0], b[0])
        gap = max(a[1], b[1]) - min(a[3], b[3])  # negative when they overlap
        return across >= 0.7 * (a[2] - a[0]) and gap <= TOUCHING

    others = [m for m in found if m.kind == "other" and m.value != "seal"]
    return [
        m for m in found
        if m.kind != "unknown" or not any(belongs(m, o) for o in others)
    ]  # fmt: skip


def _without_stamps(page: PageImage, used: list[stamps.Candidate]) -> np.ndarray:
    """The gray page with the found stamps taken out (only their red ink on colour scans)."""
    gray = page.gray.copy()
    red = stamps.red_ink(page.rgb) > RED_OUT if page.rgb is not None else None
    for cand in used:
        area = np.zeros_like(gray)
        cv2.fillPoly(area, [cand.corners().astype(np.int32)], 255)
        area = area > 0
        if red is not None and "red" in cand.cues:
            area &= red
        gray[area] = 255
    return gray


def _enlarged(gray: np.ndarray, dpi: float) -> np.ndarray:
    if dpi >= HEADER_DPI * 0.9:
        return gray
    factor = HEADER_DPI / dpi
    return cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)


def _lines_by_band(tsv: str, bands: list[tuple[int, int]]) -> list[list[str]]:
    """Tesseract TSV words gathered into lines by their position (words whose middles share a
    height are one line, read left to right), per vertical band of the stacked image."""
    words = []
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or not cols[11].strip():
            continue
        left, top, _, height = (int(v) for v in cols[6:10])
        words.append((top, top + height, left, cols[11].strip()))
    out: list[list[str]] = [[] for _ in bands]
    lines: list[list[tuple[int, int, int, str]]] = []
    for word in sorted(words):
        middle = (word[0] + word[1]) / 2
        line = next(
            (ln for ln in lines if min(w[0] for w in ln) <= middle <= max(w[1] for w in ln)), None
        )
        if line is None:
            lines.append([word])
        else:
            line.append(word)
    for line in sorted(lines, key=lambda ln: min(w[0] for w in ln)):
        top = min(w[0] for w in line)
        text = " ".join(w[3] for w in sorted(line, key=lambda w: w[2]))
        for i, (start, end) in enumerate(bands):
            if start - COLUMN_GAP // 2 <= top < end + COLUMN_GAP // 2:
                out[i].append(text)
                break
    return out


def read_columns(gray: np.ndarray, dpi: float, header: layout.Header, deadline: Deadline,
                 run: Runner) -> tuple[list[str], list[str]]:  # fmt: skip
    """The left and the right column of the header, each read on its own (one Tesseract run)."""
    height, width = gray.shape
    top = max(0, round((header.top - 0.01) * height))
    bottom = min(height, round(header.cut * height))
    cut = round(header.gutter * width)
    left = _enlarged(gray[top:bottom, :cut], dpi)
    right = _enlarged(gray[top:bottom, cut:], dpi)
    sheet_w = max(left.shape[1], right.shape[1]) + 2 * COLUMN_GAP
    sheet = np.full((left.shape[0] + right.shape[0] + 3 * COLUMN_GAP, sheet_w), 255, np.uint8)
    sheet[COLUMN_GAP : COLUMN_GAP + left.shape[0], COLUMN_GAP : COLUMN_GAP + left.shape[1]] = left
    r0 = 2 * COLUMN_GAP + left.shape[0]
    sheet[r0 : r0 + right.shape[0], COLUMN_GAP : COLUMN_GAP + right.shape[1]] = right
    bands = [(COLUMN_GAP, COLUMN_GAP + left.shape[0]), (r0, r0 + right.shape[0])]
    left_lines, right_lines = _lines_by_band(run(to_pgm(sheet), deadline, HEADER_PSM, True), bands)
    return left_lines, right_lines


def _mark_lines(found: list[FoundMark]) -> list[str]:
    """Secrecy and urgency marks read from stamps, as the lines a text layer would have."""
    lines = []
    for mark in sorted(found, key=lambda m: m.box[1]):
        if mark.kind in ("level", "urgency") and mark.value in marks.LABELS:
            lines.append(mark.text if mark.value == "hoa_toc_hen_gio" else marks.LABELS[mark.value])
    return lines


def read_page(page: PageImage, index: int, deadline: Deadline, run: Runner,
              first: bool) -> PageReading:  # fmt: skip
    """The text of one page image; for the first page also its marks and header zone."""
    seconds: dict[str, float] = {}
    if not first:
        started = time.perf_counter()
        text = run(to_pgm(page.gray), deadline, 3, False)
        seconds["body"] = time.perf_counter() - started
        return PageReading(text, seconds=seconds)
    started = time.perf_counter()
    header = find_header(page)
    seconds["layout"] = time.perf_counter() - started
    zone = header.zone if header else FALLBACK_ZONE
    bottom = min(max(zone[3] + ZONE_BELOW_HEADER, ZONE_LIMITS[0]), ZONE_LIMITS[1])
    started = time.perf_counter()
    found, used = search_stamps(page, index, bottom, deadline, run)
    seconds["stamps"] = time.perf_counter() - started
    gray = _without_stamps(page, used) if used else page.gray
    if header is None:
        started = time.perf_counter()
        text = run(to_pgm(gray), deadline, 3, False)
        seconds["body"] = time.perf_counter() - started
        mark_lines = _mark_lines(found)
        text = "\n".join([*mark_lines, text]) if mark_lines else text
        return PageReading(text, found, zone, True, seconds)
    started = time.perf_counter()
    left, right = read_columns(gray, page.dpi, header, deadline, run)
    seconds["header"] = time.perf_counter() - started
    started = time.perf_counter()
    rest_top = min(gray.shape[0] - 1, round(header.cut * gray.shape[0]))
    rest = gray[rest_top:]
    rest = np.pad(rest, ((COLUMN_GAP, 0), (0, 0)), constant_values=255)  # no text at the edge
    rest = run(to_pgm(rest), deadline, 3, False)
    seconds["body"] = time.perf_counter() - started
    text = "\n".join([*left, *_mark_lines(found), "", *right, "", rest])
    return PageReading(text, found, zone, True, seconds)
