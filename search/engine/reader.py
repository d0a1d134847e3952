"""One generation of the encrypted index, opened once per process and reopened only when a commit
made a new one, with the sets derived from it; and the access filter as a set per scope.

- one snapshot per index and process: a file listing and a stat per query tell whether it
  changed; a reopen opens only the segments it has not seen (a segment's files never change),
  and every set of an unchanged segment (``bits.SegmentSets``) is kept: only the new deletions
  are applied;
- the access filter is a set per scope (``security.policy.reading.ReadScope``, as the gate
  computed it) and generation, ANDed into every set computed from it: hits, counts, facets and
  suggestions never include a document outside the scope, and Whoosh's own counters (which know
  what a filter removed) are never used.
"""

from __future__ import annotations

import os
import re
import threading
from bisect import bisect_right
from itertools import accumulate
from pathlib import Path
from typing import TYPE_CHECKING

from whoosh import query as q
from whoosh.index import TOC, EmptyIndexError
from whoosh.reading import MultiReader, SegmentReader
from whoosh.searching import Searcher

from search.engine import bits
from search.index import segments, store, summary
from security.vocabulary import LEVELS

if TYPE_CHECKING:
    from security.policy.reading import ReadScope

_TOC = re.compile(r"^_MAIN_(\d+)\.toc$")


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
        self.allowed: dict[ReadScope, bits.DocSet] = {}
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

    def record_id(self, docnum: int) -> int:
        """The record id of a document of this generation (numbered across its segments)."""
        n = bisect_right(self.offsets, docnum) - 1
        return self.segments[n].record_id(docnum - self.offsets[n])

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
    storage = store.storage(path, key)
    try:
        toc = TOC.read(storage, segments.INDEX_NAME)
    except EmptyIndexError:  # no index yet: create it (and upgrade an old one's fields)
        storage = store.open_index(path, key).storage
        toc = TOC.read(storage, segments.INDEX_NAME)
    if any(name not in toc.schema for name in store.schema().names()):
        store.open_index(path, key)  # an index made by an older Kho gains the new fields
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
        # frees it (files are read through shared descriptors, see search.index.storage).
        fresh = _open(path, key, stamp or _stamp(path))
        _SNAPSHOTS[cache_key] = fresh
        return fresh


def allowed(snap: Snapshot, scope: ReadScope) -> bits.DocSet:
    """The documents the scope may see in this generation (deleted ones never appear)."""
    found = snap.allowed.get(scope)
    if found is None:
        levels = any_of(snap, [q.Term("level", lv) for lv in LEVELS[: scope.max_level + 1]])
        units = any_of(snap, [q.Term("unit", str(u)) for u in sorted(scope.unit_ids)])
        granted = any_of(snap, [q.Term("id", str(i)) for i in sorted(scope.document_ids)])
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


def any_of(snap: Snapshot, queries: list[q.Query]) -> bits.DocSet:
    return bits.union((snap.bits(query) for query in queries), snap.empty)


def search_lock(path: Path) -> threading.Lock:
    """One search at a time per index: readers of shared segments keep a file position."""
    with _OPEN_LOCK:
        return _SEARCH_LOCKS.setdefault(str(path), threading.Lock())


def forget(path: Path) -> None:
    """Drop one index's snapshots and segment sets (a merge or rebuild removed their files)."""
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
