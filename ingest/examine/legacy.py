"""Detect and convert legacy Vietnamese text (TCVN3/ABC ".VnTime", VNI, cp1258) to Unicode.

Old Party documents were typed in TCVN3 fonts. When such text is extracted without the font's
mapping it arrives as Latin-1 look-alikes ("TØnh ñy Lµo Cai" for "Tỉnh ủy Lào Cai"). The header
parser converts it before parsing so that the rest of the pipeline only ever sees Unicode.
"""

from __future__ import annotations

import re
import unicodedata

# TCVN3 byte (read as a Latin-1 code point) -> Unicode letter. TCVN3 only encodes lower-case toned
# letters; upper-case text used the separate ".VnTimeH" font with the same codes, which is why
# upper-casing is restored per segment in tcvn3_to_unicode().
_TCVN3_PAIRS = (
    "\xa1Ă \xa2Â \xa3Ê \xa4Ô \xa5Ơ \xa6Ư \xa7Đ "
    "\xa8ă \xa9â \xaaê \xabô \xacơ \xadư \xaeđ "
    "\xb5à \xb6ả \xb7ã \xb8á \xb9ạ "
    "\xbbằ \xbcẳ \xbdẵ \xbeắ \xc6ặ "
    "\xc7ầ \xc8ẩ \xc9ẫ \xcaấ \xcbậ "
    "\xccè \xceẻ \xcfẽ \xd0é \xd1ẹ "
    "\xd2ề \xd3ể \xd4ễ \xd5ế \xd6ệ "
    "\xd7ì \xd8ỉ \xdcĩ \xddí \xdeị "
    "\xdfò \xe1ỏ \xe2õ \xe3ó \xe4ọ "
    "\xe5ồ \xe6ổ \xe7ỗ \xe8ố \xe9ộ "
    "\xeaờ \xebở \xecỡ \xedớ \xeeợ "
    "\xefù \xf1ủ \xf2ũ \xf3ú \xf4ụ "
    "\xf5ừ \xf6ử \xf7ữ \xf8ứ \xf9ự "
    "\xfaỳ \xfbỷ \xfcỹ \xfdý \xfeỵ"
)
TCVN3_TO_UNICODE: dict[str, str] = {pair[0]: pair[1] for pair in _TCVN3_PAIRS.split()}
_TCVN3_TRANS = str.maketrans(TCVN3_TO_UNICODE)

# Latin-1 letters that are also ordinary Vietnamese Unicode letters ("à", "ó", "Ê", ...): their
# presence proves nothing, so detection only counts the other TCVN3 codes.
_SHARED_WITH_UNICODE = set("ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúý")
_TCVN3_ONLY = frozenset(TCVN3_TO_UNICODE) - _SHARED_WITH_UNICODE
_TCVN3_ONLY_RE = re.compile(f"[{re.escape(''.join(sorted(_TCVN3_ONLY)))}]")
# Letters only found in real Unicode Vietnamese (ă, đ, ơ, ư and the U+1EA0 block).
_UNICODE_VN = re.compile(r"[ăâđơưĂĐƠƯ\u1ea0-\u1ef9]")

_SEGMENT = re.compile(r"\S+(?: \S+)*")
# TCVN3 "ư" is 0xAD, a soft hyphen that many tools drop: "ơng"/"ơc" never exist without the "ư".
_LOST_HORN = re.compile(r"(?<![ưƯừứửữự])([ơờởỡớợ])(?=(?:ng|c)\b)", re.IGNORECASE)
# Words that only make sense with their lost "ư": "nh" (như), "th" (thư), "lu" (lưu).
_LOST_HORN_WORD = re.compile(r"\b(nh|th|l)(u?)\b(?![/\-])")


def looks_like_tcvn3(text: str) -> bool:
    """True when text reads like TCVN3 bytes decoded as Latin-1 rather than Unicode Vietnamese.

    Counting codes that Unicode Vietnamese never uses, against letters only Unicode has, keeps
    a stray "§" or "×" in a normal document from triggering a conversion.
    """
    legacy = len(_TCVN3_ONLY_RE.findall(text))
    return legacy >= 3 and legacy > 2 * len(_UNICODE_VN.findall(text))


