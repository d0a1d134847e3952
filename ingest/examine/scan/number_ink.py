"""Printed or written by hand? The digits of a header's number, told by their ink.

Offices print the number's blank and fill it in by hand ("Số: ___/CT-UBND"), so a number whose
digits stand apart from the printed symbol ("Số: 53 /TB-UBND") is taken as handwritten and sent
to a person (``ingest.describe.numbers.read_number``). Some offices print the whole number, and
OCR may still leave a gap between the digits and the symbol ("Số:1050 /QĐ-SCT"): those digits
are print, and the number is right as read.

The page image tells them apart. Digits printed with the symbol are set in the same type: their
height is the height of the symbol's capitals, their strokes as wide, their baseline the same,
their ink the same colour, and Tesseract reads them with high confidence. A pen gives digits of
another size, stroke and often colour (blue ink), on another baseline. Only digits that pass
every test are called printed; the number line of the page's text then loses the gap, which is
how a text layer writes it. Anything else (no clean digits, a test failed, a crop that could not
be read) leaves the text as it was: the number stays with a person.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from statistics import median

import cv2
import numpy as np

from ingest.examine.limits import Deadline
from ingest.examine.scan.raster import PageImage, to_pgm

Runner = Callable[[bytes, Deadline, int, bool], str]
# "Số: 1050 /QĐ-SCT": clean digits set apart from a state symbol (the case read as handwritten).
NUMBER_LINE = re.compile(
    r"^(?P<head>\W{0,2}S[ốỐoOóÓôÔồỒổỔõÕòÒọỌ6]\s*[:.;]?\s*)(?P<digits>\d{1,5})(?P<gap>\s+)"
    r"(?P<symbol>/\s*\S+)",
    re.MULTILINE,
)
HEIGHT_RATIO = (0.8, 1.2)  # digits' height against the symbol's capitals
STROKE_RATIO = (0.7, 1.45)  # digits' stroke width against the symbol's
BASELINE = 0.2  # of the capitals' height
MAX_CHROMA_GAP = 30  # difference of mean colour spread (0-255) between digits and symbol ink
MIN_CONFIDENCE = 80  # Tesseract's confidence in the digits (0-100)
SEARCH_BELOW = 0.06  # page heights below the header zone where the number may still be


@dataclass(frozen=True)
class Ink:
    """What one word's ink looks like: its capitals' height and bottom, stroke width, colour."""

    height: float
    bottom: float
    stroke: float
    chroma: float | None


@dataclass(frozen=True)
class Verdict:
    printed: bool
    reason: str  # for the event log: never the digits themselves


def tsv_words(tsv: str) -> list[tuple[int, int, int, int, float, str]]:
    """(left, top, right, bottom, confidence, text) of each word of a Tesseract TSV."""
    out = []
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or not cols[11].strip():
            continue
        left, top, width, height = (int(v) for v in cols[6:10])
        out.append((left, top, left + width, top + height, float(cols[10]), cols[11].strip()))
    return out


def ink_blobs(crop: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """A crop's ink (Otsu) and the statistics of its blobs, specks under 4 pixels left out."""
    if crop.size == 0:
        return crop, []
    _, mask = cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    return mask, [stats[i] for i in range(1, count) if stats[i][cv2.CC_STAT_AREA] >= 4]


