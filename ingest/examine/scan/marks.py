"""What a stamp says: the OCR of a stamp crop classified into secrecy, urgency and other marks.

Stamps are short and set in capitals, and OCR of a crop fails in known ways: a lost or wrong
diacritic ("MẶT", "TÓI"), letters for digits ("T0I", "MAT" with an I for a 1), two words glued.
So the reading is folded (no marks, capitals), common confusions are undone, and the words are
matched against each mark's words, longest mark first: "TỐI MẬT" is not "MẬT", "THƯỢNG KHẨN" is
not "KHẨN", "HỎA TỐC HẸN GIỜ" is not "HỎA TỐC", and "GIẢI MẬT" (declassified) is no level at all.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# (kind, value, words). Order matters: the first match wins, so longer marks come first.
VOCABULARY: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("circulation", "giai_mat", ("GIAI", "MAT")),
    ("circulation", "thu_hoi", ("TAI", "LIEU", "THU", "HOI")),
    ("circulation", "noi_bo", ("LUU", "HANH", "NOI", "BO")),
    ("circulation", "xem_xong_tra_lai", ("XEM", "XONG", "TRA", "LAI")),
    ("circulation", "chi_nguoi_co_ten", ("CHI", "NGUOI", "CO", "TEN")),
    ("circulation", "khong_pho_bien", ("KHONG", "PHO", "BIEN")),
    ("level", "tuyet_mat", ("TUYET", "MAT")),
    ("level", "toi_mat", ("TOI", "MAT")),
    ("level", "mat", ("MAT",)),
    ("urgency", "hoa_toc_hen_gio", ("HOA", "TOC", "HEN", "GIO")),
    ("urgency", "hoa_toc", ("HOA", "TOC")),
    ("urgency", "thuong_khan", ("THUONG", "KHAN")),
    ("urgency", "khan", ("KHAN",)),
    ("other", "den", ("DEN",)),
    ("other", "ban_sao", ("BAN", "SAO")),
    ("other", "sao_y", ("SAO", "Y")),
    ("other", "du_thao", ("DU", "THAO")),
)
# Words that make a stamp an incoming-mail stamp even when "ĐẾN" itself was not read.
INCOMING_WORDS = frozenset({"SO", "NGAY", "CHUYEN", "LUU", "HO", "KY", "HIEU"})
# Words of bodies' names: the first line of an incoming or copy stamp names the office. A
# secrecy or urgency stamp never names anybody.
_BODY_NAMES = (
    "VAN PHONG UY BAN NHAN DAN TRUNG TAM CONG THONG TIN HOC TINH HUYEN CUC CHI NHANH DANG "
    "BO THUONG NOI VU SO"
)
BODY_WORDS = frozenset(_BODY_NAMES.split())
# A mark read with less confidence than this is unsure: a person should look (the secrecy
# decision, ingest.classify.secrecy, uses the same threshold).
SURE = 0.8
LABELS = {
    "mat": "MẬT",
    "toi_mat": "TỐI MẬT",
    "tuyet_mat": "TUYỆT MẬT",
    "khan": "KHẨN",
    "thuong_khan": "THƯỢNG KHẨN",
    "hoa_toc": "HỎA TỐC",
    "hoa_toc_hen_gio": "HỎA TỐC HẸN GIỜ",
}
_CONFUSIONS = str.maketrans({"0": "O", "1": "I", "|": "I", "!": "I", "5": "S", "8": "B", "$": "S",
                             "4": "A", "@": "A", "€": "E"})  # fmt: skip
_WORD = re.compile(r"[A-Z]+")
_LOWER_L = re.compile(r"(?<=[A-Z])l|l(?=[A-Z])")
_DOUBLED = re.compile(r"([A-Z])\1+")
_VOWEL = re.compile(r"[AEIOUY]")
FUZZY_FROM = 5  # words this long may be one letter off; shorter ones must be read exactly


@dataclass(frozen=True)
class Reading:
    kind: str | None  # level | urgency | circulation | other | None (nothing known read)
    value: str | None
    exact: bool  # every word of the mark matched letter for letter
    words: tuple[str, ...]  # the folded words read


def fold_words(text: str) -> tuple[str, ...]:
    """Upper-case words without diacritics, with OCR's digit-for-letter confusions undone
    (and a lower-case "l" inside a word in capitals read as the "I" it was)."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _LOWER_L.sub("I", text)
    return tuple(_squeeze(w) for w in _WORD.findall(text.upper().translate(_CONFUSIONS)))


def _squeeze(word: str) -> str:
    """A doubled letter made single: OCR reads a stacked mark as a second vowel ("MẶẬT")."""
    return _DOUBLED.sub(r"\1", word)


