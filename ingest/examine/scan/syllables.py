"""Vietnamese syllable structure: is a token a syllable that Vietnamese spelling can produce?

Vietnamese writes one syllable per word-token, and its spelling is regular: an optional onset
(b, ch, gh, ngh, qu…), a rhyme (an optional glide, a vowel nucleus, an optional coda) and at most
one tone mark. A grammar of onsets and rhymes therefore tells readable Vietnamese from mojibake
("7ӌ1+", "ĈӝF"), from OCR noise ("ph4t", "vrET") and from foreign words, without shipping a
dictionary: about 160 rhymes and 27 onsets cover every syllable of the language.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

# Tone marks (sắc, huyền, hỏi, ngã, nặng); circumflex, breve and horn are part of the vowel.
TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")
VOWEL_MARKS = frozenset("\u0302\u0306\u031b")

ONSETS = (
    "ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "th", "tr", "qu",
    "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "",
)  # fmt: skip

RHYMES = frozenset(
    """
    a ai ao au ay ac ach am an ang anh ap at
    ăc ăm ăn ăng ăp ăt
    âc âm ân âng âp ât âu ây
    e eo ec em en eng ep et
    ê êu êch ênh êm ên êp êt
    i ia iu ich im in inh ip it iêc iêm iên iêng iêp iêt iêu
    o oi oc om on ong op ot oong ooc
    oa oai oao oay oac oach oam oan oang oanh oap oat oăc oăm oăn oăng oăt
    oe oeo oen oet oem
    ô ôi ôc ôm ôn ông ôp ôt
    ơ ơi ơm ơn ơp ơt
    u ua ui uc um un ung up ut uân uât uây uâng uê uêch uênh uơ uôc uôi uôm uôn uông uôt
    uy uya uych uyên uyêt uynh uyt uyu uyp
    ư ưa ưi ưu ưc ưm ưn ưng ưt ươc ươi ươm ươn ương ươp ươt ươu
    y yêm yên yêng yêt yêu
    """.split()  # noqa: SIM905 - one line of rhymes per vowel reads better than a list
)
_VOWELS = frozenset("aăâeêioôơuưy")
# Spelling rules: k/gh/ngh only before front vowels (i, e, ê, y), c/g/ng never before them.
_FRONT = ("i", "e", "ê", "y")


def strip_tone(token: str) -> tuple[str, int]:
    """Lower-case NFC token without its tone marks, and how many tone marks it carried."""
    decomposed = unicodedata.normalize("NFD", token.lower())
    tones = sum(1 for ch in decomposed if ch in TONES)
    bare = "".join(ch for ch in decomposed if ch not in TONES)
    return unicodedata.normalize("NFC", bare), tones


def _onset_fits(onset: str, rhyme: str) -> bool:
    front = rhyme.startswith(_FRONT)
    if onset in ("k", "gh", "ngh"):
        return front
    if onset in ("c", "ng"):
        return not front
    if onset == "g":
        return not rhyme.startswith(("e", "ê"))
    return True


@lru_cache(maxsize=65536)
def is_syllable(token: str) -> bool:
    """True when ``token`` (letters only, any case) is a well-formed Vietnamese syllable."""
    bare, tones = strip_tone(token)
    if tones > 1 or not bare or len(bare) > 7:
        return False
    for onset in ONSETS:
        if not bare.startswith(onset):
            continue
        rhyme = bare[len(onset) :]
        if rhyme in RHYMES and _onset_fits(onset, rhyme):
            return True
        if onset == "gi" and (rhyme == "" or ("i" + rhyme) in RHYMES):
            return True  # gì, gìn, giữ: the i of "gi" doubles as the vowel
        if onset == "qu" and rhyme and ("u" + rhyme) in RHYMES:
            return True  # quốc, quân: the u of "qu" is the glide
    return False


def has_vowel(token: str) -> bool:
    bare, _ = strip_tone(token)
    return any(ch in _VOWELS for ch in bare)


def is_vietnamese_letter(ch: str) -> bool:
    """A letter of the Vietnamese alphabet, with any of its vowel and tone marks, in any case."""
    if ch in "đĐ":
        return True
    decomposed = unicodedata.normalize("NFD", ch)
    base, marks = decomposed[:1], decomposed[1:]
    if not ("a" <= base.lower() <= "z"):
        return False
    return all(m in TONES or m in VOWEL_MARKS for m in marks)
