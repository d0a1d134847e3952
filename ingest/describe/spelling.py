"""Words of an OCR'd subject put right against the document's own body and a word list.

Tesseract misreads Vietnamese marks in ways a reader sees at once ("vật liệu nỗ" for "nổ",
"Nhâm Dằn" for "Dần") and garbles letters ("Quảng Nzgãi"). The body of the same document
usually repeats the subject's words, read from the same page in the same type, and most of
those readings are right; a Vietnamese word list (pyvi's dictionary of words and compounds)
tells a word from a misreading that is no word ("nỗ" is only a word in "nỗ lực") and protects
a compound the body misreads ("đầm ấm", read "đầm âm" twice in a body).

A word is changed only to a form the body itself writes at least twice in the same context (the
word beside it), more often than any other form, and only when the word list does not prefer
the word as read. The change is **sure** only when the word list also prefers the new form;
otherwise it is shown and the subject stays with a person. Nothing here reads the page image.

Abbreviations are not words: one OCR garbled ("thuế ITNIN") is put right to the abbreviation
the body writes ("Luật Thuế TNDN") or spells out ("thu nhập doanh nghiệp"), when it is the only
one a few letters off; sure when the abbreviation is also a known one
(``vocab.ABBREVIATIONS``). Names of places (the gazetteer's) count as words of the list.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from ingest.describe.syllable import is_acronym, is_syllable
from ingest.describe.text import canonical_tones, fold
from ingest.describe.vocab import ABBREVIATIONS, COMPOUNDS, COORDINATED

_TOKEN = re.compile(r"[^\W_]+")
MIN_BODY = 2  # readings of the same context in the body before a word is changed
MAX_EDITS = 2  # letters a garbled word may differ by from the body's word


# Years are named by the sexagenary cycle ("Tết Nguyên đán Nhâm Dần", "Giáp Thìn"): a stem and a
# branch of the same parity. The word list has the parts, not the names.
_STEMS = ("giáp", "ất", "bính", "đinh", "mậu", "kỷ", "canh", "tân", "nhâm", "quý")
_BRANCHES = ("tý", "sửu", "dần", "mão", "thìn", "tỵ", "ngọ", "mùi", "thân", "dậu", "tuất", "hợi")
YEAR_NAMES = frozenset(
    f"{stem} {branch}"
    for i, stem in enumerate(_STEMS)
    for j, branch in enumerate(_BRANCHES)
    if i % 2 == j % 2
)


@lru_cache(maxsize=1)
def lexicon() -> frozenset[str]:
    """Vietnamese words and compounds, lower case, syllables joined by one space, the names
    of years and the administrative compounds of ``vocab.COMPOUNDS``; only the year names
    when the word list is not installed (then little is sure, and the body decides alone)."""
    try:
        text = resources.files("pyvi").joinpath("models/words.txt").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        return YEAR_NAMES
    words = {canonical_tones(w.strip().lower()) for w in text.splitlines() if w.strip()}
    return frozenset(words) | YEAR_NAMES | {canonical_tones(w) for w in COMPOUNDS}


@dataclass
class Fix:
    read: str
    put: str
    seen: int  # readings of the new form in the same context in the body
    sure: bool

    def note(self) -> str:
        return f"'{self.read}' → '{self.put}' ({self.seen} lần trong thân văn bản)"


@dataclass
class Mended:
    text: str
    fixes: list[Fix] = field(default_factory=list)

    @property
    def sure(self) -> bool:
        return all(f.sure for f in self.fixes)

    @property
    def sure_words(self) -> frozenset[str]:
        """The words put right surely, as ``lower`` writes them."""
        return frozenset(lower(f.put) for f in self.fixes if f.sure)


@dataclass(frozen=True)
class Slip:
    """A likely misreading in an OCR'd subject: the text at ``start:end`` (``read``, as the
    note shows it) and the likelier form (``likely``; ``put`` is it in the subject's case).
    Never applied silently: offered to the person who reviews the subject, or (a compound
    misread, ``header._slips``) applied while that person confirms it."""

    start: int
    end: int
    read: str
    likely: str
    put: str

    def note(self) -> str:
        return f"'{self.read}' / '{self.likely}'"


def propose(subject: str, slips: list[Slip]) -> str:
    """The subject with every slip put right (the first of any that overlap)."""
    out, at = [], 0
    for slip in sorted(slips, key=lambda s: s.start):
        if slip.start >= at:
            out += [subject[at : slip.start], slip.put]
            at = slip.end
    return "".join([*out, subject[at:]])


def lower(word: str) -> str:
    """A word as the word list writes it: lower case, one tone placement."""
    return canonical_tones(word.lower())


def _support(
    words: list[str], i: int, form: str, lex: frozenset[str], names: frozenset[str]
) -> int:
    """How the word list (and the names) back ``form`` at position ``i``: 2 in a compound or
    a name with its neighbours, 1 as a word on its own, 0 not at all."""
    for lo in range(max(0, i - 2), i + 1):
        for hi in range(i + 1, min(len(words), i + 3) + 1):
            if hi - lo < 2:
                continue
            phrase = " ".join([*words[lo:i], form, *words[i + 1 : hi]])
            if phrase in lex or phrase in names:
                return 2
    if any(phrase in lex for phrase in _beside_abbreviation(words, i, form)):
        return 2
    return 1 if form in lex else 0


def backing(words: list[str], i: int, form: str) -> int:
    """How the word list backs ``form`` put at position ``i`` of ``words`` (as ``lower``
    writes them): 2 in a compound with its neighbours, 1 as a word of its own, 0 not at all."""
    return _support(words, i, form, lexicon(), frozenset())


@lru_cache(maxsize=1)
def _spelled_out() -> dict[str, list[str]]:
    return {lower(short): lower(words).split() for short, words in ABBREVIATIONS.items()}


def _beside_abbreviation(words: list[str], i: int, form: str) -> list[str]:
    """Phrases ``form`` makes with the words an abbreviation beside it stands for ("thuế" +
    "TNDN": "thuế thu nhập"), which the word list knows and the abbreviation hides."""
    spelled = _spelled_out()
    after = spelled.get(words[i + 1], []) if i + 1 < len(words) else []
    before = spelled.get(words[i - 1], []) if i > 0 else []
    return [" ".join([form, *after[:k]]) for k in range(1, len(after) + 1)] + [
        " ".join([*before[-k:], form]) for k in range(1, len(before) + 1)
    ]


def edits(a: str, b: str) -> int:
    """Levenshtein distance (short words only)."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _same_word(read: str, form: str) -> bool:
    """Could ``form`` be what OCR read as ``read``: the same letters with other marks, or,
    for a read word that is no syllable, a few letters off."""
    if fold(read) == fold(form):
        return True
    if is_syllable(read) or not is_syllable(form):
        return False
    return abs(len(read) - len(form)) <= 1 and edits(fold(read), fold(form)) <= MAX_EDITS


def apply_case(read: str, form: str) -> str:
    """``form`` written in the case OCR read: all capitals, a capital first, or lower case."""
    if read.isupper() and len(read) > 1:
        return form.upper()
    if read[:1].isupper():
        return form[:1].upper() + form[1:]
    return form


def _readings(words: list[str], i: int, body: list[str], at: dict[str, list[int]]) -> Counter:
    """How the body writes the subject's word ``i`` where it stands beside the same word as in
    the subject (before or after it): each reading in the body counted once."""
    places = set()
    if i > 0:
        places |= {j + 1 for j in at.get(words[i - 1], ())}
    if i + 1 < len(words):
        places |= {j - 1 for j in at.get(words[i + 1], ())}
    seen: Counter[str] = Counter()
    for j in places:
        if 0 <= j < len(body) and _same_word(words[i], body[j]):
            seen[body[j]] += 1
    return seen


def _swapped(seen: Counter[str], word: str) -> Counter[str]:
    """The body's readings with those that are no word and disagree with the subject's
    ``word`` read with the other of hỏi and ngã."""
    out: Counter[str] = Counter()
    for form, count in seen.items():
        out[form if form == word else _hook_or_tilde(form)] += count
    return out


_HOOK, _TILDE = "\u0309", "\u0303"


def _hook_or_tilde(word: str) -> str:
    """A body's reading that is no word, read with the other of the two marks OCR confuses
    most (hỏi and ngã: "vật liệu nỗ" for "nổ") when that makes it a word of the list."""
    if is_word(word):
        return word
    bare = unicodedata.normalize("NFD", word)
    if _HOOK in bare:
        other = bare.replace(_HOOK, _TILDE)
    elif _TILDE in bare:
        other = bare.replace(_TILDE, _HOOK)
    else:
        return word
    other = lower(unicodedata.normalize("NFC", other))
    return other if is_word(other) else word


def _choose(word: str, seen: Counter[str], support: dict[str, int]) -> tuple[str, int, bool] | None:
    """(form, readings, sure) to put for ``word``, or None to keep it.

    The word list speaks first: the forms it backs most, among the word as read and those the
    body reads at least twice. A single such form other than the word is taken when the body
    reads it at least as often as the word (sure: the word list backs it more than the word);
    several are decided by the body alone, when one is read strictly most often (never sure).
    """
    forms = [f for f, n in seen.items() if n >= MIN_BODY and f != word] + [word]
    top = max(support[f] for f in forms)
    if any(support[f] > top for f in seen):
        return None  # the word list backs a form the body reads only once: undecided
    level = [f for f in forms if support[f] == top]
    if level == [word]:
        return None
    if len(level) == 1:
        best = level[0]
        if seen[best] < seen[word]:
            return None
        return best, seen[best], top > support[word]
    ranked = sorted(level, key=lambda f: seen[f], reverse=True)
    best = ranked[0]
    if best == word or seen[best] == seen[ranked[1]]:
        return None
    return best, seen[best], False


def _abbreviations(body: str) -> Counter[str]:
    """The abbreviations the body writes, each with how often it writes it or (for a known
    one) spells it out."""
    seen: Counter[str] = Counter(
        w for w in _TOKEN.findall(body) if is_acronym(w) and not is_syllable(w)
    )
    folded = " " + " ".join(fold(w) for w in _TOKEN.findall(body.lower())) + " "
    for short, words in ABBREVIATIONS.items():
        spelled = folded.count(" " + " ".join(fold(w) for w in words.split()) + " ")
        if spelled:
            seen[short] += spelled
    return seen


def _abbreviation_for(read: str, seen: Counter[str]) -> tuple[str, bool] | None:
    """(abbreviation, sure): the one abbreviation of the body that OCR could have read as
    ``read`` (a word in capitals that is no syllable, no known abbreviation and not in the
    body), a letter or two off, the closest and only one so close; sure when it is a known
    one. None when a known one is closer (a "TNCM" is rather "TNCN" than the body's "TNDN");
    one as close that the body never writes is outweighed by the body."""
    if not (read.isupper() and len(read) >= 2) or is_syllable(read):
        return None
    if read in ABBREVIATIONS or read in seen:
        return None
    limit = 1 if len(read) <= 3 else 2
    near = sorted(
        (edits(fold(read), fold(form)), form)
        for form, count in seen.items()
        if count >= MIN_BODY and abs(len(form) - len(read)) <= 1
    )
    near = [(d, form) for d, form in near if d <= limit]
    if not near or (len(near) > 1 and near[1][0] == near[0][0]):
        return None
    distance, form = near[0]
    rivals = [
        edits(fold(read), fold(other))
        for other in ABBREVIATIONS
        if other != form and abs(len(other) - len(read)) <= 1
    ]
    if any(d < distance for d in rivals):
        return None
    return form, form in ABBREVIATIONS


def _mend_abbreviations(subject: str, body: str) -> tuple[str, list[Fix]]:
    seen = _abbreviations(body)
    fixes = []
    out = []
    last = 0
    for m in _TOKEN.finditer(subject):
        found = _abbreviation_for(m[0], seen) if seen else None
        if found is None:
            continue
        put, sure = found
        out.append(subject[last : m.start()] + put)
        last = m.end()
        fixes.append(Fix(m[0], put, seen[put], sure))
    return "".join(out) + subject[last:], fixes


def mend(subject: str, body: list[str], names: frozenset[str] = frozenset()) -> Mended:
    """The subject with words put right where the body's readings of the same context and
    the word list agree (see the module's docstring); every change listed. ``names``: names
    of places, lower case, which the word list lacks ("quảng ngãi")."""
    if not body:
        return Mended(subject)
    subject, fixed = _mend_abbreviations(subject, " ".join(body))
    spans = [(m.start(), m.end()) for m in _TOKEN.finditer(subject)]
    words = [lower(subject[a:b]) for a, b in spans]
    if len(words) < 2:
        return Mended(subject, fixed)
    # Digits are tokens, so no neighbours are made across a number ("năm 2022 đảm").
    text = [lower(w) for w in _TOKEN.findall(" ".join(body))]
    at: dict[str, list[int]] = {}
    for j, word in enumerate(text):
        at.setdefault(word, []).append(j)
    lex = lexicon()
    out = list(subject)
    fixes: list[Fix] = fixed
    for i, word in enumerate(words):
        if not word.isalpha():
            continue
        seen = _readings(words, i, text, at)
        found = _choose(word, seen, {f: _support(words, i, f, lex, names) for f in {*seen, word}})
        swapped = _swapped(seen, word)
        if found is None and swapped != seen:
            # Undecided: the body's readings that are no word, read with the other mark. The
            # body never wrote the form put in, so the change is never sure.
            support = {f: _support(words, i, f, lex, names) for f in {*swapped, word}}
            found = _choose(word, swapped, support)
            found = found and (found[0], found[1], False)
        if not found:
            continue
        best, count, sure = found
        a, b = spans[i]
        read = subject[a:b]
        put = apply_case(read, best)
        out[a:b] = [put] + [""] * (b - a - 1)
        fixes.append(Fix(read, put, count, sure))
    return Mended("".join(out), fixes)


def is_word(form: str) -> bool:
    """Does the word list know this word or phrase? True for everything when no word list is
    installed (the year names alone say too little)."""
    lex = lexicon()
    return lex is YEAR_NAMES or lower(form) in lex


# Words of grammar, read reliably (short and frequent) and next to anything: a compound made
# with one of them by another mark ("có sự" / "cơ sự", "cả nước" / "cá nước") is chance.
_GRAMMAR = frozenset((
    "có", "đã", "ở", "và", "cả", "của", "là", "được", "các", "những", "với", "cho", "trong",
    "đến", "để", "từ", "theo", "tại", "về", "này", "một",
))  # fmt: skip


@lru_cache(maxsize=1)
def _compounds_by_letters() -> dict[tuple[str, str], list[tuple[str, str]]]:
    """The word list's two-word compounds, by their letters without marks."""
    out: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for entry in lexicon():
        parts = entry.split()
        if len(parts) == 2:
            out.setdefault((fold(parts[0]), fold(parts[1])), []).append((parts[0], parts[1]))
    return out


def compound_slips(subject: str) -> list[Slip]:
    """Neighbouring words of an OCR'd subject that make no compound, where one of them with
    other marks makes one ("chỉ tiết" / "chi tiết"): OCR adds and drops marks, and a subject
    is written in compounds. Without the body's word on it the word list alone does not say
    which was printed, so the subject always goes to a person (the header reader keeps the
    likelier reading meanwhile). Empty when no word list is installed."""
    lex = lexicon()
    if lex is YEAR_NAMES:
        return []
    tokens = list(_TOKEN.finditer(subject))
    read = [t.group() for t in tokens]
    words = [lower(w) for w in read]
    index = _compounds_by_letters()
    slips = []
    for i in range(len(words) - 1):
        a, b = words[i], words[i + 1]
        if not (a.isalpha() and b.isalpha()) or {a, b} & _GRAMMAR:
            continue
        if i > 0 and any(w[:1].isupper() for w in read[i : i + 2]):
            continue  # a name ("Thăng Long", "Đảng tỉnh"): its own spelling
        if 2 in (
            _support(words, i, a, lex, frozenset()),
            _support(words, i + 1, b, lex, frozenset()),
        ):
            continue  # a word in a compound with its other neighbour
        found = [c for c in index.get((fold(a), fold(b)), []) if (c[0] == a) != (c[1] == b)]
        if found:
            first, second = tokens[i], tokens[i + 1]
            between = subject[first.end() : second.start()]
            put = apply_case(read[i], found[0][0]) + between + apply_case(read[i + 1], found[0][1])
            slips.append(Slip(first.start(), second.end(), f"{a} {b}", " ".join(found[0]), put))
    return slips + _bound_slips(tokens, words, lex)


_BREAK = re.compile(r"\s*[,.;:]\s*")


def broken_compounds(subject: str) -> list[Slip]:
    """Two words of an OCR'd subject kept apart by a comma (or another stop) that make a
    compound, where neither makes one with its other neighbour ("VỀ VIỆC CHẤN, CHỈNH CÔNG
    TÁC"): a speck over the space read as a comma. Always shown to a person, since the page
    may say so; pairs written apart as coordinated words ("phòng, chống",
    ``vocab.COORDINATED``) are not doubted. Empty when no word list is installed."""
    lex = lexicon()
    if lex is YEAR_NAMES:
        return []
    tokens = list(_TOKEN.finditer(subject))
    words = [lower(t.group()) for t in tokens]
    broken = []
    for i in range(len(words) - 1):
        gap = subject[tokens[i].end() : tokens[i + 1].start()]
        pair = f"{words[i]} {words[i + 1]}"
        if not _BREAK.fullmatch(gap) or pair not in lex or pair in COORDINATED:
            continue
        if _joined(words, i, i + 1, lex) or _joined(words, i + 1, i, lex):
            continue  # "văn thư, lưu trữ": each word is in a compound on its own side
        first, second = tokens[i], tokens[i + 1]
        joined = f"{first.group()} {second.group()}"
        shown = f"{first.group()}{gap.strip()} {second.group()}"
        broken.append(Slip(first.start(), second.end(), shown, joined, joined))
    return broken


def _joined(words: list[str], i: int, other: int, lex: frozenset[str]) -> bool:
    """Does word ``i`` make a compound of two or three words without word ``other``?"""
    for lo in range(max(0, i - 2), i + 1):
        for hi in range(max(i + 1, lo + 2), min(len(words), lo + 3) + 1):
            if not lo <= other < hi and " ".join(words[lo:hi]) in lex:
                return True
    return False


def _bound_slips(tokens: list[re.Match[str]], words: list[str], lex: frozenset[str]) -> list[Slip]:
    """Words that live only inside compounds ("nỗ": "nỗ lực"), read in none, where the same
    letters with other marks are a word of their own ("vật liệu nỗ công nghiệp": "nổ"). The
    hook and the tilde are what OCR confuses most; the body may carry the same misreading, so
    only the word list tells."""
    singles = _words_by_letters()
    slips = []
    for i, word in enumerate(words):
        read = tokens[i].group()
        if not word.isalpha() or (i > 0 and read[:1].isupper()):
            continue  # a name keeps its own spelling
        if _support(words, i, word, lex, frozenset()):
            continue  # a word, or part of a compound with its neighbours
        shape = _toneless(word)
        others = [w for w in singles.get(fold(word), ()) if w != word and _toneless(w) == shape]
        if others:  # the hook read for the tilde or back first: the likeliest slip
            hooked = _tone(word) in _HOOK_TILDE
            others.sort(key=lambda w: not (hooked and _tone(w) in _HOOK_TILDE))
            put = apply_case(read, others[0])
            slips.append(Slip(tokens[i].start(), tokens[i].end(), word, others[0], put))
    return slips


_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"  # huyền, sắc, ngã, hỏi, nặng
_HOOK_TILDE = frozenset("\u0303\u0309")  # ngã and hỏi: the pair OCR swaps most


def _tone(word: str) -> str:
    return next((ch for ch in unicodedata.normalize("NFD", word) if ch in _TONE_MARKS), "")


def _toneless(word: str) -> str:
    """The letters with their vowel shapes (â, ơ, ư) but no tone: "nỗ", "nổ" -> "nô"."""
    kept = (ch for ch in unicodedata.normalize("NFD", word) if ch not in _TONE_MARKS)
    return unicodedata.normalize("NFC", "".join(kept))


@lru_cache(maxsize=1)
def _words_by_letters() -> dict[str, list[str]]:
    """The word list's one-syllable words, by their letters without marks."""
    out: dict[str, list[str]] = {}
    for entry in sorted(lexicon()):
        if " " not in entry:
            out.setdefault(fold(entry), []).append(entry)
    return out
