"""The query as sets of documents: each word, run or phrase as a clause (any spelling, with the
diacritics as typed, in the header), field filters ORed within a field and ANDed across, and the
relevance tiers. Before the access filter: the caller ANDs the scope in."""

from __future__ import annotations

import re
from dataclasses import dataclass

from whoosh import query as q

from search.engine import bits
from search.engine.reader import Snapshot, any_of
from search.index.analysis import exact, fold, number_key
from search.parse import ParsedQuery


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
        out.append(any_of(snap, [q.Term("number", k) for k in parsed.numbers]))
    if parsed.doc_types:
        out.append(any_of(snap, [q.Term("doc_type", t) for t in parsed.doc_types]))
    if parsed.issuers:
        out.append(
            any_of(
                snap,
                [
                    _phrase("issuer", [fold(w) for w in _tokens(i)])
                    for i in parsed.issuers
                    if _tokens(i)
                ],
            )
        )
    if parsed.dates:
        out.append(any_of(snap, [q.NumericRange("date", d.start, d.end) for d in parsed.dates]))
    if parsed.years:
        out.append(
            any_of(
                snap,
                [
                    q.NumericRange("year", d.start and d.start // 10000, d.end and d.end // 10000)
                    for d in parsed.years
                ],
            )
        )
    if parsed.levels:
        out.append(any_of(snap, [q.Term("level", lv) for lv in parsed.levels]))
    if parsed.units:
        out.append(
            any_of(snap, [q.Term("unit", str(unit_ids[u])) for u in parsed.units if u in unit_ids])
        )
    if parsed.dossiers:
        out.append(any_of(snap, [q.Term("dossier", d) for d in parsed.dossiers]))
    if parsed.signatures:
        out.append(any_of(snap, [q.Term("signature", w) for w in parsed.signatures]))
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
