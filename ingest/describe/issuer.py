"""The issuing body's full name from the left-column lines of a header, using the gazetteer.

The symbol alone cannot name the issuer (every Tỉnh ủy is ``TU``), so the name is read from the
body lines, superior first. Lines are joined before they are read, since a long name wraps
anywhere ("ĐẢNG ỦY CÁC CƠ QUAN ĐẢNG" / "TỈNH"); the words are then cut into bodies, each a head
("Sở", "Ban", "Đảng ủy", "Ủy ban nhân dân"), its function ("Công Thương", "Tổ chức", "các cơ quan
Đảng") and its locality ("tỉnh Lào Cai"), all looked up in the gazetteer by folded words, so OCR
that lost or damaged diacritics ("ÚY BAN", "CỤC HÓA CHÁT", "BAN DAN VAN") still finds the name.
The issuing body is the last one; it takes what it lacks from the bodies above it:

    ĐẢNG BỘ TỈNH LÀO CAI / ĐẢNG ỦY CÁC CƠ QUAN ĐẢNG TỈNH -> Đảng ủy các cơ quan Đảng tỉnh Lào Cai
    UBND TỈNH LÀO CAI / SỞ CÔNG THƯƠNG                  -> Sở Công Thương tỉnh Lào Cai
    TỈNH ỦY LÀO CAI / BAN TỔ CHỨC                       -> Ban Tổ chức Tỉnh ủy Lào Cai
    BỘ CÔNG THƯƠNG / CỤC HÓA CHẤT                       -> Cục Hóa chất

Names come out as registers write them (the gazetteer's spelling and capitals). A name the
gazetteer does not know is kept as printed, with a lower confidence so it goes to review; the
``notes`` say what was corrected or not recognised, for the evidence shown to the archivist.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from ingest.describe.gazetteer import CENTRAL, Entry, Gazetteer, Key, key_of
from ingest.describe.syllable import is_acronym, is_syllable
from ingest.describe.text import fold, has_marks, match_key
from ingest.describe.vocab import DOC_TYPES, STATE_DOC_TYPES

ORG_START = re.compile(
    r"^(?:ĐẢNG BỘ|(?:TỈNH|HUYỆN|THÀNH|THỊ|QUẬN|ĐẢNG) ỦY|UBND|HĐND|BAN CÁN SỰ ĐẢNG|ĐẢNG ĐOÀN|"
    r"ỦY BAN|VĂN PHÒNG|HỘI ĐỒNG|TRUNG TÂM|CHI CỤC|CHI BỘ|BAN|SỞ|BỘ|CỤC|PHÒNG|THANH TRA|"
    r"CHÍNH PHỦ|THỦ TƯỚNG)\b"
)
_WORDS = re.compile(r"[^\W\d_]+|\d+")
_MOTTOS = (
    ["dang", "cong", "san", "viet", "nam"],
    ["cong", "hoa", "xa", "hoi", "chu", "nghia", "viet", "nam"],
    ["doc", "lap", "tu", "do", "hanh", "phuc"],
)
_MOTTO_WORDS = frozenset(w for motto in _MOTTOS for w in motto)
_LEVEL_ALIASES: dict[Key, str] = {("tp",): "thành phố", ("tx",): "thị xã", ("tt",): "thị trấn"}
_CENTRAL_KEYS: frozenset[Key] = frozenset({("trung", "uong"), ("tw",)})
_NUMERAL = re.compile(r"^(?:\d{1,3}|[IVX]{1,5})$")
CONFIDENT, SNAPPED, FUZZY, UNKNOWN = 0.95, 0.88, 0.72, 0.65
_DOUBLED_VOWEL = re.compile(r"([aeiouy])\1")  # in a folded word: "daang" for "ĐẢẲNG"


@dataclass
class _Token:
    text: str  # as printed, upper case
    key: str  # folded
    line: int  # which input line
    single: str = ""  # folded with a vowel OCR read twice made one ("daang" -> "dang")


@dataclass
class Body:
    """One body named in the header lines: a national body, or a head with its parts."""

    entry: Entry | None = None  # a body that is a name on its own ("Chính phủ")
    head: Entry | None = None
    function: str | None = None  # canonical, or as printed when unknown
    function_entry: Entry | None = None
    level: str | None = None
    place: str | None = None
    place_entry: Entry | None = None
    # The place's letters are those of several known names, told apart by their marks alone
    # ("Thanh Xuân", "Thạnh Xuân"): the one printed is kept, and on a scan it is doubted.
    place_ambiguous: bool = False
    central: bool = False  # "... TRUNG ƯƠNG"
    inner: Body | None = None  # "BAN CÁN SỰ ĐẢNG" + "UBND TỈNH"
    lines: set[int] = field(default_factory=set)  # which input lines it was read from

    @property
    def role(self) -> str:
        if self.entry is not None:
            return "national"
        return self.head.role if self.head else ""

    def has_place(self) -> bool:
        return bool(self.place) or self.central or (self.entry is not None)

    def entries(self) -> list[Entry]:
        found = [e for e in (self.entry, self.head, self.function_entry, self.place_entry) if e]
        return found + (self.inner.entries() if self.inner else [])


@dataclass
class Reading:
    """The issuer as read: its name, the body above it, how sure, and what was done."""

    issuer: str | None = None
    superior: str | None = None
    confidence: float = 0.0
    notes: list[str] = field(default_factory=list)
    kind: str | None = None  # party | state, when the gazetteer knows
    symbols: set[str] = field(default_factory=set)  # symbol codes this body writes
    bodies: list[Body] = field(default_factory=list)
    line: int | None = None  # index (into the lines given) of the issuing body's last line
    unknown: bool = False  # a body the gazetteer does not know (kept as printed)


def _title(words: list[str]) -> str:
    """A place as printed in capitals, in title case ("PHONG HẢI" -> "Phong Hải"; "II" stays)."""
    return " ".join(w.capitalize() if w.isupper() and not _NUMERAL.match(w) else w for w in words)


def function_case(words: list[str]) -> str:
    """An unknown function as registers write one: "DU LỊCH VÀ THỂ THAO" -> "Du lịch và Thể
    thao" (each field after "và", a comma or a dash starts with a capital)."""
    out, cap = [], True
    for word in words:
        lower = word.lower()
        if lower in ("và", "-", ","):
            out.append(lower)
            cap = True
            continue
        out.append(word.capitalize() if cap else lower)
        cap = word.endswith(",")
    text = " ".join(out).replace(" ,", ",")
    return text.replace("đảng", "Đảng") if "cơ quan đảng" in text else text


