"""The narrow interface to Whoosh: open readers, evaluate parsed queries, run trimmed searches.

Everything Whoosh-specific outside the writer lives here and in ``bits``/``index``/``storage``,
so the engine could be replaced behind ``search()``. Whoosh stores the (encrypted) inverted
index, positions for phrases, numeric ranges and the term list for suggestions; queries are
evaluated as bitsets (see ``bits``), because Whoosh's one-document-at-a-time matching and BM25
scoring in Python cannot answer frequent words at 100,000 documents in milliseconds.

- one reader per index and process, reopened only when a commit made a new generation (a file
  listing and a stat per query tell);
- the access filter is a bitset per scope and generation, ANDed into every set computed here:
  hits, counts, facets and suggestions never include a document outside the scope, and
  Whoosh's own counters (which know what a filter removed) are never used.

Relevance is tiered, then newest first: the document whose own number was typed; documents
holding every word with the diacritics as typed in their header (number, issuer, subject);
with the diacritics as typed anywhere; every word in the header without diacritics; the rest.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path

from whoosh import query as q
from whoosh.index import TOC, EmptyIndexError
from whoosh.reading import MultiReader, SegmentReader
from whoosh.searching import Searcher

from search import bits, index, segments, summary
from search.analysis import exact, fold, number_key
from search.parse import ParsedQuery

FACETS = {
    "doc_type": "type_name",
    "year": "year",
    "issuer": "issuer_name",
    "level": "level",
    "unit": "unit",
}  # facet → column
_TOC = re.compile(r"^_MAIN_(\d+)\.toc$")


@dataclass(frozen=True)
class Scope:
    """Which documents a person may see, as the engine filters them: a level in ``levels``,
    and a unit in ``unit_ids`` or a record in ``granted_ids`` (shared with the person's unit or
    granted to the person). Clearance bounds grants too. Records whose secrecy is pending are
    left out unless filed by ``pending_filer`` or ``all_pending`` (security.policy.ReadScope).
    """

    levels: tuple[str, ...]
    unit_ids: frozenset[int]
    granted_ids: frozenset[int] = frozenset()
    pending_filer: int | None = None
    all_pending: bool = False


@dataclass
class EngineResult:
    ids: list[int]  # record ids, best first
    total: int  # matches the scope may see
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    suggestion: str | None = None


class Snapshot:
    """One generation of the index: its segments (``bits.SegmentSets``, shared with the
    generations before and after it), its deletions, and the sets derived from it."""

    def __init__(self, stamp: tuple, segments: list[bits.SegmentSets], dead: list[int]) -> None:
        self.stamp = stamp
        self.segments = segments
        self.offsets = tuple(accumulate((s.size for s in segments[:-1]), initial=0))
        # what each segment still holds: deletions of this generation are applied to every set
        self.live = tuple(
            ((1 << s.size) - 1) & ~gone if gone else None
            for s, gone in zip(segments, dead, strict=True)
        )
        self.everything = bits.DocSet(
            tuple(
                (1 << s.size) - 1 if live is None else live
                for s, live in zip(segments, self.live, strict=True)
            )
        )
        self.empty = bits.DocSet((0,) * len(segments))
        self.searcher = Searcher(MultiReader([s.reader for s in segments]), closereader=False)
        self.allowed: dict[Scope, bits.DocSet] = {}
        self.queries: dict[q.Query, bits.DocSet] = {}  # phrases and ranges of this generation
        self.columns: dict[str, dict] = {}
        self.dated: tuple[bits.DocSet, bits.DocSet] | None = None  # with a year, with a date

    def _live(self, parts) -> bits.DocSet:
        return bits.DocSet(
            tuple(
                p & live if live is not None else p
                for p, live in zip(parts, self.live, strict=True)
            )
        )

    def bits(self, query: q.Query) -> bits.DocSet:
        """The documents matching a term, phrase or numeric range (deletions excluded)."""
        found = self.queries.get(query)
        if found is None:
            if isinstance(query, q.Term):
                found = self._live(s.term(query.fieldname, query.text) for s in self.segments)
            elif isinstance(query, q.NumericRange):
                found = self._range(query)
            elif isinstance(query, q.Phrase):
                words = tuple(query.words)
                found = self._live(s.phrase(query.fieldname, words) for s in self.segments)
            else:
                found = self._live(s.query(query) for s in self.segments)
            if len(self.queries) > 20_000:
                self.queries.clear()
            self.queries[query] = found
        return found

    def column(self, name: str) -> dict:
        """value → documents for a column (facets, years) or ``month`` (yyyymm)."""
        found = self.columns.get(name)
        if found is None:
            merged: dict = {}
            for n, segment in enumerate(self.segments):
                for value, part in segment.column(name).items():
                    merged.setdefault(value, [0] * len(self.segments))[n] = part
            found = self.columns[name] = {v: self._live(parts) for v, parts in merged.items()}
        return found

    def _range(self, query: q.NumericRange) -> bits.DocSet:
        """``year`` and ``date`` ranges from the columns (inclusive bounds, None open): whole
        years and months as sets, the two edge months checked day by day."""
        low, high = query.start, query.end
        if query.fieldname == "year":
            keys = self.column("year")
            return bits.union((keys[y] for y in keys if _within(y, low, high)), self.empty)
        months = self.column("month")
        found = self.empty
        for month, docs in months.items():
            first, last = month * 100 + 1, month * 100 + 31
            if (high is not None and first > high) or (low is not None and last < low):
                continue
            if _within(first, low, high) and _within(last, low, high):
                found = found | docs
                continue
            parts = []  # an edge month: day by day
            for segment, part in zip(self.segments, docs.parts, strict=True):
                dates = segment.dates()
                inside = (d for d in bits.ids_of(part) if _within(dates[d], low, high))
                parts.append(bits.from_ids(inside, segment.size))
            found = found | bits.DocSet(tuple(parts))
        return found


def _within(value: int, low: int | None, high: int | None) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)


_SNAPSHOTS: dict[tuple, Snapshot] = {}
_SEGMENTS: dict[tuple, bits.SegmentSets] = {}  # (index path, segment id) → its sets
_OPEN_LOCK = threading.Lock()
_SEARCH_LOCKS: dict[str, threading.Lock] = {}


def _stamp(path: Path) -> tuple:
    """(folder identity, latest generation): a rebuild swaps the folder, a commit adds a TOC."""
    st = os.stat(path)
    gens = [int(m.group(1)) for name in os.listdir(path) if (m := _TOC.match(name))]
    return (st.st_ino, max(gens, default=-1))


def _open(path: Path, key: bytes, stamp: tuple) -> Snapshot:
    """A generation's snapshot: segments already open in this process are reused as they are
    (their files, term sets, columns and dates); only new segments are opened."""
    storage = index.storage(path, key)
    try:
        toc = TOC.read(storage, segments.INDEX_NAME)
    except EmptyIndexError:  # no index yet: create it (and upgrade an old one's fields)
        storage = index.open_index(path, key).storage
        toc = TOC.read(storage, segments.INDEX_NAME)
    if any(name not in toc.schema for name in index.schema().names()):
        index.open_index(path, key)  # an index made by an older Kho gains the new fields
        toc = TOC.read(storage, segments.INDEX_NAME)
    opened, dead = [], []
    for segment in toc.segments:
        cache_key = (str(path), segment.segment_id())
        found = _SEGMENTS.get(cache_key)
        if found is None:
            reader = SegmentReader(storage, toc.schema, segment)
            found = _SEGMENTS[cache_key] = bits.SegmentSets(
                reader, summary.Summary.open(storage, segment)
            )
        opened.append(found)
        dead.append(bits.deleted(segment))
    current = {(str(path), s.segment_id()) for s in toc.segments}
    for cache_key in [k for k in _SEGMENTS if k[0] == str(path) and k not in current]:
        del _SEGMENTS[cache_key]
    return Snapshot(stamp, opened, dead)


def snapshot(path: Path, key: bytes) -> Snapshot:
    """The current generation, reopened if the index changed since the last query."""
    cache_key = (str(path), hash(key))
    with _OPEN_LOCK:
        current = _SNAPSHOTS.get(cache_key)
        try:
            stamp = _stamp(path)
        except FileNotFoundError:  # a rebuild is swapping folders: serve the previous state
            if current is not None:
                return current
            stamp = None
        if current is not None and current.stamp == stamp:
            return current
        # A fresh reader over the new table of contents, not Whoosh's ``refresh`` (which reuses
        # a segment's reader with stale deletions): deletions are applied here to every set.
        # The old snapshot is not closed: a search may still hold it; the garbage collector
        # frees it (files are read through shared descriptors, see search.storage).
        fresh = _open(path, key, stamp or _stamp(path))
        _SNAPSHOTS[cache_key] = fresh
        return fresh


def allowed(snap: Snapshot, scope: Scope) -> bits.DocSet:
    """The documents the scope may see in this generation (deleted ones never appear)."""
    found = snap.allowed.get(scope)
    if found is None:
        levels = _any(snap, [q.Term("level", lv) for lv in scope.levels])
        units = _any(snap, [q.Term("unit", str(u)) for u in sorted(scope.unit_ids)])
        granted = _any(snap, [q.Term("id", str(i)) for i in sorted(scope.granted_ids)])
        found = levels & (units | granted)
        if not scope.all_pending:
            held = snap.bits(q.Term("pending", "1"))
            if held:
                own = (
                    snap.bits(q.Term("filer", str(scope.pending_filer)))
                    if scope.pending_filer is not None
                    else snap.empty
                )
                found &= ~(held & ~own)
        if len(snap.allowed) > 1000:  # one entry per person and generation in practice
            snap.allowed.clear()
        snap.allowed[scope] = found
    return found


def _any(snap: Snapshot, queries: list[q.Query]) -> bits.DocSet:
    return bits.union((snap.bits(query) for query in queries), snap.empty)


def _tokens(text: str) -> list[str]:
    return [w for w in re.findall(r"\w+", exact(text))]


def _phrase(field_name: str, tokens: list[str]) -> q.Query:
    return q.Term(field_name, tokens[0]) if len(tokens) == 1 else q.Phrase(field_name, tokens)


@dataclass
class _Clause:
    """One required word, run ("117-KH/TU") or quoted phrase, as sets."""

    match: bits.DocSet  # documents holding it in any spelling
    exact: bits.DocSet  # ... with the diacritics as typed
    head: bits.DocSet  # ... in the header (number, issuer, subject)


def _clause(snap: Snapshot, text: str, quoted: bool) -> _Clause | None:
    exacts = _tokens(text)
    if not exacts:
        return None
    folds = [fold(w) for w in exacts]
    match = snap.bits(_phrase("folded", folds))
    key = number_key(text) if not quoted else None
    if len(folds) == 1:
        key = folds[0]
    if key:
        match = match | snap.bits(q.Term("number", key))
    exact_bits = _all([snap.bits(q.Term("exact", e)) for e in exacts]) if exacts != folds else match
    head = _all([snap.bits(q.Term("head", f)) for f in folds])
    return _Clause(match, exact_bits, head)


def _all(sets: list[bits.DocSet], default: bits.DocSet | None = None) -> bits.DocSet:
    if not sets:
        return default
    out = sets[0]
    for s in sets[1:]:
        out = out & s
    return out


def _filters(snap: Snapshot, parsed: ParsedQuery, unit_ids: dict[str, int]) -> list[bits.DocSet]:
    """Field filters: ORed within a field, ANDed across fields."""
    out = []
    if parsed.numbers:
        out.append(_any(snap, [q.Term("number", k) for k in parsed.numbers]))
    if parsed.doc_types:
        out.append(_any(snap, [q.Term("doc_type", t) for t in parsed.doc_types]))
    if parsed.issuers:
        out.append(
            _any(
                snap,
                [
                    _phrase("issuer", [fold(w) for w in _tokens(i)])
                    for i in parsed.issuers
                    if _tokens(i)
                ],
            )
        )
    if parsed.dates:
        out.append(_any(snap, [q.NumericRange("date", d.start, d.end) for d in parsed.dates]))
    if parsed.years:
        out.append(
            _any(
                snap,
                [
                    q.NumericRange("year", d.start and d.start // 10000, d.end and d.end // 10000)
                    for d in parsed.years
                ],
            )
        )
    if parsed.levels:
        out.append(_any(snap, [q.Term("level", lv) for lv in parsed.levels]))
    if parsed.units:
        out.append(
            _any(snap, [q.Term("unit", str(unit_ids[u])) for u in parsed.units if u in unit_ids])
        )
    if parsed.dossiers:
        out.append(_any(snap, [q.Term("dossier", d) for d in parsed.dossiers]))
    if parsed.signatures:
        out.append(_any(snap, [q.Term("signature", w) for w in parsed.signatures]))
    return out


def matching(
    snap: Snapshot, parsed: ParsedQuery, unit_ids: dict[str, int]
) -> tuple[bits.DocSet, list[bits.DocSet]]:
    """(documents matching the query, tiers best first): before the access filter."""
    if parsed.impossible or parsed.empty:
        return snap.empty, []
    clauses = [_clause(snap, w, False) for w in parsed.words]
    clauses += [_clause(snap, p, True) for p in parsed.phrases]
    clauses = [c for c in clauses if c is not None]
    matched = _all([c.match for c in clauses] + _filters(snap, parsed, unit_ids), snap.everything)
    tiers = []
    whole = number_key(parsed.free_text) if parsed.words else None
    if whole:
        tiers.append(snap.bits(q.Term("number", whole)))
    exact_all = _all([c.exact for c in clauses], snap.empty)
    head_all = _all([c.head for c in clauses], snap.empty)
    tiers += [exact_all & head_all, exact_all, head_all]
    return matched, tiers


def _by_date(snap: Snapshot, docs: bits.DocSet, newest: bool) -> list[int]:
    """Document numbers of a (small) set by (date, number)."""
    keyed = []
    for segment, part, offset in zip(snap.segments, docs.parts, snap.offsets, strict=True):
        if part:
            dates = segment.dates()
            keyed += [(dates[d], d + offset) for d in bits.ids_of(part)]
    keyed.sort(reverse=newest)
    return [d for _, d in keyed]


def _newest_first(
    snap: Snapshot, docs: bits.DocSet, wanted: int, oldest: bool = False
) -> list[int]:
    """Up to ``wanted`` documents of a set, newest first (or oldest): years, then months of
    issue as sets, then the days of only the documents in the months needed. Within a year, a
    document with a year but no date comes after the dated ones (before, oldest first); one
    with neither comes last. Ties: the higher document number (filed later) first."""
    years, months = snap.column("year"), snap.column("month")
    if snap.dated is None:
        snap.dated = (_any_set(snap, years.values()), _any_set(snap, months.values()))
    with_year, with_date = snap.dated
    out: list[int] = []
    for year in sorted(years, reverse=not oldest):
        part = docs & years[year]
        if not part:
            continue
        own = sorted((m for m in months if m // 100 == year), reverse=not oldest)
        chunks = [part & months[m] for m in own]
        undated = part & ~with_date
        for chunk in [*chunks, undated] if not oldest else [undated, *chunks]:
            if chunk:
                out += _by_date(snap, chunk, newest=not oldest)[: wanted - len(out)]
                if len(out) >= wanted:
                    return out
    rest = (docs & ~with_year).ids(snap.offsets)
    return out + sorted(rest, reverse=not oldest)[: wanted - len(out)]


def _any_set(snap: Snapshot, sets) -> bits.DocSet:
    return bits.union(sets, snap.empty)


def _ranked(snap: Snapshot, visible: bits.DocSet, tiers: list, wanted: int) -> list[int]:
    out: list[int] = []
    taken = snap.empty
    for tier in [*tiers, visible]:
        part = tier & visible & ~taken
        if part:
            out += _newest_first(snap, part, wanted - len(out))
            taken = taken | part
            if len(out) >= wanted:
                break
    return out


def _facets(snap: Snapshot, visible: bits.DocSet) -> dict[str, list[tuple[str, int]]]:
    out = {}
    for name, column in FACETS.items():
        counts = [(v, (visible & docs).bit_count()) for v, docs in snap.column(column).items()]
        counts = [(_text(v), n) for v, n in counts if n]
        out[name] = sorted(counts, key=lambda c: (-c[1], c[0]))
    return out


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def search(
    path: Path,
    key: bytes,
    scope: Scope,
    parsed: ParsedQuery,
    unit_ids: dict[str, int],
    *,
    limit: int,
    offset: int = 0,
    sort: str = "relevance",
    facets: bool = False,
    suggest: bool = True,
) -> EngineResult:
    """Top hits, the visible count, facets and a suggestion, all within ``scope``."""
    if not scope.levels or not (scope.unit_ids or scope.granted_ids) or parsed.empty:
        return EngineResult([], 0)
    with _OPEN_LOCK:
        lock = _SEARCH_LOCKS.setdefault(str(path), threading.Lock())
    with lock:  # one search at a time per index: readers of shared segments keep a position
        try:
            return _search(
                snapshot(path, key), scope, parsed, unit_ids, limit, offset, sort, facets, suggest
            )
        except FileNotFoundError:
            # a merge or a rebuild removed a file of this generation before this search first
            # opened it: the next generation is already committed, search it instead
            _forget(path)
            return _search(
                snapshot(path, key), scope, parsed, unit_ids, limit, offset, sort, facets, suggest
            )


def _search(
    snap: Snapshot,
    scope: Scope,
    parsed: ParsedQuery,
    unit_ids: dict[str, int],
    limit: int,
    offset: int,
    sort: str,
    facets: bool,
    suggest: bool,
) -> EngineResult:
    from search import suggest as suggestions  # builds on this module

    if not snap.segments:
        return EngineResult([], 0)
    visible_to = allowed(snap, scope)
    matched, tiers = matching(snap, parsed, unit_ids)
    visible = matched & visible_to
    if not visible:
        hint = suggestions.suggest(snap, visible_to, parsed, unit_ids) if suggest else None
        return EngineResult([], 0, {}, hint)
    wanted = offset + limit
    if sort == "relevance" and (parsed.words or parsed.phrases):
        docnums = _ranked(snap, visible, tiers, wanted)
    else:
        docnums = _newest_first(snap, visible, wanted, oldest=sort == "date_asc")
    ids = [int(snap.searcher.stored_fields(d)["id"]) for d in docnums[offset:]]
    return EngineResult(ids, visible.bit_count(), _facets(snap, visible) if facets else {})


def _forget(path: Path) -> None:
    with _OPEN_LOCK:
        for cache_key in [k for k in _SNAPSHOTS if k[0] == str(path)]:
            del _SNAPSHOTS[cache_key]
        for cache_key in [k for k in _SEGMENTS if k[0] == str(path)]:
            del _SEGMENTS[cache_key]


def forget_all() -> None:
    """Drop cached readers and sets (tests, benchmarks)."""
    with _OPEN_LOCK:
        _SNAPSHOTS.clear()
        _SEGMENTS.clear()
    bits.clear()
