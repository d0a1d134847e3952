"""Printed or written by hand? The day of a header's date line, told by its ink.

Offices print "ngày ___ tháng 5 năm 2025" and write the day in by hand when the document is
registered; e-signing systems print it, often in another type and raised a little above the
line ("ngày ⁰⁶ tháng 3"). Whole-page OCR reads either kind badly at times: a printed day comes
out as debris ("ngày U6_ tháng 3", and the date is lost), a pen's day as clean digits ("ngày 04
tháng 02", and a handwritten day is taken as print, unchecked). The page image tells them apart,
as ``number_ink`` does for the number: a printed day has the height and stroke of the line's own
printed digits (the year), its ink the same colour, and Tesseract reads it back alone, surely,
as a day. A pen's digits are taller or broader than the print, or of another colour; being off
the line alone proves nothing (a line above or a raised print day), it only keeps print unsure.

Three verdicts, each acted on only when the evidence is clear:

- **printed**: every test passes; a day OCR read as debris is put back as the digits read
  alone, when the debris's own digits agree with them. When the text then reads the day the
  digits read alone do, the verdict holds that date (``printed_date``): the header reader
  keeps its confidence even where the number beside it was written by hand.
- **pen**: the ink shows a pen (taller, broader, another colour than the print), and it is
  not a day of the print's height that reads back surely: digits OCR took from it are set
  aside as debris ("(04)"), so the date goes to a person with the printed month and year, as
  for any handwritten day.
- **unsure**: anything else (the day not found on the image, a test between the two): the text
  stays as OCR read it.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field, replace

import cv2
import numpy as np

from ingest.examine.limits import Deadline
from ingest.examine.scan.number_ink import (
    LazyZone,
    Runner,
    ZoneWords,
    ink_blobs,
    word_ink,
    words_alone,
)
from ingest.examine.scan.raster import PageImage

# A date line as whole-page OCR gives it: the day (digits or debris), a printed month and year.
DATE_LINE = re.compile(
    r"(?P<head>\bng[aàáạảã]?[yv])(?P<day>[ \t]*[^\s]{0,6}?[ \t]*)"
    r"(?P<tail>th[aáàảãạ]ng[ \t]*(?P<month>\d{1,2})[ \t]*n[aăâ]m[ \t]*(?P<year>\d{4}))",
    re.IGNORECASE,
)
HEADER_LINES = 16  # the date line is among the first lines of page 1's text (the header's)
PRINTED_HEIGHT = (0.85, 1.12)  # the day's height against the year's digits
PRINTED_STROKE = (0.7, 1.25)  # the day's stroke against the year's (``stroke_width``)
PRINTED_BASELINE = 0.35  # of the year's height: a day an e-signing system raised stays print
PEN_HEIGHT = 1.15  # taller than this: a pen's
PEN_STROKE = 1.3  # broader than this: a pen's
MAX_CHROMA_GAP = 30  # as number_ink: a blue pen beside black print
SURE_READ = 80  # Tesseract's confidence in the day read alone (0-100)
MIN_HEIGHT_PX = 12  # smaller ink is not measured (a ratio of a few pixels means nothing)


@dataclass(frozen=True)
class DayVerdict:
    kind: str  # printed | pen | unsure
    reason: str  # for the event log: ratios only, never the digits
    # The date ("2026-03-06") whose day the ink proved printed, when the page's text, once
    # settled, reads that very day as digits; None for any other verdict. The header reader
    # trusts a date only on this (``parse_header``'s ``printed_date``); kept out of the repr,
    # which may reach a log.
    printed_date: str | None = field(default=None, repr=False)


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


_NGAY = re.compile(r"ng[a]?[yv]")
_THANG = re.compile(r"th[a]ng")


def _row(words: list, month: str, year: str) -> tuple[tuple, tuple, int, tuple] | None:
    """On the image: the word holding "ngày", the left edge of "tháng" (cut out of a word
    OCR glued to the day: "04tháng"), the right edge of "ngày" (likewise "ngày06") and the
    year's word, all on one line whose year (and month, where it reads as digits) is the
    text's."""
    for ngay in words:
        folded = _fold(ngay[5])
        head = _NGAY.match(folded)
        if head is None:
            continue
        middle, height = (ngay[1] + ngay[3]) / 2, ngay[3] - ngay[1]
        line = sorted(
            (w for w in words if w[0] >= ngay[0] and abs((w[1] + w[3]) / 2 - middle) < height),
            key=lambda w: w[0],
        )
        year = next((w for w in line if w[5] == year), None)
        if year is None:
            continue
        for thang in line:
            found = _THANG.search(_fold(thang[5]))
            if found is None or thang[0] > year[0]:
                continue
            share = (thang[2] - thang[0]) / max(1, len(thang[5]))
            right = thang[0] + round(found.start() * share)
            own = ngay[5][head.end() :] if thang is not ngay else ""
            left = ngay[2] - round(len(own) * (ngay[2] - ngay[0]) / max(1, len(ngay[5])))
            after = [w for w in line if thang[2] <= w[0] < year[0] and w[5].isdigit()]
            if thang is ngay or right - left < 4 or (after and after[0][5] != month):
                return None  # "ngày06tháng", or another line's month: not this date
            return ngay, (left, right), year[0], year
    return None


