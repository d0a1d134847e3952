"""Vietnamese text analysis: NFC words for exact matches, folded words for typing without accents.

Whoosh's StandardAnalyzer is not used: its English stop list drops Vietnamese words such as
"an", "do" and "to". Folding removes tone and vowel marks and maps đ to d (Unicode does not
decompose đ), so "dang vien", "đảng viên" and "ĐẢNG VIÊN" meet in the folded field, and the two
tone placements ("hòa"/"hoà") fold to the same word.
"""

from __future__ import annotations

import unicodedata

from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer

_WORD = r"\w+"


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def fold(text: str) -> str:
    """Lower-case, strip diacritics, map đ to d."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d").replace("Đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class _NfcFilter(Filter):
    def __call__(self, tokens):
        for token in tokens:
            token.text = nfc(token.text)
            yield token


class _FoldFilter(Filter):
    def __call__(self, tokens):
        for token in tokens:
            token.text = fold(token.text)
            yield token


def exact_analyzer():
    return RegexTokenizer(_WORD) | _NfcFilter() | LowercaseFilter()


def folded_analyzer():
    return RegexTokenizer(_WORD) | _FoldFilter()