class _Reader:
    def __init__(self, table: Gazetteer, lines: list[str]) -> None:
        self.table = table
        self.tokens: list[_Token] = []
        for no, line in enumerate(lines):
            for word in _WORDS.findall(match_key(line)):
                key = fold(word)
                self.tokens.append(_Token(word, key, no, _DOUBLED_VOWEL.sub(r"\1", key)))
        self.notes: list[str] = []
        self.snapped: list[tuple[str, str]] = []
        self.fuzzy = False
        self.unknown_functions: list[str] = []  # "Sở Du lịch": a body the table lacks
        self.unknown_places: list[str] = []  # a commune: read as printed
        self.noise: list[str] = []

    # -- matching ---------------------------------------------------------------------------

    def _match(
        self, i: int, index: dict[Key, Entry], single_exact: bool = False
    ) -> tuple[Entry, int] | None:
        """Longest entry of the index starting at token i (folded words)."""
        n = len(self.tokens)
        for size in range(min(self.table.longest, n - i), 0, -1):
            span = self.tokens[i : i + size]
            key = tuple(t.key for t in span)
            entry = index.get(key)
            if entry is None and any(t.single != t.key for t in span):
                # OCR reads a vowel whose marks it could not settle as two ("ĐẢẲNG"): the
                # word with one of them is the known one, and counts as corrected.
                entry = index.get(tuple(t.single for t in span))
            if entry is None:
                continue
            printed = " ".join(t.text for t in self.tokens[i : i + size])
            misspelled = size == 1 and single_exact and not self.table.spelled(key, printed)
            if misspelled and has_marks(printed):  # "SỐ" is not "SỞ"; a mark-less "SO" may be
                continue
            return entry, size
        return None

    def _fuzzy(self, i: int, index: dict[Key, Entry]) -> tuple[Entry, int] | None:
        """A known name one or two letters off ("QUANG NZGAI"), for names of 6+ letters."""
        best: tuple[int, Entry, int] | None = None
        for key, entry in index.items():
            size = len(key)
            if not key or i + size > len(self.tokens):
                continue
            read = " ".join(t.key for t in self.tokens[i : i + size])
            want = " ".join(key)
            if len(want) < 6 or abs(len(read) - len(want)) > 2:
                continue
            allowed = 1 if len(want) <= 8 else 2
            dist = _distance(read, want, allowed)
            if dist <= allowed and (best is None or dist < best[0]):
                best = (dist, entry, size)
        return (best[1], best[2]) if best else None

    def _take(self, i: int, entry: Entry, size: int, fuzzy: bool = False) -> None:
        printed = " ".join(t.text for t in self.tokens[i : i + size])
        key = tuple(t.key for t in self.tokens[i : i + size])
        if fuzzy or not self.table.spelled(key, printed):
            self.snapped.append((printed, entry.name))
        self.fuzzy |= fuzzy

    def _starts_body(self, i: int, strict: bool = False) -> bool:
        """Does a body (or a head) start at token i? ``strict``: a one-word head ("SỞ",
        "PHÒNG") counts only as printed, so a place "PHONG HẢI" is not cut at "PHONG"."""
        if self._match(i, self.table.bodies):
            return True
        found = self._match(i, self.table.heads, single_exact=True)
        if found and strict and found[1] == 1:
            key = (self.tokens[i].key,)
            return self.table.spelled(key, self.tokens[i].text)
        return found is not None

    def _level(self, i: int) -> tuple[str, int] | None:
        key = (self.tokens[i].key,)
        if key in _LEVEL_ALIASES:
            return _LEVEL_ALIASES[key], 1
        found = self._match(i, self.table.levels, single_exact=True)  # "QUÂN" is no "QUẬN"
        if found is None and (damaged := self._match(i, self.table.levels)):
            # "TÍNH QUẢNG NGÃI": a level with a wrong mark, taken when a known place follows
            after = i + damaged[1]
            if after < len(self.tokens) and self._match(after, self.table.places):
                self._take(i, damaged[0], damaged[1])
                found = damaged
        return (found[0].name, found[1]) if found else None

    def _open_words(self, i: int, stop_at_level: bool = True, strict: bool = False) -> int:
        """How many tokens from i form an unknown name (clean words up to the next body)."""
        j = i
        while j < len(self.tokens):
            token = self.tokens[j]
            if j > i and (self._starts_body(j, strict) or (stop_at_level and self._level(j))):
                break
            if j > i and token.line != self.tokens[j - 1].line and self._level(j):
                break
            text = token.text
            if not (is_syllable(text) or is_acronym(text) or _NUMERAL.match(text)):
                break
            j += 1
        return j - i

    # -- parts ------------------------------------------------------------------------------

    def _place(self, i: int, body: Body) -> int:
        """A place name at token i (known, nearly known, or as printed); returns tokens used."""
        if i >= len(self.tokens):
            return 0
        if tuple(t.key for t in self.tokens[i : i + 2]) in _CENTRAL_KEYS or (
            (self.tokens[i].key,) in _CENTRAL_KEYS
        ):
            body.central = True
            return 2 if self.tokens[i].key == "trung" else 1
        found = self._match(i, self.table.places)
        fuzzy = False
        if found is None and not self._starts_body(i, strict=True):
            found = self._fuzzy(i, self.table.near_places)
            fuzzy = found is not None
        if found:
            entry, size = found
            self._take(i, entry, size, fuzzy)
            body.place, body.place_entry = entry.name, entry
            key = key_of(entry.name)
            if self.table.ambiguous(key):
                printed = " ".join(t.text for t in self.tokens[i : i + size])
                body.place = (not fuzzy and self.table.as_printed(printed)) or entry.name
                body.place_ambiguous = True
            return size
        if self._starts_body(i, strict=True):
            return 0
        size = self._open_words(i, strict=True)
        if size:
            words = [t.text for t in self.tokens[i : i + size]]
            body.place = _title(words)
            self.unknown_places.append(body.place)
        return size

    def _locality(self, i: int, body: Body) -> int:
        """ "TỈNH LÀO CAI", "XÃ TÂN AN", a bare "TỈNH", or "TRUNG ƯƠNG"; tokens used."""
        if i >= len(self.tokens):
            return 0
        if (self.tokens[i].key,) in _CENTRAL_KEYS or (
            tuple(t.key for t in self.tokens[i : i + 2]) in _CENTRAL_KEYS
        ):
            return self._place(i, body)
        level = self._level(i)
        if level is None:
            return 0
        body.level = level[0]
        used = level[1]
        if i + used < len(self.tokens):
            used += self._place(i + used, body)
        return used

    def _function(self, i: int, head: Entry, body: Body) -> int:
        index = self.table.functions.get(head.functions, {})
        found = self._match(i, index) if i < len(self.tokens) else None
        fuzzy = False
        if found is None and i < len(self.tokens) and not self._starts_body(i):
            found = self._fuzzy(i, index)
            fuzzy = found is not None
        if found:
            entry, size = found
            self._take(i, entry, size, fuzzy)
            body.function, body.function_entry = entry.name, entry
            return size
        if () in index:  # a bare "VĂN PHÒNG"
            body.function_entry = index[()]
            return 0
        if head.open and i < len(self.tokens):
            size = self._open_words(i)
            if size:
                body.function = function_case([t.text for t in self.tokens[i : i + size]])
                self.unknown_functions.append(f"{head.name} {body.function}")
            return size
        return 0

    def _damaged_head(self, i: int) -> tuple[Entry, int] | None:
        """A one-word head with a wrong mark ("BỌ" for "BỘ"), taken only when a function it
        takes follows ("BỌ CÔNG THƯƠNG"), so "SỐ" is never read as "SỞ"."""
        found = self._match(i, self.table.heads)
        if found is None or found[1] != 1 or i + 1 >= len(self.tokens):
            return None
        head = found[0]
        index = self.table.functions.get(head.functions, {})
        if self._match(i + 1, index) is None:
            return None
        return found

    def _body(self, i: int) -> tuple[Body, int] | None:
        """The body starting at token i, or None when no body starts there."""
        found = self._match(i, self.table.bodies)
        if found:
            entry, size = found
            self._take(i, entry, size)
            return Body(entry=entry, central=entry.central), size
        found = self._match(i, self.table.heads, single_exact=True) or self._damaged_head(i)
        if found is None:
            return None
        head, size = found
        self._take(i, head, size)
        body = Body(head=head)
        j = i + size
        if head.role == "committee":
            if j < len(self.tokens) and not self._starts_body(j) and not self._level(j):
                j += self._place(j, body)
            body.level = head.level
        elif head.role == "people":
            j += self._locality(j, body)
        elif head.role in ("party_unit", "of_body"):
            used = self._locality(j, body)
            if not used and j < len(self.tokens):
                inner = self._body(j) if head.role == "of_body" or self._starts_body(j) else None
                if inner:
                    body.inner, used = inner
                else:
                    used = self._function(j, head, body)
                    used += self._locality(j + used, body)
            j += used
        else:  # board, department, ministry, agency
            j += self._function(j, head, body)
            j += self._locality(j, body)
        return body, j - i

    def read(self) -> list[Body]:
        bodies: list[Body] = []
        i = 0
        while i < len(self.tokens):
            found = self._body(i)
            if found:
                body, size = found
                body.lines = {t.line for t in self.tokens[i : i + size]}
                bodies.append(body)
                i += size
                continue
            if bodies and not bodies[-1].has_place() and (used := self._locality(i, bodies[-1])):
                bodies[-1].lines |= {t.line for t in self.tokens[i : i + used]}
                i += used  # a locality wrapped onto its own line: "ỦY BAN NHÂN DÂN" / "TỈNH X"
                continue
            self.noise.append(self.tokens[i].text)
            i += 1
        return bodies


