"""Document sets as Python integers (bit n = document number n), cached per segment.

Whoosh evaluates queries one document at a time in Python: at 100,000 documents a frequent
two-word query takes hundreds of milliseconds. Here each term's documents become a bitset once
(per immutable segment, so a commit only adds the new segment's share); ANDs, ORs, the access
filter, counts (``int.bit_count``) and facet counts are then whole-set operations in C, and the
cost of a query no longer grows with the number of documents it matches.

Bitsets hold document numbers only. They live in process memory, never on disk.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from itertools import accumulate

from whoosh import query as q
from whoosh.reading import TermNotFound
from whoosh.searching import Searcher

CACHE_BYTES = 256 * 1024 * 1024
_NONZERO = re.compile(rb"[^\x00]")
_BYTE_BITS = tuple(tuple(j for j in range(8) if b >> j & 1) for b in range(256))


def from_ids(ids: Iterable[int], size: int) -> int:
    """A bitset of document numbers (built through a bytearray: OR-ing ints one by one is
    quadratic)."""
    buf = bytearray((size >> 3) + 1)
    for d in ids:
        buf[d >> 3] |= 1 << (d & 7)
    return int.from_bytes(buf, "little")


def ids_of(bits: int) -> list[int]:
    """Document numbers in a bitset, ascending."""
    out: list[int] = []
    if not bits:
        return out
    data = bits.to_bytes((bits.bit_length() + 7) >> 3, "little")
    for match in _NONZERO.finditer(data):  # the regex engine skips runs of zero bytes in C
        base = match.start() << 3
        out.extend(base + j for j in _BYTE_BITS[data[match.start()]])
    return out


class _LruBytes:
    """Bitsets by key, least recently used dropped past a byte budget (thread-safe)."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self._items: OrderedDict[tuple, int] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get_or_make(self, key: tuple, make: Callable[[], int]) -> int:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
                return value
        value = make()
        with self._lock:
            if key not in self._items:
                self._items[key] = value
                self._size += value.bit_length() >> 3
                while self._size > self.budget and self._items:
                    _, old = self._items.popitem(last=False)
                    self._size -= old.bit_length() >> 3
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._size = 0


SEGMENT_BITS = _LruBytes(CACHE_BYTES)


def _segment_key(searcher: Searcher) -> tuple:
    """A segment's identity and its deletions (they only grow while the segment lives)."""
    segment = searcher.reader().segment()
    return (segment.segment_id(), segment.deleted_count())


def _deleted(reader, size: int) -> int:
    segment = reader.segment()
    return from_ids(segment.deleted_docs(), size) if segment.deleted_count() else 0


def _term_bits(searcher: Searcher, term: q.Term, size: int) -> int:
    """A term's documents in one segment, read block by block when the codec allows.

    Whoosh decodes postings one document at a time (about 1.7 µs each); here each block's ids
    are delta-decoded with ``itertools.accumulate`` and set in a bytearray, several times
    faster. This reads private attributes of Whoosh's W3 codec, so any other matcher takes the
    generic path (``test_bitsets_match_whoosh`` checks both agree).
    """
    reader = searcher.reader()
    try:
        matcher = reader.postings(term.fieldname, term.text)
    except TermNotFound:
        return 0
    inner = getattr(matcher, "child", matcher)  # deletions come wrapped in a FilterMatcher
    if not all(hasattr(inner, a) for a in ("_read_data", "_next_block", "_byteids", "_data")):
        return from_ids(matcher.all_ids(), size)
    buf = bytearray((size >> 3) + 1)
    while inner.is_active():
        if inner._data is None:
            inner._read_data()
        ids = inner._data[0]
        for d in ids if inner._byteids else accumulate(ids):
            buf[d >> 3] |= 1 << (d & 7)
        inner._next_block()
    found = int.from_bytes(buf, "little")
    return found & ~_deleted(reader, size) if inner is not matcher else found


def leaves(searcher: Searcher) -> list[tuple[Searcher, int]]:
    """The searcher's segments that hold documents, with their offsets. An index that never
    held a document has one leaf with no segment at all (Whoosh's empty reader): nothing to
    read there, and nothing to key a cache on."""
    return [(sub, offset) for sub, offset in searcher.leaf_searchers() if sub.reader().segment()]


def of_query(searcher: Searcher, query: q.Query, cache: dict | None = None) -> int:
    """The documents matching ``query`` (deletions excluded) as a bitset over the whole index.

    Single terms are cached per segment across generations; other queries (phrases, ranges)
    in ``cache``, which the caller keeps per generation.
    """
    if cache is not None and query in cache:
        return cache[query]
    total = 0
    for sub, offset in leaves(searcher):
        size = sub.reader().doc_count_all()

        def make(sub: Searcher = sub, size: int = size) -> int:
            return from_ids(query.docs(sub), size)

        if isinstance(query, q.Term):
            key = (*_segment_key(sub), query.fieldname, query.text)
            part = SEGMENT_BITS.get_or_make(
                key, lambda sub=sub, size=size: _term_bits(sub, query, size)
            )
        else:
            part = make()
        total |= part << offset
    if cache is not None and not isinstance(query, q.Term):
        cache[query] = total
    return total


_SEGMENT_COLUMNS: OrderedDict[tuple, dict] = OrderedDict()
# What a column holds for a document without a value: empty bytes, or for our unsigned NUMERIC
# columns (16-bit year, 32-bit date) the largest value of their width.
_MISSING = frozenset({b"", "", 0xFFFF, 0xFFFFFFFF})
_COLUMNS_LOCK = threading.Lock()


def _segment_column(reader, name: str) -> dict:
    """value → bitset within one segment (columns never change once a segment is written)."""
    key = (reader.segment().segment_id(), name)
    with _COLUMNS_LOCK:
        found = _SEGMENT_COLUMNS.get(key)
    if found is None:
        per_value: dict = {}
        if reader.has_column(name):
            for docnum, value in enumerate(reader.column_reader(name)):
                if value is not None and value not in _MISSING:
                    per_value.setdefault(value, []).append(docnum)
        size = reader.doc_count_all()
        found = {value: from_ids(ids, size) for value, ids in per_value.items()}
        with _COLUMNS_LOCK:
            _SEGMENT_COLUMNS[key] = found
            while len(_SEGMENT_COLUMNS) > 2048:  # segments long merged away
                _SEGMENT_COLUMNS.popitem(last=False)
    return found


def segment_values(reader, name: str) -> list:
    """A column's values for every document of one segment (cached with the segment)."""
    key = (reader.segment().segment_id(), name, "values")
    with _COLUMNS_LOCK:
        found = _SEGMENT_COLUMNS.get(key)
    if found is None:
        found = list(reader.column_reader(name)) if reader.has_column(name) else []
        found += [None] * (reader.doc_count_all() - len(found))
        with _COLUMNS_LOCK:
            _SEGMENT_COLUMNS[key] = found
    return found


def column_bits(searcher: Searcher, name: str) -> dict:
    """For a column (facet, year), each value's documents as a bitset over the whole index."""
    out: dict = {}
    for sub, offset in leaves(searcher):
        for value, part in _segment_column(sub.reader(), name).items():
            out[value] = out.get(value, 0) | (part << offset)
    return out


def clear() -> None:
    SEGMENT_BITS.clear()
    with _COLUMNS_LOCK:
        _SEGMENT_COLUMNS.clear()
