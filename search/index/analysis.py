"""Vietnamese text analysis: NFC words for exact matches, folded words for typing without accents.

Whoosh's StandardAnalyzer is not used: its English stop list drops Vietnamese words such as
"an", "do" and "to". Every word goes through the same steps on the way into the index and on
the way in from the search box, so the two always meet:

- NFC, so that text written decomposed (macOS, some keyboards) does not split words;
- one tone placement: the old and new styles ("hoà"/"hòa", "thuỷ"/"thủy", "khoẻ"/"khỏe") are
  both in use, so the tone of a word-final oa/oe/uy is moved onto the first vowel;
- lower case (both fields);
- folded field only: tone and vowel marks removed, đ mapped to d (Unicode does not decompose
  it), and the Telex left-over "dd" read as d, so "dang vien", "đảng viên" and "ĐẢNG VIÊN" meet.

Document numbers ("117-KH/TU") get a compact key ("117khtu") and its prefixes ("117",
"117kh"), so any spelling of a number reaches the same token (see ``number_keys``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

from whoosh.analysis import Filter, RegexTokenizer, Tokenizer
from whoosh.analysis.acore import Token

_WORD = r"\w+"
WORDS = re.compile(_WORD)
_TONES = "\u0300\u0301\u0303\u0309\u0323"  # grave, acute, tilde, hook above, dot below
_NUMBER = re.compile(r"^\s*(\d+)\s*(?:[-/.\s]\s*)?([^\W\d_]+(?:\s*[-/.\s]\s*[^\W\d_]+)*)\s*$")
_NUMBER_RUN = re.compile(r"\d+[a-z]+")


def _composed(base: str, tone: str) -> str:
    return unicodedata.normalize("NFC", base + tone)


# The new tone placement, read on NFC text with precomputed tables: a bare o/u followed by a
# toned a/e (after o) or y (after u) that ends the syllable (no letter and no further mark
# follows), not after q ("qu" is a consonant: "quý" stays). "hoà" → "hòa", "thuỷ" → "thủy".
# The same as moving the tone mark in NFD (tests/test_search_analysis.py checks both agree).
_TONED = {_composed(v, t): (v, t) for v in "aAeEyY" for t in _TONES}  # "à" → ("a", grave) ...
_NEW_STYLE = re.compile(f"(?<![qQ])([oOuU])([{''.join(_TONED)}])" + r"(?![\w\u0300-\u036f])")


def _retone(match: re.Match) -> str:
    first, toned = match.groups()
    vowel, tone = _TONED[toned]
    if (first in "oO") != (vowel in "aAeE"):  # "oỳ", "uà": not one of the three endings
        return match.group()
    return _composed(first, tone) + vowel


def _fold_char(char: str) -> str | int | None:
    """What one (lower-case) character folds to: its letters without marks; a lone mark: none."""
    if char == "đ":
        return "d"
    kept = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
    if kept == char:
        return ord(char)
    return kept or None


class _FoldTable(dict):
    """``str.translate`` table for folding: precomputed for the Latin letters Vietnamese uses,
    filled in for any other character the first time it is met."""

    def __missing__(self, code: int) -> str | int | None:
        value = self[code] = _fold_char(chr(code))
        return value


_FOLD = _FoldTable()
for _code in (*range(0x80, 0x250), *range(0x300, 0x370), *range(0x1E00, 0x1F00)):
    _FOLD[_code]


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def unify_tones(text: str) -> str:
    """One tone placement for word-final oa/oe/uy: "hoà" → "hòa", "thuỷ" → "thủy"."""
    return _NEW_STYLE.sub(_retone, nfc(text))


def exact(text: str) -> str:
    """The exact field's form: NFC, one tone placement, lower case."""
    return unify_tones(text).lower()


def fold(text: str) -> str:
    """Lower-case, strip diacritics, map đ (and Telex "dd") to d (one table lookup a letter)."""
    return nfc(text).lower().translate(_FOLD).replace("dd", "d")


def words(text: str, folded: bool = True) -> list[str]:
    """The words of a text as the index has them (what query building starts from)."""
    form = fold if folded else exact
    return [form(w) for w in WORDS.findall(nfc(text))]


def number_key(text: str) -> str | None:
    """The compact key of a document number in any spelling, or None if it is not one.

    "117-KH/TU", "117 KH TU", "117/kh-tu", "117khtu" → "117khtu". A number is digits followed
    by at least one group of letters; words alone ("dang vien") are not numbers.
    """
    folded = fold(text)
    match = _NUMBER.match(folded)
    if match:
        return match.group(1) + re.sub(r"[\W_]+", "", match.group(2))
    compact = re.sub(r"[\W_]+", "", folded)
    return compact if _NUMBER_RUN.fullmatch(compact) else None


def number_keys(number: str | None) -> list[str]:
    """Index tokens of a document's own number: the digits, then each letter group added.

    "117-KH/TU" → ["117", "117kh", "117khtu"], so ``so:117`` and ``so:117-KH`` also find it.
    """
    if not number:
        return []
    parts = re.findall(r"\w+", fold(number))
    keys, acc = [], ""
    for part in parts:
        acc += part
        keys.append(acc)
    return keys


@lru_cache(maxsize=200_000)
def _fold_word(word: str) -> str:
    return fold(word)


class _ExactFilter(Filter):
    """Lower case (the tokenizer already applied NFC and one tone placement)."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            token.text = token.text.lower()
            yield token


class _FoldFilter(Filter):
    """Folded words; a vocabulary is small, so folding is memoized per word."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            token.text = _fold_word(token.text)
            yield token


class _NfcTokenizer(Tokenizer):
    """NFC before splitting: a decomposed "ạ" would otherwise end a word at its dot."""

    def __init__(self) -> None:
        self._inner = RegexTokenizer(_WORD)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _NfcTokenizer)

    def __hash__(self) -> int:
        return hash(_NfcTokenizer)

    def __call__(self, value: str, **kwargs) -> Iterator[Token]:
        return self._inner(unify_tones(value), **kwargs)


def exact_analyzer():
    return _NfcTokenizer() | _ExactFilter()


def folded_analyzer():
    return _NfcTokenizer() | _FoldFilter()
