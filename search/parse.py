"""The search box language, parsed into a plain structure the engine compiles (engine-neutral).

    đảng viên                  words, all required; with or without diacritics
    "đảng viên ở cơ sở"        a phrase
    117-KH/TU  117 kh tu       a document number, any spelling
    so:117-KH/TU  loai:KH  coquan:"tỉnh ủy lào cai"  ngay:2022..2023  nam:2024
    mat:toi_mat  donvi:VP  hoso:12  kyso:hople  kyso:khonghople

Field names are accepted in Vietnamese, with or without diacritics, and in English (``so``/
``number``, ``loai``/``type``, ``coquan``/``issuer``, ``ngay``/``date``, ``nam``/``year``,
``mat``/``level``, ``donvi``/``unit``, ``hoso``/``dossier``, ``kyso``/``signature``: ``hople``/
``valid``, ``khonghople``/``invalid`` (any signature not valid, an untrusted root included),
``co``/``signed``). An unknown ``name:value`` is read
as words. Nothing here can widen what a person may see: the access filter is not part of the
query language and the engine always ANDs it in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from search.index.analysis import fold, number_key
from security.vocabulary import LEVELS

FIELDS: dict[str, str] = {
    "so": "number",
    "number": "number",
    "sokyhieu": "number",
    "loai": "doc_type",
    "type": "doc_type",
    "coquan": "issuer",
    "issuer": "issuer",
    "ngay": "date",
    "date": "date",
    "nam": "year",
    "year": "year",
    "mat": "level",
    "domat": "level",
    "level": "level",
    "donvi": "unit",
    "unit": "unit",
    "hoso": "dossier",
    "dossier": "dossier",
    "kyso": "signature",
    "signature": "signature",
}
# kyso: values → the word the index holds for a record's signatures (search.feed).
SIGNATURE_VALUES: dict[str, str] = {
    "hople": "valid",
    "valid": "valid",
    "khonghople": "invalid",
    "invalid": "invalid",
    "co": "signed",
    "signed": "signed",
    "bisua": "modified_after_signing",
    "modified": "modified_after_signing",
    "thuhoi": "revoked",
    "revoked": "revoked",
    "hethan": "expired",
    "expired": "expired",
    "chuatincay": "valid_untrusted_root",
    "untrusted": "valid_untrusted_root",
}
_LEVELS = {re.sub(r"[\W_]+", "", level): level for level in LEVELS}
_TOKEN = re.compile(
    r'(?P<field>[^\W\d_]+):(?P<value>"[^"]*"?|\S+)|"(?P<phrase>[^"]*)"?|(?P<word>\S+)'
)
_DAY = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$|^(?:(\d{1,2})/)?(\d{1,2})/(\d{4})$")


@dataclass(frozen=True)
class DateRange:
    """Inclusive yyyymmdd bounds; None is open."""

    start: int | None
    end: int | None


@dataclass
class ParsedQuery:
    """What was asked: free words and phrases, and field filters (all ANDed)."""

    words: list[str] = field(default_factory=list)  # raw chunks as typed, in order
    phrases: list[str] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)  # number keys from so:
    doc_types: list[str] = field(default_factory=list)
    issuers: list[str] = field(default_factory=list)
    dates: list[DateRange] = field(default_factory=list)
    years: list[DateRange] = field(default_factory=list)
    levels: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    dossiers: list[str] = field(default_factory=list)
    signatures: list[str] = field(default_factory=list)  # words of SIGNATURE_VALUES
    impossible: bool = False  # a filter value that can match nothing (mat:bogus, ngay:xyz)

    @property
    def free_text(self) -> str:
        return " ".join(self.words)

    @property
    def empty(self) -> bool:
        return not any(
            (self.words, self.phrases, self.numbers, self.doc_types, self.issuers, self.dates)
        ) and not any(
            (self.years, self.levels, self.units, self.dossiers, self.signatures, self.impossible)
        )


def _day(text: str, end: bool) -> int | None:
    """yyyy, yyyy-mm, yyyy-mm-dd, mm/yyyy or dd/mm/yyyy → yyyymmdd (start or end of period)."""
    m = _DAY.match(text)
    if not m:
        return None
    if m.group(1):
        year, month, day = m.group(1), m.group(2), m.group(3)
    else:
        year, month, day = m.group(6), m.group(5), m.group(4)
    y = int(year)
    if month is None:
        return y * 10000 + (1231 if end else 101)
    mo = int(month)
    if not 1 <= mo <= 12:
        return None
    if day is None:
        return y * 10000 + mo * 100 + (31 if end else 1)
    try:
        return int(date(y, mo, int(day)).strftime("%Y%m%d"))
    except ValueError:
        return None


def parse_dates(value: str) -> DateRange | None:
    """``2022``, ``2024-03``, ``05/03/2024``, ``2022..2023``, ``..2023``, ``2022..``."""
    if ".." in value:
        low, _, high = value.partition("..")
        start = _day(low, False) if low else None
        stop = _day(high, True) if high else None
        if (low and start is None) or (high and stop is None) or (not low and not high):
            return None
        return DateRange(start, stop)
    start, stop = _day(value, False), _day(value, True)
    return DateRange(start, stop) if start is not None else None


def _add_filter(parsed: ParsedQuery, name: str, value: str) -> None:
    if name == "number":
        key = number_key(value) or fold(re.sub(r"[\W_]+", "", value))
        parsed.numbers.append(key) if key else None
    elif name == "doc_type":
        parsed.doc_types.append(re.sub(r"[\W_]+", "", fold(value)))
    elif name == "issuer":
        parsed.issuers.append(value)
    elif name in ("date", "year"):
        span = parse_dates(value)
        if span is None:
            parsed.impossible = True
        elif name == "date":
            parsed.dates.append(span)
        else:
            parsed.years.append(span)
    elif name == "level":
        level = _LEVELS.get(re.sub(r"[\W_]+", "", fold(value)))
        parsed.levels.append(level) if level else setattr(parsed, "impossible", True)
    elif name == "unit":
        parsed.units.append(value.upper())
    elif name == "dossier":
        parsed.dossiers.append(fold(value))
    elif name == "signature":
        word = SIGNATURE_VALUES.get(re.sub(r"[\W_]+", "", fold(value)))
        parsed.signatures.append(word) if word else setattr(parsed, "impossible", True)


def parse(text: str) -> ParsedQuery:
    parsed = ParsedQuery()
    for m in _TOKEN.finditer(text or ""):
        if m.group("field") is not None:
            name = FIELDS.get(fold(m.group("field")))
            value = m.group("value").strip('"').strip()
            if name is None:  # not a field we know: the person meant words
                parsed.words.append(m.group(0))
            elif value:
                _add_filter(parsed, name, value)
        elif m.group("phrase") is not None:
            if m.group("phrase").strip():
                parsed.phrases.append(m.group("phrase").strip())
        else:
            parsed.words.append(m.group("word"))
    return parsed
