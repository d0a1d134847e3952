"""Folding Vietnamese text for matching and learning: "Tỉnh ủy" and "TINH UY" become "tinh uy".

Kept here rather than imported from ``search`` so ingest does not depend on the search layer's
analyser, whose rules may change for ranking reasons that have nothing to do with classifying.
"""

from __future__ import annotations

import re
import unicodedata

_WORDS = re.compile(r"\w+")

# "V/v" (về việc: "about") opening a summary, as OCR also reads it: "W⁄v", "V/V", "V.v", the
# slash as a low quote and the "v" as a "y" ("V„y", a gray 150 dpi scan), a stray digit on the
# slash ("V⁄4v"), or, when a word in lower case follows, the second "v" lost or read as a sign
# ("V⁄ tuyên truyền", "V⁄% công tác") or the slash and "v" read as one sign ("V4 cấp giấy
# phép"). ``cells`` and ``subject`` anchor it each their own way.
ABOUT_MARK = (
    r"[VW]\s*(?:[/⁄|.„]\s*\d?[vV]\b|„\s*y\b"
    r"|(?:[/⁄|„][^\w\s]?|[/⁄|]?[4%]\s)\s*(?=[^\W\d_A-ZĐ]))"
)


def fold_char(ch: str) -> str:
    """One character without its marks (đ→d); always one character, so positions carry over."""
    if ch in "đĐ":
        return "d" if ch == "đ" else "D"
    base = unicodedata.normalize("NFD", ch)[:1]
    return base if base else ch


class _FoldTable(dict):
    """``str.translate`` table that learns each character's folded form on first sight."""

    def __missing__(self, code: int) -> str:
        folded = fold_char(chr(code))
        self[code] = folded
        return folded


_FOLD = _FoldTable()


def fold_same_length(text: str) -> str:
    """Lower-case, mark-free copy of NFC text with the same length (match positions carry over)."""
    return unicodedata.normalize("NFC", text).translate(_FOLD).lower()


def fold(text: str) -> str:
    """Mark-free, lower-case words joined by single spaces: the form models and rules compare."""
    return " ".join(_WORDS.findall(fold_same_length(text or "")))


def has_marks(text: str) -> bool:
    """True when the text carries Vietnamese diacritics (OCR often loses all of them at once)."""
    text = unicodedata.normalize("NFC", text)
    return any(fold_char(ch) != ch for ch in text if ch.isalpha() and ch not in "đĐ")


# New-style tone on the second vowel of a final "oa", "oe", "uy" (NFD); "quý" is the same in both.
_NEW_STYLE_TONE = re.compile(
    r"(?<![qQ])([oO][aAeE]|[uU][yY])([\u0300\u0301\u0303\u0309\u0323])(?!\w)"
)
_SPACES = re.compile(r"\s+")


def canonical_tones(text: str) -> str:
    """Move tones to the old-style vowel ("hoà" -> "hòa", "UỶ" -> "ỦY"): both styles are in use."""
    decomposed = unicodedata.normalize("NFD", text)
    moved = _NEW_STYLE_TONE.sub(lambda m: m[1][0] + m[2] + m[1][1], decomposed)
    return unicodedata.normalize("NFC", moved)


def match_key(text: str) -> str:
    """Upper-case matching key: canonical tones, single spaces, no edge punctuation."""
    return _SPACES.sub(" ", canonical_tones(text)).strip(" .,:;!\"'“”").upper()
