""" "Did you mean": corrections drawn only from the words of documents the person may see.

Whoosh's own corrector reads the whole term list, which includes the words of documents above
the person's clearance: a suggestion could reveal that a secret word exists. Here a candidate
(within one or two edits of a typed word, in the folded field) counts only by the number of
*visible* documents that hold it, and a suggestion is offered only if the corrected query itself
finds visible documents.
"""

from __future__ import annotations

from dataclasses import replace

from whoosh import query as q

from search.engine import bits
from search.engine.matching import matching
from search.index.analysis import fold, words
from search.parse import ParsedQuery

_MAX_CANDIDATES = 200


def _seen(snap, allowed: bits.DocSet, word: str) -> int:
    """How many visible documents hold ``word`` (folded)."""
    return (snap.bits(q.Term("folded", word)) & allowed).bit_count()


def _correct(snap, allowed: bits.DocSet, word: str) -> str | None:
    """The closest visible word to ``word`` (fewest edits, then most visible documents)."""
    reader = snap.searcher.reader()
    for maxdist in (1, 2) if len(word) > 4 else (1,):
        best: tuple[int, str] | None = None
        for i, term in enumerate(reader.terms_within("folded", word, maxdist, prefix=1)):
            if i >= _MAX_CANDIDATES:
                break
            seen = _seen(snap, allowed, term) if term != word else 0
            if seen and (best is None or (seen, term) > best):
                best = (seen, term)
        if best:
            return best[1]
    return None


def suggest(
    snap, allowed: bits.DocSet, parsed: ParsedQuery, unit_ids: dict[str, int]
) -> str | None:
    """A corrected free text, or None. Field filters are kept as they were typed."""
    typed = [fold(w) for chunk in parsed.words for w in words(chunk)]
    if not typed:
        return None
    corrected, changed = [], False
    for word in typed:
        if word.isdigit() or _seen(snap, allowed, word):
            corrected.append(word)
            continue
        better = _correct(snap, allowed, word)
        changed = changed or better is not None
        corrected.append(better or word)
    if not changed:
        return None
    matched, _ = matching(snap, replace(parsed, words=corrected), unit_ids)
    return " ".join(corrected) if matched & allowed else None
