"""Reading stamp candidates on their own: crop, turn upright, clean, enlarge, OCR, classify.

A stamp read as part of the page is lost among the lines it overprints, at the wrong angle,
its box read as "|" and "_". Read alone it is one or two words in capitals: each candidate is
cut out of the page along its own rotated rectangle, turned upright, its box lines removed,
scaled so its letters are about 40 pixels tall, and binarized (for red stamps on colour scans,
from the red ink alone, so the black print under the stamp disappears). Each crop is read by
Tesseract on its own, framed in white: read together, one under the other on one sheet, a crop
read differently with other crops beside it (a TỐI MẬT read right alone was held when another
box of the page was added to the sheet), so a stamp's reading depended on what else the page held.

Then each reading becomes a ``Mark`` (``ingest.stages``) or is dropped:
- a level, urgency, circulation or known other mark when the words say so;
- ``other`` for a round seal or an unread piece of one, or for a boxed or red stamp that reads
  as several ordinary words;
- ``unknown`` when a stamp-like mark (red, boxed or light ink) could not be read: it may be a
  secrecy stamp, so the record's level is unsure;
- dropped when the candidate turns out to be ordinary printed text (a header line, a date).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ingest.examine.limits import Deadline
from ingest.examine.scan import marks
from ingest.examine.scan.garbled import measure
from ingest.examine.scan.raster import PageImage, to_pgm
from ingest.examine.scan.stamps import Candidate, blob_boxes, red_ink

LETTER_PX = 40  # letter height Tesseract reads best
FRAME_INSET_MM = 1.5  # a box is read from this far inside its lines
FRAME_PX = 60  # white around a crop read by Tesseract
MAX_CROP_WIDTH = 1800
MIN_UNKNOWN_MM = (11.0, 5.0)  # smaller unreadable marks are not stamps ("MẬT" boxes ~16 mm)
# Secrecy and urgency stamps are one line in a box about 8 mm tall (two for HẸN GIỜ); a taller
# box with three lines or more is an incoming-mail ("ĐẾN") or copy stamp, never a secrecy mark.
# Found boxes of secrecy stamps measure up to 13.5 mm (a box found a little wide of its lines,
# the print it lies over read as more rows); a ĐẾN stamp's box 17.8 mm tall, four rows, held
# an ordinary page at the former 18 mm.
MAX_MARK_HEIGHT_MM = 16.0
# A secrecy stamp's box ("MẬT" alone, or the half of a "TUYỆT MẬT") is at least 1.7 times as
# wide as it is tall; an unread box of dashes less wide than this is not held as a stamp.
DASHED_MIN_RATIO = 1.5
# A box whose inside is PRINT_ROWS lines of letters or more, or a line of PRINT_WORDS lower-case
# words or more, is print, not a mark, when the words that spell the mark there are in lower
# case too (``_mark_in_print``).
PRINT_ROWS, PRINT_WORDS = 3, 5
READ_CONFIDENCE = 0.6  # mean word confidence for a reading to count as ordinary words
FAINT_CONTRAST = 60  # gray levels between paper and ink below which a crop holds no ink
# Broken faint ink on bitonal scans is healed by a blur of HEAL_MM (sigma) and a threshold at
# HEAL_LEVEL: a pixel with about a sixth of its neighbourhood inked becomes ink.
HEAL_MM, HEAL_LEVEL = 0.4, 220


@dataclass(frozen=True)
class Word:
    text: str
    conf: float  # 0..100
    x0: int
    x1: int


@dataclass
class Crop:
    candidate: Candidate
    image: np.ndarray  # binarized, black text on white, upright and scaled
    ink_span: tuple[int, int]  # leftmost and rightmost column with ink (what should be read)
    rows: int = 1  # lines of letters in the crop


def _warp(source: np.ndarray, cand: Candidate, scale: float, margin: float) -> np.ndarray:
    """The candidate's rectangle grown by ``margin`` pixels (shrunk when negative: inside a
    box, so its lines stay out), cut out upright and scaled."""
    (cx, cy), (w, h) = cand.centre, cand.size
    out_w = max(8, round((w + 2 * margin) * scale))
    out_h = max(8, round((h + 2 * margin) * scale))
    matrix = cv2.getRotationMatrix2D((cx, cy), cand.angle, scale)
    matrix[0, 2] += out_w / 2 - cx
    matrix[1, 2] += out_h / 2 - cy
    return cv2.warpAffine(source, matrix, (out_w, out_h), flags=cv2.INTER_CUBIC,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=255)  # fmt: skip


def upright(source: np.ndarray, cand: Candidate, margin: float) -> np.ndarray:
    """The candidate's rectangle and ``margin`` pixels round it, cut out upright at full size."""
    return _warp(source, cand, 1.0, margin)