def _distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, giving up (limit + 1) once it cannot stay within limit."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


# -- composing names ------------------------------------------------------------------------


def _locality_name(body: Body) -> str:
    if body.central:
        return CENTRAL
    return " ".join(p for p in (body.level, body.place) if p)


def _owner_place(superiors: list[Body]) -> Body | None:
    """The nearest body above with a place (or central) to lend its locality."""
    return next((b for b in reversed(superiors) if b.place or b.central), None)


def name_of(body: Body, superiors: list[Body]) -> str:
    """The registered name of a body, completed from the bodies above it."""
    if body.entry is not None:
        return body.entry.name
    head = body.head
    assert head is not None
    owner = _owner_place(superiors)
    role = head.role
    if role == "committee":  # "TỈNH ỦY" under "ĐẢNG BỘ TỈNH YÊN BÁI" -> "Tỉnh ủy Yên Bái"
        place = body.place or (owner.place if owner else None)
        return f"{head.name} {place}" if place else head.name
    if body.inner is not None:  # "Đảng ủy" / "Ban cán sự đảng" + "Ủy ban nhân dân tỉnh X"
        return f"{head.name} {name_of(body.inner, superiors)}"
    base = f"{head.name} {body.function}" if body.function else head.name
    has_locality = bool(body.level or body.place or body.central)
    if role in ("people", "party_unit", "of_body"):
        return f"{base} {_lend(body, owner)}".strip()
    if role == "board" and not has_locality:  # "Ban Tổ chức" + its committee's full name
        above = superiors[-1] if superiors else None
        if above is None:
            return base
        if above.central:
            bare_office = head.name == "Văn phòng" and not body.function
            return "Văn phòng Trung ương Đảng" if bare_office else f"{base} {CENTRAL}"
        return f"{base} {name_of(above, superiors[:-1])}"
    if role == "department" and not has_locality and superiors and superiors[-1].role == "ministry":
        return base  # a department of a ministry names itself
    if role in ("board", "department"):  # "Sở Công Thương" + "tỉnh Lào Cai"
        return f"{base} {_lend(body, owner)}".strip()
    if role == "agency" and body.place:  # "Cục Thuế tỉnh X" (before 2025); else "Cục Thuế"
        return f"{base} {_locality_name(body)}"
    return base  # a ministry, or an agency: national names


