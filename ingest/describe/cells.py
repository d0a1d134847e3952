"""Header cells: the first lines of a document cut into elements, each recognised by its shape.

A cell is a line, or a part of a two-column line split at a wide gap or at a known element
("Số 09-NQ/TU Cao Bằng, ngày ..."). ``header_cells`` gives every cell a role (number, date,
title, motto, mark, ...) and finds where the header region ends: the first body-like cell after
the subject. Only the region is searched for the document's own number, date and stamps, since
bodies cite other documents. Exact shapes are tried first; OCR-damaged ones ("QUY CHE", "thảng",
"TỐI MẶT") match on folded text with a lower confidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.describe.issuer import ORG_START
from ingest.describe.numbers import (
    DATE_INSIDE,
    PREFIX,
    is_date_cell,
    is_fuzzy_date_cell,
    read_number,
)
from ingest.describe.syllable import is_acronym, is_syllable
from ingest.describe.text import (
    ABOUT_MARK,
    canonical_tones,
    fold,
    fold_same_length,
    has_marks,
    match_key,
)
from ingest.describe.vocab import DOC_TYPES, HEADER_PHRASES, LEVELS, URGENCIES

HEADER_LINES = 40  # the number, title and subject are looked for this far down
SUBJECT_MAX_LINES = 6
_DASHES = re.compile(r"[\u2010-\u2015\u2212]")
_COLUMN_GAP = re.compile(r"\s{3,}|\t+")
_SPACES = re.compile(r"\s+")
_SEPARATOR = re.compile(r"^[\s*\-_=~.·•]+$")
# A blank left in the print for a handwritten number or day is a run of spaces, which would
# otherwise cut the cell in two ("Số:           /KH-SCT", "ngày       tháng 4").
_BLANK_NUMBER = re.compile(r"(S[ốỐoOóÓôÔ6]\s*[:.]?)[ \t]{2,}(?=\S{0,12}[ \t]*[/-])")
_BLANK_DAY = re.compile(r"(ngày)[ \t]{2,}(?=\S{0,6}[ \t]*tháng)", re.IGNORECASE)
_BLANK_MONTH = re.compile(r"(tháng)[ \t]{2,}(?=\S{0,4}[ \t]*năm)", re.IGNORECASE)
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
_FOLDED_MARK_HEADS = frozenset(fold(h) for h in _MARK_HEADS)
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
# Debris of the state motto from the other column ("QUANG “9€ lập - lự do - Hạnh phúc").
_MOTTO_DEBRIS = re.compile(r"\bhanh\s+phuc\b|\bdoc\s+lap\s*-|\btu\s+do\s*-\s*h")
_FOLDED_TITLES = {fold(title): title for title in DOC_TYPES}
# A title run into its subject on one line: "QUYẾT ĐỊNH Về việc ...".
_TITLE_THEN_SUBJECT = re.compile(
    "^(" + "|".join(sorted(DOC_TYPES, key=len, reverse=True)) + r")\s+(?=(?:về|Về|V/v)\s)"
)
_VV = re.compile(r"^[\W_]{0,2}" + ABOUT_MARK + r"\s*:?\s*")  # a speck may come before it
_ABOUT = re.compile(r"^về\s", re.IGNORECASE)
_RECIPIENT = re.compile(r"^(?:KÍNH GỬI|NƠI NHẬN)\b")
# A list item ("1- ", "II. ") opens the body; a year range a subject wrapped onto its own line
# ("nhiệm kỳ" / "2021- 2026", OCR having closed the space before the dash) does not.
_BODY_START = re.compile(
    r"^(?!\d{4}\s*[-–—]\s*\d{4}\b)"
    r"(?:Căn cứ|Thực hiện|Kính gửi|Nơi nhận|Xét|Theo|Để|Trong|Qua|Nhằm|Sau khi|Trên cơ sở|"
    r"Trả lời|Phúc đáp|Vừa qua|Thời gian qua|Hiện nay|Điều\s+\d|Chương\s+[IVX\d]|Phần\s+[IVX\d]|"
    r"[IVX\d]{1,4}(?:[.)]|-\s)|[a-zđ]\)|[-+•])"
)
_TERMINAL = re.compile(r"[.;:!?]$")
# A lone sign before a capital on the line under a title: OCR's reading of a speck of the short
# rule printed there, not a list item ("+ Xử phạt vi phạm hành chính").
_SPECK = re.compile(r"^[+•]\s+")
_YEAR_WRAP = re.compile(r"^[-–—]\s*\d{4}\b")
_YEAR_END = re.compile(r"\b\d{4}$")
_CONNECTOR_WORDS = (  # a subject line ending in one of these words is surely wrapped
    "của và về với các cho trong thuộc tại đối những theo giữa từ đến trên dưới khi để nhằm là "
    "có được bị do hoặc hay lần thứ ngày tháng năm số một hai ba nhiệm kỳ đại biểu"
)
_CONNECTORS = frozenset(_CONNECTOR_WORDS.split())
_NOT_ISSUER = frozenset(
    {"LƯU HÀNH NỘI BỘ", "XEM XONG TRẢ LẠI", "TÀI LIỆU THU HỒI", "GIẢI MẬT", "BẢN SAO", "DỰ THẢO"}
)
# The signer's authority printed between the subject and the body of a decision
# ("GIÁM ĐỐC SỞ CÔNG THƯƠNG TỈNH LÀO CAI", "CỤC TRƯỞNG CỤC HÓA CHẤT"): no issuer line.
_AUTHORITY = re.compile(
    r"^(?:pho\s+)?(?:giam doc|cuc truong|tong cuc truong|vu truong|chu tich|bo truong|"
    r"thu truong|truong ban|chanh van phong|chanh thanh tra|truong phong|bi thu|chu nhiem|"
    r"chi cuc truong|hieu truong|vien truong)\b"
)
# An incoming stamp ("ĐẾN", "Số đến", "Ngày:", "Chuyển:") pressed onto the header by the office
# that received the document.
_STAMP = re.compile(r"(?:^|\s)ĐẾN(?:\s|$|:)|^(?:SỐ|NGÀY)\s*ĐẾN\b|^(?:CÔNG VĂN|VĂN BẢN)\s+ĐẾN\b")
_FOLDED_STAMP = re.compile(r"^(?:so den|ngay den|cong van den|van ban den|chuyen\s*:)")
# The title block of a conference printed between the title and the subject.
_CONFERENCE = re.compile(r"^(?:hoi nghi|ky hop)\b")


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
    title_at: int | None = None


_DASH_CHARS = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"})


def _motto_span(seg: str) -> tuple[int, int, str] | None:
    toned = canonical_tones(seg).translate(_DASH_CHARS)  # same length: positions carry over
    for motto in (_PARTY_MOTTO, _STATE_MOTTO):
        if m := motto.search(toned):
            return m.start(), m.end(), "exact"
    folded = fold_same_length(seg).translate(_DASH_CHARS)
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
            parts = [seg[:start], motto, seg[end:]]
            return [q for p in parts if p.strip() for q in _split_segment(p.strip(" -–—"))]
    if title := _TITLE_THEN_SUBJECT.match(canonical_tones(seg)):
        return [seg[: title.end()].strip(), seg[title.end() :].strip()]
    if PREFIX.match(seg) and (number := read_number(seg)) and seg[number.end :].strip():
        return [seg[: number.end].strip(), *_split_segment(seg[number.end :].strip())]
    date = DATE_INSIDE.search(seg)
    if date and seg[: date.start()].strip().isupper():  # a body line in capitals, then the date
        return [seg[: date.start()].strip(), seg[date.start() :].strip()]
    return [seg]


def _protect_blanks(line: str) -> str:
    line = _BLANK_NUMBER.sub(r"\1 ", line)
    return _BLANK_MONTH.sub(r"\1 ", _BLANK_DAY.sub(r"\1 ", line))


def _cut(lines: list[str], start: int = 0) -> list[Cell]:
    cells = []
    for no, line in enumerate(lines, start):
        for seg in _COLUMN_GAP.split(_protect_blanks(line.strip())):
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
        if prev and fold(prev.key) in _FOLDED_MARK_HEADS and _fuzzy_mark(joined):
            out[-1] = Cell(prev.line, f"{prev.text} {cell.text}", joined)
        else:
            out.append(cell)
    return out


_DATE_WANTING_YEAR = re.compile(r"\bng[àa]y\b.*\bn[ăa]m\s*$", re.IGNORECASE)
_YEAR_ALONE = re.compile(r"^\d{4}\.?$")


def _merge_wrapped_years(cells: list[Cell]) -> list[Cell]:
    """Join a place and date line wrapped before its year ("Yên Bái, ngày 18 tháng 10 năm" /
    "2018", a narrow right column): apart, neither is a date, and the first was read as the
    start of the subject."""
    out: list[Cell] = []
    for cell in cells:
        prev = out[-1] if out else None
        if prev and _DATE_WANTING_YEAR.search(prev.text) and _YEAR_ALONE.match(cell.text):
            out[-1] = Cell(prev.line, f"{prev.text} {cell.text}", f"{prev.key} {cell.key}")
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


_PHRASES: dict[tuple[str, ...], list[str]] = {
    tuple(fold(p).split()): p.split() for p in sorted(HEADER_PHRASES, key=len, reverse=True)
}
_LONGEST = max(len(k) for k in _PHRASES)


def restore_marks(key: str) -> tuple[str, bool] | None:
    """Put back the diacritics of an upper-case line from known phrases.

    Returns (line, complete): words no phrase covers are kept as they are (complete=False)
    rather than guessed; None when no word was covered at all.
    """
    words, out, i, complete = fold(key).split(), [], 0, True
    original = key.split()
    if len(original) != len(words):
        return None
    while i < len(words):
        for size in range(min(_LONGEST, len(words) - i), 0, -1):
            phrase = _PHRASES.get(tuple(words[i : i + size]))
            if phrase:
                out += phrase
                i += size
                break
        else:
            out.append(original[i])
            complete = False
            i += 1
    return (" ".join(out), complete) if out != original else None


def _classify(cell: Cell) -> None:
    """Give a cell its role (and value) from its shape alone; folded shapes get less trust."""
    key, text = cell.key, cell.text
    folded = fold(key)
    if not key or _SEPARATOR.match(text):
        cell.role = "sep"
    elif _PARTY_MOTTO.fullmatch(key):
        cell.role, cell.value = "motto", "party"
    elif _STATE_MOTTO.match(key.translate(_DASH_CHARS)) or _MOTTO_FRAGMENT.match(key):
        cell.role, cell.value = "motto", "state"
    elif _STAMP.search(text) or _FOLDED_STAMP.match(folded):
        cell.role = "stamp"
    elif PREFIX.match(text) and read_number(text):
        cell.role = "number"
    elif is_date_cell(text):
        cell.role = "date"
    elif key in DOC_TYPES and _CLAUSE.search(text):  # "QUYẾT ĐỊNH:" opens the articles
        cell.role = "clause"
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
    elif is_fuzzy_date_cell(text):
        cell.role, cell.confidence = "date", 0.75
    elif folded in _FOLDED_TITLES and text.isupper() and _CLAUSE.search(text):
        cell.role = "clause"
    elif folded in _FOLDED_TITLES and text.isupper():
        # a title line whose marks OCR changed ("QUYÉT ĐỊNH"): its letters name one type (no
        # two types share them), so it is that type; the debris case below is less sure
        cell.role, cell.value, cell.confidence = "title", _FOLDED_TITLES[folded], 0.85
    elif title := _title_after_debris(text):
        cell.role, cell.value, cell.confidence = "title", title, 0.75
    elif fold(key).startswith("hen gio"):
        cell.role = "deadline"
    elif found := _fuzzy_mark(key):
        # An urgency mark in capitals whose diacritics OCR dropped, all of them ("KHAN"), is
        # the mark: no other line of a header reads so. A secrecy mark stays unsure ("MAT" may
        # be a half-read "TỐI MẬT"), and so does one read with other diacritics ("KHĂN").
        bare = found[0] == "thuong" and text.isupper() and not has_marks(text)
        cell.role, (cell.level, cell.urgency), cell.confidence = (
            "mark",
            found,
            0.85 if bare else 0.6,
        )
    elif _MOTTO_DEBRIS.search(fold_same_length(text).translate(_DASH_CHARS)):
        cell.role, cell.value, cell.confidence = "motto", "state", 0.6
    elif text.isupper() and _AUTHORITY.match(folded) and len(folded.split()) >= 2:
        cell.role = "authority"
    elif text.isupper() and _CONFERENCE.match(folded):
        cell.role = "conference"
    elif text.isupper() and not has_marks(text) and (restored := restore_marks(key)):
        # an OCR line that lost its diacritics; a partly restored one must be looked at
        cell.key, cell.confidence = restored[0], 0.75 if restored[1] else 0.5


# "QUYẾT ĐỊNH:", "QUYẾT NGHỊ:": the words that open a decision's articles, not its title.
_CLAUSE = re.compile(r":\s*$")
_DEBRIS_WORD = re.compile(r"^[^\W_]{0,3}[\W\d_]+[^\W_]{0,3}$")


def _title_after_debris(text: str) -> str | None:
    """A title with OCR debris before it ("M1... QUYÉT ĐỊNH": a handwritten mark or a stamp's
    edge in the margin): at most two short words, none a syllable and each with a digit or
    punctuation in it, then the title's words in capitals."""
    words = text.split()
    for size in (1, 2):
        head, rest = words[:size], " ".join(words[size:])
        if not rest.isupper() or fold(match_key(rest)) not in _FOLDED_TITLES:
            continue
        if all(_DEBRIS_WORD.match(w) and not is_syllable(w.strip(".,:;")) for w in head):
            return _FOLDED_TITLES[fold(match_key(rest))]
    return None