def _restore_upper(original: str, converted: str) -> str:
    """Upper-case a converted segment whose ASCII letters were all capitals (".VnTimeH" text)."""
    ascii_letters = [ch for ch in original if ch.isascii() and ch.isalpha()]
    if len(ascii_letters) >= 2 and all(ch.isupper() for ch in ascii_letters):
        return converted.upper()
    return converted


def _word_horn(match: re.Match[str]) -> str:
    head, tail = match.group(1), match.group(2)
    if (head == "l") != (tail == "u"):  # only "lu" for l; only bare "nh"/"th"
        return match.group(0)
    return head + "ư" + tail


def _repair_lost_horn(text: str, whole_words: bool) -> str:
    """Put back the "ư" that vanished with a dropped soft hyphen where it is unambiguous.

    "ơng"/"ơc" cannot stand without the "ư", so that repair is always safe; vowel-less words
    ("nh", "th") are only repaired when the text has no soft hyphen at all, i.e. all were lost.
    """

    def horn(match: re.Match[str]) -> str:
        ch = match.group(1)
        return ("Ư" if ch.isupper() else "ư") + ch

    text = _LOST_HORN.sub(horn, text)
    if whole_words:
        text = _LOST_HORN_WORD.sub(_word_horn, text)
    return text


def tcvn3_to_unicode(text: str) -> str:
    """Convert TCVN3 text (read as Latin-1) to NFC Unicode Vietnamese."""
    lost_soft_hyphen = "\xad" not in text
    out_lines = []
    for line in text.split("\n"):
        pieces = []
        last = 0
        for match in _SEGMENT.finditer(line):
            pieces.append(line[last : match.start()])
            seg = match.group(0)
            pieces.append(_restore_upper(seg, seg.translate(_TCVN3_TRANS)))
            last = match.end()
        pieces.append(line[last:])
        out_lines.append("".join(pieces))
    result = _repair_lost_horn("\n".join(out_lines), whole_words=lost_soft_hyphen)
    return unicodedata.normalize("NFC", result)


def to_unicode(text: str) -> str:
    """Return text converted from TCVN3 or VNI if it looks legacy-encoded, else unchanged."""
    return best_reading(text)


# --- VNI (VNI-Windows fonts, "VNI-Times") --------------------------------------------------------
# VNI writes a base letter followed by a mark byte ("Tænh uûy Laøo Cai" for "Tỉnh ủy Lào Cai");
# read as cp1252 the marks look like Latin-1 letters. Marks after a vowel, lower/upper case:
_VNI_MARKS = {
    "ø": "\u0300", "ù": "\u0301", "û": "\u0309", "õ": "\u0303", "ï": "\u0323",
    "â": "\u0302", "à": "\u0302\u0300", "á": "\u0302\u0301", "å": "\u0302\u0309",
    "ã": "\u0302\u0303", "ä": "\u0302\u0323",
    "ê": "\u0306", "è": "\u0306\u0300", "é": "\u0306\u0301", "ú": "\u0306\u0309",
    "ü": "\u0306\u0303", "ë": "\u0306\u0323",
}  # fmt: skip
_VNI_MARKS |= {k.upper(): v for k, v in _VNI_MARKS.items()}
# Whole letters that VNI encodes in one byte.
_VNI_LETTERS = {
    "ô": "ơ", "ö": "ư", "ñ": "đ", "æ": "ỉ", "ó": "ĩ", "ò": "ị", "î": "ỵ",
    "Ô": "Ơ", "Ö": "Ư", "Ñ": "Đ", "Æ": "Ỉ", "Ó": "Ĩ", "Ò": "Ị", "Î": "Ỵ",
}  # fmt: skip
_VNI_TRANS = str.maketrans(_VNI_LETTERS)
_VNI_BASE = "aeouyAEOUYơưƠƯ"
_VNI_PAIR = re.compile(f"([{_VNI_BASE}])([{''.join(_VNI_MARKS)}])")
# Bytes real Vietnamese never contains but VNI uses all the time (mark bytes, "đ", "ư").
_VNI_ONLY_RE = re.compile("[øûïñöëüåäæØÛÏÑÖËÜÅÄÆ]")