_TIERS = {
    "tỉnh": 1, "thành phố": 1, "huyện": 2, "quận": 2, "thị xã": 2, "xã": 3, "phường": 3,
    "thị trấn": 3, "đặc khu": 3, "thôn": 4, "tổ dân phố": 4, "khu phố": 4, "ấp": 4,
    "khu vực": 5,
}  # fmt: skip


def _lend(body: Body, owner: Body | None) -> str:
    """The body's locality, completed from the owner's when it is a bare level ("TỈNH").

    A place is only lent at its own tier: a bare "XÃ" never takes the province's name.
    """
    if body.place or body.central:
        return _locality_name(body)
    if owner is None:
        return body.level or ""
    if owner.central:
        return CENTRAL
    level = body.level or owner.level or ""
    if body.level and owner.level and _TIERS.get(body.level) != _TIERS.get(owner.level):
        return body.level
    return f"{level} {owner.place}".strip()


def _symbols(body: Body, superiors: list[Body]) -> set[str]:
    """Symbol codes this body may write: its own, and with its owner's ("BTC" + "TU")."""
    if body.entry is not None:
        return {body.entry.symbol} if body.entry.symbol else set()
    head = body.head
    own = (head.symbol if head else "") + (
        body.function_entry.symbol if body.function_entry else ""
    )
    found = {own} if own else set()
    if body.function_entry and body.function_entry.symbol:
        found.add(body.function_entry.symbol)
    if head and head.role == "board" and superiors:
        for sup in _symbols(superiors[-1], superiors[:-1]) or {""}:
            found.add(own + ("TW" if superiors[-1].central else sup))
    if body.inner is not None:
        found |= {own + s for s in _symbols(body.inner, superiors)} | {own}
    return {s for s in found if s}