def _continues(prev: str, nxt: str, upper: bool, summary: bool = False) -> bool:
    """Does nxt continue a wrapped subject line rather than start the body?

    A công văn's summary (``summary``) sits in the narrow left column under the number, so its
    short lines go on until the next element whatever their first letter.
    """
    if _YEAR_WRAP.match(nxt) and _YEAR_END.search(prev):  # "nhiệm kỳ 2021" / "- 2026"
        return True
    if _TERMINAL.search(prev) or _BODY_START.match(nxt):
        return False
    if summary and not nxt.isupper() and len(nxt.split()) <= 10 and not _TERMINAL.search(nxt):
        return True
    if summary and not upper and len(nxt.split()) <= 2 and all(map(is_acronym, nxt.split())):
        return True  # an abbreviation wrapped alone ("… huấn luyện KTAT" / "VLNCN")
    if upper:  # a subject in capitals goes on in capitals (or with a year: "2011-2020")
        return not any(ch.islower() for ch in nxt)
    if nxt.isupper():
        return False
    if nxt[0].islower() or nxt[0].isdigit() or nxt[0] in "(\"“'":
        return True
    last = prev.split()[-1]
    if last in _CONNECTORS:
        return True
    if _TERMINAL.search(nxt) or (nxt.endswith(",") and len(nxt.split()) >= 8):
        return False
    # A proper name broken across lines ("... đón Tết Nguyên đán" / "Nhâm Dần-năm 2022 đầm
    # ấm"), or the last word or two of a long line pushed onto the next ("... ra khỏi" / "Đảng").
    in_name = any(word[0].isupper() for word in prev.split()[-2:])
    words = len(nxt.split())
    return (in_name and words <= 12) or (words <= 2 and len(prev.split()) >= 8)


