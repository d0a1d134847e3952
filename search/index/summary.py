"""A segment's summary: the sets a search needs first, stored ready to use beside the segment.

The engine evaluates queries as bitsets (``search.engine.bits``). Reading a frequent word's set
out of Whoosh's postings means unpickling every block of 128 postings: tens of ms per word
at 100,000 documents, paid by the first search that meets the word in each process. The
summary keeps, for each segment, what that first search would otherwise rebuild:

- every term of a text or keyword field held by at least ``dense_at`` documents of the segment
  (1/256 of it, at least 64), as a compressed bitmap: a term that is not here is rarer than
  that, and its few postings are read from Whoosh;
- the values of the filtering and facet columns (level, unit, type, issuer, year) and the month
  of issue (yyyymm), each as a bitmap;
- each document's date (yyyymmdd, 0 for none), for ordering hits newest first;
- each document's record id, uncompressed (4 bytes a document), so that the ids of the top
  hits are read from a block or two: Whoosh's stored fields would first read the offsets of
  every document of the segment (most of a first search's time at 100,000 documents).

It is derived data, written once with its segment (``_MAIN_<segment>.ksum``, sealed like every
index file and deleted by Whoosh with its segment). A segment without one (written by Whoosh's
own writer: small, recent) is read the slow way; nothing depends on the summary but speed.
Reading is lazy: the file's directory first, then only the entries asked for, block by block.

Layout (plaintext): b"KSUM1", the bitmaps (zlib), the per-field term tables (sorted terms
joined by NUL, then their end offsets as little-endian uint64), a pickled directory, and the
directory's offset as 8 bytes.
"""

from __future__ import annotations

import pickle
import struct
import sys
import threading
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Iterable

from whoosh.filedb.filestore import Storage

EXTENSION = ".ksum"
_MAGIC = b"KSUM1"
_TAIL = struct.Struct("<Q")


def dense_at(doc_count: int) -> int:
    """Documents a term needs in a segment to be kept as a bitmap."""
    return max(64, doc_count // 256)


def write(
    storage: Storage,
    segment,
    size: int,
    terms: dict[str, Iterable[tuple[bytes, bytes]]],
    columns: dict[str, dict],
    dates: array,
    ids: array | None = None,
) -> None:
    """Seal the summary of a segment of ``size`` documents.

    ``terms``: field → (term, bitmap) for the dense terms, any order; ``columns``: name →
    value → bitmap; ``dates``: yyyymmdd per document (0: none); ``ids``: each document's
    record id (unsigned). A bitmap is little-endian: bit n of byte n // 8 is document n.
    """
    out = bytearray(_MAGIC)

    def put(data: bytes) -> tuple[int, int]:
        at = len(out)
        out.extend(data)
        return at, len(data)

    fields = {}
    for field, items in terms.items():
        names, bounds = [], array("Q", [len(out)])  # a field's bitmaps lie end to end
        for term, bitmap in sorted(items):
            if b"\0" in term:  # numeric terms: never asked for by name
                continue
            at, length = put(zlib.compress(bitmap, 1))
            names.append(term)
            bounds.append(at + length)
        if names:
            fields[field] = (put(b"\0".join(names)), put(bounds.tobytes()))
    directory = {
        "size": size,
        "dense_at": dense_at(size),
        "fields": fields,
        "columns": {
            name: {value: put(zlib.compress(bitmap, 1)) for value, bitmap in values.items()}
            for name, values in columns.items()
        },
        "dates": put(zlib.compress(dates.tobytes(), 1)),
    }
    if ids is not None and len(ids) == size:
        held = array("Q" if max(ids, default=0) >= 2**32 else "I", ids)
        directory["ids"] = (put(_little(held)), held.typecode)
    at = len(out)
    out.extend(pickle.dumps(directory, protocol=pickle.HIGHEST_PROTOCOL))
    out.extend(_TAIL.pack(at))
    with storage.create_file(segment.make_filename(EXTENSION)) as fh:
        fh.write(bytes(out))


def _little(values: array) -> bytes:
    if sys.byteorder != "little":
        values = array(values.typecode, values)
        values.byteswap()
    return values.tobytes()


class Summary:
    """One segment's summary, read entry by entry (thread-safe; entries are cached here)."""

    def __init__(self, dbfile, length: int) -> None:
        self._file = dbfile
        (at,) = _TAIL.unpack(dbfile.get(length - _TAIL.size, _TAIL.size))
        if dbfile.get(0, len(_MAGIC)) != _MAGIC:
            raise ValueError("not a segment summary")
        self._dir = pickle.loads(dbfile.get(at, length - _TAIL.size - at))  # noqa: S301 - ours
        self.size: int = self._dir["size"]
        self.dense_at: int = self._dir["dense_at"]
        self._tables: dict[str, tuple[list[bytes], array]] = {}
        self._lock = threading.Lock()

    @classmethod
    def open(cls, storage: Storage, segment) -> Summary | None:
        name = segment.make_filename(EXTENSION)
        if not storage.file_exists(name):
            return None
        return cls(storage.open_file(name), storage.file_length(name))

    def _read(self, extent: tuple[int, int]) -> bytes:
        with self._lock:
            return zlib.decompress(self._file.get(*extent))

    def _bits(self, extent: tuple[int, int]) -> int:
        return int.from_bytes(self._read(extent), "little")

    def _table(self, field: str) -> tuple[list[bytes], array] | None:
        found = self._tables.get(field)
        if found is None and field in self._dir["fields"]:
            table, bounds = self._dir["fields"][field]
            with self._lock:
                names = self._file.get(*table).split(b"\0")
                starts = array("Q")
                starts.frombytes(self._file.get(*bounds))
            found = self._tables[field] = (names, starts)
        return found

    def covers(self, field: str) -> bool:
        """Whether the field's dense terms are all here (else its terms are read from Whoosh)."""
        return field in self._dir["fields"]

    def term(self, field: str, text: bytes) -> int | None:
        """The term's documents, or None when it is not dense (or not in the segment)."""
        table = self._table(field)
        if table is None:
            return None
        names, starts = table
        i = bisect_left(names, text)
        if i == len(names) or names[i] != text:
            return None
        return self._bits((starts[i], starts[i + 1] - starts[i]))

    def column(self, name: str) -> dict | None:
        """value → documents, or None when the summary has no such column."""
        values = self._dir["columns"].get(name)
        if values is None:
            return None
        return {value: self._bits(extent) for value, extent in values.items()}

    def dates(self) -> array:
        out = array("I")
        out.frombytes(self._read(self._dir["dates"]))
        return out

    def record_id(self, docnum: int) -> int | None:
        """The record id of a document, or None when the summary does not hold ids."""
        found = self._dir.get("ids")
        if found is None:
            return None
        (at, _), typecode = found
        width = array(typecode).itemsize
        with self._lock:
            data = self._file.get(at + docnum * width, width)
        return int.from_bytes(data, "little")