def vni_to_unicode(text: str) -> str:
    """Convert VNI text (read as cp1252) to NFC Unicode Vietnamese."""
    text = text.translate(_VNI_TRANS)
    text = _VNI_PAIR.sub(lambda m: m.group(1) + _VNI_MARKS[m.group(2)], text)
    return unicodedata.normalize("NFC", text)


def looks_like_vni(text: str) -> bool:
    legacy = len(_VNI_ONLY_RE.findall(text))
    return legacy >= 3 and legacy > 2 * len(_UNICODE_VN.findall(text))


# --- Choosing between readings --------------------------------------------------------------------
# A wrong reading of legacy bytes leaves symbols ("µ", "¸", "Ø") or impossible syllables ("uỷy",
# "Lứo"); the right one leaves neither. Scoring every candidate beats guessing from one signature,
# because TCVN3, VNI and cp1258 share many byte values.
_VN_LETTERS = frozenset(
    unicodedata.normalize("NFC", base + tone)
    for base in "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY"
    for tone in ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")
) | frozenset("đĐ")
_TONES = frozenset("\u0300\u0301\u0309\u0303\u0323")
_VOWEL_RUN = re.compile(r"[aăâeêioôơuưy]+")
# Vowel groups of Vietnamese syllables (without tones), glides included.
_NUCLEI_TEXT = (
    "a ă â e ê i o ô ơ u ư y ai ao au ay âu ây eo êu ia iê iu oa oă oe oi ôi ơi oo ua uâ uê ui uô "
    "uơ ưa ưi ươ ưu uy yê iêu oai oay oao oeo uây uôi ươi ươu uyê uya yêu uyu"
)
_NUCLEI = frozenset(_NUCLEI_TEXT.split())
_WORD = re.compile(r"\w+")


def _strip_tones(word: str) -> tuple[str, int]:
    decomposed = unicodedata.normalize("NFD", word.lower())
    tones = sum(1 for ch in decomposed if ch in _TONES)
    bare = "".join(ch for ch in decomposed if ch not in _TONES)
    return unicodedata.normalize("NFC", bare), tones


def _bad_word(word: str) -> bool:
    bare, tones = _strip_tones(word)
    if tones > 1:
        return True
    if bare.startswith(("qu", "gi")) and len(bare) > 2:
        bare = bare[2:] if bare[2] in "aăâeêioôơuưy" else bare[1:]
    return any(run not in _NUCLEI for run in _VOWEL_RUN.findall(bare))


def badness(text: str) -> int:
    """How un-Vietnamese a reading looks: stray symbols, marks and impossible syllables."""
    strays = sum(
        1
        for ch in text
        if ord(ch) > 0x7E and ch not in _VN_LETTERS and not ch.isspace() and ch not in "“”‘’–—…•"
    )
    return strays + sum(1 for w in _WORD.findall(text) if not w.isascii() and _bad_word(w))


def best_reading(text: str) -> str:
    """The text as is, or converted from TCVN3 or VNI, whichever reads as real Vietnamese."""
    if not (looks_like_tcvn3(text) or looks_like_vni(text)):
        return text
    candidates = [text, tcvn3_to_unicode(text), vni_to_unicode(text)]
    return min(candidates, key=badness)


def decode_8bit(data: bytes) -> tuple[str, str]:
    """Decode legacy 8-bit Vietnamese bytes: cp1258 (Windows), TCVN3 or VNI; returns the name."""
    latin = data.decode("latin-1")
    readings = [
        (unicodedata.normalize("NFC", data.decode("cp1258", "replace")), "cp1258"),
        (tcvn3_to_unicode(latin), "TCVN3"),
        (vni_to_unicode(data.decode("cp1252", "replace")), "VNI"),
    ]
    return min(readings, key=lambda reading: badness(reading[0]))