def _subject(
    cells: list[Cell], start: int, skip_header: bool
) -> tuple[str | None, int, float, str | None]:
    """Collect a subject starting at cells[start]; return it, the index after it, confidence
    and, when the confidence is lowered, why (a person reviewing it must see the reason).

    With skip_header (a "V/v" under the number) right-column cells met in between are stepped
    over, since column interleaving may put the date between two lines of the summary. The
    title block of a conference ("HỘI NGHỊ LẦN THỨ ...") between the title and the subject is
    stepped over too.
    """
    parts: list[str] = []
    i = start
    upper = False
    speck = ""
    while i < len(cells) and len(parts) < SUBJECT_MAX_LINES:
        cell = cells[i]
        if parts and skip_header and cell.role in ("motto", "date", "sep", "stamp"):
            i += 1
            continue
        if not parts and cell.role == "conference":
            i += 1
            while (
                i < len(cells)
                and i < start + 4
                and cells[i].role == "other"
                and (cells[i].text.isupper() and not cells[i].key.startswith("VỀ "))
            ):
                i += 1
            continue
        # an article ("Điều 1."), a list item or a clause opens the body, never a subject:
        # no line after it is one either ("Căn cứ Luật …" / "2020, 2025);" was taken)
        if not parts and cell.role in ("other", "vv") and _BODY_START.match(cell.text):
            rest = _SPECK.sub("", cell.text)
            if i == start and not skip_header and rest != cell.text and rest[:1].isupper():
                parts.append(rest)  # a speck of the rule under the title read as "+"
                upper, speck = rest.isupper(), cell.text[: len(cell.text) - len(rest)].strip()
                i += 1
                continue
            break
        if not parts and cell.role in ("other", "vv"):
            parts.append(cell.text)
            upper = cell.text.isupper()
        elif (
            parts and cell.role == "other" and _continues(parts[-1], cell.text, upper, skip_header)
        ):
            parts.append(cell.text)
        elif parts or cell.role == "sep":
            break
        i += 1
    conf, note = 0.9 if len(parts) <= 3 else 0.8, None
    if len(parts) >= SUBJECT_MAX_LINES:
        conf, note = 0.6, f"trích yếu dài {len(parts)} dòng trở lên: có thể lẫn dòng thân văn bản"
    elif speck:
        conf, note = 0.75, f"bỏ ký hiệu '{speck}' đầu dòng dưới tên loại: có thể là vết bẩn"
    return " ".join(parts)[:500].strip() or None, i, conf, note


