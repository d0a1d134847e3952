"""Parse the header of a Party or state document from extracted text.

Text comes from PDF text layers, OCR, Word files and plain-text copies, so the parser works on
"cells" (lines, and two-column lines split at wide gaps) and recognises each header element by its
own shape rather than by position: extraction may interleave the left and right columns in any
order. Body text is never searched for the document's own number, date or marks, because bodies
cite other documents ("Kết luận số 82-KL/TW ngày 16/8/2010") and talk about "bảo mật".
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import asdict, dataclass

from ingest.legacy import to_unicode

# Title line (upper case, old-style tone placement) -> type code. Data, not logic: edit freely.
DOC_TYPES: dict[str, str] = {
    "NGHỊ QUYẾT": "NQ",
    "QUYẾT ĐỊNH": "QĐ",
    "CHỈ THỊ": "CT",
    "KẾT LUẬN": "KL",
    "QUY CHẾ": "QC",
    "QUY ĐỊNH": "QĐi",
    "THÔNG TRI": "TT",
    "HƯỚNG DẪN": "HD",
    "THÔNG BÁO": "TB",
    "BÁO CÁO": "BC",
    "KẾ HOẠCH": "KH",
    "CHƯƠNG TRÌNH": "CTr",
    "ĐỀ ÁN": "ĐA",
    "TỜ TRÌNH": "TTr",
    "BIÊN BẢN": "BB",
    "CÔNG VĂN": "CV",
    "PHƯƠNG ÁN": "PA",
    "DỰ ÁN": "DA",
    "THÔNG CÁO": "TC",
    "NGHỊ ĐỊNH": "NĐ",
    "THÔNG TƯ": "TT",
    "CÔNG ĐIỆN": "CĐ",
    "GIẤY MỜI": "GM",
    "HỢP ĐỒNG": "HĐ",
    "PHÁP LỆNH": "PL",
    # (?) codes below are unconfirmed: the 399-QĐ/TW list names the types, not these symbols.
    "CƯƠNG LĨNH": "CL",
    "ĐIỀU LỆ": "ĐL",
    "CHIẾN LƯỢC": "CLc",
    "QUY HOẠCH": "QH",
    "TUYÊN BỐ": "TBo",
    "LỜI KÊU GỌI": "LKG",
    "THÔNG TƯ LIÊN TỊCH": "TTLT",
    "LUẬT": "L",
}
# State documents use other codes for some titles (Nghị định 30/2020, appendix III).
STATE_DOC_TYPES: dict[str, str] = {"QUY ĐỊNH": "QyĐ"}
# Code → the type's name as people read it ("NQ" → "Nghị quyết"); the first title of a code wins.
DOC_TYPE_NAMES: dict[str, str] = {
    code: title.capitalize() for title, code in reversed(DOC_TYPES.items())
}
SYMBOL_CODES = frozenset({*DOC_TYPES.values(), *STATE_DOC_TYPES.values(), "BS", "GGT", "GUQ"})
# Upper-cased OCR/typing variants ("QĐI", "CTR", "QD") map back to the canonical code.
_CODE_BY_UPPER = {code.upper(): code for code in SYMBOL_CODES} | {"QD": "QĐ", "ND": "NĐ"}

LEVELS = {"MẬT": "mat", "TỐI MẬT": "toi_mat", "TUYỆT MẬT": "tuyet_mat"}
URGENCIES = {
    "KHẨN": "khan",
    "THƯỢNG KHẨN": "thuong_khan",
    "HỎA TỐC": "hoa_toc",
    "HỎA TỐC HẸN GIỜ": "hoa_toc_hen_gio",
}
_LEVEL_RANK = ["thuong", "mat", "toi_mat", "tuyet_mat"]
_URGENCY_RANK = ["thuong", "khan", "thuong_khan", "hoa_toc", "hoa_toc_hen_gio"]

HEADER_LINES = 40  # header fields are only looked for this far down
SUBJECT_MAX_LINES = 6
MAX_LINE = 2000

# New-style tone on the second vowel of a final "oa", "oe", "uy" (NFD); "quý" is the same in both.
_NEW_STYLE_TONE = re.compile(
    r"(?<![qQ])([oO][aAeE]|[uU][yY])([\u0300\u0301\u0303\u0309\u0323])"
    r"(?!\w)"
)
_DASHES = re.compile(r"[\u2010-\u2015\u2212]")
_INVISIBLE = re.compile(r"[\u200b-\u200d\ufeff]")
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
# Marks are whole cells: "GIẢI MẬT", "KHẨN TRƯƠNG" or "bảo mật" in a sentence never match.
_MARKS = re.compile(
    r"^(?:ĐỘ MẬT\s*:?\s*)?(?P<level>TUYỆT MẬT|TỐI MẬT|MẬT)?\s*[,;\-]?\s*(?:ĐỘ KHẨN\s*:?\s*)?"
    r"(?P<urgency>HỎA TỐC HẸN GIỜ|HỎA TỐC|THƯỢNG KHẨN|KHẨN)?(?P<rest>[\s:].*)?$"
)
_MARK_HEADS = ("TUYỆT", "TỐI", "THƯỢNG", "HỎA")
_DEADLINE = re.compile(r"^HẸN GIỜ\b")
_PARTY_MOTTO = re.compile(r"ĐẢNG\s+CỘNG\s+SẢN\s+VIỆT\s+NAM", re.IGNORECASE)
_STATE_MOTTO = re.compile(
    r"CỘNG\s+HÒA\s+XÃ\s+HỘI\s+CHỦ\s+NGHĨA(?:\s+VIỆT(?:\s+NAM)?)?"
    r"|ĐỘC\s+LẬP\s*-\s*TỰ\s+DO\s*-\s*HẠNH\s+PHÚC|ĐỘC\s+LẬP\s*-",
    re.IGNORECASE,
)
_MOTTO_FRAGMENT = re.compile(r"^(?:VIỆT\s+)?NAM$|^TỰ DO\b|^HẠNH PHÚC$")
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

# Issuer: body names in the left column; the table holds names the casing rules cannot derive.
SPECIAL_BODIES: dict[str, str] = {
    "BAN CHẤP HÀNH TRUNG ƯƠNG": "Ban Chấp hành Trung ương",
    "BỘ CHÍNH TRỊ": "Bộ Chính trị",
    "BAN CHẤP HÀNH TRUNG ƯƠNG ĐẢNG": "Ban Chấp hành Trung ương",
    "BAN BÍ THƯ": "Ban Bí thư",
    "VĂN PHÒNG TRUNG ƯƠNG ĐẢNG": "Văn phòng Trung ương Đảng",
    "CHÍNH PHỦ": "Chính phủ",
    "BAN THƯỜNG VỤ": "Ban Thường vụ",
    "UBND": "Ủy ban nhân dân",
    "HĐND": "Hội đồng nhân dân",
    "ỦY BAN NHÂN DÂN": "Ủy ban nhân dân",
    "HỘI ĐỒNG NHÂN DÂN": "Hội đồng nhân dân",
}
_CENTRAL = ("BAN CHẤP HÀNH TRUNG ƯƠNG", "BAN CHẤP HÀNH TRUNG ƯƠNG ĐẢNG")
_ORG_HEADS = (
    "BAN CÁN SỰ ĐẢNG",
    "ĐẢNG ĐOÀN",
    "ỦY BAN",
    "VĂN PHÒNG",
    "HỘI ĐỒNG",
    "TRUNG TÂM",
    "CHI CỤC",
    "CHI BỘ",
    "BAN",
    "SỞ",
    "BỘ",
    "CỤC",
    "PHÒNG",
)
_NOT_ISSUER = frozenset(
    {"LƯU HÀNH NỘI BỘ", "XEM XONG TRẢ LẠI", "TÀI LIỆU THU HỒI", "GIẢI MẬT", "BẢN SAO", "DỰ THẢO"}
)
_LOCALITY = re.compile(r"^(THÀNH PHỐ|THỊ XÃ|THỊ TRẤN|ĐẶC KHU|TỈNH|HUYỆN|XÃ|PHƯỜNG|QUẬN)\s+(.+)$")
_COMMITTEE = re.compile(r"^(TỈNH|HUYỆN|THÀNH|THỊ|QUẬN|ĐẢNG) ỦY(?:\s+(.+))?$")
_PARTY_UNIT = re.compile(r"^ĐẢNG BỘ\s+(.+)$")
_PEOPLES = re.compile(r"^(ỦY BAN NHÂN DÂN|UBND|HỘI ĐỒNG NHÂN DÂN|HĐND)(?:\s+(.+))?$")
_ORG_START = re.compile(
    r"^(?:ĐẢNG BỘ|(?:TỈNH|HUYỆN|THÀNH|THỊ|QUẬN|ĐẢNG) ỦY|UBND|HĐND|" + "|".join(_ORG_HEADS) + r")\b"
)


@dataclass
class Header:
    """Fields of a document header; None where the text did not show them."""

    kind: str | None = None
    doc_type: str | None = None
    number: str | None = None
    issuer: str | None = None
    date: str | None = None
    place: str | None = None
    subject: str | None = None
    level: str = "thuong"
    urgency: str = "thuong"

    def as_dict(self) -> dict:
        """Plain dict for storage and JSON, same keys as the dev corpus truth files."""
        return asdict(self)


@dataclass
class _Cell:
    line: int
    text: str  # NFC, as in the document (kept for subject and place)
    key: str  # upper case, old-style tones, single spaces (used for matching)
    role: str = "other"
    value: str | None = None


def canonical_tones(text: str) -> str:
    """Move tones to the old-style vowel ("hoà" -> "hòa", "UỶ" -> "ỦY"): both styles are in use."""
    decomposed = unicodedata.normalize("NFD", text)
    moved = _NEW_STYLE_TONE.sub(lambda m: m[1][0] + m[2] + m[1][1], decomposed)
    return unicodedata.normalize("NFC", moved)


def match_key(text: str) -> str:
    """Upper-case matching key: canonical tones, single spaces, no edge punctuation."""
    return _SPACES.sub(" ", canonical_tones(text)).strip(" .,:;!\"'“”").upper()


def _normalize(text: str) -> str:
    """NFC, legacy-encoding conversion and whitespace clean-up of the lines a header can use.

    Only the first lines are kept (and each capped) so a huge text layer costs no more than a
    page; the line structure is kept because it separates header elements.
    """
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    lines = [line[:MAX_LINE] for line in text.split("\n", HEADER_LINES + 30)[: HEADER_LINES + 30]]
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", "\n".join(lines))).replace("\xa0", " ")
    return unicodedata.normalize("NFC", to_unicode(text))


def _split_segment(seg: str) -> list[str]:
    """Split a segment holding two header elements joined by a single space.

    A motto is split out only when printed in capitals or after an organ name: "Đảng Cộng sản
    Việt Nam" inside a subject belongs to the sentence.
    """
    toned = canonical_tones(seg)  # same length as seg, so match positions carry over
    for motto in (_PARTY_MOTTO, _STATE_MOTTO):
        m = motto.search(toned)
        if not m or (m.start() == 0 and m.end() == len(seg)):
            continue
        before = match_key(seg[: m.start()])
        if (
            m[0].isupper()
            or m[0].startswith("Độc")
            or (_ORG_START.match(before) and len(before.split()) <= 8)
        ):
            return [p.strip() for p in (seg[: m.start()], m[0], seg[m.end() :]) if p.strip()]
    if title := _TITLE_THEN_SUBJECT.match(toned):
        return [seg[: title.end()].strip(), seg[title.end() :].strip()]
    prefix = _NUMBER_PREFIX.match(seg)
    rest = _DASHES.sub("-", seg[prefix.end() :]) if prefix else ""
    num = _PARTY_NUMBER.match(rest) or _STATE_NUMBER.match(rest)
    if prefix and num and rest[num.end() :].strip():
        return [seg[: prefix.end()] + rest[: num.end()], rest[num.end() :].strip()]
    return [seg]


def _cells(text: str) -> list[_Cell]:
    """Cut the first lines into cells: lines, split at wide gaps between two columns."""
    cells = []
    for no, line in enumerate(text.split("\n")):
        for seg in _COLUMN_GAP.split(line.strip()):
            for part in _split_segment(seg.strip()) if seg.strip() else []:
                cells.append(_Cell(no, _SPACES.sub(" ", part).strip(), match_key(part)))
    return _merge_split_marks(cells)


def _mark_match(key: str, allow_rest: bool = False) -> re.Match[str] | None:
    """A whole-cell secrecy/urgency stamp; only HẸN GIỜ may carry a time after it."""
    m = _MARKS.match(key)
    if not m or not (m["level"] or m["urgency"]):
        return None
    return m if not m["rest"] or allow_rest else None


def _merge_split_marks(cells: list[_Cell]) -> list[_Cell]:
    """Join stamps wrapped over two lines ("TUYỆT" / "MẬT", "THƯỢNG" / "KHẨN")."""
    out: list[_Cell] = []
    for cell in cells:
        prev = out[-1] if out else None
        if prev and prev.key in _MARK_HEADS and _mark_match(f"{prev.key} {cell.key}"):
            out[-1] = _Cell(prev.line, f"{prev.text} {cell.text}", f"{prev.key} {cell.key}")
        else:
            out.append(cell)
    return out


def _classify(cell: _Cell) -> None:
    """Give a cell its role (and value) from its shape alone."""
    key = cell.key
    if not key or _SEPARATOR.match(cell.text):
        cell.role = "sep"
    elif _PARTY_MOTTO.fullmatch(key):
        cell.role, cell.value = "motto", "party"
    elif _STATE_MOTTO.match(key) or _MOTTO_FRAGMENT.match(key):
        cell.role, cell.value = "motto", "state"
    elif _NUMBER_PREFIX.match(cell.text):
        cell.role = "number"
    elif _DATE_WORDS.match(cell.text) or _DATE_NUMERIC.match(cell.text):
        cell.role = "date"
    elif key in DOC_TYPES:
        cell.role, cell.value = "title", key
    elif _RECIPIENT.match(key):
        cell.role = "recipient"
    elif _DEADLINE.match(key):
        cell.role = "deadline"
    elif _VV.match(cell.text):
        cell.role = "vv"
    elif _mark_match(key) or ((m := _mark_match(key, True)) and m["urgency"] == "HỎA TỐC HẸN GIỜ"):
        cell.role = "mark"


def _parse_number(text: str) -> tuple[str, str, str | None] | None:
    """Return (normalized number, kind, type code from the symbol) from a "Số ..." cell."""
    prefix = _NUMBER_PREFIX.match(text)
    rest = _DASHES.sub("-", text[prefix.end() :] if prefix else text.strip())
    if m := _PARTY_NUMBER.match(rest):
        code = _CODE_BY_UPPER.get(m[2].upper(), m[2])
        return f"{m[1]}-{code}/{m[3]}", "party", code
    if m := _STATE_NUMBER.match(rest):
        symbol = _SPACES.sub("", m[3])
        code = _CODE_BY_UPPER.get(symbol.split("-")[0].upper()) if "-" in symbol else None
        year = f"{m[2]}/" if m[2] else ""
        return f"{m[1]}/{year}{symbol}", "state", code or "CV"  # "1502/SNV-VTLT": a công văn
    return None


def _parse_date(text: str) -> tuple[str, str | None] | None:
    """Return (ISO date, place) from a date line, or None if it is not a valid date."""
    m = _DATE_WORDS.match(text) or _DATE_NUMERIC.match(text)
    try:
        day = dt.date(int(m["y"]), int(m["m"]), int(m["d"])) if m else None
    except ValueError:
        return None
    return (day.isoformat(), (m["place"] or "").strip() or None) if day else None


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


def _subject(cells: list[_Cell], start: int, skip_header: bool) -> tuple[str | None, int]:
    """Collect a subject starting at cells[start]; return it and the index after it.

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
    return " ".join(parts)[:500].strip() or None, i


