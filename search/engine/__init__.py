"""The narrow interface to Whoosh: evaluate a parsed query within a read scope, as sets.

Whoosh stores the (encrypted) inverted index, positions for phrases, numeric ranges and the term
list for suggestions; queries are evaluated as bitsets (``bits``), because Whoosh's
one-document-at-a-time matching and BM25 scoring in Python cannot answer frequent words at
100,000 documents in milliseconds. ``reader`` keeps one generation of the index open with its
sets and the access filter; ``matching`` turns a query into sets; ``ranking`` orders, counts and
facets the visible ones (``search``); ``suggest`` offers corrections from visible words only.
Everything Whoosh-specific outside the writer lives here and in ``search.index``, so the engine
could be replaced behind ``search()``.
"""

from search.engine.ranking import EngineResult, search
from search.engine.reader import forget_all, snapshot

__all__ = ["EngineResult", "forget_all", "search", "snapshot"]
