"""Snippets of a hit's text around the words searched for, made in memory and never stored.

The index holds no text, so a snippet is cut from the record's text read through the gate after
the hit was admitted (``archive.records.gate.admit_hits`` calls the ``Snippeter`` made here, in
the same decision and audit entry as the result list). Nothing is cached: the snippet lives in
the page being rendered.

Matching follows the index's folding (``search.index.analysis``): "dang vien" finds "đảng viên"
and "Đảng viên". Rather than folding the text (which would move offsets), the folded query words
become regular expressions whose letters stand for every character that folds to them, so the
matches are found on the text itself by the regex engine.

The work per hit is bounded: at most ``SCAN_CHARS`` characters of a text are scanned, at most
``MAX_TERMS`` query terms are looked for, and a snippet has at most ``MAX_MARKS`` highlights in a
window of about ``WINDOW`` characters. ``search.query`` asks for snippets for one page of hits
at most.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from search import parse
from search.index.analysis import _FOLD, fold, nfc, words

SCAN_CHARS = 60_000
WINDOW = 220
MAX_MARKS = 8
MAX_TERMS = 12
MAX_CANDIDATES = 64
_LETTER_RANGES = ((0x41, 0x5B), (0x61, 0x7B), (0xC0, 0x250), (0x1E00, 0x1F00))


@dataclass(frozen=True)
class Piece:
    """A run of the snippet's text, highlighted or not (templates escape the text and wrap a
    highlighted run in ``<mark>``)."""

    text: str
    marked: bool = False


Snippet = tuple[Piece, ...]


@lru_cache(maxsize=1)
def _variants() -> dict[str, str]:
    """Each folded letter → every character (both cases) that folds to it: "d" → "dDđĐ"."""
    table: dict[str, set[str]] = {}
    for start, end in _LETTER_RANGES:
        for code in range(start, end):
            char = chr(code)
            folded = char.lower().translate(_FOLD)
            if len(folded) == 1:
                table.setdefault(folded, {folded}).add(char)
    return {k: "".join(sorted(v)) for k, v in table.items()}


def _word_pattern(word: str) -> str:
    variants = _variants()
    parts = []
    for char in word:
        chars = variants.get(char)
        parts.append(f"[{re.escape(chars)}]" if chars else re.escape(char))
    return "".join(parts)


def terms_of(query: str) -> list[list[str]]:
    """The free words and phrases of a query, folded; each term a list of consecutive words.
    Field filters (``loai:``, ``mat:``...) describe a record, not its text: not highlighted."""
    parsed = parse.parse(query)
    terms = [[w] for chunk in parsed.words for w in words(chunk)]
    terms += [words(p) for p in parsed.phrases]
    seen: list[list[str]] = []
    for term in terms:
        if term and term not in seen:
            seen.append(term)
    return seen[:MAX_TERMS]


class Snippeter:
    """Made once per search from the query; ``__call__`` cuts one text's snippet."""

    def __init__(self, query: str) -> None:
        terms = terms_of(query)
        alternatives = sorted(
            (r"[\W_]+".join(_word_pattern(w) for w in term) for term in terms),
            key=len,
            reverse=True,  # the longest first: a phrase wins over its own words
        )
        self.pattern = (
            re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)")
            if alternatives
            else None
        )

    def __bool__(self) -> bool:
        return self.pattern is not None

    def _best(self, text: str) -> re.Match | None:
        """The match that opens the window holding the most different words searched for
        (the earliest such): a document's heading "ĐẢNG CỘNG SẢN VIỆT NAM" does not win over
        the paragraph with every word. At most ``MAX_CANDIDATES`` matches are weighed."""
        found = []
        for match in self.pattern.finditer(text):
            found.append((match, fold(match.group())))
            if len(found) == MAX_CANDIDATES:
                break
        best, best_count = None, 0
        for i, (match, _) in enumerate(found):
            reach = match.start() + WINDOW * 2 // 3
            count = len({f for m, f in found[i:] if m.end() <= reach})
            if count > best_count:
                best, best_count = match, count
        return best

    def __call__(self, text: str) -> Snippet | None:
        """The window around the first match, with every match in it marked; None if no word
        searched for is in the (scanned part of the) text."""
        if self.pattern is None or not text:
            return None
        text = nfc(text[:SCAN_CHARS])
        first = self._best(text)
        if first is None:
            return None
        start = max(0, first.start() - WINDOW // 3)
        if start:
            space = text.find(" ", start, first.start())
            start = space + 1 if space != -1 else start
        end = min(len(text), start + WINDOW)
        if end < len(text):
            space = text.rfind(" ", first.end(), end)
            end = space if space != -1 else end
        pieces: list[Piece] = []
        at = start
        for n, match in enumerate(self.pattern.finditer(text, start, end)):
            if n == MAX_MARKS:
                break
            if match.start() > at:
                pieces.append(Piece(_flat(text[at : match.start()])))
            pieces.append(Piece(_flat(match.group()), True))
            at = match.end()
        if at < end:
            pieces.append(Piece(_flat(text[at:end])))
        if start > 0:
            pieces.insert(0, Piece("… "))
        if end < len(text):
            pieces.append(Piece(" …"))
        return tuple(pieces)


_SPACES = re.compile(r"\s+")


def _flat(text: str) -> str:
    """Line breaks and page breaks of the text as single spaces (a snippet is one line)."""
    return _SPACES.sub(" ", text)
