"""Document sets as Python integers (bit n = document n), one per segment, cached per segment.

Whoosh evaluates queries one document at a time in Python: at 100,000 documents a frequent
two-word query takes hundreds of milliseconds. Here each term's documents become a bitset once
per immutable segment; ANDs, ORs, the access filter, counts (``int.bit_count``) and facet
counts are whole-set operations in C, and the cost of a query no longer grows with the number
of documents it matches.

A ``DocSet`` holds one bitset per segment of a generation of the index: sets are never shifted
into one big integer, so what a segment contributes is computed once in the life of the
segment (``SegmentSets``: from its summary when it has one, else from Whoosh's postings and
columns) and reused by every later generation; a generation only adds its deletions.

Bitsets hold document numbers only. They live in process memory, never on disk.
"""

from __future__ import annotations

import re
import threading
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable
from itertools import accumulate

from whoosh import query as q
from whoosh.reading import SegmentReader, TermNotFound
from whoosh.searching import Searcher

from search.index.analysis import WORDS, fold
from search.index.summary import Summary

CACHE_BYTES = 256 * 1024 * 1024
ISSUER, ISSUER_NAME = "issuer", "issuer_name"  # the issuer's words, and its name as a column
_NONZERO = re.compile(rb"[^\x00]")
_BYTE_BITS = tuple(tuple(j for j in range(8) if b >> j & 1) for b in range(256))
# What a column holds for a document without a value: empty bytes, or for our unsigned NUMERIC
# columns (16-bit year, 32-bit date) the largest value of their width.
_MISSING = frozenset({b"", "", 0xFFFF, 0xFFFFFFFF})


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


class DocSet:
    """A set of documents of one generation: one bitset per segment, in segment order."""

    __slots__ = ("parts",)

    def __init__(self, parts: tuple[int, ...]) -> None:
        self.parts = parts

    def __and__(self, other: DocSet) -> DocSet:
        return DocSet(tuple(a & b for a, b in zip(self.parts, other.parts, strict=True)))

    def __or__(self, other: DocSet) -> DocSet:
        return DocSet(tuple(a | b for a, b in zip(self.parts, other.parts, strict=True)))

    def __invert__(self) -> DocSet:
        """Everything else (negative integers: only ever ANDed into another set)."""
        return DocSet(tuple(~a for a in self.parts))

    def __bool__(self) -> bool:
        return any(self.parts)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DocSet) and self.parts == other.parts

    def __hash__(self) -> int:
        return hash(self.parts)

    def bit_count(self) -> int:
        return sum(part.bit_count() for part in self.parts)

    def ids(self, offsets: tuple[int, ...]) -> list[int]:
        """Document numbers over the whole generation, ascending."""
        out: list[int] = []
        for part, offset in zip(self.parts, offsets, strict=True):
            if part:
                out.extend(d + offset for d in ids_of(part)) if offset else out.extend(ids_of(part))
        return out


def union(sets: Iterable[DocSet], empty: DocSet) -> DocSet:
    out = empty
    for s in sets:
        out = out | s
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


def _term_bits(reader: SegmentReader, fieldname: str, text, size: int) -> int:
    """A term's documents in one segment from Whoosh's postings, block by block when the codec
    allows (deletions are the generation's business: not applied here).

    Whoosh decodes postings one document at a time (about 1.7 µs each); here each block's ids
    are delta-decoded with ``itertools.accumulate`` and set in a bytearray, several times
    faster. This reads private attributes of Whoosh's W3 codec, so any other matcher takes the
    generic path (``test_bitsets_match_whoosh`` checks both agree).
    """
    try:
        matcher = reader.postings(fieldname, text)
    except TermNotFound:
        return 0
    inner = getattr(matcher, "child", matcher)  # deletions come wrapped in a FilterMatcher
    if not all(hasattr(inner, a) for a in ("_read_data", "_next_block", "_byteids", "_data")):
        return from_ids(inner.all_ids(), size)
    buf = bytearray((size >> 3) + 1)
    while inner.is_active():
        if inner._data is None:
            inner._read_data()
        ids = inner._data[0]
        for d in ids if inner._byteids else accumulate(ids):
            buf[d >> 3] |= 1 << (d & 7)
        inner._next_block()
    return int.from_bytes(buf, "little")