def subject_at(
    cells: list[Cell], start: int, skip_header: bool
) -> tuple[str | None, float, str | None]:
    """The subject starting at cells[start], its confidence and why it is lowered (or None)."""
    subject, _, conf, note = _subject(cells, start, skip_header)
    return subject, conf, note


def is_issuer_cell(cell: Cell) -> bool:
    """Left-column body names: capitals (or an organ word in legacy text), no digits.

    Vietnamese syllables have at most 7 letters, so longer "words" are OCR debris, not a name;
    a line of one letter is the star or rule under the name, read by OCR ("M"), not a part of it.
    """
    text, words = cell.text, cell.text.split()
    if cell.role != "other" or any(ch.isdigit() for ch in text) or cell.key in _NOT_ISSUER:
        return False
    if sum(ch.isalpha() for ch in text) < 2:
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
    """A bare "117-KH/TU" cell in the header when OCR lost the "Số" word, or a bare printed
    symbol ("/QĐ-XPVPHC") when it lost the number too."""
    for i, cell in enumerate(cells[:end]):
        found = read_number(cell.text) if cell.role == "other" else None
        symbol = found and (found.value is None or found.kind == "party" or "-" in found.value)
        if symbol and len(cell.text.split()) <= 3:
            return i
    return None


def header_cells(lines: list[str]) -> HeadCells:
    """Cut and classify the head lines, and locate the header's elements and region."""
    cells = _merge_wrapped_years(_merge_split_marks(_cut(lines)))
    for cell in cells:
        _classify(cell)
    in_header = sum(1 for c in cells if c.line < HEADER_LINES)
    title = first(cells, "title", in_header)
    number_at = first(cells, "number", in_header if title is None else title)
    number_conf = 0.97
    summary_at = None
    if title is not None:
        _, after, _, _ = _subject(cells, title + 1, skip_header=False)
        span = (title, after)
    elif (summary_at := _cv_subject_at(cells, number_at, in_header)) is not None:
        _, after, _, _ = _subject(cells, summary_at, skip_header=True)
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
    if number_at is not None and read_number(cells[number_at].text) is None:
        number_at = None
    issuer_end = number_at if number_at is not None else region
    if title is not None and number_at is not None and title < number_at:
        issuer_end = number_at  # title first: the body lines sit between it and the number
    elif title is not None:
        issuer_end = min(issuer_end, title)
    return HeadCells(cells, region, number_at, number_conf, summary_at, issuer_end, span, title)


def tail_cells(lines: list[str], from_line: int) -> list[tuple[int, str]]:
    """(line index, text) cells of the lines from from_line on, split at column gaps."""
    out = []
    for no in range(from_line, len(lines)):
        for seg in _COLUMN_GAP.split(lines[no].strip()):
            if seg.strip():
                out.append((no, _SPACES.sub(" ", seg).strip()))
    return out
