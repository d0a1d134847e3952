"""One generation of the encrypted index, opened once per process and reopened only when a commit
made a new one, with the sets derived from it; and the access filter as a set per scope.

- one reader per index and process: a file listing and a stat per query tell whether it changed;
- the access filter is a bitset per scope (``security.policy.reading.ReadScope``, as the gate
  computed it) and generation, ANDed into every set computed from it: hits, counts, facets and
  suggestions never include a document outside the scope, and Whoosh's own counters (which know
  what a filter removed) are never used.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from whoosh import query as q
from whoosh.searching import Searcher

from search.engine import bits
from search.index import store
from security.vocabulary import LEVELS

if TYPE_CHECKING:
    from security.policy.reading import ReadScope

_TOC = re.compile(r"^_MAIN_(\d+)\.toc$")


class Snapshot:
    """One generation of the index with what was derived from it; one search at a time."""

    def __init__(self, stamp: tuple, searcher: Searcher) -> None:
        self.stamp = stamp
        self.searcher = searcher
        self.lock = threading.Lock()
        self.allowed: dict[ReadScope, int] = {}
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
        searcher = store.open_index(path, key).searcher()
        fresh = Snapshot(stamp or _stamp(path), searcher)
        _SNAPSHOTS[cache_key] = fresh
        return fresh


def allowed(snap: Snapshot, scope: ReadScope) -> int:
    """The documents the scope may see in this generation (deleted ones never appear)."""
    found = snap.allowed.get(scope)
    if found is None:
        levels = any_of(snap, [q.Term("level", lv) for lv in LEVELS[: scope.max_level + 1]])
        units = any_of(snap, [q.Term("unit", str(u)) for u in sorted(scope.unit_ids)])
        granted = any_of(snap, [q.Term("id", str(i)) for i in sorted(scope.document_ids)])
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


def any_of(snap: Snapshot, queries: list[q.Query]) -> int:
    out = 0
    for query in queries:
        out |= snap.bits(query)
    return out


def forget_all() -> None:
    """Drop cached readers and sets (tests, benchmarks)."""
    with _OPEN_LOCK:
        for snap in _SNAPSHOTS.values():
            snap.searcher.close()
        _SNAPSHOTS.clear()
    bits.clear()
