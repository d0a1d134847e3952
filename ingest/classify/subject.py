"""The trích yếu (subject) as registers write it: whole, without "V/v", and without debris.

A công văn's summary starts with "V/v" (về việc); the register keeps what follows. OCR puts
debris before the first word (",Vêviệc", "\\ việc") and web copies glue syllables ("VỀTHỂ
THỨC"); both are put right here, and said so, so the field can be checked.
"""

from __future__ import annotations

import re

from ingest.classify.syllable import split_glued
from ingest.classify.text import fold

MAX_LENGTH = 500
_VV = re.compile(r"^[VW]\s*[/⁄|.]\s*[vV]\b\s*[:.]?\s*")
_LEAD_DEBRIS = re.compile(r"^[^\w(“\"]+")
_TOKEN = re.compile(r"^(?P<pre>\W*)(?P<core>[^\W\d_]+)(?P<post>\W*)$")
_SPACES = re.compile(r"\s+")


def _unglue(words: list[str]) -> tuple[list[str], bool]:
    """Split glued syllables; a word in capitals only when the whole subject is in capitals
    (elsewhere it is an abbreviation: "TNDN", "VLNCN")."""
    out, changed = [], False
    upper = all(not ch.islower() for ch in " ".join(words))
    for word in words:
        m = _TOKEN.match(word)
        split = split_glued(m["core"]) if m and (upper or not m["core"].isupper()) else None
        if m and split:
            out += [m["pre"] + split[0], split[1] + m["post"]]
            changed = True
        else:
            out.append(word)
    return out, changed


def clean_subject(raw: str) -> tuple[str, list[str]]:
    """(subject, notes): "V/v" dropped, debris and glued words put right (noted)."""
    notes: list[str] = []
    text = _SPACES.sub(" ", raw).strip()
    debris = _LEAD_DEBRIS.match(text)
    if debris:
        text = text[debris.end() :]
        notes.append(f"bỏ ký tự thừa ở đầu: '{debris.group().strip()}'")
    text = _VV.sub("", text, count=1)
    words, glued = _unglue(text.split())
    if glued:
        notes.append("tách chữ dính liền")
    folded = fold(" ".join(words[:2])).split()
    if folded[:1] == ["viec"]:  # "\ việc ..." : the "Về" was lost
        words.insert(0, "Về")
        notes.append("khôi phục 'Về việc' ở đầu")
    elif (
        folded[:2] == ["ve", "viec"]
        and fold(words[0]) == "ve"
        and words[0] not in ("về", "Về", "VỀ")
    ):
        words[0] = "Về" if words[0][:1].isupper() else "về"
        notes.append("khôi phục 'Về việc' ở đầu")
    return " ".join(words)[:MAX_LENGTH].strip(), notes
