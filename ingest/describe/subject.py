"""The trích yếu (subject) as registers write it: whole, without "V/v", and without debris.

A công văn's summary starts with "V/v" (về việc); the register keeps what follows. OCR puts
debris before the first word (",Vêviệc", "\\ việc") and web copies glue syllables ("VỀTHỂ
THỨC"); both are put right here, and said so, so the field can be checked. A subject printed in
capitals ("QUY ĐỊNH VỀ PHÂN ĐỊNH THẨM QUYỀN ... CỦA BỘ CÔNG THƯƠNG") is written as a sentence,
with the names the gazetteer knows keeping their capitals ("... của Bộ Công Thương").
"""

from __future__ import annotations

import re

from ingest.describe import spelling
from ingest.describe.gazetteer import Gazetteer, Key, key_of
from ingest.describe.syllable import is_syllable, split_glued
from ingest.describe.text import ABOUT_MARK, fold, match_key

MAX_LENGTH = 500
_VV = re.compile("^" + ABOUT_MARK + r"\s*[:.]?\s*")
_LEAD_DEBRIS = re.compile(r"^[^\w(“\"]+")
_WORD_STOP = re.compile(r"[^\W\d_]+\.")  # a word of letters and one full stop
_TOKEN = re.compile(r"^(?P<pre>\W*)(?P<core>[^\W\d_]+)(?P<post>\W*)$")
_SPACES = re.compile(r"\s+")
_LETTERS = re.compile(r"[^\W\d_]+")
_JUNK = re.compile(r"\d|[./\\|_~^*#@]{2}")
# "Đảng" as the Party keeps its capital ("của Đảng", "Đảng Cộng sản"), not "đảng viên".
_PARTY = re.compile(r"\bcủa đảng\b|\bđảng(?= cộng sản)|\bđiều lệ đảng\b")


def _unglue(words: list[str]) -> tuple[list[str], bool, bool]:
    """(words, changed, sure): glued syllables split; a word in capitals only when the whole
    subject is in capitals (elsewhere it is an abbreviation: "TNDN", "VLNCN"). The splits are
    sure when the word list knows both halves of each."""
    out, changed, sure = [], False, True
    upper = all(not ch.islower() for ch in " ".join(words))
    for word in words:
        m = _TOKEN.match(word)
        split = split_glued(m["core"]) if m and (upper or not m["core"].isupper()) else None
        if m and split:
            out += [m["pre"] + split[0], split[1] + m["post"]]
            changed = True
            sure = sure and all(spelling.is_word(half) for half in split)
        else:
            out.append(word)
    return out, changed, sure


def _without_leading_junk(words: list[str]) -> tuple[list[str], list[str]]:
    """OCR's reading of a handwritten mark or a smudge before the first word ("møt0..2Ÿ.../2/
    Xử phạt ..."): up to two leading words mixing letters with digits or runs of dots and
    slashes, dropped when a capitalised syllable follows."""
    for size in (1, 2):
        head, rest = words[:size], words[size:]
        if not rest or not is_syllable(rest[0].strip(",.:;")) or not rest[0][:1].isupper():
            continue
        if all(_JUNK.search(w) and any(c.isalpha() for c in w) for w in head):
            return rest, head
    return words, []


def _no_word_in(junk: list[str]) -> bool:
    """Nothing dropped as junk could have been a word of the subject: none of its runs of two
    or more letters is a Vietnamese syllable ("møt0..2Ÿ.../2/" is a pen's mark read as text)."""
    runs = [r for w in junk for r in _LETTERS.findall(w) if len(r) >= 2]
    return not any(is_syllable(r) for r in runs)


def _names(table: Gazetteer) -> dict[Key, str]:
    """Names a sentence keeps in capitals: the table's places (not the 3,321 communes, many of
    which are words too: "đoàn kết", "thống nhất"), national bodies, ministries."""
    names = {key: e.name for key, e in table.near_places.items()}
    names |= {key: e.name for key, e in table.bodies.items() if key == key_of(e.name)}
    for key, entry in table.functions.get("ministry", {}).items():
        names[("bo", *key)] = f"Bộ {entry.name}"
    return names


