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

Relevance is tiered, then newest first (years, then months as sets; the days of only the
documents of the months needed): the document whose own number was typed; documents
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
from search.engine.reader import Snapshot, allowed, forget, search_lock, snapshot
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
    args = (scope, parsed, unit_ids, limit, offset, sort, facets, suggest)
    with search_lock(path):
        try:
            return _search(snapshot(path, key), *args)
        except FileNotFoundError:
            # a merge or a rebuild removed a file of this generation before this search first
            # opened it: the next generation is already committed, search it instead
            forget(path)
            return _search(snapshot(path, key), *args)


def _search(
    snap: Snapshot,
    scope: ReadScope,
    parsed: ParsedQuery,
    unit_ids: dict[str, int],
    limit: int,
    offset: int,
    sort: str,
    facets: bool,
    suggest: bool,
) -> EngineResult:
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
    ids = [snap.record_id(d) for d in docnums[offset:]]
    return EngineResult(ids, visible.bit_count(), _facets(snap, visible) if facets else {})