def _fits(symbols: set[str], codes: list[str]) -> bool | None:
    if not symbols or not codes:
        return None
    folded = {fold(c).upper() for c in codes if c}
    wanted = {fold(s).upper() for s in symbols}
    return any(c == w or (len(w) >= 2 and c.startswith(w)) or (len(c) >= 2 and w.startswith(c))
               for c in folded for w in wanted)  # fmt: skip


_TYPE_CODES = frozenset(
    fold(c).upper() for c in (*DOC_TYPES.values(), *STATE_DOC_TYPES.values(), "CV")
)


def _others_symbol(codes: list[str], table: Gazetteer) -> bool:
    """Is a part of the symbol one the gazetteer gives a body ("SNV", "BTCTU", "UBND")?

    Then a name that does not fit it is doubted: one of the two was misread. A part no body
    owns says nothing against the name: state symbols often end in a field or a unit that is
    no body ("QĐ-XPVPHC", a penalty decision; "HC-QLHC", the unit that drafted it)."""
    heads = [e.symbol for e in table.heads.values() if e.symbol]
    functions = [e.symbol for group in table.functions.values() for e in group.values()
                 if e.symbol]  # fmt: skip
    owned = {fold(e.symbol).upper() for e in table.bodies.values() if e.symbol}
    owned |= {fold(h + f).upper() for h in heads for f in ("", *functions)}
    for code in (fold(c).upper() for c in codes if c):
        if not code or code in _TYPE_CODES:
            continue
        if code in owned or any(code.startswith(s) and code[len(s):] in owned
                                for s in owned if len(s) >= 2):  # fmt: skip
            return True
    return False


