"""Header cells: the first lines of a document cut into elements, each recognised by its shape.

A cell is a line, or a part of a two-column line split at a wide gap or at a known element
("Số 09-NQ/TU Cao Bằng, ngày ..."). ``header_cells`` gives every cell a role (number, date,
title, motto, mark, ...) and finds where the header region ends: the first body-like cell after
the subject. Only the region is searched for the document's own number, date and stamps, since
bodies cite other documents. Exact shapes are tried first; OCR-damaged ones ("QUY CHE", "thảng",
"TỐI MẶT") match on folded text with a lower confidence.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ingest.classify.issuer import ORG_START, restore_marks
from ingest.classify.text import canonical_tones, fold, fold_same_length, has_marks, match_key
from ingest.classify.vocab import DOC_TYPES, LEVELS, URGENCIES

HEADER_LINES = 40  # the number, title and subject are looked for this far down
SUBJECT_MAX_LINES = 6
_DASHES = re.compile(r"[\u2010-\u2015\u2212]")
_COLUMN_GAP = re.compile(r"\s{3,}|\t+")
_SPACES = re.compile(r"\s+")
_SEPARATOR = re.compile(r"^[\s*\-_=~.·•]+$")
_NUMBER_PREFIX = re.compile(r"^\W{0,2}S[ốỐoOóÓôÔồỒổỔ]\s*[:.;]?\s*(?=\d)", re.IGNORECASE)
_PARTY_NUMBER = re.compile(r"^(\d{1,5})\s*-\s*([A-Za-zĐđ]{1,6})\s*/\s*([A-ZĐ][A-ZĐ0-9]{0,11})\b")
_STATE_NUMBER = re.compile(
    r"^(\d{1,5})\s*/\s*(?:(\d{4})\s*/\s*)?([A-ZĐ][A-Za-zĐđ]{0,9}(?:\s*-\s*[A-ZĐ][A-Za-zĐđ0-9]*)*)"
)
# Anchored at a cell's start: "... ngày 16/8/2010 của Bộ Chính trị" in a sentence is no date.
_PLACE_DAY = r"^(?:(?P<place>[^\W\d_][^\d,:;()]{0,40}?)\s*,\s*)?ngày\s*(?P<d>\d{1,2})\s*"
_DATE_WORDS = re.compile(_PLACE_DAY + r"tháng\s*(?P<m>\d{1,2})\s*năm\s*(?P<y>\d{4})", re.I)
_DATE_NUMERIC = re.compile(_PLACE_DAY + r"[/.\-]\s*(?P<m>\d{1,2})\s*[/.\-]\s*(?P<y>\d{4})", re.I)
# The same on folded text, with OCR's usual slips ("ngàv", "thảng", "nãm", O for 0, l for 1).
_D = r"[\doli]"
_DATE_FUZZY = re.compile(
    r"^(?:(?P<place>[a-z][^\d,:;()]{0,40}?)\s*[,.]\s*)?ng[a-z]?[yv]\s*(?P<d>" + _D + r"{1,2})\s*"
    r"(?:th[a-z]{0,2}ng\s*(?P<m>" + _D + r"{1,2})\s*n[a-z]{0,2}m\s*"
    r"|[/.\-]\s*(?P<m2>" + _D + r"{1,2})\s*[/.\-]\s*)(?P<y>" + _D + r"{4})\b"
)
_OCR_DIGITS = str.maketrans("oli", "011")
# Marks are whole cells: "GIẢI MẬT", "KHẨN TRƯƠNG" or "bảo mật" in a sentence never match.
_MARKS = re.compile(
    r"^(?:ĐỘ MẬT\s*:?\s*)?(?P<level>TUYỆT MẬT|TỐI MẬT|MẬT)?\s*[,;\-]?\s*(?:ĐỘ KHẨN\s*:?\s*)?"
    r"(?P<urgency>HỎA TỐC HẸN GIỜ|HỎA TỐC|THƯỢNG KHẨN|KHẨN)?(?P<rest>[\s:].*)?$"
)
_FOLDED_MARKS = re.compile(
    r"^(?:do mat\s*)?(?P<level>tuyet mat|toi mat|mat)?\s*(?:do khan\s*)?"
    r"(?P<urgency>hoa toc hen gio|hoa toc|thuong khan|khan)?$"
)
_FOLDED_LEVELS = {"mat": "mat", "toi mat": "toi_mat", "tuyet mat": "tuyet_mat"}
_FOLDED_URGENCIES = {fold(k): v for k, v in URGENCIES.items()}
_MARK_HEADS = ("TUYỆT", "TỐI", "THƯỢNG", "HỎA")
_DEADLINE = re.compile(r"^HẸN GIỜ\b")
_PARTY_MOTTO = re.compile(r"ĐẢNG\s+CỘNG\s+SẢN\s+VIỆT\s+NAM", re.IGNORECASE)
_STATE_MOTTO = re.compile(
    r"CỘNG\s+HÒA\s+XÃ\s+HỘI\s+CHỦ\s+NGHĨA(?:\s+VIỆT(?:\s+NAM)?)?"
    r"|ĐỘC\s+LẬP\s*-\s*TỰ\s+DO\s*-\s*HẠNH\s+PHÚC|ĐỘC\s+LẬP\s*-",
    re.IGNORECASE,
)
# Mottos on folded text, to find them (and split them out) when OCR damaged a letter.
_FOLDED_MOTTOS = (
    (re.compile(r"dang\s+cong\s+san\s+viet\s+nam"), "party"),
    (re.compile(r"cong\s+hoa\s+xa\s+hoi\s+chu\s+nghia(?:\s+viet(?:\s+nam)?)?"), "state"),
    (re.compile(r"doc\s+lap\s*-\s*tu\s+do\s*-\s*hanh\s+phuc"), "state"),
)
_MOTTO_FRAGMENT = re.compile(r"^(?:VIỆT\s+)?NAM$|^TỰ DO\b|^HẠNH PHÚC$")
_FOLDED_TITLES = {fold(title): title for title in DOC_TYPES}
# A title run into its subject on one line: "QUYẾT ĐỊNH Về việc ...".
_TITLE_THEN_SUBJECT = re.compile(
    "^(" + "|".join(sorted(DOC_TYPES, key=len, reverse=True)) + r")\s+(?=(?:về|Về|V/v)\s)"
)
_VV = re.compile(r"^V\s*/\s*V\b", re.IGNORECASE)
_ABOUT = re.compile(r"^về\s", re.IGNORECASE)
_RECIPIENT = re.compile(r"^(?:KÍNH GỬI|NƠI NHẬN)\b")
_BODY_START = re.compile(
    r"^(?:Căn cứ|Thực hiện|Kính gửi|Nơi nhận|Xét|Theo|Điều\s+\d|Chương\s+[IVX\d]|[IVX\d]+\.|[-+•])"
)
_TERMINAL = re.compile(r"[.;:!?]$")
_CONNECTOR_WORDS = (  # a subject line ending in one of these words is surely wrapped
    "của và về với các cho trong thuộc tại đối những theo giữa từ đến trên dưới khi để nhằm là "
    "có được bị do hoặc hay lần thứ ngày tháng năm số một hai ba nhiệm kỳ đại biểu"
)
_CONNECTORS = frozenset(_CONNECTOR_WORDS.split())
_NOT_ISSUER = frozenset(
    {"LƯU HÀNH NỘI BỘ", "XEM XONG TRẢ LẠI", "TÀI LIỆU THU HỒI", "GIẢI MẬT", "BẢN SAO", "DỰ THẢO"}
)
_CODE_SYMBOLS = frozenset({*DOC_TYPES.values(), "QyĐ", "BS", "GGT", "GUQ"})
# Upper-cased OCR/typing variants ("QĐI", "CTR", "QD") map back to the canonical code.
_CODE_BY_UPPER = {code.upper(): code for code in _CODE_SYMBOLS} | {"QD": "QĐ", "ND": "NĐ"}


@dataclass
class Cell:
    line: int
    text: str  # NFC, as in the document (kept for subject and place)
    key: str  # upper case, old-style tones, single spaces (used for matching)
    role: str = "other"
    value: str | None = None
    confidence: float = 1.0
    level: str = "thuong"
    urgency: str = "thuong"


@dataclass
class HeadCells:
    cells: list[Cell]
    region: int  # cells[:region] are the header
    number_at: int | None
    number_confidence: float
    summary_at: int | None  # a công văn's "V/v" line
    issuer_end: int
    subject_span: tuple[int, int]


def _motto_span(seg: str) -> tuple[int, int, str] | None:
    toned = canonical_tones(seg)  # same length as seg, so match positions carry over
    for motto in (_PARTY_MOTTO, _STATE_MOTTO):
        if m := motto.search(toned):
            return m.start(), m.end(), "exact"
    folded = fold_same_length(seg)
    for motto, _ in _FOLDED_MOTTOS:
        if m := motto.search(folded):
            return m.start(), m.end(), "folded"
    return None


def _split_segment(seg: str) -> list[str]:
    """Split a segment holding two header elements joined by a single space.

    A motto is split out only when printed in capitals or after an organ name: "Đảng Cộng sản
    Việt Nam" inside a subject belongs to the sentence.
    """
    span = _motto_span(seg)
    if span and not (span[0] == 0 and span[1] == len(seg)):
        start, end, _ = span
        before, motto = match_key(seg[:start]), seg[start:end]
        if (
            motto.isupper()
            or motto.startswith("Độc")
            or (ORG_START.match(before) and len(before.split()) <= 8)
        ):
            return [p.strip() for p in (seg[:start], motto, seg[end:]) if p.strip()]
    if title := _TITLE_THEN_SUBJECT.match(canonical_tones(seg)):
        return [seg[: title.end()].strip(), seg[title.end() :].strip()]
    prefix = _NUMBER_PREFIX.match(seg)
    rest = _DASHES.sub("-", seg[prefix.end() :]) if prefix else ""
    num = _PARTY_NUMBER.match(rest) or _STATE_NUMBER.match(rest)
    if prefix and num and rest[num.end() :].strip():
        return [seg[: prefix.end()] + rest[: num.end()], rest[num.end() :].strip()]
    return [seg]


def _cut(lines: list[str], start: int = 0) -> list[Cell]:
    cells = []
    for no, line in enumerate(lines, start):
        for seg in _COLUMN_GAP.split(line.strip()):
            seg = seg.strip().lstrip("*").strip() if not _SEPARATOR.match(seg) else seg.strip()
            for part in _split_segment(seg) if seg else []:
                cells.append(Cell(no, _SPACES.sub(" ", part).strip(), match_key(part)))
    return cells


def mark_match(key: str, allow_rest: bool = False) -> re.Match[str] | None:
    """A whole-cell secrecy/urgency stamp; only HẸN GIỜ may carry a time after it."""
    m = _MARKS.match(key)
    if not m or not (m["level"] or m["urgency"]):
        return None
    return m if not m["rest"] or allow_rest else None


def _merge_split_marks(cells: list[Cell]) -> list[Cell]:
    """Join stamps wrapped over two lines ("TUYỆT" / "MẬT", "THƯỢNG" / "KHẨN")."""
    out: list[Cell] = []
    for cell in cells:
        prev = out[-1] if out else None
        joined = f"{prev.key} {cell.key}" if prev else ""
        if prev and fold(prev.key) in {fold(h) for h in _MARK_HEADS} and _fuzzy_mark(joined):
            out[-1] = Cell(prev.line, f"{prev.text} {cell.text}", joined)
        else:
            out.append(cell)
    return out


def _fuzzy_mark(key: str) -> tuple[str, str] | None:
    m = _FOLDED_MARKS.match(fold(key))
    if not m or not (m["level"] or m["urgency"]):
        return None
    return _FOLDED_LEVELS.get(m["level"] or "", "thuong"), _FOLDED_URGENCIES.get(
        m["urgency"] or "", "thuong"
    )


def _classify(cell: Cell) -> None:
    """Give a cell its role (and value) from its shape alone; folded shapes get less trust."""
    key, text = cell.key, cell.text
    folded = fold(key)
    if not key or _SEPARATOR.match(text):
        cell.role = "sep"
    elif _PARTY_MOTTO.fullmatch(key):
        cell.role, cell.value = "motto", "party"
    elif _STATE_MOTTO.match(key) or _MOTTO_FRAGMENT.match(key):
        cell.role, cell.value = "motto", "state"
    elif _NUMBER_PREFIX.match(text):
        cell.role = "number"
    elif _DATE_WORDS.match(text) or _DATE_NUMERIC.match(text):
        cell.role = "date"
    elif key in DOC_TYPES:
        cell.role, cell.value = "title", key
    elif _RECIPIENT.match(key):
        cell.role = "recipient"
    elif _DEADLINE.match(key):
        cell.role = "deadline"
    elif _VV.match(text):
        cell.role = "vv"
    elif (m := mark_match(key)) or (
        (m := mark_match(key, True)) and m["urgency"] == "HỎA TỐC HẸN GIỜ"
    ):
        cell.role = "mark"
        cell.level = LEVELS.get(m["level"] or "", "thuong")
        cell.urgency = URGENCIES.get(m["urgency"] or "", "thuong")
        cell.confidence = 0.95
    elif motto := next((v for rx, v in _FOLDED_MOTTOS if rx.fullmatch(folded)), None):
        cell.role, cell.value, cell.confidence = "motto", motto, 0.85
    elif _DATE_FUZZY.match(fold_same_length(text)):
        cell.role, cell.confidence = "date", 0.75
    elif folded in _FOLDED_TITLES and text.isupper():
        cell.role, cell.value, cell.confidence = "title", _FOLDED_TITLES[folded], 0.75
    elif fold(key).startswith("hen gio"):
        cell.role = "deadline"
    elif found := _fuzzy_mark(key):
        cell.role, (cell.level, cell.urgency), cell.confidence = "mark", found, 0.6
    elif text.isupper() and not has_marks(text) and (restored := restore_marks(key)):
        # an OCR line that lost its diacritics; a partly restored one must be looked at
        cell.key, cell.confidence = restored[0], 0.75 if restored[1] else 0.5


def parse_number(text: str) -> tuple[str, str, str | None, str | None] | None:
    """(normalized number, kind, type code, body code) from a "Số ..." cell."""
    prefix = _NUMBER_PREFIX.match(text)
    rest = _DASHES.sub("-", text[prefix.end() :] if prefix else text.strip())
    if m := _PARTY_NUMBER.match(rest):
        code = _CODE_BY_UPPER.get(m[2].upper(), m[2])
        return f"{m[1]}-{code}/{m[3]}", "party", code, m[3]
    if m := _STATE_NUMBER.match(rest):
        symbol = _SPACES.sub("", m[3])
        parts = symbol.split("-")
        code = _CODE_BY_UPPER.get(parts[0].upper()) if len(parts) > 1 else None
        body = parts[1] if code else parts[0]
        year = f"{m[2]}/" if m[2] else ""
        return f"{m[1]}/{year}{symbol}", "state", code or "CV", body  # "1502/SNV-VTLT": a CV
    return None


def parse_date(text: str) -> tuple[str, str | None, float] | None:
    """(ISO date, place, confidence) from a date line, or None if it is not a valid date."""
    m, conf = _DATE_WORDS.match(text), 0.97
    if not m:
        m, conf = _DATE_NUMERIC.match(text), 0.9
    place = (m["place"] or "").strip() if m else ""
    if not m:
        folded = fold_same_length(text)
        m, conf = _DATE_FUZZY.match(folded), 0.75
        if not m:
            return None
        place = text[m.start("place") : m.end("place")].strip() if m["place"] else ""
    try:
        d, mo, y = (int(str(v).translate(_OCR_DIGITS)) for v in (m["d"], _month(m), m["y"]))
        day = dt.date(y, mo, d)
    except ValueError:
        return None
    return day.isoformat(), place or None, conf


def _month(m: re.Match[str]) -> str:
    return m["m"] if m["m"] is not None else m.groupdict().get("m2") or ""


def _continues(prev: str, nxt: str) -> bool:
    """Does nxt continue a wrapped subject line rather than start the body?"""
    if _TERMINAL.search(prev) or _BODY_START.match(nxt) or nxt.isupper():
        return False
    if nxt[0].islower() or nxt[0].isdigit() or nxt[0] in "(\"“'":
        return True
    last = prev.split()[-1]
    if last in _CONNECTORS:
        return True
    if _TERMINAL.search(nxt):
        return False
    # A proper name broken across lines ("... của Ban" / "Thường vụ Tỉnh ủy"), or the last word
    # or two of a long line pushed onto the next ("... ra khỏi" / "Đảng").
    in_name = any(word[0].isupper() for word in prev.split()[-2:])
    words = len(nxt.split())
    return (in_name and words <= 6) or (words <= 2 and len(prev.split()) >= 8)


def _subject(cells: list[Cell], start: int, skip_header: bool) -> tuple[str | None, int, float]:
    """Collect a subject starting at cells[start]; return it, the index after it, confidence.

    With skip_header (a "V/v" under the number) right-column cells met in between are stepped
    over, since column interleaving may put the date between two lines of the summary.
    """
    parts: list[str] = []
    i = start
    while i < len(cells) and len(parts) < SUBJECT_MAX_LINES:
        cell = cells[i]
        if parts and skip_header and cell.role in ("motto", "date", "sep"):
            i += 1
            continue
        starts = not parts and cell.role in ("other", "vv")
        if starts or (parts and cell.role == "other" and _continues(parts[-1], cell.text)):
            parts.append(cell.text)
        elif parts or cell.role == "sep":
            break
        i += 1
    conf = 0.6 if len(parts) >= SUBJECT_MAX_LINES else 0.9 if len(parts) <= 3 else 0.8
    return " ".join(parts)[:500].strip() or None, i, conf


def subject_at(cells: list[Cell], start: int, skip_header: bool) -> tuple[str | None, float]:
    subject, _, conf = _subject(cells, start, skip_header)
    return subject, conf


def is_issuer_cell(cell: Cell) -> bool:
    """Left-column body names: capitals (or an organ word in legacy text), no digits.

    Vietnamese syllables have at most 7 letters, so longer "words" are OCR debris, not a name.
    """
    text, words = cell.text, cell.text.split()
    if cell.role != "other" or any(ch.isdigit() for ch in text) or cell.key in _NOT_ISSUER:
        return False
    if len(words) > 12 or any(len(word.strip(",.")) > 7 for word in words):
        return False
    return text.isupper() or bool(ORG_START.match(cell.key))


def first(cells: list[Cell], role: str, end: int, start: int = 0) -> int | None:
    return next((i for i in range(start, min(end, len(cells))) if cells[i].role == role), None)


def _region_end(cells: list[Cell], start: int) -> int:
    """Index of the first body-like cell at or after start (or the end of the head lines)."""
    for i in range(start, len(cells)):
        cell = cells[i]
        sentence = cell.role == "other" and len(cell.text.split()) >= 6 and not cell.text.isupper()
        if (
            cell.role == "recipient"
            or sentence
            or (cell.role == "other" and _BODY_START.match(cell.text))
        ):
            return i
    return len(cells)


def _cv_subject_at(cells: list[Cell], number_at: int | None, end: int) -> int | None:
    """Where a công văn summary starts: a "V/v" line, or a "về ..." line right under the number."""
    vv_at = first(cells, "vv", end)
    if vv_at is not None or number_at is None:
        return vv_at
    nxt = next((i for i in range(number_at + 1, end) if cells[i].role == "other"), None)
    return nxt if nxt is not None and _ABOUT.match(cells[nxt].text) else None


def _own_number_line(cells: list[Cell], at: int) -> bool:
    """A number found after the title is the document's own only on a line of its own (or
    shared with the date or motto of the other column), never inside a sentence."""
    same = [c for c in cells if c.line == cells[at].line and c is not cells[at]]
    return all(c.role in ("date", "motto", "sep", "mark") for c in same) and not any(
        c.role == "date" and len(c.text.split()) > 9 for c in same
    )


def _fallback_number(cells: list[Cell], end: int) -> int | None:
    """A bare "117-KH/TU" cell in the header when OCR lost the "Số" word."""
    for i, cell in enumerate(cells[:end]):
        found = parse_number(cell.text) if cell.role == "other" else None
        if found and (found[1] == "party" or "-" in found[0]) and len(cell.text.split()) <= 3:
            return i
    return None


def header_cells(lines: list[str]) -> HeadCells:
    """Cut and classify the head lines, and locate the header's elements and region."""
    cells = _merge_split_marks(_cut(lines))
    for cell in cells:
        _classify(cell)
    in_header = sum(1 for c in cells if c.line < HEADER_LINES)
    title = first(cells, "title", in_header)
    number_at = first(cells, "number", in_header if title is None else title)
    number_conf = 0.97
    summary_at = None
    if title is not None:
        _, after, _ = _subject(cells, title + 1, skip_header=False)
        span = (title, after)
    elif (summary_at := _cv_subject_at(cells, number_at, in_header)) is not None:
        _, after, _ = _subject(cells, summary_at, skip_header=True)
        span = (summary_at, after)
    else:
        after = 0 if number_at is None else number_at + 1
        span = (after, after)
    region = _region_end(cells, after)
    if region < span[1] and title is None:
        region = span[1]
    if number_at is not None and number_at >= region:
        number_at = None
    if number_at is None and title is not None:  # title before number ("NGHỊ QUYẾT" first)
        later = first(cells, "number", region, start=span[1])
        if later is not None and _own_number_line(cells, later):
            number_at, number_conf = later, 0.9
    if number_at is None:
        number_at, number_conf = _fallback_number(cells, region), 0.7
    if number_at is not None and parse_number(cells[number_at].text) is None:
        number_at = None
    issuer_end = number_at if number_at is not None else region
    return HeadCells(cells, region, number_at, number_conf, summary_at, issuer_end, span)


def tail_cells(lines: list[str], from_line: int) -> list[tuple[int, str]]:
    """(line index, text) cells of the lines from from_line on, split at column gaps."""
    out = []
    for no in range(from_line, len(lines)):
        for seg in _COLUMN_GAP.split(lines[no].strip()):
            if seg.strip():
                out.append((no, _SPACES.sub(" ", seg).strip()))
    return out