def _day_box(crop: np.ndarray, ngay: tuple, span: tuple[int, int]) -> tuple | None:
    """The box of the ink between "ngày" and "tháng": the day, written or printed (above the
    line too, where a pen or an e-signing system puts it)."""
    height = ngay[3] - ngay[1]
    top, bottom = max(0, ngay[1] - height), min(crop.shape[0], ngay[3] + height // 3)
    left, right = span[0] + 2, span[1] - 1
    if right - left < 4:
        return None
    _, parts = ink_blobs(crop[top:bottom, left:right])
    # Ink of the line: tall enough to be a digit, and reaching into the line's own band (the
    # descenders and rules of the line above do not; a raised day does, by its lower part).
    band = (ngay[1] - top + 0.3 * height, ngay[3] - top)
    parts = [
        p for p in parts
        if p[cv2.CC_STAT_HEIGHT] >= 0.3 * height
        and p[cv2.CC_STAT_TOP] + p[cv2.CC_STAT_HEIGHT] > band[0]
        and p[cv2.CC_STAT_TOP] < band[1]
    ]  # fmt: skip
    if not parts:
        return None
    x0 = min(p[cv2.CC_STAT_LEFT] for p in parts)
    x1 = max(p[cv2.CC_STAT_LEFT] + p[cv2.CC_STAT_WIDTH] for p in parts)
    y0 = min(p[cv2.CC_STAT_TOP] for p in parts)
    y1 = max(p[cv2.CC_STAT_TOP] + p[cv2.CC_STAT_HEIGHT] for p in parts)
    return left + x0, top + y0, left + x1, top + y1


def _read_alone(crop: np.ndarray, box: tuple, deadline: Deadline, run: Runner
                ) -> tuple[str | None, float]:  # fmt: skip
    """The day read again on its own, as one word and as one line: (digits, confidence) of
    the surest reading that is a day, or (None, 0)."""
    best: tuple[str | None, float] = (None, 0.0)
    for psm in (8, 7):
        words = words_alone(crop, box, deadline, run, psm)
        day = words[0] if len(words) == 1 and re.fullmatch(r"\d{1,2}", words[0][5]) else None
        if day is not None and 1 <= int(day[5]) <= 31 and day[4] > best[1]:
            best = (day[5], day[4])
    return best


def stroke_width(crop: np.ndarray, box: tuple[int, int, int, int]) -> float:
    """The mean width of the strokes in a box: twice the ink's area over the length of its
    outlines (a stroke of width w and length L has area wL and outline 2L). Unlike the ridge of
    a distance transform it does not jump by whole pixels, which at 150-200 dpi is a third of a
    stroke."""
    left, top, right, bottom = box
    mask, _ = ink_blobs(crop[max(0, top - 1) : bottom + 2, max(0, left - 1) : right + 2])
    if mask.size == 0:
        return 0.0
    contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    outline = sum(cv2.arcLength(c, True) for c in contours)
    return float(2 * np.count_nonzero(mask) / outline) if outline else 0.0


def judge(day: tuple[float, float, float, float | None],
          year: tuple[float, float, float, float | None], read: float) -> DayVerdict:  # fmt: skip
    """(height, bottom, stroke, chroma) of the day's ink and of the year's; ``read`` is the
    confidence of the day read alone as a day (0 when it was not)."""
    if year[0] < MIN_HEIGHT_PX or day[0] < MIN_HEIGHT_PX / 2:
        return DayVerdict("unsure", "too small to measure")
    height = day[0] / year[0]
    stroke = day[2] / year[2] if year[2] else 0.0
    baseline = (day[1] - year[1]) / year[0]
    colour = abs(day[3] - year[3]) if None not in (day[3], year[3]) else 0.0  # type: ignore[operator]
    ratios = f"height {height:.2f}, stroke {stroke:.2f}, baseline {baseline:+.2f}"
    if (
        read >= SURE_READ
        and PRINTED_HEIGHT[0] <= height <= PRINTED_HEIGHT[1]
        and PRINTED_STROKE[0] <= stroke <= PRINTED_STROKE[1]
        and abs(baseline) <= PRINTED_BASELINE
        and colour <= MAX_CHROMA_GAP
    ):
        return DayVerdict("printed", ratios + " of the year's")
    pen = height >= PEN_HEIGHT or stroke >= PEN_STROKE or colour > MAX_CHROMA_GAP
    if pen and not (read >= SURE_READ and PRINTED_HEIGHT[0] <= height <= PRINTED_HEIGHT[1]):
        return DayVerdict("pen", ratios + " of the year's")
    return DayVerdict("unsure", ratios + f" of the year's, read alone {read:.0f}")


def agrees(debris: str, digits: str) -> bool:
    """Do the digits read alone agree with those whole-page OCR saw in the debris, place by
    place ("U6_" and "06" do; "U8_" and "06" do not)? Two readings of print that disagree are
    no print read surely: the date stays with a person."""
    return all(not ch.isdigit() or ch == want for ch, want in zip(debris, digits, strict=False))


def header_text(text: str) -> str:
    """The part of page 1's text the header's date line may be in: its first lines, and no
    further than its first two blocks (the header's columns, as ``page.read_by_layout`` gives
    them), so a date the body cites is never touched."""
    blocks = "\n".join(text.split("\n")[:HEADER_LINES]).split("\n\n")
    return "\n\n".join(blocks[:2])


def settle(page: PageImage, text: str, zone: tuple[float, float, float, float] | None,
           deadline: Deadline, run: Runner,
           read: LazyZone | None = None) -> tuple[str, DayVerdict | None]:  # fmt: skip
    """The page's text with the header's day put right by its ink (see the module); the
    verdict (None when there was no date line to judge)."""
    found = DATE_LINE.search(header_text(text))
    if found is None or zone is None:
        return text, None
    day = found["day"].strip()
    if day.isdigit() and len(day) > 2:
        return text, None
    zoned = (read or LazyZone(page, zone, deadline, run)).get()
    if zoned is None:
        return text, None
    verdict, digits = _verdict(zoned, found["month"], found["year"], deadline, run)
    if verdict is None:
        return text, DayVerdict("unsure", "date line not found on the image")
    if verdict.kind == "printed" and digits and not day.isdigit() and agrees(day, digits):
        mended = f"{found['head']} {digits} {found['tail']}"
        verdict = _proven(verdict, digits, found["month"], found["year"])
    elif verdict.kind == "printed" and digits and day.isdigit() and int(day) == int(digits):
        return text, _proven(verdict, digits, found["month"], found["year"])
    elif verdict.kind == "pen" and day.isdigit():
        mended = f"{found['head']} ({day}) {found['tail']}"
    else:
        return text, verdict
    return text[: found.start()] + mended + text[found.end() :], verdict


def _proven(verdict: DayVerdict, day: str, month: str, year: str) -> DayVerdict:
    """A printed verdict holding the date it proved: the day read alone, which the text now
    reads too (two readings of print that agree), with the line's printed month and year."""
    try:
        iso = dt.date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return verdict
    return replace(verdict, printed_date=iso)


def _verdict(zoned: ZoneWords, month: str, year: str, deadline: Deadline,
             run: Runner) -> tuple[DayVerdict | None, str | None]:  # fmt: skip
    row = _row(zoned.words, month, year)
    if row is None:
        return None, None
    ngay, span, _, year_word = row
    box = _day_box(zoned.crop, ngay, span)
    if box is None:
        return DayVerdict("unsure", "no ink in the day's blank"), None
    day_ink = word_ink(zoned.crop, zoned.rgb, box, letters_only=False)
    year_ink = word_ink(zoned.crop, zoned.rgb, year_word[:4], letters_only=False)
    if day_ink is None or year_ink is None:
        return DayVerdict("unsure", "no ink measured"), None
    digits, confidence = _read_alone(zoned.crop, box, deadline, run)
    day = (day_ink.height, day_ink.bottom, stroke_width(zoned.crop, box), day_ink.chroma)
    year = (year_ink.height, year_ink.bottom, stroke_width(zoned.crop, year_word[:4]),
            year_ink.chroma)  # fmt: skip
    verdict = judge(day, year, confidence)
    return verdict, digits
