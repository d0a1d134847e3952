"""Finding stamp-like marks in the header zone of a page image (OpenCV), before reading them.

Offices stamp secrecy and urgency in red, in a rectangle, by hand: turned by up to ±20°, faint
or blotchy, sometimes over the printed text. A colour scan keeps the red; a grayscale scan turns
it a lighter gray than the black print; a bitonal scan turns it black or breaks it up. So
several cues propose candidates, and any one is enough (a secrecy stamp that is never proposed
is the worst failure; a proposal that reads as ordinary text costs one small OCR):

- ``red``: red or magenta ink (colour scans), blobs of stamp size;
- ``frame``: a rectangle at any angle whose sides are inked (the stamp's box); on a bitonal
  scan a faint box is dashes a pixel thick, bridged and joined piece by piece before measuring
  (``dashed``: such a box may be found only in part, e.g. the "MẬT" half of a "TUYỆT MẬT");
  fainter still, its sides are dots 3-4 mm apart, found from ink with paper on both sides of
  the line (print has more of a letter beside each stroke), both vertical sides required
  (a long one-line box: two long dotted sides and a few dots at or beyond each end);
- ``light``: in grayscale, ink clearly lighter than the black print (red turned gray);
- ``rotated``: a text-like blob turned by 4-25° (a stamp set by hand, boxed or not); on a
  bitonal page also two such words in line, turned alike (``words_in_line``);
- ``round``: a ring of ink (a round seal: never a secrecy mark, but never "unknown" either);
- ``on_seal``: lying mostly on a round seal found by its ring (``find_seals``), also a seal that
  the zone's bottom edge cuts (the signer's seal under a short body): a piece of the seal (its
  star, its lettering, the signature across it) is not held as an unread stamp.

Everything is measured in millimetres, so 150, 200 and 300 dpi scans behave alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from ingest.examine.scan.raster import PageImage

ANALYSIS_DPI = 150
PAPER_INK = 200  # gray below this is ink of any colour (faint red in gray is about 150-180)
RED_MARGIN = 30  # red minus the larger of green and blue, for red ink
STAMP_MM = ((7.0, 3.5), (110.0, 70.0))  # smallest and largest stamp (width, height), mm
LIGHT_INK = 72  # in grayscale, ink at least this light is not black print (red turned gray)
# Very faint red in grayscale is 165-205, show-through from a page's back 210-240: on paper
# whose median is clean (CLEAN_PAPER), ink up to FAINT_INK is also looked at as stamp ink.
CLEAN_PAPER, FAINT_INK = 245, 206
FAINT_ZONE = 0.3  # share of the page (from the top) where so faint a stamp is looked for
ROTATED_MIN, ROTATED_MAX = 6.0, 25.0
ANGLE_STEP = 3
ANGLES = tuple(range(-21, 22, ANGLE_STEP))  # box angles tried, degrees
RUN_MM = 1.5  # shortest straight run of ink that may be part of a box side (dashes of faint ink)
# A faint side on a bitonal scan is dashes a pixel thick: dashes this far apart are bridged
# (bitonal pages only), and pieces of a side this far off one line, this far apart, are joined.
BRIDGE_MM = 0.7
STEP_MM, GAP_MM, PIECE_MM = 0.6, 1.5, 2.0
SIDE_MM = (6.0, 4.0)  # shortest horizontal and vertical side of a box
# A fainter side still is dots and dashes (DOT_MM and longer) with gaps up to DOTTED_GAP_MM,
# inking at least DOTTED_COVER of its length, horizontal and vertical (the short vertical sides
# are a few dashes, so their share varies more; bitonal pages; see ``_dotted_boxes``).
DOT_MM, DOTTED_GAP_MM, DOTTED_COVER = 0.5, 4.5, (0.3, 0.2)
# A long one-line box of dots (``_long_dotted_boxes``): long sides of LONG_SIDE_MM and more,
# its short sides found only as SHORT_END_MM of dots.
LONG_SIDE_MM, SHORT_END_MM = 20.0, 2.0
# A one-line box closed from its two dotted ends (``_two_ended_boxes``): the dotted rows along
# its top and bottom span together at least this share of its two long sides.
TWO_ENDED_SPAN = 0.5
# ... and its rows of dots stop at its ends: beyond them, over BEYOND_END_MM, they ink less
# than DOTTED_COVER (a line of serif print's baseline dots runs on across the page).
BEYOND_END_MM = 8.0
# ... and between its ends at most this many other dotted lines as long as a side: a faint
# stamp's letters break into specks (a stem of one may stay), but the thin stems of serif
# print, chained from line to line, stand all along a line of body text.
STEMS_BETWEEN = 1
# Round seals: radius (mm), searched this far below the zone (a seal the zone's edge cuts),
# found at SEAL_PX_MM (pixels per mm: a coarse image makes the circle search fast), and kept
# when their outer ring is inked on at least SEAL_RING of its length (circles that the search
# fits through lines of print are inked on a third of it or less).
SEAL_RADIUS_MM, SEAL_BELOW_MM, SEAL_PX_MM, SEAL_RING = (14.0, 25.0), 45.0, 2.0, 0.5


@dataclass
class Candidate:
    """A proposed stamp: a rotated rectangle in page pixels (full resolution) and its cues."""

    centre: tuple[float, float]
    size: tuple[float, float]  # width along the text, height across it
    angle: float  # degrees the mark is turned (counter-clockwise positive, as OpenCV's)
    cues: set[str] = field(default_factory=set)
    # The red ink's own rectangle when a frame's was kept for the mark (``_merge``): what is
    # read when the frame's rectangle gives nothing to read.
    red_rect: tuple | None = None

    def corners(self) -> np.ndarray:
        return cv2.boxPoints((self.centre, self.size, self.angle))

    def bounds(self) -> tuple[float, float, float, float]:
        pts = self.corners()
        return (
            float(pts[:, 0].min()),
            float(pts[:, 1].min()),
            float(pts[:, 0].max()),
            float(pts[:, 1].max()),
        )

    @property
    def strong(self) -> bool:
        return bool(self.cues & {"red", "frame", "light"})


def _upright(rect: tuple) -> tuple[tuple[float, float], tuple[float, float], float]:
    """OpenCV's rotated rectangle with the long side as width, its angle within (-90°, 90°]."""
    (cx, cy), (w, h), angle = rect
    if w < h:
        w, h, angle = h, w, angle - 90
    while angle > 90:
        angle -= 180
    while angle <= -90:
        angle += 180
    return (cx, cy), (w, h), angle


