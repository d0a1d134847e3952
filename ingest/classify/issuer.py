"""The issuing body's full name from the left-column lines of a header.

The symbol alone cannot name the issuer (every Tỉnh ủy is ``TU``), so the name is composed from
the body lines, superior first: "ĐẢNG BỘ TỈNH YÊN BÁI" / "TỈNH ỦY" -> "Tỉnh ủy Yên Bái". OCR often
drops every diacritic of a line ("BAN DAN VAN"); such lines are restored from known header phrases
before composing, and ``symbol_agrees`` checks the result against the number's symbol so a
doubtful name goes to the review queue.
"""

from __future__ import annotations

import re

from ingest.classify.text import fold
from ingest.classify.vocab import HEADER_PHRASES, SPECIAL_BODIES

CENTRAL = ("BAN CHẤP HÀNH TRUNG ƯƠNG", "BAN CHẤP HÀNH TRUNG ƯƠNG ĐẢNG")
ORG_HEADS = (
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
LOCALITY = re.compile(r"^(THÀNH PHỐ|THỊ XÃ|THỊ TRẤN|ĐẶC KHU|TỈNH|HUYỆN|XÃ|PHƯỜNG|QUẬN)\s+(.+)$")
COMMITTEE = re.compile(r"^(TỈNH|HUYỆN|THÀNH|THỊ|QUẬN|ĐẢNG) ỦY(?:\s+(.+))?$")
PARTY_UNIT = re.compile(r"^ĐẢNG BỘ\s+(.+)$")
PEOPLES = re.compile(r"^(ỦY BAN NHÂN DÂN|UBND|HỘI ĐỒNG NHÂN DÂN|HĐND)(?:\s+(.+))?$")
ORG_START = re.compile(
    r"^(?:ĐẢNG BỘ|(?:TỈNH|HUYỆN|THÀNH|THỊ|QUẬN|ĐẢNG) ỦY|UBND|HĐND|" + "|".join(ORG_HEADS) + r")\b"
)
_PHRASES: dict[tuple[str, ...], list[str]] = {
    tuple(fold(p).split()): p.split() for p in sorted(HEADER_PHRASES, key=len, reverse=True)
}
_LONGEST = max(len(k) for k in _PHRASES)


def restore_marks(key: str) -> tuple[str, bool] | None:
    """Put back the diacritics of an upper-case line from known phrases.

    Returns (line, complete): words no phrase covers are kept as they are (complete=False, so
    the issuer goes to review) rather than guessed; None when no word was covered at all.
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


def place_name(text: str) -> str:
    """ "TỈNH LÀO CAI" -> "tỉnh Lào Cai"; a bare place name is title-cased."""
    m = LOCALITY.match(text)
    words = (m[2] if m else text).split()
    return " ".join(([m[1].lower()] if m else []) + [w.capitalize() for w in words])


def _function_case(text: str) -> str:
    """Capitalise each field of an organ name: "TUYÊN GIÁO VÀ DÂN VẬN" -> "Tuyên giáo và Dân vận"""
    out, cap = [], True
    for word in text.split():
        out.append(word.lower() if word == "VÀ" or not cap else word.capitalize())
        cap = word == "VÀ" or word.endswith(",")
    return " ".join(out)


def body_name(key: str) -> str:
    """Normal-case name of one body line (upper-case key)."""
    if key in SPECIAL_BODIES:
        return SPECIAL_BODIES[key]
    if m := COMMITTEE.match(key):
        head, rest = f"{m[1].capitalize()} ủy", m[2]
        named = m[1] != "ĐẢNG" or (rest and LOCALITY.match(rest))  # else "Đảng ủy Khối ..."
        return f"{head} {place_name(rest) if named else _function_case(rest)}" if rest else head
    if m := PARTY_UNIT.match(key):
        return f"Đảng bộ {place_name(m[1])}"
    if (m := PEOPLES.match(key)) and m[2]:
        return f"{SPECIAL_BODIES[m[1]]} {place_name(m[2])}"
    head = next((h for h in ORG_HEADS if key == h or key.startswith(h + " ")), "")
    return f"{head.capitalize()} {_function_case(key[len(head) :])}".strip()


def _is_complete(key: str) -> bool:
    """A body line that names its body fully, so superior lines add nothing."""
    committee, peoples = COMMITTEE.match(key), PEOPLES.match(key)
    return bool(
        (committee and committee[2])
        or (peoples and peoples[2])
        or key in SPECIAL_BODIES
        or PARTY_UNIT.match(key)
    )


def merge_wrapped(keys: list[str]) -> list[str]:
    """Rejoin a body name wrapped over two lines ("ỦY BAN NHÂN DÂN" / "TỈNH LÀO CAI")."""
    out: list[str] = []
    for key in keys:
        wrapped = LOCALITY.match(key) and not COMMITTEE.match(key)
        if out and (wrapped or key.startswith("VÀ ") or out[-1].endswith(" VÀ")):
            out[-1] = f"{out[-1]} {key}"
        else:
            out.append(key)
    return out


def compose_issuer(keys: list[str]) -> str | None:
    """Full issuer name from the body lines, superior first: the last line is the issuing body."""
    lines = merge_wrapped(keys)[-3:]
    if not lines:
        return None
    body = lines[-1]
    if len(lines) == 1 or _is_complete(body):
        return body_name(body)
    sup = lines[-2]
    committee, unit = COMMITTEE.match(body), PARTY_UNIT.match(sup)
    if committee and unit:  # "ĐẢNG BỘ TỈNH YÊN BÁI" / "TỈNH ỦY" -> "Tỉnh ủy Yên Bái"
        loc = LOCALITY.match(unit[1])
        place = loc[2] if loc and committee[1] != "ĐẢNG" else unit[1]
        return body_name(f"{body} {place}")
    name = body_name(body)
    if sup in CENTRAL:
        return f"{name} Trung ương Đảng" if body == "VĂN PHÒNG" else f"{name} Trung ương"
    peoples = PEOPLES.match(sup)
    if peoples and peoples[2] and body.startswith("SỞ "):  # "Sở Nội vụ tỉnh Lào Cai"
        return f"{name} {place_name(peoples[2])}"
    return name if unit else f"{name} {compose_issuer(lines[:-1])}"


def compose_superior(keys: list[str]) -> str | None:
    """The body above the issuer ("Tỉnh ủy Lào Cai" above its Ban Tổ chức), if the header names
    one; None when the issuing line stands alone or already names itself fully."""
    lines = merge_wrapped(keys)
    if len(lines) < 2:
        return None
    superior = compose_issuer(lines[:-1])
    return superior if superior and superior != compose_issuer(lines) else None


def abbreviation(issuer: str) -> str:
    """Initials of a body's name as symbols write them ("Ban Tổ chức Tỉnh ủy" -> "BTCTU")."""
    folded = re.sub(r"\btrung uong( dang)?\b", "tw", fold(issuer))
    words = [w for w in folded.split() if w != "va"]
    return "".join("TW" if w == "tw" else w[0].upper() for w in words)


def symbol_agrees(issuer: str, symbol_body: str | None) -> bool | None:
    """Does the number's body code fit the issuer's initials? None when there is no code."""
    if not symbol_body:
        return None
    code = fold(symbol_body).upper().replace(" ", "")
    initials = abbreviation(issuer)
    central = code == "TW" and fold(issuer) in {
        "ban chap hanh trung uong",
        "bo chinh tri",
        "ban bi thu",
    }
    return central or initials.startswith(code) or code.startswith(initials)