def _is_issuer_cell(cell: _Cell) -> bool:
    """Left-column body names: capitals (or an organ word in legacy text), no digits.

    Vietnamese syllables have at most 7 letters, so longer "words" are OCR debris, not a name.
    """
    text, words = cell.text, cell.text.split()
    if cell.role != "other" or any(ch.isdigit() for ch in text) or cell.key in _NOT_ISSUER:
        return False
    if len(words) > 12 or any(len(word.strip(",.")) > 7 for word in words):
        return False
    return text.isupper() or bool(_ORG_START.match(cell.key))


def _place(text: str) -> str:
    """ "TỈNH LÀO CAI" -> "tỉnh Lào Cai"; a bare place name is title-cased."""
    m = _LOCALITY.match(text)
    words = (m[2] if m else text).split()
    return " ".join(([m[1].lower()] if m else []) + [w.capitalize() for w in words])


def _function_case(text: str) -> str:
    """Capitalise each field of an organ name: "TUYÊN GIÁO VÀ DÂN VẬN" -> "Tuyên giáo và Dân vận"""
    out, cap = [], True
    for word in text.split():
        out.append(word.lower() if word == "VÀ" or not cap else word.capitalize())
        cap = word == "VÀ" or word.endswith(",")
    return " ".join(out)


def _body_name(key: str) -> str:
    """Normal-case name of one body line (upper-case key)."""
    if key in SPECIAL_BODIES:
        return SPECIAL_BODIES[key]
    if m := _COMMITTEE.match(key):
        head, rest = f"{m[1].capitalize()} ủy", m[2]
        named = m[1] != "ĐẢNG" or (rest and _LOCALITY.match(rest))  # else "Đảng ủy Khối ..."
        return f"{head} {_place(rest) if named else _function_case(rest)}" if rest else head
    if m := _PARTY_UNIT.match(key):
        return f"Đảng bộ {_place(m[1])}"
    if (m := _PEOPLES.match(key)) and m[2]:
        return f"{SPECIAL_BODIES[m[1]]} {_place(m[2])}"
    head = next((h for h in _ORG_HEADS if key == h or key.startswith(h + " ")), "")
    return f"{head.capitalize()} {_function_case(key[len(head) :])}".strip()