class SegmentSets:
    """What the engine reads from one segment, kept for the segment's life: segments never
    change once written, so a reader reopened after a commit reuses it as it is.

    Term sets go to the process-wide ``SEGMENT_BITS`` budget; a segment's columns, months and
    dates stay here (a few bitsets and one array per segment). Nothing here knows deletions.
    """

    def __init__(self, reader: SegmentReader, summary: Summary | None) -> None:
        self.reader = reader
        self.searcher = Searcher(reader, closereader=False)
        self.summary = summary
        self.size = reader.doc_count_all()
        self.key = reader.segment().segment_id()
        self._columns: dict[str, dict] = {}
        self._dates: array | None = None

    def term(self, fieldname: str, text: str | bytes) -> int:
        """The term's documents (``text`` as the query gives it: Whoosh encodes it)."""
        btext = self.reader.schema[fieldname].to_bytes(text)
        return SEGMENT_BITS.get_or_make(
            (self.key, fieldname, btext), lambda: self._term(fieldname, btext)
        )

    def _term(self, fieldname: str, btext: bytes) -> int:
        summary = self.summary
        if summary is not None and summary.covers(fieldname):
            found = summary.term(fieldname, btext)
            if found is not None:
                return found
        return _term_bits(self.reader, fieldname, btext, self.size)

    def query(self, query: q.Query) -> int:
        """Any other query, evaluated by Whoosh once per segment."""
        return SEGMENT_BITS.get_or_make(
            (self.key, "query", query), lambda: from_ids(query.docs(self.searcher), self.size)
        )

    def phrase(self, fieldname: str, words: tuple[str, ...]) -> int:
        """Documents holding the words one after the other in a field."""
        return SEGMENT_BITS.get_or_make(
            (self.key, "phrase", fieldname, words), lambda: self._phrase(fieldname, words)
        )

    def _phrase(self, fieldname: str, words: tuple[str, ...]) -> int:
        if fieldname == ISSUER and self.summary is not None:
            return self._issuer_phrase(words)
        candidates = -1
        for word in sorted(set(words), key=lambda w: self.term(fieldname, w).bit_count()):
            candidates &= self.term(fieldname, word)
            if not candidates:
                return 0
        wanted = set(ids_of(candidates))
        where = {w: _positions(self.reader, fieldname, w, wanted) for w in set(words)}
        found = []
        for doc in wanted:
            starts = where[words[0]][doc]
            if any(all(p + i in where[w][doc] for i, w in enumerate(words[1:], 1)) for p in starts):
                found.append(doc)
        return from_ids(found, self.size)

    def _issuer_phrase(self, words: tuple[str, ...]) -> int:
        """An issuer phrase from the issuer column: a segment names a few dozen issuers, so
        each name is checked once instead of each document's positions (the summary's column
        holds every document's issuer, as the issuer field does)."""
        found = 0
        size = len(words)
        for name, docs in self.column(ISSUER_NAME).items():
            tokens = [
                fold(t) for t in WORDS.findall(name.decode() if isinstance(name, bytes) else name)
            ]
            if any(tuple(tokens[i : i + size]) == words for i in range(len(tokens) - size + 1)):
                found |= docs
        return found

    def column(self, name: str) -> dict:
        """value → documents, for a column (facets, years) or ``month`` (yyyymm of the date)."""
        found = self._columns.get(name)
        if found is None:
            stored = self.summary.column(name) if self.summary is not None else None
            if stored is None:
                stored = self._read_column(name)
            found = self._columns[name] = stored
        return found

    def _read_column(self, name: str) -> dict:
        per_value: dict = {}
        if name == "month":
            for docnum, value in enumerate(self.dates()):
                if value:
                    per_value.setdefault(value // 100, []).append(docnum)
        elif self.reader.has_column(name):
            for docnum, value in enumerate(self.reader.column_reader(name)):
                if value is not None and value not in _MISSING:
                    per_value.setdefault(value, []).append(docnum)
        return {value: from_ids(ids, self.size) for value, ids in per_value.items()}

    def record_id(self, docnum: int) -> int:
        """A document's record id: from the summary (a block or two), else from Whoosh's
        stored fields (which read the offsets of every document of the segment first)."""
        found = self.summary.record_id(docnum) if self.summary is not None else None
        return found if found is not None else int(self.reader.stored_fields(docnum)["id"])

    def dates(self) -> array:
        """yyyymmdd of each document (0: no date)."""
        if self._dates is None:
            if self.summary is not None:
                self._dates = self.summary.dates()
            else:
                values = array("I")
                if self.reader.has_column("date"):
                    values.extend(
                        v if v and v <= 99991231 else 0 for v in self.reader.column_reader("date")
                    )
                values.extend([0] * (self.size - len(values)))
                self._dates = values
        return self._dates


def _positions(reader: SegmentReader, fieldname: str, word: str, wanted: set[int]) -> dict:
    """For the documents in ``wanted`` holding ``word``: its positions there (Whoosh's W3
    blocks read whole when the codec allows, only the wanted postings decoded)."""
    fieldobj = reader.schema[fieldname]
    out: dict[int, frozenset[int]] = {}
    try:
        matcher = reader.postings(fieldname, fieldobj.to_bytes(word))
    except TermNotFound:
        return out
    inner = getattr(matcher, "child", matcher)
    decode = fieldobj.format.decode_positions
    if all(hasattr(inner, a) for a in ("_read_ids", "_read_values", "_next_block", "_maxid")):
        low = min(wanted)
        while inner.is_active():
            if inner._maxid >= low:
                inner._read_ids()
                inner._read_values()
                for doc, value in zip(inner._ids, inner._values, strict=True):
                    if doc in wanted:
                        out[doc] = frozenset(decode(value))
            inner._next_block()
        return out
    while inner.is_active():
        if inner.id() in wanted:
            out[inner.id()] = frozenset(decode(inner.value()))
        inner.next()
    return out


def deleted(segment) -> int:
    """A segment's deleted documents in one generation (its table of contents says)."""
    return (
        from_ids(segment.deleted_docs(), segment.doc_count_all()) if segment.deleted_count() else 0
    )


def clear() -> None:
    SEGMENT_BITS.clear()
