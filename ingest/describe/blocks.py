"""The parts of a document around its body: signature block, recipients, deadline, notes.

They sit at the end of the document (signature, "Nơi nhận") or under the number (deadline of a
HỎA TỐC HẸN GIỜ, circulation stamps). Two-column footers are extracted in any interleaving, and
OCR glues the columns together ("- Lưu Văn phòng. PHÓ CHỦ NHIỆM"), so cells are cut at known
position names before they are read. Each finder returns the line it used, for the review queue.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from ingest.describe.text import fold
from ingest.describe.vocab import CIRCULATION_NOTES, POSITIONS, SIGN_AUTHORITY, SPECIAL_BODIES

Line = tuple[int, str]  # (line number in the text, cell text)

_AUTHORITY = re.compile(rf"^[\-–—•\s]*(?P<auth>{SIGN_AUTHORITY})\s*(?P<rest>\S.*)?$")
_POSITION_NAMES = "|".join(sorted(map(re.escape, POSITIONS), key=len, reverse=True))
# A position (or authority) glued to the end of another column's text by OCR.
_TRAILING_SIGN = re.compile(
    rf"^(?P<head>.*?[^\W\d_].*?)\s+(?P<tail>(?:(?:{SIGN_AUTHORITY})\s*)?(?:{_POSITION_NAMES}))$"
)
_BULLET = re.compile(r"^[\-–—+•*]\s*")
_NAME_WORD = re.compile(r"^[^\W\d_][^\W\d_]{0,6}$")
_JUNK_TAIL = re.compile(r"[\s\W\d_]+$")
_RECIPIENTS_HEAD = re.compile(r"^(?P<head>nơi nhận|kính gửi)\s*:?\s*(?P<rest>.*)$", re.IGNORECASE)
_NOT_NAME = ("Nơi", "Kính", "Lưu", "Như", "Đã", "Ký", "Số", "Ngày")
_TIME = re.compile(r"(?P<h>\d{1,2})\s*(?:giờ|h|g|:)\s*(?P<mi>\d{1,2})?", re.IGNORECASE)
_DAY = re.compile(
    r"ngày\s*(?P<d>\d{1,2})\s*(?:[/.\-]|tháng)\s*(?P<m>\d{1,2})\s*(?:[/.\-]|năm)\s*(?P<y>\d{4})",
    re.IGNORECASE,
)


@dataclass
class Found:
    """A value and where it came from (line number and the line's text)."""

    value: object
    line_no: int
    line: str
    confidence: float


@dataclass
class Signer:
    authority: Found | None = None  # "T/M Ban Thường vụ", "K/T Bí thư"
    position: Found | None = None  # "Phó Bí thư"
    name: Found | None = None
    extra: list[Found] = field(default_factory=list)


def _upper(text: str) -> str:
    return " ".join(text.upper().split())


def _position_name(key: str) -> str:
    """Readable name of a position or body: the known tables, else sentence case."""
    key = _upper(key).strip(" .,:;")
    known = POSITIONS.get(key) or SPECIAL_BODIES.get(key)
    return known or key.capitalize()


def _authority_text(m: re.Match[str]) -> str:
    prefix = re.sub(r"\s+", "", m["auth"]).upper()
    prefix = {"TM.": "T/M", "KT.": "K/T", "TL.": "T/L", "TUQ.": "TUQ", "T/UQ": "TUQ"}.get(
        prefix, prefix
    )
    return f"{prefix} {_position_name(m['rest'] or '')}".strip()


def split_glued(cells: list[Line]) -> list[Line]:
    """Cut a known position glued to the end of another column's text into its own cell."""
    out: list[Line] = []
    for no, text in cells:
        m = _TRAILING_SIGN.match(text)
        if m and not m["head"].isupper():
            out += [(no, m["head"].strip()), (no, m["tail"].strip())]
        else:
            out.append((no, text))
    return out


def _is_position(text: str) -> bool:
    return _upper(text).strip(" .,:;") in POSITIONS


def _is_name(text: str) -> bool:
    """A person's name: 2-6 capitalised syllables, no digits, not a known position."""
    words = text.strip(" .").split()
    if not 2 <= len(words) <= 6 or _is_position(text) or words[0] in _NOT_NAME:
        return False
    if not all(_NAME_WORD.match(w) for w in words):
        return False
    title = all(w[0].isupper() and (w[1:].islower() or len(w) == 1) for w in words)
    return title or text.isupper()


def find_signer(cells: list[Line]) -> Signer:
    """The last signature block in the cells: authority, position, then the signer's name."""
    signer = Signer()
    start, last = None, -10
    for i, (_, text) in enumerate(cells):
        if not (_AUTHORITY.match(_upper(text)) or _is_position(text)):
            continue
        if i > last + 3:  # a new block (a Biên bản has two: chủ tọa, thư ký)
            start = i
        last = i
    if start is None:
        return signer
    for no, text in cells[start : start + 12]:
        key = _upper(text)
        if (m := _AUTHORITY.match(key)) and signer.position is None and signer.name is None:
            found = Found(_authority_text(m), no, text, 0.85)
            if signer.authority is None:
                signer.authority = found
            else:
                signer.extra.append(found)
        elif _is_position(text) and signer.position is None and signer.name is None:
            signer.position = Found(_position_name(key), no, text, 0.85)
        elif _is_name(text) and signer.name is None:
            signer.name = Found(" ".join(text.strip(" .").split()), no, text, 0.8)
            break
    if signer.authority and signer.position is None and signer.authority.value.startswith("K/T"):
        signer.authority.confidence = 0.7  # "K/T" is always followed by the deputy's position
    return signer


def _clean_item(text: str) -> str:
    """Drop the bullet, trailing OCR debris (tokens without a letter) and end punctuation."""
    words = _BULLET.sub("", text.strip()).split()
    while words and not any(ch.isalpha() for ch in words[-1]) and not words[-1].startswith("("):
        words.pop()
    return " ".join(words).strip(" ;,.").strip()


def find_recipients(cells: list[Line]) -> Found | None:
    """Items of the last "Nơi nhận:" list, else of "Kính gửi:"; signer cells are stepped over."""
    heads = [i for i, (_, t) in enumerate(cells) if _RECIPIENTS_HEAD.match(t.strip())]
    if not heads:
        return None
    kinds = [_RECIPIENTS_HEAD.match(cells[i][1].strip())["head"].lower() for i in heads]
    at = (
        heads[max(i for i, k in enumerate(kinds) if k == "nơi nhận")]
        if "nơi nhận" in kinds
        else heads[0]
    )
    no, head_text = cells[at]
    items: list[str] = []
    rest = _RECIPIENTS_HEAD.match(head_text.strip())["rest"].strip()
    if rest:
        items.append(rest)
    open_item = bool(rest) and not rest.rstrip().endswith((";", "."))
    for _, text in cells[at + 1 : at + 30]:
        stripped = text.strip()
        if _BULLET.match(stripped):
            items.append(_BULLET.sub("", stripped))
            open_item = not stripped.endswith((";", "."))
        elif _AUTHORITY.match(_upper(stripped)) or _is_position(stripped) or _is_name(stripped):
            continue
        elif open_item and items and len(stripped.split()) <= 8 and not stripped.isupper():
            items[-1] = f"{items[-1]} {stripped}"
            open_item = not stripped.endswith((";", "."))
        elif not _JUNK_TAIL.sub("", stripped) or stripped.startswith("("):
            continue
        else:
            break
    items = [cleaned for item in items if (cleaned := _clean_item(item))]
    return Found(items, no, head_text, 0.85) if items else None


def find_circulation(cells: list[Line]) -> list[Found]:
    """Circulation stamps among the cells (whole cells only: a sentence is no stamp)."""
    out: list[Found] = []
    for no, text in cells:
        note = CIRCULATION_NOTES.get(fold(text))
        if note and note not in [f.value for f in out]:
            out.append(Found(note, no, text, 0.9 if text.isupper() else 0.75))
    return out


def find_deadline(cells: list[Line], issued: str | None) -> Found | None:
    """The time of a HỎA TỐC HẸN GIỜ: "Hẹn giờ: 15 giờ 00, ngày 09/9/2024" -> 2024-09-09T15:00.

    Without a day on the line the document's own date is the day (the usual same-day deadline).
    """
    for i, (no, text) in enumerate(cells):
        at = fold(text).find("hen gio")
        if at < 0:
            continue
        tail = text[text.upper().find("GIỜ") + 3 :] if "GIỜ" in text.upper() else text
        if not _TIME.search(tail) and i + 1 < len(cells):  # the time on the next line
            no, text = cells[i + 1]
            tail = f"{tail} {text}"
        time, day = _TIME.search(tail), _DAY.search(tail)
        if not time:
            continue
        try:
            date = (
                dt.date(int(day["y"]), int(day["m"]), int(day["d"]))
                if day
                else dt.date.fromisoformat(issued or "")
            )
            stamp = dt.datetime.combine(date, dt.time(int(time["h"]), int(time["mi"] or 0)))
        except ValueError:
            continue
        return Found(stamp.isoformat(timespec="minutes"), no, text, 0.9 if day else 0.7)
    return None