def _is_complete(key: str) -> bool:
    """A body line that names its body fully, so superior lines add nothing."""
    committee, peoples = _COMMITTEE.match(key), _PEOPLES.match(key)
    return bool(
        (committee and committee[2])
        or (peoples and peoples[2])
        or key in SPECIAL_BODIES
        or _PARTY_UNIT.match(key)
    )


def _merge_wrapped(keys: list[str]) -> list[str]:
    """Rejoin a body name wrapped over two lines ("ỦY BAN NHÂN DÂN" / "TỈNH LÀO CAI")."""
    out: list[str] = []
    for key in keys:
        wrapped = _LOCALITY.match(key) and not _COMMITTEE.match(key)
        if out and (wrapped or key.startswith("VÀ ") or out[-1].endswith(" VÀ")):
            out[-1] = f"{out[-1]} {key}"
        else:
            out.append(key)
    return out


def compose_issuer(keys: list[str]) -> str | None:
    """Full issuer name from the body lines, superior first: the last line is the issuing body."""
    lines = _merge_wrapped(keys)[-3:]
    if not lines:
        return None
    body = lines[-1]
    if len(lines) == 1 or _is_complete(body):
        return _body_name(body)
    sup = lines[-2]
    committee, unit = _COMMITTEE.match(body), _PARTY_UNIT.match(sup)
    if committee and unit:  # "ĐẢNG BỘ TỈNH YÊN BÁI" / "TỈNH ỦY" -> "Tỉnh ủy Yên Bái"
        loc = _LOCALITY.match(unit[1])
        place = loc[2] if loc and committee[1] != "ĐẢNG" else unit[1]
        return _body_name(f"{body} {place}")
    name = _body_name(body)
    if sup in _CENTRAL:
        return f"{name} Trung ương Đảng" if body == "VĂN PHÒNG" else f"{name} Trung ương"
    peoples = _PEOPLES.match(sup)
    if peoples and peoples[2] and body.startswith("SỞ "):  # "Sở Nội vụ tỉnh Lào Cai"
        return f"{name} {_place(peoples[2])}"
    return name if unit else f"{name} {compose_issuer(lines[:-1])}"


