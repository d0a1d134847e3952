"""Querying with security trimming inside the query, then through the gate.

The access filter is built from the same policy scope the gate uses, and applied by Whoosh while
it collects hits, so counts and hits never include a record the person may not read. Every hit
then passes ``archive.access.admit_hits``, which re-checks it and records the search.
"""

from __future__ import annotations

from whoosh import query as q
from whoosh.qparser import AndGroup, MultifieldParser

from archive import access, audit
from archive.instance import Instance
from search import index
from security.policy import LEVELS, read_scope

MAX_HITS = 100
_BOOSTS = {"exact": 2.0, "folded": 1.0}


def _scope_filter(ctx: audit.Context) -> q.Query | None:
    scope = read_scope(ctx.principal) if ctx.principal else None
    if scope is None or scope.empty:
        return None
    levels = q.Or([q.Term("level", lv) for lv in LEVELS[: scope.max_level + 1]])
    units = q.Or([q.Term("unit", str(u)) for u in sorted(scope.unit_ids)])
    return q.And([levels, units])


def search(
    inst: Instance, ctx: audit.Context, text: str, limit: int = MAX_HITS
) -> list[access.DocumentView]:
    text = text.strip()
    allowed = _scope_filter(ctx)
    hit_ids: list[int] = []
    if text and allowed is not None:
        ix = index.open_index(inst.index_dir, inst.keyring.index_key)
        parser = MultifieldParser(
            ["exact", "folded"], ix.schema, fieldboosts=_BOOSTS, group=AndGroup
        )
        parsed = parser.parse(text)
        with ix.searcher() as searcher:
            results = searcher.search(parsed, filter=allowed, limit=limit)
            hit_ids = [int(hit["id"]) for hit in results]
    return access.admit_hits(inst, ctx, text, hit_ids)
