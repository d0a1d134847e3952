"""Detect and convert legacy TCVN3 (ABC, ".VnTime" fonts) Vietnamese text to Unicode.

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
    legacy = sum(1 for ch in text if ch in _TCVN3_ONLY)
    modern = len(_UNICODE_VN.findall(text))
    return legacy >= 3 and legacy > 2 * modern


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
    """Return text converted from TCVN3 if it looks legacy-encoded, else unchanged."""
    return tcvn3_to_unicode(text) if looks_like_tcvn3(text) else text