def _fits(size: tuple[float, float], px_mm: float) -> bool:
    (min_w, min_h), (max_w, max_h) = STAMP_MM
    w, h = size[0] / px_mm, size[1] / px_mm
    return min_w <= w <= max_w and min_h <= h <= max_h


def blob_boxes(mask: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Bounding boxes (x, y, w, h) of every blob of a mask, also those inside another's hole
    (letters inside a stamp's box). Contours are much faster than labelling every pixel."""
    contours, hierarchy = cv2.findContours(mask, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return []
    parents = hierarchy.reshape(-1, 4)[:, 3]
    return [cv2.boundingRect(c) for c, parent in zip(contours, parents, strict=True) if parent < 0]


def _segments(mask: np.ndarray, vertical: bool, thickest: float) -> list[tuple[int, int, int]]:
    """Thin straight strokes of a rule mask as (start, end, position across); thick ones are
    letters run together, not rules. A long stroke whose bounding box is thicker is still a
    rule when its line is thin (the median of its columns, or rows when ``vertical``) and the
    box is no thicker than that line drifts over its length half an angle step off the angle
    tried: a strong TUYỆT MẬT's 0.85 mm side, 0.5° off, 49 mm long, had a box 1.7 mm tall and
    was dropped, so its box was never found. A line further off is found at another angle."""
    out = []
    drift = float(np.tan(np.radians(ANGLE_STEP / 2)))
    for x, y, w, h in blob_boxes(mask):
        thick, length = (w, h) if vertical else (h, w)
        if thick > thickest:
            cut = mask[y : y + h, x : x + w] > 0
            line = float(np.median(cut.sum(axis=1 if vertical else 0)))
            if line > thickest or thick > line + drift * length:
                continue
        out.append((y, y + h, x + w // 2) if vertical else (x, x + w, y + h // 2))
    return out


def _rules(upright: np.ndarray, px_mm: float, vertical: bool, length_mm: float, bridge: float = 0.0
           ) -> np.ndarray:  # fmt: skip
    """Straight runs of ink along one axis: runs of RUN_MM, joined over gaps of 1.5 mm, at
    least ``length_mm`` long in all (no letter's stroke is). With ``bridge`` (mm), gaps that
    short are closed first and pieces of PIECE_MM are kept: a faint side stepping from row to
    row is pieces, which ``_chained`` joins and only then measures."""

    def line(mm: float) -> np.ndarray:
        n = max(2, round(mm * px_mm))
        return np.ones((n, 1) if vertical else (1, n), np.uint8)

    if bridge:
        upright = cv2.morphologyEx(upright, cv2.MORPH_CLOSE, line(bridge))
    runs = cv2.morphologyEx(upright, cv2.MORPH_OPEN, line(RUN_MM))
    joined = cv2.morphologyEx(runs, cv2.MORPH_CLOSE, line(1.5))
    return cv2.morphologyEx(joined, cv2.MORPH_OPEN, line(min(length_mm, PIECE_MM) if bridge
                                                          else length_mm))  # fmt: skip


def _boxes_from_rules(horizontal: np.ndarray, vertical: np.ndarray, px_mm: float,
                      pieces: bool = False) -> list[tuple[int, int, int, int]]:  # fmt: skip
    """Rectangles (x0, y0, x1, y1) made of two horizontal rules of like extent, one above the
    other, joined at one end at least by a vertical rule (the other end may be overprinted).
    With ``pieces`` (the bridged rules of a bitonal page), pieces of a side are chained first,
    and each bottom rule keeps only its best-closed box."""
    across = _segments(horizontal, False, 1.6 * px_mm)
    downs = _segments(vertical, True, 1.6 * px_mm)
    if pieces:
        wide, tall = SIDE_MM[0] * px_mm, SIDE_MM[1] * px_mm
        across = [s for s in _chained(across, px_mm) if s[1] - s[0] >= wide]
        downs = [s for s in _chained(downs, px_mm) if s[1] - s[0] >= tall]
    return _boxes_from_sides(across, downs, px_mm, pieces)


def _boxes_from_sides(across: list[tuple[int, int, int]], downs: list[tuple[int, int, int]],
                      px_mm: float, per_bottom: bool, both_sides: bool = False
                      ) -> list[tuple[int, int, int, int]]:  # fmt: skip
    """The boxes of ``_boxes_from_rules`` from sides already found; with ``both_sides``, only
    boxes closed by a vertical side at each end."""
    tol = round(1.8 * px_mm)
    (min_w, min_h), (_, max_h) = STAMP_MM
    across.sort(key=lambda seg: seg[2])

    def side(x: int, top: int, bottom: int) -> bool:
        return any(
            abs(vx - x) <= tol and min(vb, bottom) - max(va, top) >= 0.5 * (bottom - top)
            for va, vb, vx in downs
        )

    # Per bottom rule (bridged pieces), the best-closed box on it: a line of print just above
    # a faint box (bridged, a rule as long as a word) does not stretch the box up to it.
    on_bottom: dict[tuple[int, int, int], tuple[float, tuple[int, int, int, int]]] = {}
    for i, (ax0, ax1, ay) in enumerate(across):
        best: tuple[float, tuple[int, int, int, int], tuple[int, int, int]] | None = None
        for bx0, bx1, by in across[i + 1 :]:  # nearest first: the best-closed box below
            if not min_h * px_mm <= by - ay <= max_h * px_mm:
                continue
            x0, x1 = min(ax0, bx0), max(ax1, bx1)
            overlap = min(ax1, bx1) - max(ax0, bx0)
            if overlap < 0.6 * min(ax1 - ax0, bx1 - bx0) or x1 - x0 < min_w * px_mm:
                continue
            ends_match = abs(ax0 - bx0) <= tol and abs(ax1 - bx1) <= tol
            sides = side(x0, ay, by) + side(x1, ay, by)
            score = sides + ends_match if sides == 2 or (ends_match and sides) else 0
            if both_sides and sides < 2:
                score = 0
            if score and (best is None or score > best[0]):
                best = (score, (x0, ay, x1, by), (bx0, bx1, by))
        if not best:
            continue
        key = best[2] if per_bottom else (ax0, ax1, ay)
        if key not in on_bottom or best[0] > on_bottom[key][0]:
            on_bottom[key] = best[:2]
    return _joined([box for _, box in on_bottom.values()])


def _chained(segments: list[tuple[int, int, int]], px_mm: float, gap_mm: float = GAP_MM,
             min_cover: float = 0.0) -> list[tuple[int, int, int]]:  # fmt: skip
    """Pieces of one side joined. A thin side a little off the angle tried steps from row to
    row, and the rule masks join pieces only within a row: pieces in line (within STEP_MM
    across) over gaps up to ``gap_mm`` become one segment, placed where its longest piece is.
    With ``min_cover``, a joined side whose pieces cover less of its length is dropped."""
    step, gap = STEP_MM * px_mm, gap_mm * px_mm
    out: list[list[int]] = []
    for start, end, pos in sorted(segments):
        for seg in out:
            if abs(seg[2] - pos) <= step and start - seg[1] <= gap:
                if end - start > seg[3]:
                    seg[2], seg[3] = pos, end - start
                seg[4] += max(0, end - max(start, seg[1]))
                seg[1] = max(seg[1], end)
                break
        else:
            out.append([start, end, pos, end - start, end - start])
    return [(a, b, c) for a, b, c, _, inked in out if inked >= min_cover * (b - a)]


def _isolated(ink: np.ndarray, px_mm: float, vertical: bool) -> np.ndarray:
    """Ink with paper on both sides across a line (0.4 to 1 mm above and below it, or left and
    right for ``vertical``): what a thin rule leaves. The strokes of letters have more of the
    letter just beside them; a box side, even in dashes, has paper on both sides."""
    near, far = max(1, round(0.4 * px_mm)), max(2, round(1.0 * px_mm))
    mask = ink > 0
    beside = np.zeros_like(mask)
    for d in range(near, far + 1):
        if vertical:
            beside[:, d:] |= mask[:, :-d]
            beside[:, :-d] |= mask[:, d:]
        else:
            beside[d:] |= mask[:-d]
            beside[:-d] |= mask[d:]
    return np.where(mask & ~beside, 255, 0).astype(np.uint8)


Box = tuple[int, int, int, int]  # x0, y0, x1, y1 on an upright canvas


def _dotted_boxes(upright: np.ndarray, px_mm: float) -> tuple[list[Box], list[Box]]:
    """Boxes whose sides are dots and dashes with gaps of up to DOTTED_GAP_MM (a faint stamp
    on a bitonal scan, its line cut by the threshold into 1-3 mm pieces 3-4 mm apart). Such
    wide gaps would join the strokes of printed lines into false sides, so only ink with paper
    on both sides of the line counts (``_isolated``), the pieces must ink DOTTED_COVER of the
    side, and a box needs both of its vertical sides (of a long box, a few dots of each
    will do: ``_long_dotted_boxes``). Apart, the boxes closed only from their two ends
    (``_two_ended_boxes``): the weakest evidence, kept only where nothing else found a box."""
    sides, short, every = [], [], []
    for vertical in (False, True):
        thin = _isolated(upright, px_mm, vertical)
        n = max(2, round(DOT_MM * px_mm))  # a dash, not a speck of the scanner's noise
        shut, dash = ((2, 1), (n, 1)) if vertical else ((1, 2), (1, n))
        dots = cv2.morphologyEx(cv2.morphologyEx(thin, cv2.MORPH_CLOSE, np.ones(shut, np.uint8)),
                                cv2.MORPH_OPEN, np.ones(dash, np.uint8))  # fmt: skip
        pieces = _segments(dots, vertical, 0.6 * px_mm)
        least = SIDE_MM[1 if vertical else 0] * px_mm
        joined = _chained(pieces, px_mm, DOTTED_GAP_MM, DOTTED_COVER[vertical])
        sides.append([s for s in joined if s[1] - s[0] >= least])
        short.append([s for s in joined if s[1] - s[0] >= SHORT_END_MM * px_mm])
        every.append(joined)
    boxes = _boxes_from_sides(sides[0], sides[1], px_mm, per_bottom=True, both_sides=True)
    boxes += _long_dotted_boxes(sides[0], short[1], px_mm)
    if len(sides[1]) < 2:  # no two ends to close a box from (most angles of most pages)
        return _joined(boxes), []
    # Strokes of print across a row (ink in runs longer than a side is thick) hide a side.
    across_runs = np.ones((max(2, round(1.0 * px_mm)), 1), np.uint8)
    hidden = cv2.morphologyEx(upright, cv2.MORPH_OPEN, across_runs) > 0
    return _joined(boxes), _joined(_two_ended_boxes(every[0], sides[1], px_mm, hidden))


def _long_dotted_boxes(across: list[tuple[int, int, int]], downs: list[tuple[int, int, int]],
                       px_mm: float) -> list[tuple[int, int, int, int]]:  # fmt: skip
    """Long one-line boxes of dots whose ends are barely inked: a faint TUYỆT MẬT at 150 dpi
    left its short vertical sides as 2-4 mm of dots (under SIDE_MM), and the dots of its long
    sides stopped 2-5 mm short of the corners, so ``_boxes_from_sides`` found no box. Two long
    dotted sides one above the other (LONG_SIDE_MM each, overlapping along most of the shorter,
    the box at least twice as wide as tall) are the evidence that print does not give; each end
    then needs only a dotted piece of SHORT_END_MM within the box's height, at most
    DOTTED_GAP_MM beyond the long sides' ends (and not within them), and the box reaches out
    to it."""
    (_, min_h), (_, max_h) = STAMP_MM
    reach, longest, step = DOTTED_GAP_MM * px_mm, LONG_SIDE_MM * px_mm, STEP_MM * px_mm
    long = sorted((s for s in across if s[1] - s[0] >= longest), key=lambda s: s[2])
    out = []
    for i, (ax0, ax1, ay) in enumerate(long):
        for bx0, bx1, by in long[i + 1 :]:
            height = by - ay
            if not min_h * px_mm <= height <= max_h * px_mm:
                continue
            if min(ax1, bx1) - max(ax0, bx0) < 0.6 * min(ax1 - ax0, bx1 - bx0):
                continue
            x0, x1 = min(ax0, bx0), max(ax1, bx1)
            inside = [vx for va, vb, vx in downs
                      if min(vb, by) - max(va, ay) >= SHORT_END_MM * px_mm]  # fmt: skip
            # The long sides' dots stop short of the corners, never past the short sides: an
            # end lies at or beyond them. Stems of letters (a line of print between two long
            # runs of isolated strokes) lie within.
            left = [vx for vx in inside if x0 - reach <= vx <= x0 + step]
            right = [vx for vx in inside if x1 - step <= vx <= x1 + reach]
            if left and right:
                box = (min(x0, *left), ay, max(x1, *right), by)
                if box[2] - box[0] >= 2 * height:
                    out.append(box)
    return out


def _two_ended_boxes(across: list[tuple[int, int, int]], downs: list[tuple[int, int, int]],
                     px_mm: float, hidden: np.ndarray | None = None) -> list[Box]:  # fmt: skip
    """One-line boxes closed from their two ends: a faint TUYỆT MẬT at 200 dpi, turned 18° over
    the motto, left both short sides as dotted lines but its long sides broken beyond joining
    (gaps of 5-6 mm where the ink thinned out, part of each under a line of print), so no long
    side was found whole and only pieces of the box were proposed. Two dotted vertical sides
    level with each other (sharing most of the shorter one's rows), at least twice their box's
    height apart, with at most STEMS_BETWEEN dotted line as long between them, are what print
    does not give; the box then closes along the dotted row just
    above their tops and the one just below their bottoms (within DOTTED_GAP_MM). A side is
    judged only where it can be seen: where a stroke of print (``hidden``: ink in runs across
    the row longer than a side is thick) crosses the row, its dots cannot show. The dots of the
    two rows must span together at least TWO_ENDED_SPAN of what is seen of the two long sides,
    each at least DOTTED_COVER of its own, and at least half of each side must be seen."""
    (_, min_h), (max_w, max_h) = STAMP_MM
    reach, step = DOTTED_GAP_MM * px_mm, STEP_MM * px_mm
    beyond = round(BEYOND_END_MM * px_mm)
    downs = sorted(downs, key=lambda s: s[2])

    def row(x0: int, x1: int, low: float, high: float) -> tuple[float, int]:
        """Of the rows between ``low`` and ``high`` whose dots stop at the box's ends, the one
        whose dotted pieces span most of what is seen of x0..x1: that share, and the row."""
        best: tuple[float, int] = (0.0, 0)
        for _, _, y in across:
            if not low <= y <= high:
                continue
            line = [(a, b) for a, b, c in across if abs(c - y) <= step]
            dotted = _inked(line, x0, x1)
            gap = round(step)
            before = _inked(line, x0 - gap - beyond, x0 - gap)
            after = _inked(line, x1 + gap, x1 + gap + beyond)
            if max(before.mean(), after.mean()) >= DOTTED_COVER[0]:
                continue  # a line running on past the box (a baseline of print), not its side
            seen = np.ones(x1 - x0, bool)
            if hidden is not None:
                band = hidden[max(0, round(y - step)) : round(y + step) + 1, x0:x1]
                seen[: band.shape[1]] = ~band.any(axis=0)
                seen |= dotted
            if seen.sum() >= 0.5 * (x1 - x0):
                best = max(best, (float(dotted.sum() / seen.sum()), y))
        return best

    out = []
    for i, (la, lb, lx) in enumerate(downs):
        for ra, rb, rx in downs[i + 1 :]:
            if rx - lx > max_w * px_mm:
                break
            if min(lb, rb) - max(la, ra) < 0.6 * min(lb - la, rb - ra):
                continue
            top, bottom = min(la, ra), max(lb, rb)
            stems = [x for a, b, x in downs
                     if lx + step < x < rx - step and min(b, bottom) > max(a, top)]  # fmt: skip
            if len(stems) > STEMS_BETWEEN:
                continue  # thin stems of print, chained from line to line, stand between
            upper = row(lx, rx, top - reach, top + step)
            lower = row(lx, rx, bottom - step, bottom + reach)
            height = lower[1] - upper[1]
            if not (min_h * px_mm <= height <= max_h * px_mm and rx - lx >= 2 * height):
                continue
            spans = upper[0] + lower[0]
            if min(upper[0], lower[0]) >= DOTTED_COVER[0] and spans >= 2 * TWO_ENDED_SPAN:
                out.append((lx, upper[1], rx, lower[1]))
    return out


def _inked(line: list[tuple[int, int]], start: int, end: int) -> np.ndarray:
    """Which columns of start..end the pieces (from, to) of a row ink."""
    cols = np.zeros(max(1, end - start), bool)
    for a, b in line:
        cols[max(0, a - start) : max(0, min(b, end) - start)] = True
    return cols


def _joined(boxes: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """Boxes found in pieces (a side broken by blotchy ink or overprint) joined: boxes at one
    angle that overlap, or touch, along most of their height become their union."""
    merged: list[list[int]] = []
    for x0, y0, x1, y1 in sorted(boxes):
        for box in merged:
            shared = min(y1, box[3]) - max(y0, box[1])
            if shared >= 0.5 * min(y1 - y0, box[3] - box[1]) and x0 <= box[2] + 2:
                box[:] = [min(box[0], x0), min(box[1], y0), max(box[2], x1), max(box[3], y1)]
                break
        else:
            merged.append([x0, y0, x1, y1])
    return [tuple(box) for box in merged]  # type: ignore[misc]


def find_frames(ink: np.ndarray, px_mm: float, bitonal: bool = False) -> list[tuple]:
    """Stamp boxes turned by up to ±21°, as rotated rectangles in the coordinates of ``ink``
    (centre, size, angle) and whether the box was found only with its dashes bridged.

    The zone is turned in steps of 3° (a side 1.5° off still leaves long straight runs). Text
    touching a box does not hide it: only long thin straight strokes count as its sides, and
    letters are never that long; short gaps in faint or blotchy sides are bridged. On a bitonal
    page a faint side is dashes (the scanner's threshold cut the light ink into pieces): the
    rules are looked for a second time with the dashes bridged first, and a third time as dots
    and dashes far apart (``_dotted_boxes``)."""
    frames: list[tuple] = []
    dots: list[tuple] = []  # boxes of dots (bitonal pages), kept unless found by their lines
    ends: list[tuple] = []  # closed from their two dotted ends, kept unless found otherwise
    for angle in ANGLES:
        matrix, size = turned_canvas(ink.shape, angle)
        upright = cv2.warpAffine(ink, matrix, size, flags=cv2.INTER_NEAREST)
        inverse = cv2.invertAffineTransform(matrix)
        boxes = []
        for bridge in (0.0, BRIDGE_MM) if bitonal else (0.0,):
            horizontal = _rules(upright, px_mm, False, SIDE_MM[0], bridge)
            vertical = _rules(upright, px_mm, True, SIDE_MM[1], bridge)
            found = _boxes_from_rules(horizontal, vertical, px_mm, pieces=bool(bridge))
            boxes += [(box, bool(bridge)) for box in found]
        boxes = [(box, dashed, frames) for box, dashed in boxes]
        if bitonal:
            dotted, closed_from_ends = _dotted_boxes(upright, px_mm)
            boxes += [(box, True, dots) for box in dotted]
            boxes += [(box, True, ends) for box in closed_from_ends]
        for (x0, y0, x1, y1), dashed, found_in in boxes:
            cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
            ox = inverse[0, 0] * cx + inverse[0, 1] * cy + inverse[0, 2]
            oy = inverse[1, 0] * cx + inverse[1, 1] * cy + inverse[1, 2]
            size = (float(x1 - x0), float(y1 - y0))
            found_in.append(((float(ox), float(oy)), size, angle, dashed))
    frames += [f for f in dots if not _refound(f, frames)]
    frames += [f for f in ends if not _refound(f, frames)]
    closed = [f for f in frames if not f[3]]
    return [
        (*f[:3], f[3] and not any(_inside(f[0], other) for other in closed))
        for f in _outermost(frames)
    ]  # a box also found without bridging is whole, not dashed


def turned_canvas(shape: tuple[int, ...], angle: float) -> tuple[np.ndarray, tuple[int, int]]:
    """The matrix turning an image of ``shape`` by ``angle`` about its centre, and the (width,
    height) of a canvas that holds all of it turned. Turned within its own size, a wide zone
    loses its corners: a stamp set in the top right corner (where secrecy is often stamped)
    and turned by 8-16° left the canvas with its top side, so its box was never found."""
    height, width = shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    # Whole pixels of margin: a fractional shift would sample a one-pixel dotted side anew.
    pad_x = int(np.ceil((width * cos + height * sin - width) / 2))
    pad_y = int(np.ceil((width * sin + height * cos - height) / 2))
    matrix[0, 2] += pad_x
    matrix[1, 2] += pad_y
    return matrix, (width + 2 * pad_x, height + 2 * pad_y)


def _refound(dotted: tuple, frames: list[tuple]) -> bool:
    """A box of dots that holds a box found by its lines, about as wide: the same stamp, its
    dotted search having reached a line of print beyond it (the lines' box is the truer)."""
    return any(_inside(f[0], dotted) and f[1][0] >= 0.8 * dotted[1][0] for f in frames)


def _inside(point: tuple[float, float], frame: tuple) -> bool:
    (cx, cy), (w, h) = frame[0], frame[1]
    return abs(point[0] - cx) < w / 2 and abs(point[1] - cy) < h / 2


def _outermost(frames: list[tuple]) -> list[tuple]:
    """One rectangle per box: a double frame's inner line, or the same box found at two close
    angles, is dropped in favour of the larger rectangle. A long box (at least twice as wide
    as tall: a secrecy stamp's one line) comes first, widest first, and a box lying mostly on
    it goes too: a box at another angle made of the stamp's letters and pieces of its sides,
    shorter, taller and larger in area, swallowed a TUYỆT MẬT's own box turned 16°. Other
    boxes (cells, broken print on real bitonal scans) are kept as before."""

    def long(frame: tuple) -> bool:
        return frame[1][0] >= 2 * frame[1][1]

    ordered = sorted(
        frames, key=lambda f: (not long(f), -f[1][0] if long(f) else -f[1][0] * f[1][1])
    )
    kept: list[tuple] = []
    for frame in ordered:
        box = Candidate(*frame[:3])
        if not any(
            _inside(frame[0], k) or (long(k) and _overlap(box, Candidate(*k[:3])) > 0.6)
            for k in kept
        ):
            kept.append(frame)
    return kept


def light_ink(gray: np.ndarray, px_mm: float, lightest: int = PAPER_INK - 20) -> np.ndarray:
    """Ink clearly lighter than the black print and not just the soft edge of a black letter
    (up to ``lightest``): in a grayscale scan this is what red stamp ink became."""
    dark = cv2.dilate(np.where(gray < LIGHT_INK, 255, 0).astype(np.uint8),
                      np.ones((3, 3), np.uint8))  # fmt: skip
    light = np.where((gray >= LIGHT_INK) & (gray < lightest), 255, 0).astype(np.uint8)
    light &= ~dark
    # Stamp strokes are bold (0.5 mm and more); the thin strokes of small print are not kept.
    stroke = 3 if px_mm >= 5.5 else 2
    return cv2.morphologyEx(light, cv2.MORPH_OPEN, np.ones((stroke, stroke), np.uint8))


def _ring_coverage(ink: np.ndarray, rect: tuple) -> float:
    """Share of an ellipse inscribed in the rectangle that is inked (a round seal's ring)."""
    (cx, cy), (w, h), angle = rect
    ts = np.linspace(0, 2 * np.pi, 180, endpoint=False)
    cos, sin = np.cos(np.radians(angle)), np.sin(np.radians(angle))
    ex, ey = (w / 2 - 1) * np.cos(ts), (h / 2 - 1) * np.sin(ts)
    xs = (cx + ex * cos - ey * sin).round().astype(int)
    ys = (cy + ex * sin + ey * cos).round().astype(int)
    inside = (xs >= 0) & (ys >= 0) & (xs < ink.shape[1]) & (ys < ink.shape[0])
    return float((ink[ys[inside], xs[inside]] > 0).mean()) if inside.any() else 0.0


def red_ink(rgb: np.ndarray) -> np.ndarray:
    """How red each pixel is (0-255): red minus the larger of green and blue."""
    r = rgb[..., 0].astype(np.int16)
    other = np.maximum(rgb[..., 1], rgb[..., 2]).astype(np.int16)
    return np.clip(r - other, 0, 255).astype(np.uint8)


def _components(mask: np.ndarray, close_px: int) -> list[np.ndarray]:
    """Point sets of the blobs of a mask after closing gaps of ``close_px``."""
    if close_px > 1:
        kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (close_px, close_px))
        mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel)
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    return [c for c in contours if len(c) >= 4]


def _words(mask: np.ndarray, px_mm: float) -> list[np.ndarray]:
    """Blobs of a stamp's ink: letters joined along the line (over a word space, ~3.5 mm) but
    not across lines, so a stamp set just above another stays apart from it."""
    kernel = cv2.getStructuringElement(
        cv2.MORPH_RECT, (max(3, round(3.5 * px_mm)), max(3, round(1.2 * px_mm)))
    )
    return _components(cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel), 0)


def find_candidates(page: PageImage, zone_bottom: float) -> list[Candidate]:
    """Stamp candidates in the top ``zone_bottom`` share of the page, in full-resolution pixels."""
    scale = min(1.0, ANALYSIS_DPI / page.dpi)
    px_mm = page.dpi * scale / 25.4
    height = max(1, round(page.gray.shape[0] * zone_bottom))
    gray = page.gray[:height]
    if scale < 1.0:
        gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    found: list[Candidate] = []
    ink = np.where(gray < PAPER_INK, 255, 0).astype(np.uint8)
    if page.rgb is not None:
        rgb = page.rgb[:height]
        if scale < 1.0:
            rgb = cv2.resize(rgb, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_AREA)
        red = np.where(red_ink(rgb) > RED_MARGIN, 255, 0).astype(np.uint8)
        for contour in _words(red, px_mm):
            _propose(found, contour, red, px_mm, {"red"})
    for *rect, dashed in find_frames(ink, px_mm, page.bitonal):
        found.append(Candidate(rect[0], rect[1], rect[2], {"frame", "dashed"} if dashed
                               else {"frame"}))  # fmt: skip
    # Round seals among the blobs of any ink (a ring is never a secrecy stamp).
    closed = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))
    for contour in _components(closed, 0):
        _propose(found, contour, closed, px_mm, set(), needs_cue=True)
    if page.rgb is None and not page.bitonal:
        for contour in _words(light_ink(gray, px_mm), px_mm):
            _propose(found, contour, ink, px_mm, {"light"})
        top = gray[: round(FAINT_ZONE * page.gray.shape[0] * scale)]
        if np.median(gray) >= CLEAN_PAPER:
            # Fainter red still turns as light as the show-through of a thin paper's back:
            # looked for only on clean paper and where secrecy is stamped (not on the seal
            # by the signature), as ink lighter than any print but darker than show-through.
            for contour in _words(light_ink(top, px_mm, FAINT_INK), px_mm):
                _propose(found, contour, ink, px_mm, {"light"})
    # Text-like blobs (ink smeared by a letter space) turned like a stamp set by hand.
    kernel = (max(3, round(2.0 * px_mm)), max(1, round(0.6 * px_mm)))
    smear = cv2.dilate(ink, cv2.getStructuringElement(cv2.MORPH_RECT, kernel))
    for contour in _components(smear, 0):
        rect = _upright(cv2.minAreaRect(contour))
        if not _fits(rect[1], px_mm):
            continue
        if ROTATED_MIN <= abs(rect[2]) <= ROTATED_MAX and rect[1][0] > 2 * rect[1][1]:
            found.append(Candidate(rect[0], rect[1], rect[2], {"rotated"}))
    if page.bitonal:
        found += words_in_line([c for c in found if c.cues == {"rotated"}], px_mm)
    merged = _merge(found)
    seals = find_seals(page, zone_bottom)
    for cand in merged:
        if any(_on_seal(cand, seal, px_mm) for seal in seals):
            cand.cues.add("on_seal")
    return [_to_page(c, scale) for c in merged]


def words_in_line(words: list[Candidate], px_mm: float) -> list[Candidate]:
    """Two turned words of ink in line, turned alike, a word space apart, as one candidate:
    faint ink on a bitonal scan is dots, so a word space is too wide for the smear that joins
    letters, and "TUYỆT" and "MẬT" are found apart. Read apart, "MẬT" would be a sure lower
    level; read together the stamp is read whole (its pieces then go into it, ``_merge``)."""
    joined = []
    for word in words:
        for before in words:
            if (
                before is not word
                and abs(before.angle - word.angle) <= 3.0
                and 0.6 <= before.size[1] / word.size[1] <= 1.6
                and in_line_before(word, before, px_mm, gap_mm=6.0)
            ):
                points = np.concatenate([word.corners(), before.corners()])
                rect = _upright(cv2.minAreaRect(points.astype(np.float32)))
                if _fits(rect[1], px_mm):
                    joined.append(Candidate(rect[0], rect[1], rect[2], {"rotated"}))
    return joined


def find_seals(page: PageImage, zone_bottom: float) -> list[tuple[float, float, float]]:
    """Round seals (centre x, y and radius, in pixels at ANALYSIS_DPI) reaching into the zone,
    searched down to SEAL_BELOW_MM under it. A seal's ring is often crossed by the signer's
    title and signature, so ring-shaped blobs miss it; circles are searched on a coarse image
    instead, and each is kept only when the page's ink follows its outline (``SEAL_RING``)."""
    scale = min(1.0, ANALYSIS_DPI / page.dpi)
    px_mm = page.dpi * scale / 25.4
    rows = page.gray.shape[0]
    height = min(rows, round(rows * zone_bottom + SEAL_BELOW_MM * page.dpi / 25.4))
    gray = page.gray[:height]
    if scale < 1.0:
        gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    ink = np.where(gray < PAPER_INK, 255, 0).astype(np.uint8)
    shrink = SEAL_PX_MM / px_mm
    small = cv2.resize(255 - ink, None, fx=shrink, fy=shrink, interpolation=cv2.INTER_AREA)
    low, high = (round(r * SEAL_PX_MM) for r in SEAL_RADIUS_MM)
    circles = cv2.HoughCircles(cv2.GaussianBlur(small, (3, 3), 1), cv2.HOUGH_GRADIENT, dp=1,
                               minDist=2 * low, param1=100, param2=20, minRadius=low,
                               maxRadius=high)  # fmt: skip
    seals = []
    for x, y, r in [] if circles is None else circles[0] / shrink:
        near = np.arange(-3, 4)  # the coarse circle is a pixel or two off
        ring = max(
            _ring_coverage(ink, ((x + dx, y + dy), (2 * radius + 2, 2 * radius + 2), 0.0))
            for dx in near for dy in near for radius in r + near
        )  # fmt: skip
        if ring >= SEAL_RING and y - r < rows * zone_bottom * scale:  # it reaches the zone
            seals.append((float(x), float(y), float(r)))
    return seals


def _on_seal(cand: Candidate, seal: tuple[float, float, float], px_mm: float) -> bool:
    """Most of the candidate lies on the seal (within its ring, a millimetre of slack) and it is
    no wider than the seal: a box found where the signer's title crosses the ring, the star, the
    lettering. A stamp beside a seal, or larger than it, is not a piece of it."""
    x, y, r = seal
    if cand.size[0] > 2 * r + 4 * px_mm:
        return False
    grid = np.stack(np.meshgrid(np.linspace(-0.45, 0.45, 10), np.linspace(-0.4, 0.4, 5)), -1)
    angle = np.radians(cand.angle)
    along = grid[..., 0] * cand.size[0]
    across = grid[..., 1] * cand.size[1]
    px = cand.centre[0] + along * np.cos(angle) - across * np.sin(angle)
    py = cand.centre[1] + along * np.sin(angle) + across * np.cos(angle)
    return bool((np.hypot(px - x, py - y) <= r + 1.0 * px_mm).mean() >= 0.5)


def _propose(found: list[Candidate], contour: np.ndarray, ink: np.ndarray, px_mm: float,
             cues: set[str], needs_cue: bool = False) -> None:  # fmt: skip
    rect = _upright(cv2.minAreaRect(contour))
    if not _fits(rect[1], px_mm):
        return
    cues = set(cues)
    w, h = rect[1]
    if h / w >= 0.75 and _ring_coverage(ink, rect) > 0.6:
        cues.add("round")
    if needs_cue and not cues:
        return
    found.append(Candidate(rect[0], rect[1], rect[2], cues))


def _overlap(a: Candidate, b: Candidate) -> float:
    """Intersection over the smaller area of two candidates' bounding boxes."""
    ax0, ay0, ax1, ay1 = a.bounds()
    bx0, by0, bx1, by1 = b.bounds()
    iw, ih = min(ax1, bx1) - max(ax0, bx0), min(ay1, by1) - max(ay0, by0)
    if iw <= 0 or ih <= 0:
        return 0.0
    smaller = min((ax1 - ax0) * (ay1 - ay0), (bx1 - bx0) * (by1 - by0))
    return iw * ih / max(smaller, 1e-6)


def _merge(found: list[Candidate]) -> list[Candidate]:
    """One candidate per mark: overlapping proposals pool their cues; the frame's (or the red
    blob's) rectangle is kept, as it is the stamp's own outline, unless the frame was closed by
    something else (see ``_closed_by_something_else``): the ink's own rectangle is kept then."""
    rank = {"frame": 0, "dashed": 0, "round": 0, "red": 1, "light": 2, "rotated": 3}
    ordered = sorted(found, key=lambda c: (min((rank[k] for k in c.cues), default=9),
                                           -c.size[0] * c.size[1]))  # fmt: skip
    kept: list[Candidate] = []
    for cand in ordered:
        for other in kept:
            if _overlap(cand, other) > 0.6:
                # Red ink keeps the stamp's own box lines (light ink in gray loses them to its
                # stroke filter), so only a red blob can tell a frame's true extent.
                red = "red" in cand.cues
                if (
                    "frame" in other.cues
                    and red
                    and (_closed_by_something_else(other, cand) or _piece_of(other, cand))
                ):
                    other.centre, other.size, other.angle = cand.centre, cand.size, cand.angle
                elif "frame" in other.cues and red:
                    other.red_rect = (cand.centre, cand.size, cand.angle)
                other.cues |= cand.cues
                break
        else:
            kept.append(cand)
    return kept


def _closed_by_something_else(frame: Candidate, ink: Candidate) -> bool:
    """The frame is much taller than the stamp ink it holds, which spans its width: one of its
    sides is a printed line (a number line above the stamp), not the stamp's box."""
    return frame.size[1] > 1.5 * ink.size[1] and ink.size[0] >= 0.75 * frame.size[0]


def _piece_of(frame: Candidate, ink: Candidate) -> bool:
    """The frame holds only part of the stamp's red ink (a faint box found in part, a box
    inside the stamp's letters): the red blob is the stamp."""
    fx0, fy0, fx1, fy1 = frame.bounds()
    ix0, iy0, ix1, iy1 = ink.bounds()
    holds = fx0 >= ix0 - 2 and fy0 >= iy0 - 2 and fx1 <= ix1 + 2 and fy1 <= iy1 + 2
    return holds and ink.size[0] * ink.size[1] > 1.6 * frame.size[0] * frame.size[1]


def in_line_before(mark: Candidate, other: Candidate, px_mm: float, gap_mm: float = 8.0) -> bool:
    """``other`` lies on the line of ``mark`` (turned as it is), just before it: where the
    first word of a stamp would be ("TỐI" of "TỐI MẬT"), at most ``gap_mm`` of paper apart."""
    angle = np.radians(mark.angle)
    dx, dy = other.centre[0] - mark.centre[0], other.centre[1] - mark.centre[1]
    along = dx * np.cos(angle) + dy * np.sin(angle)
    across = -dx * np.sin(angle) + dy * np.cos(angle)
    reach = (mark.size[0] + other.size[0]) / 2 + gap_mm * px_mm
    return bool(-reach <= along < -mark.size[0] / 2 and abs(across) <= 0.6 * mark.size[1])


def _to_page(c: Candidate, scale: float) -> Candidate:
    red = None
    if c.red_rect is not None:
        (x, y), (w, h), angle = c.red_rect
        red = ((x / scale, y / scale), (w / scale, h / scale), angle)
    return Candidate(
        (c.centre[0] / scale, c.centre[1] / scale),
        (c.size[0] / scale, c.size[1] / scale),
        c.angle,
        c.cues,
        red,
    )


def red_ink_of(frame: Candidate) -> Candidate | None:
    """The red ink a frame was merged with, as a candidate of its own (read without the frame's
    inset), or None."""
    if frame.red_rect is None:
        return None
    centre, size, angle = frame.red_rect
    return Candidate(centre, size, angle, frame.cues - {"frame", "dashed"})
