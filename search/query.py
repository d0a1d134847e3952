"""Querying with security trimming inside the query, then through the gate.

The access filter is built from the same policy scope the gate uses, and applied by the engine
while it collects hits, so hits, counts, facets and suggestions never include a record the
person may not read. Every hit then passes ``archive.records.gate.admit_hits`` with the same
scope, which re-checks it and records the search (one audit entry per search, with the query as
typed).

Snippets are not made by the engine: the index stores no text. ``search.snippets`` cuts them from
the text of each admitted hit, which the gate reads in the same decision and audit entry as the
result list (``admit_hits(snippet=...)``); only when the request asks for them (the search page).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.core.instance import Instance
from archive.models import Dossier, Unit
from archive.records import gate
from search import engine, follower, parse, snippets
from search.index.analysis import fold
from security.actor import Context
from security.errors import KhoError

if TYPE_CHECKING:
    from security.policy.reading import ReadScope

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
    snippets: bool = False


@dataclass
class SearchResult:
    """One page of admitted hits, the number of matches the person may see, facets, a hint."""

    hits: list[gate.DocumentView]
    total: int
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    suggestion: str | None = None
    sort: str = "relevance"


def _units(session: Session) -> dict[str, int]:
    """Unit codes to ids (codes are not secret; the table is small)."""
    return {code: uid for uid, code in session.execute(select(Unit.id, Unit.code))}


def _seen_dossiers(
    session: Session, scope: ReadScope, parsed: parse.ParsedQuery
) -> parse.ParsedQuery:
    """``hoso:`` names only dossiers the person may see (their level and unit): a code of
    another unit's dossier matches nothing, so a search never confirms that it exists or which
    records (shared or granted ones) it holds."""
    if not parsed.dossiers:
        return parsed
    rows = session.execute(select(Dossier.code, Dossier.level, Dossier.unit_id))
    seen = {fold(code) for code, level, unit_id in rows if gate.admits_row(scope, level, unit_id)}
    kept = [code for code in parsed.dossiers if code in seen]
    return replace(parsed, dossiers=kept, impossible=parsed.impossible or kept != parsed.dossiers)


def _index_ready(inst: Instance) -> None:
    """A node that starts without its index (new, or wiped) restores or rebuilds it in its
    follower; a search meanwhile waits for it (``follower.catch_up``: up to 10 s) rather than
    answer from nothing, and says so plainly if it is still not there."""
    if inst.index_dir.exists():
        return
    follower.catch_up(inst)
    if not inst.index_dir.exists():
        raise KhoError(
            "Chỉ mục tìm kiếm của máy chủ này đang được dựng lại: hãy tìm lại sau ít phút.",
            "This server's search index is being rebuilt: search again in a few minutes.",
        )


def run(inst: Instance, ctx: Context, request: SearchRequest) -> SearchResult:
    sort = request.sort if request.sort in SORTS else "relevance"
    parsed = parse.parse(request.text.strip())
    with inst.read_sessions() as session:  # the scope, once: the engine and the gate use it
        scope = gate.scope_of(session, ctx)
        units = _units(session) if scope is not None and not scope.empty else {}
        if scope is not None:
            parsed = _seen_dossiers(session, scope, parsed)
    found = engine.EngineResult([], 0)
    if scope is not None and not scope.empty and not parsed.empty:
        _index_ready(inst)
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
    cutter = snippets.Snippeter(request.text) if request.snippets else None
    hits = gate.admit_hits(
        inst, ctx, request.text.strip(), found.ids, scope, snippet=cutter or None
    )
    facets = dict(found.facets)
    if "unit" in facets:
        codes = {str(uid): code for code, uid in units.items()}
        facets["unit"] = [(codes.get(v, v), n) for v, n in facets["unit"]]
    return SearchResult(hits, found.total, facets, found.suggestion, sort)


def search(
    inst: Instance, ctx: Context, text: str, limit: int = MAX_HITS
) -> list[gate.DocumentView]:
    """The hits alone (command line, search page): ``run`` without facets."""
    return run(inst, ctx, SearchRequest(text, limit=limit, facets=False, suggest=False)).hits
