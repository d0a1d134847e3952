"""Reading one page image: stamps first, then the page in the order of its layout.

The first page of a document carries its header and its marks, so it is read with care:

1. the header zone and its two columns are found (``layout``);
2. stamp-like marks in and around the header zone are found and read on their own
   (``stamps``, ``stamp_reading``), then taken out of the page image (red ink only, on colour
   scans, so the print under a stamp stays) so they do not garble the header lines;
3. the page is read once, and its words are put in the order of the layout: the left column
   top to bottom (then the marks read from stamps under it), the right column, then the rest
   of the page. A line of one column never takes words of the other ("Sở Nội vụ NAM"), and
   the text reads as a text layer of the same document does.

Reading each column as a separate crop was measured too (bench/scan_headers.py): Tesseract
recognised the capitals of cropped columns worse ("TĨNH" for "TỈNH") and it cost one more run
per page, so the words of one whole-page run are placed by the layout instead. Measured again
with a margin round each crop, upscaling and other page-segmentation modes (``--crops``;
12 generated scans, seed 7, on a loaded two-core machine), fields right, layout reading first:
number 11/12, date 10/12, subject 9/12 in 36 s per first page; crops with a 1 mm margin, psm 6:
12, 8, 7 (41 s); 4 mm, psm 6: 12, 8, 8 (48 s); 4 mm, 1.5x, psm 6: 11, 10, 8 (45 s); 4 mm,
psm 4: 12, 9, 8 (36 s); kind, type and issuer 12/12 in every reading. Crops win one number and
lose dates and subjects (why was not analysed further; the whole-page reading of the same
scans had all 12 dates), so the layout reading stays; a crop of the number line alone is the one
to try next. Real scans were not measured with crops (time).

Other pages, and first pages without a two-column header, are read whole. Tesseract runs
through pipes (``run``): nothing is written to disk.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import cv2
import numpy as np

from ingest.examine.limits import Deadline
from ingest.examine.scan import layout, marks, stamp_reading, stamps
from ingest.examine.scan.raster import PageImage, to_pgm

cv2.setNumThreads(1)  # see ingest.examine.scan

Runner = Callable[[bytes, Deadline, int, bool], str]
LAYOUT_DPI = 100
FALLBACK_ZONE = (0.0, 0.0, 1.0, 0.3)  # where a header usually is, when none was found
ZONE_BELOW_HEADER = 0.10  # stamps are searched this far below the header (page heights)
ZONE_LIMITS = (0.3, 0.5)
RED_OUT = 30
TOUCHING = 0.006  # page heights: a piece this close to a read stamp belongs to it
UNSURE_PART = 0.5  # confidence of a level that may be the second word of a higher one
# Ink a secrecy stamp is made of: red on colour scans, light (red turned gray) on grayscale.
STAMP_INK = frozenset({"red", "light"})
MARK_KINDS = ("level", "urgency", "circulation")  # what a stamp is read for
# An unread box on a colour scan is of another stamp (violet, blue) when at least this share of
# its ink is coloured (channels this far apart) and not red; black print or a black
# (photocopied) stamp is not.
OTHER_INK_SPREAD, OTHER_INK_SHARE = 40, 0.5
LEVELS = ("mat", "toi_mat", "tuyet_mat")  # secrecy levels, lowest first
# The row of a piece of a faint box (bitonal scans): this long, read at these turns off it.
ROW_MM, ROW_HEIGHT_MM, ROW_TURNS = 50.0, 16.0, (-6.0, 0.0, 6.0)
PRINT_PITCH_MM = 8.0  # lines of running text (13 pt, 1.5 spaced) are about 7 mm apart
# A rubber stamp sets its words off from its box: just inside its long sides (this far in, mm)
# there is paper. A box bridged out of two lines of print has letters there on at least
# LETTERS_ALONG of a side's length (the side is a baseline or the top of the small letters),
# and just beyond that side at most half as much (the space between two lines): a stamp laid
# over print has print on both sides of its box alike, and stays held.
# Measured on pieces of SIDE_PIECE_MM, each finding its side's own line (a side 1.5° off the
# angle the box was found at drifts across a long box).
MARGIN_BAND_MM, LETTERS_ALONG, SIDE_PIECE_MM = (0.4, 1.1), 0.25, 4.0
# A stamp's box side is a ruled line: along most of it, ink no thicker than RULE_MM across it.
# A box bridged out of bold print has "sides" cut through letters: thin ink along at most
# RULED_SIDE of each (measured 0.11-0.38 on the better side; stamps' found boxes 0.69-0.97).
RULE_MM, RULED_SIDE = 0.7, 0.5


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
    seconds: dict[str, float] = field(default_factory=dict)  # layout, stamps, body


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
    crops, unread = _crops(page, candidates)
    deadline.check()
    readings = stamp_reading.read_crops(crops, deadline, run)
    width, height = page.size
    px_mm = page.dpi / 25.4
    found: list[FoundMark] = []
    used: list[stamps.Candidate] = []
    verdicts = [stamp_reading.judge(crop, words, px_mm)
                for crop, words in zip(crops, readings, strict=True)]  # fmt: skip
    if page.rgb is not None:
        verdicts = [replace(v, kind=None) if _unread_in_another_ink(page, c.candidate, v) else v
                    for c, v in zip(crops, verdicts, strict=True)]  # fmt: skip
    if page.bitonal:
        crops, verdicts = _healed(page, crops, verdicts, deadline, run)
        verdicts = [
            replace(v, kind=None)
            if v.kind == "unknown"
            and (
                _dashes_of_print(c.candidate, height, px_mm)
                or _print_box(page, c.candidate)
                or _unruled_box(page, c.candidate)
            )
            else v
            for c, v in zip(crops, verdicts, strict=True)
        ]  # fmt: skip
    explained = [crop.candidate for crop, v in zip(crops, verdicts, strict=True)
                 if v.kind in MARK_KINDS or v.value]  # fmt: skip
    for crop, verdict in zip(crops, verdicts, strict=True):
        if verdict.kind is None:
            if _stamp_box(crop.candidate):  # read, but to nothing a mark is made of
                unread.append(crop.candidate)
            continue
        if _first_word_maybe_lost(
            crop.candidate, verdict, candidates, explained, px_mm, page.bitonal
        ):
            verdict = replace(verdict, confidence=min(verdict.confidence, UNSURE_PART))
        box = _box(crop.candidate, width, height)
        found.append(FoundMark(verdict.kind, verdict.value, verdict.text, verdict.confidence,
                               index, box, round(-crop.candidate.angle, 1)))  # fmt: skip
        used.append(crop.candidate)
    rows: list[tuple[stamps.Candidate, str]] = []
    if page.bitonal:
        rows = _rows_with_a_level(page, candidates, crops, verdicts, deadline, run)
    for cand, _ in rows:
        # A turned word read as a lower level whose row reads a higher one: not sure.
        i = next((i for i, c in enumerate(used) if c is cand), None)
        if i is not None:
            found[i] = replace(found[i], confidence=min(found[i].confidence, UNSURE_PART))
    rows = [(c, text) for c, text in rows if not any(c is u for u in used)]
    for cand, text in [(c, "") for c in unread] + rows:
        # A box of stamp ink with nothing readable in it, or a box whose row reads as a level:
        # a stamp nobody could read.
        found.append(FoundMark("unknown", None, text, 0.0, index, _box(cand, width, height),
                               round(-cand.angle, 1)))  # fmt: skip
        used.append(cand)
    return _absorbed(found), used


def _healed(page: PageImage, crops: list[stamp_reading.Crop],
            verdicts: list[stamp_reading.Verdict], deadline: Deadline, run: Runner
            ) -> tuple[list[stamp_reading.Crop], list[stamp_reading.Verdict]]:  # fmt: skip
    """On a bitonal scan, the candidates that read as no mark are read once more with their
    ink healed (``stamp_reading.heal``; all in one more Tesseract run): a faint stamp there is
    dots, its letters in pieces that read as nothing or as other letters. A mark read so takes
    the place of the first reading; anything else leaves it as it was."""
    redo = [i for i, v in enumerate(verdicts)
            if v.kind in (None, "unknown") and "round" not in crops[i].candidate.cues]  # fmt: skip
    again = [(i, stamp_reading.prepare(page, crops[i].candidate, healed=True)) for i in redo]
    again = [(i, crop) for i, crop in again if crop is not None]
    if not again:
        return crops, verdicts
    deadline.check()
    readings = stamp_reading.read_crops([crop for _, crop in again], deadline, run)
    crops, verdicts = list(crops), list(verdicts)
    for (i, crop), words in zip(again, readings, strict=True):
        verdict = stamp_reading.judge(crop, words, page.dpi / 25.4)
        if verdict.kind in MARK_KINDS:
            crops[i], verdicts[i] = crop, verdict
    return crops, verdicts


def _rows_with_a_level(page: PageImage, candidates: list[stamps.Candidate],
                       crops: list[stamp_reading.Crop], verdicts: list[stamp_reading.Verdict],
                       deadline: Deadline, run: Runner
                       ) -> list[tuple[stamps.Candidate, str]]:  # fmt: skip
    """On a bitonal scan, the boxes that read as nothing (or crop to nothing) whose row reads
    as a secrecy level, with that reading: held for a person. A box lying over a line of print
    loses the sides that cross the print, and only a piece of it is found: a faint TUYỆT MẬT
    turned 8° over the "CỘNG HÒA ..." line (150 dpi) left a 12 x 12 mm piece that read
    "E ì \\ Vị"; a clear one over "ĐẢNG CỘNG SẢN VIỆT NAM" a box 4 mm tall (its top side and
    the print), inset to nothing. No colour tells stamp ink there, so both were missed. The
    row, ROW_MM along the piece and at least ROW_HEIGHT_MM tall, at its angle and ROW_TURNS off
    it (a piece's angle is not the stamp's), is read (healed when the box is dashes: faint
    ink), all rows in one more Tesseract run. A level read there in capitals (stamps are set
    in capitals; "mặt", "bảo mật" in running text are not) holds the piece, never as a sure
    level: the row holds print too.

    A turned word with no box (cue "rotated" alone) is such a piece too: when it reads as
    nothing (a faint TUYỆT MẬT turned 15° under the number was found only as "TUYỆT", its
    "MẬT" too short and broken to be proposed), and when it reads as a level below TUYỆT MẬT
    (a TUYỆT MẬT turned 22° without a box was found only as "MẬT", read as a sure MẬT: its
    first word's smeared blob leant less than a stamp's). Such a word is returned when its
    row reads a higher level: its own reading is then not sure."""
    px_mm = page.dpi / 25.4
    read = {id(crop.candidate): v for crop, v in zip(crops, verdicts, strict=True)}

    def lower(cand: stamps.Candidate) -> str | None:
        """The level a turned word with no box was read as, when a higher one exists."""
        verdict = read.get(id(cand))
        if cand.cues != {"rotated"} or verdict is None or verdict.kind != "level":
            return None
        return verdict.value if verdict.value in LEVELS[:-1] else None

    pieces = [
        cand for cand in candidates
        if ("frame" in cand.cues or cand.cues == {"rotated"})
        and not cand.cues & {"round", "on_seal", *STAMP_INK}
        and (id(cand) not in read or read[id(cand)].kind is None or lower(cand))
    ]  # fmt: skip
    rows = []
    for piece in pieces:
        size = (max(piece.size[0], ROW_MM * px_mm), max(piece.size[1], ROW_HEIGHT_MM * px_mm))
        # Of a word read as a lower level, the row ends where the word ends: a first word
        # ("TUYỆT", "TỐI") lies before it.
        back = (size[0] - piece.size[0]) / 2 if lower(piece) else 0.0
        for turn in ROW_TURNS:
            angle = float(np.clip(piece.angle + turn, -stamps.ROTATED_MAX, stamps.ROTATED_MAX))
            along = np.radians(angle)
            x, y = piece.centre
            centre = (x - back * np.cos(along), y - back * np.sin(along))
            row = stamps.Candidate(centre, size, angle, {"rotated"})
            crop = stamp_reading.prepare(page, row, healed="dashed" in piece.cues)
            if crop is not None:
                rows.append((piece, crop))
    if not rows:
        return []
    deadline.check()
    readings = stamp_reading.read_crops([crop for _, crop in rows], deadline, run)
    held: dict[int, tuple[stamps.Candidate, str]] = {}
    for (piece, _), words in zip(rows, readings, strict=True):
        capitals = " ".join(w.text for w in words if w.text.upper() == w.text)
        reading = marks.classify(capitals)
        if reading.kind != "level" or id(piece) in held:
            continue
        word = lower(piece)
        if word is None or LEVELS.index(str(reading.value)) > LEVELS.index(word):
            held[id(piece)] = (piece, capitals)
    return list(held.values())


def _unread_in_another_ink(page: PageImage, cand: stamps.Candidate,
                           verdict: stamp_reading.Verdict) -> bool:  # fmt: skip
    """On a colour scan, an unread box inked in a colour that is not red is no secrecy stamp:
    secrecy is stamped in red, and a colour scan keeps red (faint red ink still stands 100 and
    more above green and blue). A violet or blue incoming ("ĐẾN") stamp's row, found as a box
    of its own and read "IẾN Số.", held an ordinary page for a person. A box in black or gray
    ink stays held: a photocopied secret stamp is black, on a copy that may carry a violet
    "ĐẾN" stamp of its own (the page then counts as colour)."""
    if verdict.kind != "unknown" or "red" in cand.cues or page.rgb is None:
        return False
    x0, y0, x1, y1 = (round(v) for v in cand.bounds())
    x0, y0 = max(x0, 0), max(y0, 0)
    rgb = page.rgb[y0:y1, x0:x1].astype(np.int16)
    if rgb.size == 0:
        return False
    inside = np.zeros(rgb.shape[:2], np.uint8)
    cv2.fillPoly(inside, [np.round(cand.corners() - (x0, y0)).astype(np.int32)], 1)
    ink = (page.gray[y0:y1, x0:x1] < stamps.PAPER_INK) & (inside > 0)
    if not ink.any():
        return False
    spread = rgb.max(axis=2) - rgb.min(axis=2)
    red = rgb[..., 0] - np.maximum(rgb[..., 1], rgb[..., 2])
    other_colour = (spread > OTHER_INK_SPREAD) & (red <= stamps.RED_MARGIN)
    return float(other_colour[ink].mean()) >= OTHER_INK_SHARE


def _dashes_of_print(cand: stamps.Candidate, page_height: int, px_mm: float) -> bool:
    """A box found only by bridging dashes, no taller than a line of print is spaced
    (PRINT_PITCH_MM), lying below the top FAINT_ZONE of the page, that read as nothing: the
    baselines and serifs of two lines of running text, bridged, and the stems between them
    (on bitonal pages rendered at 300 dpi, 11-13 x 7 mm boxes in the body held ordinary pages
    for a person). Its row is still read (``_rows_with_a_level``): a level read there holds it."""
    return (
        cand.cues <= {"frame", "dashed", "rotated"}
        and "dashed" in cand.cues
        and cand.size[1] <= PRINT_PITCH_MM * px_mm
        and cand.bounds()[1] >= stamps.FAINT_ZONE * page_height
    )


def _print_box(page: PageImage, cand: stamps.Candidate) -> bool:
    """A box found only by bridging dashes (no stamp ink) with letters just inside one of its
    long sides over much of its length, and paper beyond it (the space between two lines),
    that read as nothing: lines of print, not a stamp. A
    rubber stamp leaves paper between its box and its words (a margin of 1.5 mm and more);
    the top of the small letters of one line of running text and the baseline of the next,
    bridged, with stems between them, make a box whose sides run along letters (on bitonal
    scans at 300 dpi, 12-27 x 5-12 mm boxes over a subject or the first lines of the body
    held ordinary pages for a person). Its row is still read (``_rows_with_a_level``)."""
    if not (cand.cues <= {"frame", "dashed", "rotated"} and "dashed" in cand.cues):
        return False
    px_mm = page.dpi / 25.4
    reach = round(1.5 * px_mm)  # room round the box to find each side's own line
    ink = stamp_reading.upright(page.gray, cand, reach) < stamps.PAPER_INK
    rows = ink.shape[0]
    width, height = round(cand.size[0]), round(cand.size[1])
    near, far = (round(mm * px_mm) for mm in MARGIN_BAND_MM)
    slack, piece = round(0.8 * px_mm), max(4, round(SIDE_PIECE_MM * px_mm))
    x0, x1 = reach + round(0.1 * width), reach + round(0.9 * width)  # clear of the end sides
    for side, inward in ((reach, 1), (reach + height, -1)):
        lettered = beyond = 0
        for start in range(x0, x1, piece):
            cols = ink[:, start : min(start + piece, x1)]
            lines = range(max(0, side - slack), min(rows, side + slack + 1))
            line = max(lines, key=lambda y: int(cols[y].sum()))  # this piece of the side
            a, b = sorted((line + inward * near, line + inward * far))
            lettered += int(cols[max(0, a) : max(0, b)].any(axis=0).sum())
            a, b = sorted((line - inward * near, line - inward * far))
            beyond += int(cols[max(0, a) : max(0, b)].any(axis=0).sum())
        if lettered >= LETTERS_ALONG * max(1, x1 - x0) and beyond <= lettered / 2:
            return True
    return False


def _ruled_share(page: PageImage, cand: stamps.Candidate) -> tuple[float, float]:
    """For each long side of a box (top, bottom), the share of its length (clear of the end
    sides) along which the side's own line is inked by ink no thicker across it than RULE_MM:
    a ruled line there, not the stroke of a letter that the side cuts through."""
    px_mm = page.dpi / 25.4
    reach = round(1.5 * px_mm)  # room round the box to find each side's own line
    ink = stamp_reading.upright(page.gray, cand, reach) < stamps.PAPER_INK
    rows = ink.shape[0]
    width, height = round(cand.size[0]), round(cand.size[1])
    slack, piece = round(0.8 * px_mm), max(4, round(SIDE_PIECE_MM * px_mm))
    thin = max(1, round(RULE_MM * px_mm))
    x0, x1 = reach + round(0.1 * width), reach + round(0.9 * width)  # clear of the end sides
    shares = []
    for side in (reach, reach + height):
        ruled = 0
        for start in range(x0, x1, piece):
            cols = ink[:, start : min(start + piece, x1)]
            lines = range(max(0, side - slack), min(rows, side + slack + 1))
            line = max(lines, key=lambda y: int(cols[y].sum()))  # this piece of the side
            for col in cols.T:
                hit = next((y for y in (line, line - 1, line + 1) if 0 <= y < rows and col[y]),
                           None)  # fmt: skip
                if hit is None:
                    continue
                top = hit
                while top > 0 and col[top - 1]:
                    top -= 1
                bottom = hit
                while bottom < rows - 1 and col[bottom + 1]:
                    bottom += 1
                ruled += int(bottom - top + 1 <= thin)
        shares.append(ruled / max(1, x1 - x0))
    return shares[0], shares[1]


def _unruled_box(page: PageImage, cand: stamps.Candidate) -> bool:
    """A box found only by bridging dashes (no stamp ink) neither of whose long sides is a
    ruled line (``_ruled_share`` under RULED_SIDE on both), that read as nothing: the bridged
    pieces of bold letters that happen to line up across two to four lines of print, turned
    12-21° to it (11-22 x 5-13 mm boxes held ordinary pages of bold body text for a person).
    ``_print_box`` does not see them, as there is print on both sides of their "sides". A
    stamp's box, even faint, keeps at least one side ruled. Its row is still read
    (``_rows_with_a_level``)."""
    if not (cand.cues <= {"frame", "dashed", "rotated"} and "dashed" in cand.cues):
        return False
    return max(_ruled_share(page, cand)) < RULED_SIDE


def _crops(page: PageImage, candidates: list[stamps.Candidate]
           ) -> tuple[list[stamp_reading.Crop], list[stamps.Candidate]]:  # fmt: skip
    """The crops to read, and the red boxes that gave none. A frame whose rectangle leaves
    nothing to read (its inset cut through the letters, a printed line closed it) is read
    again by its red ink's own rectangle; stamp ink in a box that still gives nothing is never
    dropped: it is the way secrecy is stamped, so it is held for a person. Stamp ink is red on
    a colour scan, and on a grayscale one light ink (red turned gray): a faint stamp at 150 dpi
    whose box was found at the wrong angle or size crops to nothing legible."""
    crops, unread = [], []
    for cand in candidates:
        crop = stamp_reading.prepare(page, cand)
        ink = stamps.red_ink_of(cand) if crop is None else None
        if ink is not None:
            crop = stamp_reading.prepare(page, ink)
        if crop is not None:
            crops.append(crop)
        elif _stamp_box(cand):
            unread.append(cand)
    return crops, unread


def _stamp_box(cand: stamps.Candidate) -> bool:
    """A box of stamp ink: the way secrecy is stamped. When what is read in it is nothing (no
    letters, or letters that make no mark's word: a box that printed text runs into is found
    only in part), it is held for a person, never dropped."""
    return "frame" in cand.cues and bool(cand.cues & STAMP_INK)


def _box(cand: stamps.Candidate, width: int, height: int) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = cand.bounds()
    return (
        round(max(0.0, x0 / width), 4),
        round(max(0.0, y0 / height), 4),
        round(min(1.0, x1 / width), 4),
        round(min(1.0, y1 / height), 4),
    )


def _first_word_maybe_lost(cand: stamps.Candidate, verdict: stamp_reading.Verdict,
                           candidates: list[stamps.Candidate], explained: list[stamps.Candidate],
                           px_mm: float, bitonal: bool = False) -> bool:  # fmt: skip
    """A level below TUYỆT MẬT read from a word of stamp ink with no box around it, and more
    stamp ink in line just before it that nothing explains: faint ink may have split "TỐI MẬT"
    (or "TUYỆT MẬT") into words found apart, the first one unread. The lower level is then
    not sure: a person sets it. On a bitonal scan no ink can be told for stamp ink: a word
    turned as the mark is (within 3°), unread, counts as it; and a turned word with no box
    (cue "rotated" alone) is never sure of a lower level, as its first word in faint dots may
    be found as nothing at all (a dotted TUYỆT MẬT turned 18° was read as a sure "mậT")."""
    if verdict.kind != "level" or verdict.value == "tuyet_mat" or "frame" in cand.cues:
        return False
    if bitonal and cand.cues == {"rotated"}:
        return True

    def stamp_ink(other: stamps.Candidate) -> bool:
        if other.cues & STAMP_INK:
            return True
        return bitonal and "rotated" in other.cues and abs(other.angle - cand.angle) <= 3.0

    return any(
        other is not cand
        and stamp_ink(other)
        and not any(other is e for e in explained)
        and stamps.in_line_before(cand, other, px_mm)
        for other in candidates
    )


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
    """The gray page with the found stamps' ink taken out: their red ink on colour scans, ink
    lighter than the black print on grayscale ones; print under a stamp stays (on bitonal
    scans nothing can be told apart, so nothing is taken out)."""
    gray = page.gray.copy()
    red = stamps.red_ink(page.rgb) > RED_OUT if page.rgb is not None else None
    lighter = gray >= stamps.LIGHT_INK
    for cand in used:
        area = np.zeros_like(gray)
        cv2.fillPoly(area, [cand.corners().astype(np.int32)], 255)
        area = (area > 0) & (red if red is not None and "red" in cand.cues else lighter)
        gray[area] = 255
    return gray


def _tsv_words(tsv: str) -> list[tuple[int, int, int, int, tuple[int, int, int], str]]:
    """(top, bottom, left, right, (block, paragraph, line), text) of each word of a TSV."""
    words = []
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or not cols[11].strip():
            continue
        left, top, width, height = (int(v) for v in cols[6:10])
        key = (int(cols[2]), int(cols[3]), int(cols[4]))
        words.append((top, top + height, left, left + width, key, cols[11].strip()))
    return words


def _by_position(words: list) -> list[str]:
    """Words joined into lines by position: those whose middles share a height, left to right."""
    lines: list[list] = []
    for word in sorted(words):
        middle = (word[0] + word[1]) / 2
        line = next(
            (ln for ln in lines if min(w[0] for w in ln) <= middle <= max(w[1] for w in ln)), None
        )
        if line is None:
            lines.append([word])
        else:
            line.append(word)
    lines.sort(key=lambda ln: min(w[0] for w in ln))
    return [" ".join(w[5] for w in sorted(ln, key=lambda w: w[2])) for ln in lines]


def read_by_layout(gray: np.ndarray, header: layout.Header, deadline: Deadline,
                   run: Runner) -> tuple[list[str], list[str], list[str]]:  # fmt: skip
    """The page read once, its words then put in the order of the layout: the header's left
    column, its right column (each by position, so a line of one column never takes words of
    the other), then the rest of the page in Tesseract's own order (blocks, lines)."""
    height, width = gray.shape
    top, cut, gutter = header.top * height - 4, header.cut * height, header.gutter * width
    left, right, rest = [], [], []
    for word in _tsv_words(run(to_pgm(gray), deadline, 3, True)):
        middle_y, middle_x = (word[0] + word[1]) / 2, (word[2] + word[3]) / 2
        if top <= middle_y < cut:
            (left if middle_x < gutter else right).append(word)
        else:
            rest.append(word)
    lines: list[str] = []
    previous = None
    for word in rest:  # TSV order: block, paragraph, line, word
        if word[4] != previous:
            if previous is not None and word[4][:2] != previous[:2]:
                lines.append("")
            lines.append(word[5])
            previous = word[4]
        else:
            lines[-1] += " " + word[5]
    return _by_position(left), _by_position(right), lines


def _mark_lines(found: list[FoundMark]) -> list[str]:
    """Secrecy and urgency marks read surely from stamps, as the lines a text layer would have.
    An unsure reading is left out of the text: the header parser would read it as a printed,
    sure mark, and a "MẬT" half-read from a "TỐI MẬT" would pass for the document's level."""
    lines = []
    for mark in sorted(found, key=lambda m: m.box[1]):
        sure = mark.confidence >= marks.SURE
        if sure and mark.kind in ("level", "urgency") and mark.value in marks.LABELS:
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
    left, right, rest = read_by_layout(gray, header, deadline, run)
    seconds["body"] = time.perf_counter() - started
    text = "\n".join([*left, *_mark_lines(found), "", *right, "", *rest])
    return PageReading(text, found, zone, True, seconds)