def _first(cells: list[_Cell], role: str, end: int) -> int | None:
    return next((i for i, c in enumerate(cells[:end]) if c.role == role), None)


def _header_end(cells: list[_Cell], title: int | None, after_subject: int) -> int:
    """Index where the header stops: the title line, else the first body-like cell."""
    if title is not None:
        return title
    limit = sum(1 for c in cells if c.line < HEADER_LINES)
    for i in range(after_subject, limit):
        cell = cells[i]
        sentence = cell.role == "other" and len(cell.text.split()) >= 6 and not cell.text.isupper()
        if cell.role == "recipient" or sentence:
            return i
    return limit


def _marks(cells: list[_Cell]) -> tuple[str, str]:
    """Highest secrecy and urgency among the standalone mark cells given."""
    level, urgency = "thuong", "thuong"
    deadline = any(c.role == "deadline" for c in cells)
    for cell in cells:
        m = _mark_match(cell.key, allow_rest=True) if cell.role == "mark" else None
        if m:
            found = URGENCIES.get(m["urgency"] or "", "thuong")
            found = "hoa_toc_hen_gio" if found == "hoa_toc" and deadline else found
            level = max(level, LEVELS.get(m["level"] or "", "thuong"), key=_LEVEL_RANK.index)
            urgency = max(urgency, found, key=_URGENCY_RANK.index)
    return level, urgency