def _motto_tail(keys: list[str]) -> int:
    """How many words at the end of a line are the end of a motto ("... VIỆT NAM")."""
    best = 0
    for motto in _MOTTOS:
        for size in range(min(len(motto), len(keys) - 1), best, -1):
            if keys[-size:] == motto[-size:]:
                best = size
                break
    return best


def _strip_motto_tail(line: str, table: Gazetteer) -> tuple[str, str]:
    """Cut the other column's words glued to the end of a body line ("SỞ NỘI VỤ NAM")."""
    words = line.split()
    keys = [fold(w) for w in words]
    size = _motto_tail(keys)
    if not size:
        return line, ""
    marked = has_marks(line)
    for span in range(3, 0, -1):  # "TỈNH QUẢNG NAM", "HÀ NAM": a place, not debris
        key = tuple(keys[-span:])
        printed = " ".join(words[-span:])
        if (
            len(keys) >= span
            and key in table.places
            and (
                not marked or table.spelled(key, printed)  # "XUÂN QUANG NAM" is no "QUẢNG NAM"
            )
        ):
            return line, ""
    key = key_of(line)
    if key in table.bodies or any(key[:n] in table.heads for n in range(len(key), 2, -1)):
        return line, ""  # "NGÂN HÀNG NHÀ NƯỚC VIỆT NAM", "ỦY BAN MẶT TRẬN TỔ QUỐC VIỆT NAM"
    return " ".join(words[:-size]), " ".join(words[-size:])