def sentence_case(text: str, table: Gazetteer) -> str:
    """A subject in capitals as a sentence: lower case, a capital first letter, and the
    gazetteer's names ("HÀ NỘI" -> "Hà Nội", "BỘ CÔNG THƯƠNG" -> "Bộ Công Thương")."""
    words = text.lower().split()
    keys = [fold(w) for w in words]
    names = _names(table)
    longest = max((len(k) for k in names), default=1)
    i = 0
    while i < len(words):
        for size in range(min(longest, len(words) - i), 0, -1):
            key = tuple(keys[i : i + size])
            name = names.get(key)
            printed = match_key(" ".join(words[i : i + size]))
            if name and len(name.split()) == size and printed == match_key(name):
                tail = words[i + size - 1][len(fold(words[i + size - 1])) :]  # "hà nội," keeps ","
                words[i : i + size] = [*name.split()[:-1], name.split()[-1] + tail]
                i += size
                break
        else:
            i += 1
    out = _PARTY.sub(lambda m: m[0].replace("đảng", "Đảng"), " ".join(words))
    return out[:1].upper() + out[1:]


def _without_specks(words: list[str]) -> tuple[list[str], bool]:
    """A full stop between a word and a lower-case one ("chấn. chỉnh", "02 cấp. trong") ends
    no sentence: a speck OCR read as a sign. In a subject in capitals, the same after a word
    ("CHẤN. CHỈNH"; not after an abbreviation: "TP. HUẾ"). Dropping it changes no word."""
    capitals = all(w.isupper() for w in words if any(c.isalpha() for c in w))

    def speck(word: str, nxt: str) -> bool:
        if not _WORD_STOP.fullmatch(word) or not nxt:
            return False
        return nxt[:1].islower() or (capitals and is_syllable(word[:-1]) and nxt[:1].isalpha())

    out = [w[:-1] if speck(w, nxt) else w for w, nxt in zip(words, [*words[1:], ""], strict=True)]
    return out, out != words


def clean_subject(raw: str, table: Gazetteer | None = None) -> tuple[str, list[str], bool]:
    """(subject, notes, sure): "V/v" dropped, debris and glued words put right, capitals made a
    sentence when a gazetteer is given (each noted). ``sure`` is False when a change may have
    changed the words themselves (a dropped piece that could be a word, a split the word list
    does not back): the subject then goes to a person. Dropping signs, restoring "Về việc" and
    the case of letters change no word."""
    notes: list[str] = []
    sure = True
    text = _SPACES.sub(" ", raw).strip()
    dropped = []
    debris = _LEAD_DEBRIS.match(text)
    if debris:
        text = text[debris.end() :]
        dropped.append(debris.group().strip())
    text = _VV.sub("", text, count=1)
    words, junk = _without_leading_junk(text.split())
    if debris or junk:
        notes.append(f"bỏ ký tự thừa ở đầu: '{' '.join(dropped + junk)}'")
        sure = _no_word_in(junk)
    words, glued, split_sure = _unglue(words)
    if glued:
        notes.append("tách chữ dính liền")
        sure = sure and split_sure
    words, specked = _without_specks(words)
    if specked:
        notes.append("bỏ dấu chấm lẫn giữa câu")
    folded = fold(" ".join(words[:2])).split()
    if folded[:1] == ["viec"]:  # "\ việc ..." : the "Về" was lost
        words.insert(0, "Về")
        notes.append("khôi phục 'Về việc' ở đầu")
    elif folded[:2] in (["ve", "viec"], ["va", "viec"]) and words[0] not in ("về", "Về", "VỀ"):
        # "vê việc", "và việc": no subject opens so; OCR's reading of "Về"
        words[0] = "Về" if words[0][:1].isupper() else "về"
        notes.append("khôi phục 'Về việc' ở đầu")
    text = " ".join(words)[:MAX_LENGTH].strip()
    if table is not None and any(c.isalpha() for c in text) and not any(c.islower() for c in text):
        text = sentence_case(text, table)
        notes.append("chữ in hoa viết lại theo câu")
    return text, notes, sure
