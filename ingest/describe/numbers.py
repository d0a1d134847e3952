"""The document's own number and date, as printed in the header, and what to do with blanks.

Numbers: Party "Số 31-KH/BTCTU", state "Số: 2718/QĐ-UBND", with a year "Số: 12/2020/NĐ-CP" or
"66.19/2026/NQ-CP", after a type name ("Nghị quyết số: 11-NQ/TW"). OCR slips are put right
against the known type codes ("CTIr" -> "CTr", "QD" -> "QĐ") and symbols are ASCII plus Đ, so a
"Ư" read for "U" ("445-KL/TƯ") becomes "U". Offices print the number's blank and fill it in by
hand at registration ("Số: ___/CT-UBND"; the day too: "ngày ___ tháng 5 năm 2025"), and
working copies stay blank: such a number is never guessed. ``read_number`` returns the printed
part ("/CT-UBND") and says the number itself is blank or handwritten; the caller decides what
the field holds (a text layer's blank is an unnumbered copy; a scan's, a handwritten number).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from ingest.describe.text import fold, fold_same_length
from ingest.describe.vocab import DOC_TYPES, TYPE_CODES

_DASHES = re.compile(r"[\u2010-\u2015\u2212]")
_SPACES = re.compile(r"\s+")
_TYPE_NAMES = "|".join(sorted((t.lower() for t in DOC_TYPES), key=len, reverse=True))
# "Số", "SỐ", "Số:", OCR's "Só", "S6", "Sô"; optionally after the type's name ("Nghị quyết số:").
PREFIX = re.compile(
    rf"^\W{{0,2}}(?:(?:{_TYPE_NAMES})\s+)?S[ốỐoOóÓôÔồỒổỔõÕòÒọỌ6]\s*[:.;]?\s*", re.IGNORECASE
)
_LETTER = r"[^\W\d_]"
_PART = rf"{_LETTER}[^\W_]{{0,11}}"
_STATE_SYMBOL = rf"{_LETTER}[^\W_]{{0,9}}(?:\s*-\s*{_PART})*"
_PARTY = re.compile(rf"^(?P<n>\d{{1,5}})\s*-\s*(?P<t>{_LETTER}{{1,6}})\s*/\s*(?P<b>{_PART})")
_STATE = re.compile(
    rf"^(?P<n>\d{{1,5}}(?:\.\d{{1,3}})?)(?P<gap>\s*)/\s*(?:(?P<y>\d{{4}})\s*/\s*)?"
    rf"(?P<s>{_STATE_SYMBOL})"
)
# The printed part after a blank or handwritten number.
_STATE_TAIL = re.compile(
    rf"/\s*(?:(?P<y>\d{{4}})\s*/\s*)?(?P<s>{_LETTER}[^\W_]{{0,9}}(?:\s*-\s*{_PART})+|{_LETTER}{{2,9}}\b)"
)
_PARTY_TAIL = re.compile(rf"-\s*(?P<t>{_LETTER}{{1,6}})\s*/\s*(?P<b>{_PART})")
_BLANK_MARKS = re.compile(r"^[\s_.…·\-–—]*$")
_UPPER_CODES = {code.upper(): code for code in TYPE_CODES} | {"QD": "QĐ", "ND": "NĐ", "DA": "ĐA"}
_INSERTED = "Il1|i"  # letters OCR adds inside a code ("CTIr")


@dataclass
class NumberReading:
    """A number cell as read. ``value`` is the whole number when it is printed; otherwise
    ``printed`` holds the printed part and ``blank``/``handwritten`` say why."""

    value: str | None
    printed: str  # the symbol part as printed: "/CT-UBND", "-NQ/TU" (the whole number if clean)
    kind: str  # party | state
    code: str | None  # document type code, when the symbol has one ("CV" for a công văn)
    parts: list[str]  # symbol parts, for the issuer check ("QĐ", "UBND")
    blank: bool = False  # nothing in the blank
    handwritten: str | None = None  # what OCR read in the blank, when anything
    fixes: list[str] = field(default_factory=list)  # corrections of OCR slips
    end: int = 0  # where the number ends in the cell text
    odd_code: bool = False  # a Party symbol whose type code is no known type, or was guessed


def _clean_symbol(symbol: str) -> str:
    """ASCII letters, digits, Đ and dashes: "TTr -UBND" -> "TTr-UBND", "TƯ" -> "TU"."""
    out = []
    for ch in _SPACES.sub("", symbol):
        if ch in "Đđ-" or ch.isascii():
            out.append(ch)
        else:
            base = fold(ch)  # "" for a sign that is no letter
            out.append(base.upper() if ch.isupper() else base)
    return "".join(out)


def known_code(code: str) -> tuple[str | None, str | None]:
    """(canonical type code, the correction made) for a code as read, or (None, None)."""
    if code in TYPE_CODES:
        return code, None
    if code.upper() in _UPPER_CODES:
        return _UPPER_CODES[code.upper()], None
    candidates = set()
    for i, ch in enumerate(code):
        if ch in _INSERTED:
            shorter = code[:i] + code[i + 1 :]
            if len(shorter) >= 3 and shorter in TYPE_CODES:
                candidates.add(shorter)
    for i in range(1, len(code)):  # a letter read twice ("QĐĐ")
        if code[i] == code[i - 1] and code[:i] + code[i + 1 :] in TYPE_CODES:
            candidates.add(code[:i] + code[i + 1 :])
    swapped = code.replace("D", "Đ").replace("0", "O")
    if swapped != code and swapped in TYPE_CODES:
        candidates.add(swapped)
    if len(candidates) == 1:
        fixed = candidates.pop()
        return fixed, f"'{code}' → '{fixed}'"
    return None, None


def _state(
    number: str, year: str | None, symbol: str, fixes: list[str]
) -> tuple[str, str | None, list[str]]:
    symbol = _clean_symbol(symbol)
    parts = symbol.split("-")
    code, fix = known_code(parts[0]) if len(parts) > 1 else (None, None)
    if code:
        parts[0] = code
        if fix:
            fixes.append(fix)
    text = f"{number}/{year + '/' if year else ''}{'-'.join(parts)}"
    return text, code or "CV", parts  # "1502/SNV-VTLT": a công văn


def _party(number: str, code: str, body: str, fixes: list[str]) -> tuple[str, str, list[str], bool]:
    """(number, type code, symbol parts, odd): a Party symbol always carries a type code
    ("-KL/"); one that is no known type is odd, and so is one put right from a two-letter
    code (a letter dropped from "KIL" leaves "KL", and from other slips other codes)."""
    raw = _clean_symbol(code)
    fixed, fix = known_code(raw)
    odd = fixed is None
    if odd:
        shorter = {raw[:i] + raw[i + 1 :] for i, ch in enumerate(raw) if ch in _INSERTED}
        found = sorted(c for c in shorter if c in TYPE_CODES)
        if len(found) == 1:
            fixed, fix = found[0], f"'{raw}' → '{found[0]}'"
    if fix:
        fixes.append(fix)
    code = fixed or raw
    body_clean = _clean_symbol(body)
    if body_clean != body.replace(" ", ""):
        fixes.append(f"'{body}' → '{body_clean}'")
    return f"{number}-{code}/{body_clean}", code, [code, body_clean], odd


def read_number(text: str, ocr: bool = False) -> NumberReading | None:
    """Read a number cell ("Số ..." or a bare "117-KH/TU"); None if it holds no number.

    With ``ocr``, digits set apart from the symbol by a gap ("Số: 53 /TB-UBND") were written
    into the printed blank by hand: they are reported as handwritten, not taken as printed.
    """
    prefix = PREFIX.match(text)
    start = prefix.end() if prefix else len(text) - len(text.lstrip())
    rest = _DASHES.sub("-", text[start:])
    fixes: list[str] = []
    if m := _PARTY.match(rest):
        value, code, parts, odd = _party(m["n"], m["t"], m["b"], fixes)
        return NumberReading(value, value, "party", code, parts, fixes=fixes,
                             end=start + m.end(), odd_code=odd)  # fmt: skip
    m = _STATE.match(rest)
    if m and (len(m["s"].split("-")[0].strip()) >= 2 or "-" in m["s"]):
        value, code, parts = _state(m["n"], m["y"], m["s"], fixes)
        reading = NumberReading(
            value, value, "state", code, parts, fixes=fixes, end=start + m.end()
        )
        if ocr and m["gap"]:
            reading.value, reading.handwritten = None, m["n"]
            reading.printed = value[len(m["n"]) :]
        return reading
    if prefix is None:
        return _bare_symbol(rest, start, fixes)
    window = rest[:24]
    tail = _STATE_TAIL.search(window)
    party = _PARTY_TAIL.search(window)
    if party and (tail is None or party.start() <= tail.start()):
        junk = window[: party.start()].strip()
        value, code, parts, odd = _party("", party["t"], party["b"], fixes)
        reading = NumberReading(None, value, "party", code, parts, fixes=fixes,
                                end=start + party.end(), odd_code=odd)  # fmt: skip
    elif tail:
        junk = window[: tail.start()].strip()
        value, code, parts = _state("", tail["y"], tail["s"], fixes)
        reading = NumberReading(None, value, "state", code, parts, fixes=fixes,
                                end=start + tail.end())  # fmt: skip
    else:
        return None
    if len(junk) > 8:
        return None
    if _BLANK_MARKS.match(junk):
        reading.blank = True
    else:
        reading.handwritten = junk
    return reading


def _bare_symbol(rest: str, start: int, fixes: list[str]) -> NumberReading | None:
    """A cell that is only a number's printed symbol, "/QĐ-XPVPHC" or "-KH/TU": "Số:" and
    the number were lost (a pen's digits written over them, read as nothing). Its printed
    part, as for a blank: the number itself is for a person to type."""
    if (m := _PARTY_TAIL.fullmatch(rest.strip())) and m["t"][0].isupper():
        value, code, parts, odd = _party("", m["t"], m["b"], fixes)
        return NumberReading(None, value, "party", code, parts, fixes=fixes,
                             end=start + m.end(), odd_code=odd)  # fmt: skip
    m = _STATE_TAIL.fullmatch(rest.strip())
    if m is None or "-" not in m["s"] or not m["s"][0].isupper():
        return None
    value, code, parts = _state("", m["y"], m["s"], fixes)
    return NumberReading(None, value, "state", code, parts, fixes=fixes, end=start + m.end())


# -- dates ------------------------------------------------------------------------------------

_PLACE = r"(?:(?P<place>[^\W\d_][^\d,:;()]{0,40}?)\s*(?:,\s*|\s+))?"
DATE_WORDS = re.compile(
    rf"^{_PLACE}ngày\s*(?P<d>\d{{1,2}})\s*tháng\s*(?P<m>\d{{1,2}})\s*năm\s*(?P<y>\d{{4}})", re.I
)
DATE_NUMERIC = re.compile(
    rf"^{_PLACE}ngày\s*(?P<d>\d{{1,2}})\s*[/.\-]\s*(?P<m>\d{{1,2}})\s*[/.\-]\s*(?P<y>\d{{4}})", re.I
)
# A day (or month) left blank or written by hand, which OCR reads as debris: "ngày Z tháng 4".
DATE_BLANK = re.compile(
    rf"^{_PLACE}ngày(?P<d>\s*\S{{0,6}}?\s*)tháng(?P<m>\s*\S{{0,5}}?\s*)năm\s*(?P<y>\d{{4}})\b",
    re.I,
)
# The same on folded text, with OCR's usual slips ("ngàv", "thảng", "nãm", O for 0, l for 1).
_D = r"[\doli]"
DATE_FUZZY = re.compile(
    r"^(?:(?P<place>[a-z][^\d,:;()]{0,40}?)\s*[,.]\s*)?ng[a-z]?[yv]\s*(?P<d>" + _D + r"{1,2})\s*"
    r"(?:th[a-z]{0,2}ng\s*(?P<m>" + _D + r"{1,2})\s*n[a-z]{0,2}m\s*"
    r"|[/.\-]\s*(?P<m2>" + _D + r"{1,2})\s*[/.\-]\s*)(?P<y>" + _D + r"{4})\b"
)
_OCR_DIGITS = str.maketrans("oli", "011")


@dataclass
class DateReading:
    iso: str | None
    place: str | None
    confidence: float
    blank: bool = False  # the day (or month) is blank or handwritten: not read
    handwritten: str | None = None  # what OCR read in the blank
    printed: str = ""  # what is printed: "tháng 4 năm 2026"


def is_date_cell(text: str) -> bool:
    """A date line of the header: the date and little else ("Ngày 15 tháng 3 năm 2024, Ban
    Thường vụ đã họp ..." starts a sentence of the body)."""
    m = DATE_WORDS.match(text) or DATE_NUMERIC.match(text) or DATE_BLANK.match(text)
    return bool(m) and len(text[m.end() :].split()) <= 3


# Where a date line starts inside a segment glued to the other column's text by OCR:
# "TỈNH ỦY Gia Lai, ngày 22 tháng 02 năm 2026" -> "TỈNH ỦY" | "Gia Lai, ngày ...".
_PLACE_WORD = r"(?:[A-ZĐÀ-Ỹ][a-zđà-ỹ]+)"
DATE_INSIDE = re.compile(
    rf"(?<=\s)(?P<place>(?:(?:Thành phố|TP\.?)\s+)?{_PLACE_WORD}(?:\s+{_PLACE_WORD}){{0,4}})"
    r"\s*,?\s+ngày\s"
)


def is_fuzzy_date_cell(text: str) -> bool:
    m = DATE_FUZZY.match(fold_same_length(text))
    return bool(m) and len(text[m.end() :].split()) <= 3


def read_date(text: str) -> DateReading | None:
    """The date of a date line, or a blank one; None if the line is no (valid) date."""
    m, conf = DATE_WORDS.match(text), 0.97
    if not m:
        m, conf = DATE_NUMERIC.match(text), 0.9
    place = (m["place"] or "").strip() if m else ""
    if not m and (b := DATE_BLANK.match(text)):
        day, month = b["d"].strip(), b["m"].strip()
        if not (day.isdigit() and month.isdigit()):
            printed = f"tháng {month} năm {b['y']}" if month.isdigit() else f"năm {b['y']}"
            junk = " ".join(p for p in (day, month) if p and not p.isdigit())
            empty = not junk or bool(_BLANK_MARKS.match(junk))
            place = (b["place"] or "").strip() or None
            return DateReading(None, place, 0.0, True, None if empty else junk, printed)
    if not m:
        folded = fold_same_length(text)
        m, conf = DATE_FUZZY.match(folded), 0.75
        if not m:
            return None
        place = text[m.start("place") : m.end("place")].strip() if m["place"] else ""
    month = m["m"] if m["m"] is not None else m.groupdict().get("m2") or ""
    try:
        d, mo, y = (int(str(v).translate(_OCR_DIGITS)) for v in (m["d"], month, m["y"]))
        day = dt.date(y, mo, d)
    except ValueError:
        return None
    return DateReading(day.isoformat(), place or None, conf)