def _doc_type(title: str | None, kind: str | None, code: str | None, summary: bool) -> str | None:
    """The title line decides (a Politburo Quy định keeps QĐ/TW); else the symbol; else V/v."""
    if kind == "state" and code and code != "CV":
        return code
    if title:
        return STATE_DOC_TYPES.get(title, DOC_TYPES[title]) if kind == "state" else DOC_TYPES[title]
    return code or ("CV" if summary else None)


def _cv_subject_at(cells: list[_Cell], number_at: int | None, end: int) -> int | None:
    """Where a công văn summary starts: a "V/v" line, or a "về ..." line right under the number."""
    vv_at = _first(cells, "vv", end)
    if vv_at is not None or number_at is None:
        return vv_at
    nxt = next((i for i in range(number_at + 1, end) if cells[i].role == "other"), None)
    return nxt if nxt is not None and _ABOUT.match(cells[nxt].text) else None


def _fallback_number(cells: list[_Cell], end: int) -> tuple[str, str, str | None] | None:
    """A bare "117-KH/TU" cell in the header when OCR lost the "Số" word."""
    for cell in cells[:end]:
        found = _parse_number(cell.text) if cell.role == "other" else None
        if found and (found[1] == "party" or "-" in found[0]):
            return found
    return None


def _parse(text: str) -> Header:
    header = Header()
    cells = _cells(_normalize(text))
    for cell in cells:
        _classify(cell)
    in_header = sum(1 for c in cells if c.line < HEADER_LINES)
    title = _first(cells, "title", in_header)
    number_at = _first(cells, "number", in_header if title is None else title)
    after_subject, summary_at = (0 if number_at is None else number_at + 1), None
    if title is not None:
        header.subject, _ = _subject(cells, title + 1, skip_header=False)
    elif (summary_at := _cv_subject_at(cells, number_at, in_header)) is not None:
        header.subject, after_subject = _subject(cells, summary_at, skip_header=True)
    end = _header_end(cells, title, after_subject)
    number_at = number_at if number_at is not None and number_at < end else None
    parsed = _parse_number(cells[number_at].text) if number_at is not None else None
    header.number, number_kind, code = parsed or _fallback_number(cells, end) or (None, None, None)
    date_at = _first(cells, "date", end)
    if date_at is None and title is None:  # a công văn whose body start was misjudged
        date_at = _first(cells, "date", in_header)
    if date_at is not None and (found := _parse_date(cells[date_at].text)):
        header.date, header.place = found
    # Any standalone stamp in the first lines counts, even one extracted after the title:
    # missing a secrecy mark would expose the document, an extra one only restricts it.
    header.level, header.urgency = _marks(cells[:in_header])
    issuer_end = end if number_at is None else number_at
    header.issuer = compose_issuer([c.key for c in cells[:issuer_end] if _is_issuer_cell(c)])
    mottos = {c.value for c in cells[:end] if c.role == "motto"}
    header.kind = "party" if "party" in mottos else "state" if "state" in mottos else number_kind
    if header.kind is None and (header.date or title is not None or header.issuer):
        header.kind = "other"
    title_key = cells[title].value if title is not None else None
    header.doc_type = _doc_type(title_key, header.kind, code, summary_at is not None)
    return header


def parse_header(text: str) -> Header:
    """Parse the header fields of a document; fields that cannot be found stay None.

    Ingestion must not stop on one damaged document, so unexpected input yields an empty Header
    instead of an exception.
    """
    try:
        return _parse(text)
    except Exception:  # a bad scan must not abort a batch import
        return Header()
