"""Is a word a Vietnamese syllable? Used to tell OCR debris from words and to unglue words.

Vietnamese is written one syllable per word: an onset, a vowel group and an optional final
consonant, with at most one tone mark. Web copies and text layers glue syllables together
("VỀTHỂ", "thẩmquyền", "BộChính"), OCR produces debris ("O{_", "ITNIN", "Nzgãi"). Both show
up as words that are not syllables. The check is deliberately loose (it accepts some
non-words), since it only decides how far a line is trusted, never what it says.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
# Onsets, longest first among those sharing a start ("ngh" before "ng" before "g").
_ONSETS = (
    "ngh", "ng", "gh", "gi", "kh", "nh", "ph", "th", "tr", "ch", "qu",
    "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x",
)  # fmt: skip
_VOWELS = "aăâeêioôơuưy"
# Vowel groups as written (after the onset, before the final consonant). After a gliding group
# no final consonant may follow; after an open one it may.
_GLIDING = frozenset((
    "ai", "ao", "au", "ay", "âu", "ây", "eo", "êu", "ia", "iu", "oi", "ôi", "ơi", "ua", "ui",
    "ưa", "ưi", "ưu", "uôi", "ươi", "ươu", "iêu", "yêu", "oai", "oao", "oay", "oeo", "uây",
    "uya", "uyu", "uơ",
))  # fmt: skip
_OPEN = frozenset((
    "a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y", "iê", "yê", "oa", "oă", "oe",
    "uâ", "uê", "uô", "ươ", "uy", "uyê",
))  # fmt: skip
# Text that lost every mark (OCR, ASCII copies) also lost the letters' hats: "xuân" is "xuan".
_BARE_OPEN = frozenset(("ua", "uo", "ie", "ye", "uye"))
_RHYME = re.compile(rf"^([{_VOWELS}]+)(ng|nh|ch|[cmnpt])?$")


def _strip_tone(word: str) -> tuple[str, int]:
    """The word without its tone mark (NFC) and how many tone marks it had."""
    decomposed = unicodedata.normalize("NFD", word)
    tones = sum(1 for ch in decomposed if ch in _TONES)
    bare = "".join(ch for ch in decomposed if ch not in _TONES)
    return unicodedata.normalize("NFC", bare), tones


@lru_cache(maxsize=8192)
def is_syllable(word: str) -> bool:
    """True for a well-formed Vietnamese syllable in one case ("Tỉnh", "TỈNH", "tỉnh")."""
    if not word or not (word.islower() or word.isupper() or word.istitle()):
        return False
    bare, tones = _strip_tone(word.lower())
    if tones > 1 or not bare.isalpha():
        return False
    onset = next((o for o in _ONSETS if bare.startswith(o) and len(bare) > len(o)), "")
    rhyme = bare[len(onset) :]
    if onset == "gi" and not any(v in rhyme for v in _VOWELS):
        return True  # "gì", "gìn": the i of gi is the vowel
    if onset == "qu" and rhyme and rhyme[0] not in _VOWELS:
        return False
    m = _RHYME.match(rhyme)
    if not m:
        return False
    vowels, final = m[1], m[2] or ""
    if vowels in _GLIDING and not (final and word.isascii() and vowels in _BARE_OPEN):
        return not final
    return vowels in _OPEN or (word.isascii() and vowels in _BARE_OPEN)


def split_glued(word: str) -> list[str] | None:
    """Two syllables glued into one word ("VỀTHỂ" -> ["VỀ", "THỂ"]), or None.

    Among the splits where both halves are syllables, the one whose second half has the
    longest onset wins ("VỀ|THỂ" over "VỀT|HỂ"); a capital inside the word decides first
    ("BộChính").
    """
    if len(word) < 4 or is_syllable(word) or not word.isalpha():
        return None
    inner = [i for i in range(1, len(word)) if word[i].isupper() and word[i - 1].islower()]
    if len(inner) == 1 and is_syllable(word[: inner[0]]) and is_syllable(word[inner[0] :]):
        return [word[: inner[0]], word[inner[0] :]]
    best: tuple[int, int] | None = None
    for i in range(1, len(word)):
        head, tail = word[:i], word[i:]
        if is_syllable(head) and is_syllable(tail):
            lowered = tail.lower()
            onset = next((o for o in _ONSETS if lowered.startswith(o)), "")
            if best is None or len(onset) > best[0]:
                best = (len(onset), i)
    return [word[: best[1]], word[best[1] :]] if best else None


_WORD = re.compile(r"[^\W\d_]+")


def word_share(text: str) -> float:
    """Share of the letter runs of a text that are syllables (1.0 for text without letters)."""
    words = _WORD.findall(text)
    if not words:
        return 1.0
    return sum(1 for w in words if is_syllable(w) or is_acronym(w)) / len(words)


def is_acronym(word: str) -> bool:
    """An upper-case abbreviation ("UBND", "TNDN", "VLNCN"): at most one vowel letter."""
    if not (word.isupper() and 2 <= len(word) <= 8):
        return False
    folded = unicodedata.normalize("NFD", word.lower())
    return sum(1 for ch in folded if ch in "aeiouy") <= 1


_ODD = re.compile(r"[^\w\s.,;:()/%'\"“”‘’\-–—]")


def noisy(text: str) -> bool:
    """OCR debris rather than a line of text: odd signs, or words that are no syllables."""
    return len(_ODD.findall(text)) >= 2 or word_share(text) < 0.75