def _near(word: str, want: str) -> bool:
    """Same word, or (for long words) one letter off."""
    if word == want:
        return True
    if len(want) < FUZZY_FROM or abs(len(word) - len(want)) > 1:
        return False
    if len(word) == len(want):
        return sum(a != b for a, b in zip(word, want, strict=True)) <= 1
    short, long_ = sorted((word, want), key=len)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def _find(words: tuple[str, ...], pattern: tuple[str, ...]) -> bool | None:
    """None when the pattern is absent, else whether it matched exactly."""
    pattern = tuple(_squeeze(p) for p in pattern)
    n = len(pattern)
    best: bool | None = None
    for i in range(len(words) - n + 1):
        window = words[i : i + n]
        if all(_near(w, p) for w, p in zip(window, pattern, strict=True)):
            exact = window == pattern
            if exact:
                return True
            best = False
    if best is None:
        glued = "".join(words)
        if "".join(pattern) in glued and (n > 1 or len(pattern[0]) >= 4 or pattern[0] in words):
            return True
    return best


def _unexplained_before(words: tuple[str, ...], pattern: tuple[str, ...]) -> bool:
    """A word read just before a one-word mark ("TOL MAT"), or glued to it ("IUYYMAT"): it
    may be the unread half of a longer mark (TỐI MẬT, THƯỢNG KHẨN), so the shorter reading is
    not sure. However long it is: a TUYỆT over print, or blotchy, reads as more letters than
    it has ("FJƯUUNWBET MẠT", "IƯY#Y,MAT]" were read as sure MẬT)."""
    mark = pattern[0]
    for i, word in enumerate(words):
        before = words[i - 1] if i > 0 else ""
        if word == mark and len(before) >= 2 and _VOWEL.search(before):
            return True
        glued = word[: -len(mark)]
        if word.endswith(mark) and len(glued) >= 2 and _VOWEL.search(glued):
            return True
    return False


def _tokens(text: str) -> tuple[str, ...]:
    """The letters of each space-separated piece of a reading, run together: a word read with
    a sign inside ("TƯY£T") is one unexplained word, not the letters on either side."""
    return tuple("".join(fold_words(piece)) for piece in text.split())


def classify(text: str) -> Reading:
    """The mark a stamp's reading names, if any."""
    words = fold_words(text)
    for kind, value, pattern in VOCABULARY:
        found = _find(words, pattern)
        if found is not None:
            if len(pattern) == 1 and (
                _unexplained_before(words, pattern) or _unexplained_before(_tokens(text), pattern)
            ):
                found = False
            return Reading(kind, value, found, words)
    for kind, value, pattern in VOCABULARY:
        if _find_loosely(words, tuple(_squeeze(p) for p in pattern)):
            return Reading(kind, value, False, words)
    if _count_near(words, INCOMING_WORDS) >= 2:
        return Reading("other", "den", False, words)
    if _count_near(words, BODY_WORDS) >= 2:
        return Reading("other", None, False, words)
    return Reading(None, None, False, words)


def _find_loosely(words: tuple[str, ...], pattern: tuple[str, ...]) -> bool:
    """A mark of several words, one of them long and read exactly, the others each at most
    one letter off, however short ("THƯỢNG KHAV": THƯỢNG KHẨN). Tried only when no mark was
    read (so it never hides a level), and never sure: the mark goes to a person as read."""
    if len(pattern) < 2:
        return False
    for i in range(len(words) - len(pattern) + 1):
        window = words[i : i + len(pattern)]
        anchored = any(
            w == p and len(p) >= FUZZY_FROM for w, p in zip(window, pattern, strict=True)
        )
        if anchored and all(
            _near(w, p) or _off_by_one(w, p) for w, p in zip(window, pattern, strict=True)
        ):
            return True
    return False


def spelt_in_lower_case(text: str, value: str) -> bool:
    """Every word of the reading that spells a word of the mark ``value`` (as ``classify``
    matches it: exactly, one letter off, or off by one letter in place) has lower-case letters
    ("Thương nhận" read as THƯỢNG KHẨN): a stamp is set in capitals, so such a reading is of
    running text. OCR's lower-case "l" for an "I" does not count. False when no word of the
    reading spells the mark on its own (a mark found only glued inside a longer word)."""
    pattern = next((tuple(_squeeze(w) for w in p) for _, v, p in VOCABULARY if v == value), ())
    spelling = [
        piece for piece in text.split()
        if (folded := "".join(fold_words(piece)))
        and any(_near(folded, want) or _off_by_one(folded, want) for want in pattern)
    ]  # fmt: skip
    return bool(spelling) and all(
        any(ch.islower() and ch != "l" for ch in piece) for piece in spelling
    )


def _off_by_one(word: str, want: str) -> bool:
    return len(word) == len(want) and sum(a != b for a, b in zip(word, want, strict=True)) <= 1


def _count_near(words: tuple[str, ...], vocabulary: frozenset[str]) -> int:
    return sum(1 for w in words if any(_near(w, _squeeze(v)) for v in vocabulary))