def word_ink(
    gray: np.ndarray, rgb: np.ndarray | None, box: tuple[int, int, int, int], letters_only: bool
) -> Ink | None:
    """The ink of a word box: the components tall enough to be characters (with
    ``letters_only``, "/" and "-" and marks above the capitals are left out by height)."""
    left, top, right, bottom = box
    pad = max(2, (bottom - top) // 4)
    y0, x0 = max(0, top - pad), max(0, left - 1)
    mask, parts = ink_blobs(gray[y0 : bottom + pad, x0 : right + 1])
    if not parts:
        return None
    tallest = max(p[cv2.CC_STAT_HEIGHT] for p in parts)
    bodies = [p for p in parts if p[cv2.CC_STAT_HEIGHT] >= 0.6 * tallest]
    if letters_only:
        # "/" is taller than the capitals and reaches below the line: drop components much
        # taller than the median, and the thin wide dash.
        typical = median(p[cv2.CC_STAT_HEIGHT] for p in bodies)
        bodies = [p for p in parts if 0.75 * typical <= p[cv2.CC_STAT_HEIGHT] <= 1.15 * typical]
    if not bodies:
        return None
    height = float(median(p[cv2.CC_STAT_HEIGHT] for p in bodies))
    low = float(median(p[cv2.CC_STAT_TOP] + p[cv2.CC_STAT_HEIGHT] for p in bodies)) + y0
    distance = cv2.distanceTransform(mask, cv2.DIST_L2, 3)
    ridge = (distance > 0) & (distance >= cv2.dilate(distance, np.ones((3, 3), np.uint8)))
    stroke = float(2 * np.median(distance[ridge])) if ridge.any() else 0.0
    chroma = None
    if rgb is not None:
        colour = rgb[y0 : bottom + pad, x0 : right + 1].astype(np.int16)
        spread = colour.max(axis=2) - colour.min(axis=2)
        chroma = float(spread[mask > 0].mean())
    return Ink(height, low, stroke, chroma)


def judge(digits: Ink, symbol: Ink, confidence: float) -> Verdict:
    """Are the digits printed in the symbol's type? Every test must pass."""
    if confidence < MIN_CONFIDENCE:
        return Verdict(False, f"OCR confidence {confidence:.0f}")
    ratio = digits.height / symbol.height if symbol.height else 0.0
    if not HEIGHT_RATIO[0] <= ratio <= HEIGHT_RATIO[1]:
        return Verdict(False, f"height {ratio:.2f} of the symbol's")
    if abs(digits.bottom - symbol.bottom) > BASELINE * symbol.height:
        return Verdict(False, "baseline differs")
    stroke = digits.stroke / symbol.stroke if symbol.stroke else 0.0
    if not STROKE_RATIO[0] <= stroke <= STROKE_RATIO[1]:
        return Verdict(False, f"stroke {stroke:.2f} of the symbol's")
    colours = (digits.chroma, symbol.chroma)
    if None not in colours and abs(colours[0] - colours[1]) > MAX_CHROMA_GAP:
        return Verdict(False, "ink of another colour")
    return Verdict(True, f"height {ratio:.2f}, stroke {stroke:.2f} of the symbol's")


def _locate(words: list, digits: str) -> tuple[tuple, tuple] | None:
    """The digits' word and the symbol's word right after it on the same line."""
    for word in words:
        if not word[5].endswith(digits) or not (
            word[5] == digits or word[5][-len(digits) - 1] in ":."
        ):
            continue
        middle = (word[1] + word[3]) / 2
        after = [w for w in words if w[0] >= word[2] - 2 and w[1] <= middle <= w[3]]
        after = [w for w in after if w is not word and w[0] - word[2] < 4 * (word[3] - word[1])]
        if after:
            symbol = min(after, key=lambda w: w[0])
            if symbol[5].startswith("/") or "-" in symbol[5]:
                return word, symbol
    return None


def _right_glyphs(gray: np.ndarray, box: tuple[int, int, int, int],
                  count: int) -> tuple[int, int, int, int] | None:  # fmt: skip
    """The box of the last ``count`` full-height glyphs of a word ("1050" of "Số:1050"):
    a colon's dots are too short to count."""
    left, top, right, bottom = box
    _, parts = ink_blobs(gray[top:bottom, left:right])
    if not parts:
        return None
    tallest = max(p[cv2.CC_STAT_HEIGHT] for p in parts)
    glyphs = sorted(
        (p for p in parts if p[cv2.CC_STAT_HEIGHT] >= 0.6 * tallest),
        key=lambda p: p[cv2.CC_STAT_LEFT],
    )[-count:]
    if len(glyphs) < count:
        return None
    x = min(p[cv2.CC_STAT_LEFT] for p in glyphs)
    return left + x, top, right, bottom


def words_alone(gray: np.ndarray, box: tuple[int, int, int, int], deadline: Deadline,
                run: Runner, psm: int) -> list[tuple[int, int, int, int, float, str]]:  # fmt: skip
    """The words (with a letter or digit) of a box read again on its own, with a margin of half
    its height: the digits of a number or a day, to see whether print is read back the same."""
    left, top, right, bottom = box
    pad = max(4, (bottom - top) // 2)
    crop = gray[max(0, top - pad) : bottom + pad, max(0, left - pad) : right + pad]
    if crop.size == 0:
        return []
    words = tsv_words(run(to_pgm(crop), deadline, psm, True))
    return [w for w in words if any(c.isalnum() for c in w[5])]


def _read_alone(gray: np.ndarray, box: tuple[int, int, int, int], digits: str,
                deadline: Deadline, run: Runner) -> float:  # fmt: skip
    """Tesseract's confidence in the digits read again on their own, as one line (0 when it
    reads anything else): print is read back the same, a pen's digits seldom are."""
    words = words_alone(gray, box, deadline, run, 7)
    return words[0][4] if len(words) == 1 and words[0][5] == digits else 0.0


@dataclass
class ZoneWords:
    """The header zone (and a little below it) cut from page 1, and its words as Tesseract
    reads them one by one (sparse text, psm 11): read once for the number and the day."""

    crop: np.ndarray
    rgb: np.ndarray | None
    words: list[tuple[int, int, int, int, float, str]]


def read_zone(page: PageImage, zone: tuple[float, float, float, float] | None,
              deadline: Deadline, run: Runner) -> ZoneWords | None:  # fmt: skip
    """The words of the header zone, or None when there is no zone to read."""
    if zone is None:
        return None
    height, width = page.gray.shape
    x0, y0 = int(zone[0] * width), int(zone[1] * height)
    x1, y1 = int(zone[2] * width), int(min(1.0, zone[3] + SEARCH_BELOW) * height)
    crop = page.gray[y0:y1, x0:x1]
    if crop.size == 0:
        return None
    rgb = page.rgb[y0:y1, x0:x1] if page.rgb is not None else None
    return ZoneWords(crop, rgb, tsv_words(run(to_pgm(crop), deadline, 11, True)))


class LazyZone:
    """``read_zone`` run at most once, and only when a caller needs the words."""

    def __init__(self, page: PageImage, zone: tuple[float, float, float, float] | None,
                 deadline: Deadline, run: Runner) -> None:  # fmt: skip
        self._args = (page, zone, deadline, run)
        self._read: ZoneWords | None = None
        self._done = False

    def get(self) -> ZoneWords | None:
        if not self._done:
            self._read, self._done = read_zone(*self._args), True
        return self._read


def settle(page: PageImage, text: str, zone: tuple[float, float, float, float] | None,
           deadline: Deadline, run: Runner,
           read: LazyZone | None = None) -> tuple[str, Verdict | None]:  # fmt: skip
    """The page's text with the number's gap closed when its digits are print; the verdict
    (None when there was nothing to judge)."""
    found = NUMBER_LINE.search(text)
    if found is None or zone is None:
        return text, None
    zoned = (read or LazyZone(page, zone, deadline, run)).get()
    if zoned is None:
        return text, None
    crop, rgb, words = zoned.crop, zoned.rgb, zoned.words
    pair = _locate(words, found["digits"])
    if pair is None:
        return text, Verdict(False, "digits not found on the image")
    if pair[0][5] != found["digits"]:  # "Số:1050" read as one word
        box = _right_glyphs(crop, pair[0][:4], len(found["digits"]))
        if box is None:
            return text, Verdict(False, "digits not found on the image")
        pair = ((*box, *pair[0][4:]), pair[1])
    digits = word_ink(crop, rgb, pair[0][:4], letters_only=False)
    symbol = word_ink(crop, rgb, pair[1][:4], letters_only=True)
    if digits is None or symbol is None:
        return text, Verdict(False, "no ink measured")
    verdict = judge(digits, symbol, _read_alone(crop, pair[0][:4], found["digits"], deadline, run))
    if not verdict.printed:
        return text, verdict
    closed = found["head"] + found["digits"] + found["symbol"]
    return text[: found.start()] + closed + text[found.end() :], verdict


# A number's printed symbol as read on its own: "/CT-CS", "/QĐ-UBND", "/2024/NĐ-CP", "-KH/TU".
SYMBOL = re.compile(r"(?:/(?:\d{4}/)?[A-ZĐ][A-Za-zĐ]{0,9}(?:-[A-ZĐ0-9][A-Za-zĐ0-9]{0,11})+"
                    r"|-[A-ZĐ][A-Za-zĐ]{0,5}/[A-ZĐ][A-Za-zĐ0-9]{0,11})$")  # fmt: skip
_PREFIX = re.compile(r"^\W{0,2}[Ss][ốỐoOóÓôÔồỒổỔõÕòÒọỌ6]\s*[:.;]?")
NUMBER_HEAD_LINES = 12  # the number line is among the first lines of page 1's text
COLUMN_GAP = 3.0  # line heights between two words that belong to the two columns


# Any symbol at all, however OCR spelt its letters ("/QĐÐ-SCT", "/TTr -UBND", "-KH/BTCTU").
_ANY_SYMBOL = re.compile(
    r"/\s*(?:\d{4}\s*/\s*)?[^\W\d_][^\W_]{0,9}\s*-\s*[^\W\d_]|/\s*[^\W\d_]{2,}"
    r"|-\s*[^\W\d_]{1,6}\s*/\s*[^\W\d_]"
)


def _garbled_line(lines: list[str]) -> int | None:
    """The index of the header's number line when it holds no symbol OCR could spell."""
    at = next((i for i, ln in enumerate(lines[:NUMBER_HEAD_LINES]) if _PREFIX.match(ln)), None)
    if at is None or _ANY_SYMBOL.search(lines[at]):
        return None
    return at


def needs_symbol(text: str) -> bool:
    """Is the header's number line there with its symbol garbled (``mend_symbol``)?"""
    return _garbled_line(text.split("\n")) is not None


def mend_symbol(text: str, zoned: ZoneWords | None) -> tuple[str, bool]:
    """The page's text with a number line whose printed symbol whole-page OCR garbled ("Số:
    2/J “€TI-CS") read again from the header zone's words ("Số: 2/01 /CT-CS"), when those give
    a clean symbol; (text, whether it was mended). What stands before the symbol is kept apart
    from it, so digits there are judged by their ink (``settle``) and never taken unchecked."""
    lines = text.split("\n")
    at = _garbled_line(lines)
    if at is None or zoned is None:
        return text, False
    row = _number_row(zoned.words)
    if row is None:
        return text, False
    before, symbol = row
    lines[at] = " ".join(["Số:", *before, symbol])
    return "\n".join(lines), True


def _words_after(head: tuple, words: list, max_gap: float) -> list:
    """The words on ``head``'s line after it, left to right, up to the first gap wider than
    ``max_gap`` times its height (the other column, or beyond a blank)."""
    middle, height = (head[1] + head[3]) / 2, head[3] - head[1]
    line = sorted((w for w in words if w[0] > head[0] and w[1] <= middle <= w[3]),
                  key=lambda w: w[0])  # fmt: skip
    taken, right = [], head[2]
    for word in line:
        if word[0] - right > max_gap * height:
            break
        taken.append(word)
        right = word[2]
    return taken


def _number_row(words: list) -> tuple[list[str], str] | None:
    """The words after "Số" on its line, up to the column gap, split into what comes before
    the symbol and the symbol itself; None when no clean symbol is among them."""
    for head in words:
        if not _PREFIX.match(head[5]):
            continue
        taken = [w[5] for w in _words_after(head, words, COLUMN_GAP)]
        rest = head[5][_PREFIX.match(head[5]).end() :]  # type: ignore[union-attr]
        tokens = [t for t in (rest, *taken) if t]
        for i, token in enumerate(tokens):
            if SYMBOL.fullmatch(token):
                return tokens[:i], token
            for cut in (token.find("/"), token.find("-")):  # "2191/CT-CS", "12-KH/BTCTU"
                if cut > 0 and SYMBOL.fullmatch(token[cut:]):
                    return [*tokens[:i], token[:cut]], token[cut:]
        return None
    return None


# -- an empty blank: an unnumbered copy -----------------------------------------------------------

# "Số:      /TB-UBND" (or dots, or a rule, in the blank): the number line as OCR read it when
# nothing was read in the blank. Whether that blank is empty on the page is ``blank_is_empty``.
BLANK_LINE = re.compile(r"^\W{0,2}S[ốỐoOóÓôÔồỒổỔõÕòÒọỌ6]\s*[:.;]?[\s_.…·]*[/-]\s*[^\W\d_]")
BLANK_INK_CONTRAST = 50  # gray levels below the paper that count as ink (a light blue pen: 90)
BLANK_INK_HEIGHT = 0.4  # of the symbol's height: a digit's stroke is taller; dots, a rule are not
BLANK_BAND = 0.4  # of the symbol's height, above and below its line: a pen's digits stray so far
MIN_BLANK = 0.4  # symbol heights: a narrower gap leaves nothing to look at
MAX_BLANK = 12.0  # symbol heights between "Số:" and its symbol: beyond, another column
# Where the printed symbol starts, however OCR ended it ("/KH-" with "SCT" on the next line).
_SYMBOL_START = re.compile(r"/\s*[^\W\d_]")


def blank_is_empty(zoned: ZoneWords) -> bool | None:
    """Is the number's blank empty on the page image? True: no ink at all between "Số:" and the
    printed symbol (dots, a rule or specks are no ink), as on an unnumbered working copy that
    was printed and scanned. False: something is there (a number written by hand that OCR could
    not read, a stamp's ink over it). None: the number line, or a blank wide enough to write
    in, was not found on the image. Only True may empty the number: a pen's faint digits must
    never be taken for an empty blank, so any stroke as tall as BLANK_INK_HEIGHT counts."""
    row = _blank_row(zoned.words)
    if row is None:
        return None
    head, between, symbol = row
    if between:
        return False  # OCR read something in the blank from the zone
    height = symbol[3] - symbol[1]
    x0, x1 = head[2] + 1, symbol[0] - max(1, round(0.15 * height))
    if x1 - x0 < MIN_BLANK * height:
        return None
    top = max(0, round(symbol[1] - BLANK_BAND * height))
    bottom = round(symbol[3] + BLANK_BAND * height)
    line = zoned.crop[top:bottom, head[0] : symbol[2]]
    blank = zoned.crop[top:bottom, x0:x1]
    if blank.size == 0 or line.size == 0:
        return None
    paper = float(np.percentile(line, 90))
    ink = (blank < paper - BLANK_INK_CONTRAST).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    tall = [i for i in range(1, count) if stats[i][cv2.CC_STAT_HEIGHT] >= BLANK_INK_HEIGHT * height]
    return not tall


def _blank_row(words: list) -> tuple[tuple, list, tuple] | None:
    """The "Số:" word, the words read between it and the printed symbol, and the symbol's word
    (its start is enough), on one line of the zone; None when no such line is there."""
    for head in words:
        prefix = _PREFIX.match(head[5])
        if not prefix or head[5][prefix.end() :].strip(" _.…·"):
            continue  # not "Số", or "Số:/TB-UBND" read as one word: no blank to look at
        between = []
        for word in _words_after(head, words, MAX_BLANK):
            if SYMBOL.fullmatch(word[5]) or _SYMBOL_START.match(word[5]):
                return head, [w for w in between if any(c.isalnum() for c in w[5])], word
            between.append(word)
    return None


def has_blank_number(text: str) -> bool:
    """Is the header's number line one whose blank OCR read as nothing ("Số:   /TB-UBND")?"""
    lines = text.split("\n")[:NUMBER_HEAD_LINES]
    return any(BLANK_LINE.match(line.strip()) for line in lines)
