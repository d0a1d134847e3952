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
from pathlib import Path

from whoosh import query as q
from whoosh.searching import Searcher

from search import bits, index
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
    """One generation of the index with what was derived from it; one search at a time."""

    def __init__(self, stamp: tuple, searcher: Searcher) -> None:
        self.stamp = stamp
        self.searcher = searcher
        self.lock = threading.Lock()
        self.allowed: dict[Scope, int] = {}
        self.queries: dict[q.Query, int] = {}  # phrases and ranges of this generation
        self.columns: dict[str, dict] = {}
        self.dates: list | None = None

    def bits(self, query: q.Query) -> int:
        return bits.of_query(self.searcher, query, self.queries)

    def column(self, name: str) -> dict:
        if name not in self.columns:
            self.columns[name] = bits.column_bits(self.searcher, name)
        return self.columns[name]


_SNAPSHOTS: dict[tuple, Snapshot] = {}
_OPEN_LOCK = threading.Lock()


def _stamp(path: Path) -> tuple:
    """(folder identity, latest generation): a rebuild swaps the folder, a commit adds a TOC."""
    st = os.stat(path)
    gens = [int(m.group(1)) for name in os.listdir(path) if (m := _TOC.match(name))]
    return (st.st_ino, max(gens, default=-1))


def snapshot(path: Path, key: bytes) -> Snapshot:
    """The current reader, reopened if the index changed since the last query."""
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
        # A fresh reader, not Whoosh's ``refresh``: that reuses a segment's reader when only the
        # segment's deletions changed, and the reused reader still shows the deleted documents.
        # Opening is cheap: decrypted files and per-segment sets are cached. The old reader is
        # not closed: a search may still hold it, and it keeps no file open (files are read
        # whole into memory), so the garbage collector frees it.
        searcher = index.open_index(path, key).searcher()
        fresh = Snapshot(stamp or _stamp(path), searcher)
        _SNAPSHOTS[cache_key] = fresh
        return fresh


def allowed(snap: Snapshot, scope: Scope) -> int:
    """The documents the scope may see in this generation (deleted ones never appear)."""
    found = snap.allowed.get(scope)
    if found is None:
        levels = _any(snap, [q.Term("level", lv) for lv in scope.levels])
        units = _any(snap, [q.Term("unit", str(u)) for u in sorted(scope.unit_ids)])
        granted = _any(snap, [q.Term("id", str(i)) for i in sorted(scope.granted_ids)])
        found = levels & (units | granted)
        if not scope.all_pending:
            held = snap.bits(q.Term("pending", "1"))
            own = (
                snap.bits(q.Term("filer", str(scope.pending_filer)))
                if held and scope.pending_filer is not None
                else 0
            )
            found &= ~(held & ~own)
        if len(snap.allowed) > 1000:  # one entry per person and generation in practice
            snap.allowed.clear()
        snap.allowed[scope] = found
    return found


def _any(snap: Snapshot, queries: list[q.Query]) -> int:
    out = 0
    for query in queries:
        out |= snap.bits(query)
    return out


def _tokens(text: str) -> list[str]:
    return [w for w in re.findall(r"\w+", exact(text))]


def _phrase(field_name: str, tokens: list[str]) -> q.Query:
    return q.Term(field_name, tokens[0]) if len(tokens) == 1 else q.Phrase(field_name, tokens)


@dataclass
class _Clause:
    """One required word, run ("117-KH/TU") or quoted phrase, as sets."""

    match: int  # documents holding it in any spelling
    exact: int  # ... with the diacritics as typed
    head: int  # ... in the header (number, issuer, subject)


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
        match |= snap.bits(q.Term("number", key))
    exact_bits = _all([snap.bits(q.Term("exact", e)) for e in exacts]) if exacts != folds else match
    head = snap.bits(q.Term("head", folds[0])) if len(folds) == 1 else 0
    if len(folds) > 1:
        head = _all([snap.bits(q.Term("head", f)) for f in folds])
    return _Clause(match, exact_bits, head)


def _all(sets: list[int], default: int = 0) -> int:
    if not sets:
        return default
    out = sets[0]
    for s in sets[1:]:
        out &= s
    return out


def _filters(snap: Snapshot, parsed: ParsedQuery, unit_ids: dict[str, int]) -> list[int]:
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


def matching(snap: Snapshot, parsed: ParsedQuery, unit_ids: dict[str, int]) -> tuple[int, list]:
    """(documents matching the query, tiers best first): before the access filter."""
    if parsed.impossible or parsed.empty:
        return 0, []
    clauses = [_clause(snap, w, False) for w in parsed.words]
    clauses += [_clause(snap, p, True) for p in parsed.phrases]
    clauses = [c for c in clauses if c is not None]
    everything = (1 << snap.searcher.doc_count_all()) - 1
    matched = _all([c.match for c in clauses] + _filters(snap, parsed, unit_ids), everything)
    tiers = []
    whole = number_key(parsed.free_text) if parsed.words else None
    if whole:
        tiers.append(snap.bits(q.Term("number", whole)))
    exact_all = _all([c.exact for c in clauses], 0)
    head_all = _all([c.head for c in clauses], 0)
    tiers += [exact_all & head_all, exact_all, head_all]
    return matched, tiers


def _newest_first(snap: Snapshot, docs: int, wanted: int, oldest: bool = False) -> list[int]:
    """Up to ``wanted`` documents of a set, by date (years as sets, then the date column)."""
    years = snap.column("year")
    dates = _dates(snap)
    out: list[int] = []
    dated = 0
    for year in sorted(years, reverse=not oldest):
        dated |= years[year]
        part = docs & years[year]
        if part:
            ids = bits.ids_of(part)
            ids.sort(key=lambda d: (dates[d] or 0, d), reverse=not oldest)
            out += ids[: wanted - len(out)]
            if len(out) >= wanted:
                return out
    undated = bits.ids_of(docs & ~dated)
    return out + sorted(undated, reverse=not oldest)[: wanted - len(out)]


def _dates(snap: Snapshot) -> list:
    if snap.dates is None:
        values: list = []
        for sub, _ in snap.searcher.leaf_searchers():
            values += bits.segment_values(sub.reader(), "date")
        # a document without a date reads as the column's default (a huge number): no date
        snap.dates = [v if v and v <= 99991231 else None for v in values]
    return snap.dates


def _ranked(snap: Snapshot, visible: int, tiers: list[int], wanted: int) -> list[int]:
    out: list[int] = []
    taken = 0
    for tier in [*tiers, visible]:
        part = tier & visible & ~taken
        if part:
            out += _newest_first(snap, part, wanted - len(out))
            taken |= part
            if len(out) >= wanted:
                break
    return out


def _facets(snap: Snapshot, visible: int) -> dict[str, list[tuple[str, int]]]:
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
    from search import suggest as suggestions  # builds on this module

    snap = snapshot(path, key)
    with snap.lock:
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


def forget_all() -> None:
    """Drop cached readers and sets (tests, benchmarks)."""
    with _OPEN_LOCK:
        for snap in _SNAPSHOTS.values():
            snap.searcher.close()
        _SNAPSHOTS.clear()
    bits.clear()