def _source(page: PageImage, cand: Candidate) -> np.ndarray:
    """What to read: the red ink alone for red stamps on colour scans, else the gray page."""
    if page.rgb is not None and "red" in cand.cues:
        return 255 - np.clip(red_ink(page.rgb).astype(np.int16) * 2.4, 0, 255).astype(np.uint8)
    return page.gray


def _binarize(gray: np.ndarray) -> np.ndarray:
    _, binary = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    # Otsu on an almost empty crop splits the paper's noise (little contrast); a faint stamp
    # cut across by its own box is ink on half the crop, yet clearly darker than the paper.
    low, high = np.percentile(gray, (5, 95))
    if (binary > 0).mean() > 0.5 and high - low < FAINT_CONTRAST:
        binary = np.where(gray < 160, 255, 0).astype(np.uint8)
    return binary


def _remove_rules(ink: np.ndarray, letter: float) -> np.ndarray:
    """Removes the box: horizontal and vertical strokes much longer than a letter is tall."""
    h, w = ink.shape
    across = max(8, int(max(0.3 * w, 2.5 * letter)))
    down = max(8, int(max(0.55 * h, 1.5 * letter)))
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((1, across), np.uint8))
    vertical = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((down, 1), np.uint8))
    rules = cv2.dilate(horizontal | vertical, np.ones((3, 3), np.uint8))
    return ink & ~rules


def _letters(ink: np.ndarray, px_mm: float) -> list[tuple[int, int, int, int]]:
    """Boxes (x, y, w, h) of the blobs that look like letters (1.2 to 12 mm tall)."""
    h, w = ink.shape
    low, high = max(4, 1.2 * px_mm), min(0.9 * h, 12 * px_mm)
    return [
        b for b in blob_boxes(ink)
        if low <= b[3] <= high and b[2] < 0.6 * w and b[2] * b[3] >= 12
    ]  # fmt: skip


def heal(gray: np.ndarray, px_mm: float) -> np.ndarray:
    """Faint stamp ink on a bitonal scan made whole again: the scanner's threshold left its
    strokes as dots and specks (a letter in five pieces, read as nothing or as other letters),
    so the ink is blurred over HEAL_MM and everything near enough to ink becomes ink. Only for
    re-reading what was read as nothing: it also thickens solid strokes."""
    blurred = cv2.GaussianBlur(gray, (0, 0), HEAL_MM * px_mm)
    return np.where(blurred < HEAL_LEVEL, 0, 255).astype(np.uint8)