def read_issuer(
    lines: list[str],
    table: Gazetteer,
    day: dt.date | None = None,
    codes: list[str] | None = None,
) -> Reading:
    """Read the issuer from its header lines (superior first).

    ``day`` (the document's date) checks that the names were in use then; ``codes`` are the
    parts of the number's symbol ("QĐ", "SCT"), checked against the body's own symbol.
    """
    if not lines:
        return Reading()
    kept = []
    removed = []
    for line in lines:
        line, cut = _strip_motto_tail(match_key(line), table)
        kept.append(line)
        if cut:
            removed.append(cut)
    reader = _Reader(table, kept)
    bodies = reader.read()
    notes = []
    if removed or reader.noise:
        noise = removed + reader.noise
        notes.append("bỏ chữ lẫn từ cột bên cạnh hoặc dấu: " + ", ".join(f"'{n}'" for n in noise))
    if not bodies:
        words = [w for line in kept for w in line.split() if w]
        if not words:
            return Reading()
        name = function_case(words) if len(words) > 1 else words[0].capitalize()
        note = "tên cơ quan không có trong danh mục"
        return Reading(name, None, UNKNOWN, [note], line=len(lines) - 1, unknown=True)
    issuing, superiors = bodies[-1], bodies[:-1]
    name = name_of(issuing, superiors)
    superior = name_of(superiors[-1], superiors[:-1]) if superiors else None
    conf = CONFIDENT
    if reader.snapped:
        conf = SNAPPED
        fixed = "; ".join(f"'{a}' → '{b}'" for a, b in reader.snapped)
        notes.append(f"đã khớp với danh mục cơ quan: {fixed}")
    if reader.fuzzy:
        conf = min(conf, FUZZY)
    if reader.unknown_functions:  # a known head ("Sở") with a function the table lacks
        conf = min(conf, UNKNOWN + 0.1)
    if reader.unknown_places and not all(_clean_name(p) for p in reader.unknown_places):
        conf = min(conf, 0.7)  # a place that lost its marks cannot be spelled back
    if reader.unknown_functions or reader.unknown_places:
        unknown = reader.unknown_functions + reader.unknown_places
        notes.append("chưa có trong danh mục (đọc như in): " + ", ".join(unknown))
    if reader.noise:
        junk = [w for w in reader.noise if fold(w) not in _MOTTO_WORDS]
        if junk:
            conf = min(conf, 0.75)
    if _incomplete(issuing, superiors):
        conf = min(conf, 0.7)
        notes.append("tên cơ quan chưa đủ (thiếu cấp trên hoặc địa danh)")
    stale = [e for e in issuing.entries() + [e for b in superiors for e in b.entries()]
             if not e.in_use(day)]  # fmt: skip
    if stale:  # noted, not doubted: the header says what it says, the date may be the slip
        notes.append(
            "tên không còn (hoặc chưa) dùng vào ngày văn bản: "
            + ", ".join(
                e.name + (f" (nay thuộc {e.merged_into})" if e.merged_into else "") for e in stale
            )
        )
    symbols = _symbols(issuing, superiors)
    fits = _fits(symbols, codes or [])
    if fits is False:
        notes.append(f"ký hiệu không khớp với cơ quan ({'/'.join(sorted(symbols))})")
        if _others_symbol(codes or [], table):
            conf = min(conf, 0.7)
    kinds = {e.kind for e in issuing.entries() if e.kind in ("party", "state")}
    kind = kinds.pop() if len(kinds) == 1 else None
    return Reading(name, superior, round(conf, 2), notes, kind, symbols, bodies,
                   max(issuing.lines) if issuing.lines else len(lines) - 1,
                   bool(reader.unknown_functions))  # fmt: skip


def _clean_name(name: str) -> bool:
    """A name printed with its marks, every word a syllable: safe to keep as printed."""
    words = [w for w in name.split() if not _NUMERAL.match(w)]
    return all(is_syllable(w) for w in words) and (has_marks(name) or not words)


def _incomplete(body: Body, superiors: list[Body]) -> bool:
    """A body that needs a place or an owner the header did not give."""
    if body.entry is not None or body.head is None:
        return False
    role = body.head.role
    has_owner = bool(superiors)
    if body.level and not body.place and not body.central and not _owner_place(superiors):
        return True  # "... TỈNH" with no province anywhere
    if role == "committee":
        return not (body.place or _owner_place(superiors))
    if role == "people":
        return not (body.place or _owner_place(superiors))
    if role == "board":
        return not (has_owner or body.place or body.central)
    if role == "department":
        return not (
            body.place
            or _owner_place(superiors)
            or (superiors and superiors[-1].role == "ministry")
        )
    if role == "party_unit":
        return not (body.place or body.function or body.inner or _owner_place(superiors))
    return False
