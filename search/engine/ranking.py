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

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from search.engine import bits
from search.engine import suggest as suggestions
from search.engine.matching import matching
from search.engine.reader import Snapshot, allowed, snapshot
from search.parse import ParsedQuery

if TYPE_CHECKING:
    from security.policy.reading import ReadScope

FACETS = {
    "doc_type": "type_name",
    "year": "year",
    "issuer": "issuer_name",
    "level": "level",
    "unit": "unit",
}  # facet → column


@dataclass
class EngineResult:
    ids: list[int]  # record ids, best first
    total: int  # matches the scope may see
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    suggestion: str | None = None


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
        for sub, _ in bits.leaves(snap.searcher):
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
    scope: ReadScope,
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
    if scope.empty or parsed.empty:
        return EngineResult([], 0)
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
