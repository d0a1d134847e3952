"""Querying with security trimming inside the query, then through the gate.

The access filter is built from the same policy scope the gate uses, and applied by the engine
while it collects hits, so hits, counts, facets and suggestions never include a record the
person may not read. Every hit then passes ``archive.access.admit_hits``, which re-checks it and
records the search (one audit entry per search, with the query as typed).

Snippets are not made here: the index stores no text. A snippet must come from the record's text
read through the gate after admission.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from archive import access
from archive.instance import Instance
from archive.models import Unit
from search import engine, parse
from security.actor import Context
from security.vocabulary import LEVELS

MAX_HITS = 100
SORTS = ("relevance", "date", "date_asc")


@dataclass(frozen=True)
class SearchRequest:
    """What the search page or command asks: the typed text and how to present results."""

    text: str
    limit: int = 20
    offset: int = 0
    sort: str = "relevance"  # relevance, date (newest first), date_asc
    facets: bool = True
    suggest: bool = True


@dataclass
class SearchResult:
    """One page of admitted hits, the number of matches the person may see, facets, a hint."""

    hits: list[access.DocumentView]
    total: int
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    suggestion: str | None = None
    sort: str = "relevance"


def engine_scope(inst: Instance, ctx: Context) -> engine.Scope | None:
    """The gate's read scope now (unit, shares, live grants) as the engine filters it; None
    when the person reads nothing."""
    with inst.sessions() as session:
        scope = access.scope_of(session, ctx)
    if scope is None or scope.empty:
        return None
    return engine.Scope(
        LEVELS[: scope.max_level + 1],
        frozenset(scope.unit_ids),
        frozenset(scope.document_ids),
        scope.pending_filer,
        scope.all_pending,
    )


def _units(inst: Instance) -> dict[str, int]:
    """Unit codes to ids (codes are not secret; the table is small)."""
    with inst.sessions() as session:
        return {code: uid for uid, code in session.execute(select(Unit.id, Unit.code))}


def run(inst: Instance, ctx: Context, request: SearchRequest) -> SearchResult:
    sort = request.sort if request.sort in SORTS else "relevance"
    parsed = parse.parse(request.text.strip())
    scope = engine_scope(inst, ctx)
    found = engine.EngineResult([], 0)
    units: dict[str, int] = {}
    if scope is not None and not parsed.empty:
        units = _units(inst)
        found = engine.search(
            inst.index_dir,
            inst.keyring.index_key,
            scope,
            parsed,
            units,
            limit=max(1, min(request.limit, MAX_HITS)),
            offset=max(0, request.offset),
            sort=sort,
            facets=request.facets,
            suggest=request.suggest,
        )
    hits = access.admit_hits(inst, ctx, request.text.strip(), found.ids)
    facets = dict(found.facets)
    if "unit" in facets:
        codes = {str(uid): code for code, uid in units.items()}
        facets["unit"] = [(codes.get(v, v), n) for v, n in facets["unit"]]
    return SearchResult(hits, found.total, facets, found.suggestion, sort)


def search(
    inst: Instance, ctx: Context, text: str, limit: int = MAX_HITS
) -> list[access.DocumentView]:
    """The hits alone (command line, search page): ``run`` without facets."""
    return run(inst, ctx, SearchRequest(text, limit=limit, facets=False, suggest=False)).hits
