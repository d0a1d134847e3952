"""The gazetteer of issuing bodies: what the header reader knows about names, as data.

``bodies.json`` beside this module is the shipped table; an administrator edits a copy named
``bodies.json`` in the instance folder (``KHO_HOME``), which then wins and is re-read whenever it
changes (like ``filing_rules.json``). A broken copy is reported in the log and the shipped table
is used, so a typo never stops ingest. The table holds *parts*, not every body: heads ("Sở",
"Ban", "Đảng ủy"), the functions each head takes ("Công Thương", "Tổ chức"), provinces (with the
2025 mergers), localities and levels ("tỉnh", "xã"), plus the national bodies that are names on
their own ("Chính phủ", "Bộ Chính trị"). ``ingest.describe.issuer`` composes names from them.
Every commune, ward and special zone since the July 2025 reform (3,321, from the
``vietnam-provinces`` package's data) is a known locality too, under any table, so a commune's
name read by OCR is known rather than kept as printed and doubted.

Everything is indexed by folded words ("ỦY BAN" and "UY BAN" are the same key), so OCR that
damaged or dropped diacritics still finds the known name; the caller compares the words as
printed with the canonical ones to say whether it had to correct them.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import logging
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ingest.describe.text import canonical_tones, fold, match_key

log = logging.getLogger(__name__)

FILE_NAME = "bodies.json"
DEFAULT_PATH = Path(__file__).with_name(FILE_NAME)
ROLES = (
    "committee", "party_unit", "of_body", "people", "board", "department", "ministry", "agency",
)  # fmt: skip
CENTRAL = "Trung ương"


class GazetteerError(ValueError):
    """The gazetteer file is malformed; the message names the entry and the problem."""


Key = tuple[str, ...]


def key_of(text: str) -> Key:
    """Folded words of a name: "Ủy ban nhân dân" -> ("uy", "ban", "nhan", "dan")."""
    return tuple(fold(text).split())


@dataclass(frozen=True)
class Entry:
    """A named thing of the table: a body, a head, a function, a place or a level."""

    name: str
    symbol: str = ""
    kind: str = "any"  # party | state | any
    role: str = ""  # heads: one of ROLES
    functions: str = ""  # heads: the function list they take
    open: bool = False  # heads: an unknown function is read as printed (and flagged)
    level: str = ""  # committees: the level of their place; provinces: tỉnh / thành phố
    central: bool = False
    since: dt.date | None = None
    until: dt.date | None = None
    merged_into: str = ""

    def in_use(self, day: dt.date | None) -> bool:
        """Was this name in use on that day? (True when either is unknown.)"""
        if day is None:
            return True
        return (self.since is None or day >= self.since) and (
            self.until is None or day <= self.until
        )


@dataclass
class Gazetteer:
    source: str
    bodies: dict[Key, Entry] = field(default_factory=dict)
    heads: dict[Key, Entry] = field(default_factory=dict)
    functions: dict[str, dict[Key, Entry]] = field(default_factory=dict)
    places: dict[Key, Entry] = field(default_factory=dict)
    levels: dict[Key, Entry] = field(default_factory=dict)
    spellings: dict[Key, set[str]] = field(default_factory=dict)  # key -> names as printed
    names: dict[str, str] = field(default_factory=dict)  # a spelling (upper case) -> the name
    longest: int = 1
    # The communes known only from the package: matched as whole words, never from a reading
    # letters off (``near_places`` leaves them out): they are short and many, so one letter
    # off one is often another ("Na Hấu", a place of a test, lies one letter from "Nà Tấu").
    exact_only: set[Key] = field(default_factory=set)
    near_places: dict[Key, Entry] = field(default_factory=dict)  # places a near reading may be
    # The table's own place names as the word list writes words (lower case, one tone
    # placement), for the subject's spelling check: computed once per table, not per document.
    # Not the communes: many are words too ("Đoàn Kết", "Thống Nhất", "Thành Công").
    place_words: frozenset[str] = frozenset()

    def spelled(self, key: Key, printed: str) -> bool:
        """Is ``printed`` (upper case) one of the known spellings of the name with this key?"""
        return printed in self.spellings.get(key, ())

    def ambiguous(self, key: Key) -> bool:
        """Do several communes share these letters, told apart by their marks only ("Thanh
        Xuân", "Thạnh Xuân")? Then OCR, which drops and swaps marks, may have read another.
        (The table's own names are its administrator's: a province is never in doubt.)"""
        return key in self.exact_only and len(self.spellings.get(key, ())) > 1

    def as_printed(self, printed: str) -> str | None:
        """The known name spelled as ``printed`` (upper case), written as registers write it."""
        return self.names.get(printed)


def _date(value: object, where: str) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise GazetteerError(f"{where}: '{value}' is not an ISO date (YYYY-MM-DD)") from None


def _name(item: object, where: str) -> str:
    if not isinstance(item, dict) or not isinstance(item.get("name"), str):
        raise GazetteerError(f"{where}: each entry needs a 'name' string, got {item!r}")
    return item["name"].strip()


def _entry(item: dict, where: str, **extra: object) -> Entry:
    return Entry(
        name=_name(item, where),
        symbol=str(item.get("symbol", "")),
        kind=str(item.get("kind", "any")),
        role=str(item.get("role", "")),
        functions=str(item.get("functions", "")),
        open=bool(item.get("open", False)),
        level=str(item.get("level", "")),
        central=bool(item.get("central", False)),
        since=_date(item.get("from"), where),
        until=_date(item.get("until"), where),
        merged_into=str(item.get("merged_into", "")),
        **extra,  # type: ignore[arg-type]
    )


def _add(table: Gazetteer, index: dict[Key, Entry], name: str, entry: Entry, where: str) -> None:
    key = key_of(name)
    if not key:
        raise GazetteerError(f"{where}: empty name")
    index.setdefault(key, entry)
    table.spellings.setdefault(key, set()).add(match_key(name))
    table.names.setdefault(match_key(name), name)


# "Xã Mường Hum", "Phường Sa Pa", "Đặc khu Phú Quốc": the unit's kind, then its name.
_UNIT_KIND = re.compile(r"^(?:Xã|Phường|Đặc khu)\s+")


@lru_cache(maxsize=1)
def communes() -> tuple[str, ...]:
    """The names of every commune, ward and special zone (without "Xã", "Phường"), from the
    ``vietnam-provinces`` package's data file, read as a file: importing the package builds
    enumerations of all 3,321 units, which the reader does not need. Empty (and said once in
    the log) when the package is missing or its data unreadable: the table's own localities
    still work."""
    spec = importlib.util.find_spec("vietnam_provinces")
    folders = list(spec.submodule_search_locations or []) if spec else []
    try:
        path = Path(folders[0]) / "data" / "flat-divisions.json"
        units = json.loads(path.read_text(encoding="utf-8"))
        return tuple(sorted({_UNIT_KIND.sub("", unit["name"]).strip() for unit in units}))
    except (IndexError, OSError, ValueError, KeyError, TypeError):
        log.warning("vietnam-provinces data not found: communes are not known to the reader")
        return ()


def parse(data: object, source: str) -> Gazetteer:
    """Validate and index a gazetteer table (the JSON's content)."""
    if not isinstance(data, dict):
        raise GazetteerError(f"{source}: the file must hold a JSON object")
    table = Gazetteer(source)
    for level in data.get("levels", []):
        if not isinstance(level, str) or not level.strip():
            raise GazetteerError(f"{source}: levels must be non-empty strings, got {level!r}")
        _add(table, table.levels, level, Entry(level), f"{source}: level {level!r}")
    merged_on = _date(data.get("merged_on"), f"{source}: merged_on")
    for n, item in enumerate(data.get("provinces", [])):
        where = f"{source}: provinces[{n}]"
        entry = _entry(item, where)
        level = entry.level or "tỉnh"
        province = Entry(entry.name, level=level, since=entry.since, until=entry.until,
                         merged_into=entry.merged_into)  # fmt: skip
        _add(table, table.places, entry.name, province, where)
        for old in item.get("absorbed", []):
            if not isinstance(old, str):
                raise GazetteerError(f"{where}: 'absorbed' holds names, got {old!r}")
            until = merged_on - dt.timedelta(days=1) if merged_on else None
            former = Entry(old, level="tỉnh", until=until, merged_into=entry.name)
            _add(table, table.places, old, former, where)
    for n, name in enumerate(data.get("localities", [])):
        if not isinstance(name, str) or not name.strip():
            raise GazetteerError(f"{source}: localities[{n}] must be a name")
        _add(table, table.places, name, Entry(name), f"{source}: localities[{n}]")
    table.near_places = dict(table.places)
    for name in communes():
        if key_of(name) in table.near_places:
            continue  # the table's own place wins, spelled as the table spells it
        table.exact_only.add(key_of(name))
        _add(table, table.places, name, Entry(name), "vietnam-provinces")
    for n, item in enumerate(data.get("bodies", [])):
        where = f"{source}: bodies[{n}]"
        entry = _entry(item, where)
        for name in (entry.name, *item.get("also", [])):
            _add(table, table.bodies, name, entry, where)
    lists = data.get("functions", {})
    if not isinstance(lists, dict):
        raise GazetteerError(f"{source}: 'functions' must map list names to entries")
    for list_name, items in lists.items():
        index: dict[Key, Entry] = {}
        for n, item in enumerate(items):
            where = f"{source}: functions.{list_name}[{n}]"
            entry = _entry(item, where)
            index.setdefault(key_of(entry.name), entry)  # "" (a bare Văn phòng) is the key ()
            table.spellings.setdefault(key_of(entry.name), set()).add(match_key(entry.name))
        table.functions[list_name] = index
    for n, item in enumerate(data.get("heads", [])):
        where = f"{source}: heads[{n}]"
        entry = _entry(item, where)
        if entry.role not in ROLES:
            raise GazetteerError(f"{where}: role must be one of {', '.join(ROLES)}")
        if entry.functions and entry.functions not in table.functions:
            raise GazetteerError(f"{where}: no function list named {entry.functions!r}")
        for name in (entry.name, *item.get("also", [])):
            _add(table, table.heads, name, entry, where)
    sizes = [len(k) for index in (table.bodies, table.heads, table.places) for k in index]
    sizes += [len(k) for index in table.functions.values() for k in index]
    table.longest = max(sizes, default=1)
    table.place_words = frozenset(
        canonical_tones(e.name.lower()) for e in table.near_places.values()
    )
    return table


def load(path: Path | None = None) -> Gazetteer:
    """Read and validate a gazetteer file (default: the shipped one)."""
    path = path or DEFAULT_PATH
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise GazetteerError(f"{path}: cannot read the gazetteer ({exc})") from None
    return parse(data, str(path))


@lru_cache(maxsize=4)
def _load_at(path: Path | None, _stamp: float) -> Gazetteer:
    return load(path)


def for_home(home: Path | str | None = None) -> Gazetteer:
    """The instance's copy (``<home>/bodies.json``, else ``$KHO_HOME/bodies.json``) when there
    is one, re-read on change; otherwise, or when the copy is broken, the shipped table."""
    folder = home if home is not None else os.environ.get("KHO_HOME")
    if folder:
        path = Path(folder) / FILE_NAME
        try:
            stamp = path.stat().st_mtime
        except OSError:
            stamp = None
        if stamp is not None:
            try:
                return _load_at(path, stamp)
            except GazetteerError:
                log.exception("the instance gazetteer is broken; the shipped one is used")
    return _load_at(None, 0.0)