def prepare(page: PageImage, cand: Candidate, healed: bool = False) -> Crop | None:
    """The candidate as Tesseract should see it, or None when nothing is left to read;
    ``healed``: its broken ink made whole first (``heal``)."""
    source = _source(page, cand)
    px_mm = page.dpi / 25.4
    margin = -FRAME_INSET_MM * px_mm if "frame" in cand.cues else 0.12 * cand.size[1]

    def warp(scale: float) -> np.ndarray:
        cut = _warp(source, cand, scale, margin)
        return heal(cut, px_mm * scale) if healed else cut

    first = _binarize(warp(1.0))
    letters = _letters(first, px_mm)
    if not letters and "frame" not in cand.cues:  # letters joined to a box drawn close round
        letters = _letters(_remove_rules(first, 0.0), px_mm)  # them (a frame is read inset)
    if not letters:
        return None
    letter = float(np.median([s[3] for s in letters]))
    scale = float(np.clip(LETTER_PX / letter, 0.4, 8.0))
    scale = min(scale, MAX_CROP_WIDTH / max(1.0, cand.size[0] * 1.3))
    ink = _binarize(warp(scale))
    ink[:2], ink[-2:], ink[:, :2], ink[:, -2:] = 0, 0, 0, 0
    ink = _remove_rules(ink, letter * scale)
    ink = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))  # specks
    tall = [s for s in _letters(ink, px_mm * scale) if s[3] >= 0.4 * letter * scale]
    if not tall:
        return None
    span = (int(min(s[0] for s in tall)), int(max(s[0] + s[2] for s in tall)))
    return Crop(cand, 255 - ink, span, _rows(tall))


def _rows(letters: list[tuple[int, int, int, int]]) -> int:
    """Lines of letters: letters whose middles fall within one another's height are a line."""
    rows: list[tuple[float, float]] = []
    for _, y, _, h in sorted(letters, key=lambda b: b[1] + b[3] / 2):
        middle = y + h / 2
        if rows and rows[-1][0] <= middle <= rows[-1][1]:
            continue
        rows.append((y, y + h))
    return len(rows)


def _framed(image: np.ndarray) -> np.ndarray:
    """The crop with FRAME_PX of white around it: Tesseract reads letters that touch the image's
    edge poorly."""
    return cv2.copyMakeBorder(
        image, FRAME_PX, FRAME_PX, FRAME_PX, FRAME_PX, cv2.BORDER_CONSTANT, value=255
    )


def _words(tsv: str) -> list[Word]:
    """Tesseract's TSV as words, their columns relative to the crop (not its white frame)."""
    out = []
    for line in tsv.splitlines()[1:]:
        cols = line.split("\t")
        if len(cols) < 12 or not cols[11].strip():
            continue
        left, width = int(cols[6]) - FRAME_PX, int(cols[8])
        out.append(Word(cols[11].strip(), float(cols[10]), left, left + width))
    return out


def read_crops(crops: list[Crop], deadline: Deadline, run) -> list[list[Word]]:
    """Each crop's words, one Tesseract run (``run(pgm, deadline, psm, tsv)``) per crop: the
    runs go to a long-lived Tesseract (``ingest.examine.ocr_pool``), so a run costs the crop's
    letters, not a model load."""
    return [_words(run(to_pgm(_framed(crop.image)), deadline, 6, True)) for crop in crops]


@dataclass(frozen=True)
class Verdict:
    kind: str | None  # a Mark kind, or None: not a stamp
    value: str | None
    text: str
    confidence: float


def _mark_in_print(crop: Crop, text: str, reading: marks.Reading) -> bool:
    """A mark's words found in running text: a box (no stamp ink) holding PRINT_ROWS lines of
    letters or more, or PRINT_WORDS lower-case words or more, read as mostly lower-case
    words, in which the words that spell the mark are lower case too. A secrecy, urgency or
    circulation stamp is one or two words of capitals (two lines for HỎA TỐC HẸN GIỜ) in its
    own box. A box bridged out of the letters of a body of print, turned a little off it, held
    seven lines of it ("... ng Thương nhận được ...", matched loosely as THƯỢNG KHẨN: an
    urgency sent to a person for nothing); a box round one line of body text that speaks of
    secrecy ("... tài liệu mật phải được quản lý chặt chẽ,") read as a MẬT to hold. A stamp
    laid over print still reads its own words in capitals, a stamp read alone in lower case
    ("mậT") is one word, and stamp ink (red, light) is never judged so."""
    if reading.kind not in ("level", "urgency", "circulation") or reading.value is None:
        return False
    if not crop.candidate.cues <= {"frame", "dashed", "rotated"}:
        return False
    pieces = [p for p in text.split() if any(ch.isalpha() for ch in p)]
    lower = [p for p in pieces if any(ch.islower() and ch != "l" for ch in p)]
    if crop.rows < PRINT_ROWS and len(lower) < PRINT_WORDS:
        return False
    return 2 * len(lower) >= len(pieces) and marks.spelt_in_lower_case(text, reading.value)


