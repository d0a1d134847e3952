"""Is a PDF text layer readable Vietnamese, or garbage to be replaced by OCR of the page?

Two kinds of unreadable layers reach an archive. E-signed PDFs whose fonts map glyphs to legacy
or private code points extract as mojibake ("UBND 7ӌ1+ L¿O CAI", "ĈӝF OұS"); scans carry
somebody else's poor OCR layer ("ceNG noa xA Her cHU Ncuia vrET NAM", "H4nh phtc"). Both would
index garbage and hide the header from the reader. Vietnamese text is easy to recognise by its
statistics, so three measures decide:

- characters outside the Vietnamese alphabet, digits and ordinary punctuation (mojibake);
- word-tokens that are not well-formed Vietnamese syllables (``syllables.is_syllable``), mixed
  case inside a token ("cHU") and letters glued to digits ("l6p") counting as malformed;
- syllables without any diacritic: real Vietnamese marks about three syllables in four, a layer
  that lost every mark is a degraded OCR copy whose page reads better through our own OCR.

Abbreviations without vowels ("UBND", "TTr", "NĐ") say nothing either way and are not counted.
A page with too few tokens is judged with its whole document (``judge_pages``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from ingest.examine.scan.syllables import has_vowel, is_syllable, is_vietnamese_letter, strip_tone

# Punctuation and symbols that ordinary Vietnamese administrative text uses.
_ORDINARY = frozenset(" \t\n\f\v.,;:!?()[]{}\"'/\\-–—…%&*+=<>@#_“”‘’«»°§•·→ⅠⅡⅢⅣⅤ|~^$€№")
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
MIN_TOKENS = 25  # below this a page is judged together with the rest of its document
MAX_ODD_SHARE = 0.03  # characters that are neither Vietnamese letters, digits nor punctuation
MIN_SYLLABLE_SHARE = 0.70  # of the tokens with vowels, the share that are real syllables
MIN_MARKED_SHARE = 0.25  # of the real syllables, the share that carry a diacritic


@dataclass(frozen=True)
class Readability:
    characters: int  # non-space characters looked at
    odd: int  # of them, outside the alphabet, digits and punctuation
    tokens: int  # word-tokens with a vowel (abbreviations without one are not counted)
    syllables: int  # of them, well-formed Vietnamese syllables
    marked: int  # of the syllables, those with a tone or vowel mark or đ

    @property
    def odd_share(self) -> float:
        return self.odd / self.characters if self.characters else 0.0

    @property
    def syllable_share(self) -> float:
        return self.syllables / self.tokens if self.tokens else 1.0

    @property
    def marked_share(self) -> float:
        return self.marked / self.syllables if self.syllables else 1.0

    @property
    def enough(self) -> bool:
        return self.tokens >= MIN_TOKENS

    @property
    def garbled(self) -> bool:
        """Not readable Vietnamese (decided only with enough tokens to be fair)."""
        return self.enough and (
            self.odd_share > MAX_ODD_SHARE
            or self.syllable_share < MIN_SYLLABLE_SHARE
            or (self.syllables >= MIN_TOKENS and self.marked_share < MIN_MARKED_SHARE)
        )

    def __add__(self, other: Readability) -> Readability:
        return Readability(
            self.characters + other.characters,
            self.odd + other.odd,
            self.tokens + other.tokens,
            self.syllables + other.syllables,
            self.marked + other.marked,
        )


EMPTY = Readability(0, 0, 0, 0, 0)


def _well_cased(token: str) -> bool:
    return token.islower() or token.isupper() or (token[0].isupper() and token[1:].islower())


def _marked(token: str) -> bool:
    bare, tones = strip_tone(token)
    return tones > 0 or any(ch in "ăâêôơưđ" for ch in bare)


@lru_cache(maxsize=65536)
def _token(token: str) -> tuple[int, int, int]:
    """(counted, syllable, marked) for one word-token; tokens repeat, so this is cached."""
    if token.isdigit():
        return 0, 0, 0
    letters_only = token.isalpha()
    if letters_only and not has_vowel(token):
        return 0, 0, 0  # UBND, TTr, NĐ, CP: abbreviations
    if letters_only and _well_cased(token) and is_syllable(token):
        return 1, 1, int(_marked(token))
    return 1, 0, 0


def _ordinary_characters() -> dict[int, None]:
    """Translation table deleting every character ordinary Vietnamese text is made of."""
    keep = set(_ORDINARY) | set("0123456789")
    keep |= {chr(c) for c in range(0x20, 0x7F) if chr(c).isalpha()}
    keep |= {chr(c) for c in range(0xC0, 0x1EFA) if is_vietnamese_letter(chr(c))}
    return {ord(ch): None for ch in keep}


_DELETE_ORDINARY = _ordinary_characters()


def measure(text: str) -> Readability:
    """Character and syllable statistics of one page (or any text)."""
    text = unicodedata.normalize("NFC", text)  # a no-op scan in C on a text layer's pages
    # Characters other than whitespace, counted by ``str.split`` (the same ``isspace`` test) in
    # C rather than one Python step per character: this runs on every text-layer page filed.
    words = text.split()
    characters = sum(map(len, words))
    odd = sum(map(len, text.translate(_DELETE_ORDINARY).split()))
    # The tokens are the runs of ``isalnum`` characters (what ``[^\W_]`` matches), which never
    # span whitespace: a word that is all letters and digits (most of them) is one token as it
    # is, and only the others (punctuation attached, "l6p.", "a_b") go through the regex, in
    # one call. The regex over the whole page cost more than the rest of this function.
    tokens = syllables = marked = 0
    others = []
    for word in words:
        if word.isalnum():
            counted, syllable, mark = _token(word)
            tokens += counted
            syllables += syllable
            marked += mark
        else:
            others.append(word)
    for token in _TOKEN.findall(" ".join(others)):
        counted, syllable, mark = _token(token)
        tokens += counted
        syllables += syllable
        marked += mark
    return Readability(characters, odd, tokens, syllables, marked)


def judge_pages(pages: list[str]) -> list[bool]:
    """Per page: True when its text layer is present but not readable Vietnamese.

    A page with too few tokens of its own takes the verdict of the whole document, so a
    signature page or a table of names in a mojibake document is not let through.
    """
    measured = [measure(page) for page in pages]
    whole = sum(measured, EMPTY)
    return [
        m.garbled if m.enough else (m.tokens > 0 or m.odd > 0) and whole.garbled for m in measured
    ]