def judge(crop: Crop, words: list[Word], px_mm: float) -> Verdict:
    """What the reading of one candidate means (see the module's docstring)."""
    cand = crop.candidate
    text = " ".join(w.text for w in words)
    reading = marks.classify(text)
    confs = [w.conf for w in words if w.conf >= 0]
    conf = (sum(confs) / len(confs) / 100) if confs else 0.0
    if reading.kind is not None and _mark_in_print(crop, text, reading):
        return Verdict(None, None, text, 0.0)
    if reading.kind is not None:
        read_span = sum(w.x1 - w.x0 for w in words if marks.fold_words(w.text))
        ink_width = max(1, crop.ink_span[1] - crop.ink_span[0])
        covered = min(1.0, read_span / ink_width)
        # Sure (≥ marks.SURE) only when every word matched and the words cover the ink (OCR
        # garbage does not spell "TỐI MẬT"; Tesseract's own confidence is low on blotchy ink
        # even when it reads right). A partial reading ("MẬT" of a "TỐI MẬT" whose first word
        # was not read, words off by a letter) stays unsure whatever Tesseract says.
        whole = reading.exact and covered >= 0.6
        # A box of faint dashes may have been found only in part ("MẬT" of a "TUYỆT MẬT"
        # whose left half broke up): a level below the highest read there is never sure.
        part = "dashed" in cand.cues and reading.kind == "level" and reading.value != "tuyet_mat"
        confidence = 0.7 + 0.3 * conf if whole and not part else 0.5 * conf
        return Verdict(reading.kind, reading.value, text, round(min(1.0, confidence), 3))
    if "round" in cand.cues:
        return Verdict("other", "seal", text, 0.8)
    stamp_like = "frame" in cand.cues or "red" in cand.cues
    readable = measure(text)
    if readable.syllables >= 3 and readable.syllable_share >= 0.7 and conf >= READ_CONFIDENCE:
        # Ordinary words: printed text, or a stamp of another kind (a copy stamp, a name).
        return Verdict("other" if stamp_like else None, None, text, round(conf, 3))
    width, height = cand.size[0] / px_mm, cand.size[1] / px_mm
    if not cand.strong or width < MIN_UNKNOWN_MM[0] or height < MIN_UNKNOWN_MM[1]:
        return Verdict(None, None, text, 0.0)
    if "on_seal" in cand.cues:
        return Verdict("other", "seal", text, 0.3)  # a piece of a round seal, unread
    if height > MAX_MARK_HEIGHT_MM and stamp_like and crop.rows >= 3:
        return Verdict("other", None, text, 0.3)  # a stamp of several lines, unread
    if (
        cand.cues <= {"frame", "dashed", "rotated"}
        and "dashed" in cand.cues
        and width < (DASHED_MIN_RATIO * height)
    ):
        # Only bridged dashes make this box (on real bitonal scans, also broken print and
        # table lines): unread, it counts only when shaped like a secrecy stamp's one line.
        return Verdict(None, None, text, 0.0)
    if cand.cues <= {"frame", "dashed", "rotated"} and width < height:
        # A secrecy stamp is one line in its box, always wider than tall. A box taller than
        # wide in no stamp ink (black, or any ink of a bitonal scan) is something else: a
        # column of an incoming stamp's lines closed by its rules held an ordinary page. (On
        # a bitonal page its row is still read for a level: ``page._rows_with_a_level``.)
        return Verdict(None, None, text, 0.0)
    return Verdict("unknown", None, text, 0.0)
