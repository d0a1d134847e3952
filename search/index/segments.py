"""Writing whole index segments fast, with every core: the rebuild path (``kho reindex``,
synthetic archives for benchmarks).

Whoosh's writer adds a document by running each field through a chain of generators that
yield one token object at a time, sends every posting through a sort pool and writes it with
a call of its own: about 300 documents a second on one core here, whatever the cores. A rebuild
knows all its documents up front, so this module writes Whoosh's own segment format directly:

- analysis in bulk: the text is put in NFC with one tone placement once for all its fields,
  split with one regex call, and each distinct token's exact and folded forms come from a
  table filled as tokens are met (``search.index.analysis`` builds the forms; Vietnamese has a few
  thousand syllables, so the table is small and nearly every lookup hits);
- an inverted index per segment in memory, written term by term in blocks of 128 postings
  through Whoosh's own codec classes (``W3PostingsWriter._write_block``, ``W3PerDocWriter``),
  so Whoosh reads the files as its own; a block is pickled with protocol 4 rather than
  Whoosh's 2 (``BLOCK_PICKLE``: bytes stay bytes) and the position values of all postings
  are assembled at once with numpy (``position_values``, byte for byte Whoosh's);
- the segment's summary (``search.index.summary``) from the same postings, at no extra reading;
- one segment per batch of documents, batches shared among worker processes (fork), each
  writing its segment into the new index folder (sealed by ``search.index.storage`` like every
  index file); the parent commits one table of contents naming them all.

``tests/unit/search/test_search_segments.py`` checks the postings, columns and lengths are the
ones Whoosh's writer gives for the same documents.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import secrets
import shutil
import signal
import traceback
import zlib
from array import array
from collections.abc import Callable, Iterable, Sequence
from itertools import pairwise
from operator import sub
from pathlib import Path
from pickle import dumps

from whoosh.analysis.tokenizers import IDTokenizer, RegexTokenizer
from whoosh.codec.whoosh3 import (
    WHOOSH3_HEADER_MAGIC,
    W3Codec,
    W3FieldWriter,
    W3PerDocWriter,
    W3PostingsWriter,
    W3Segment,
)
from whoosh.fields import ID, KEYWORD, NUMERIC, Schema
from whoosh.formats import Existence, Frequency, Positions
from whoosh.index import TOC, clean_files
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length, length_to_byte

from search.index import analysis, summary
from search.index.fields import fields_of, schema
from search.index.storage import EncryptedStorage

SEGMENT_DOCS = 25_000  # documents per segment of a rebuild (memory: ~0.3 GB per worker)
INDEX_NAME = "MAIN"
SUMMARY_COLUMNS = ("level", "unit", "type_name", "issuer_name", "year")
COMPRESSION = 1  # zlib level of posting blocks (Whoosh's 3: twice the time, 5% smaller)
SMALL_BLOCK = 200  # pickled bytes under which a block is stored uncompressed
PLAIN_VALUES = 100_000  # distinct values of a plain field whose terms a segment remembers
# Pickle protocol of posting blocks. Whoosh writes protocol 2, where every bytes value (a
# posting's positions) becomes a call of ``_codecs.encode`` on a latin-1 string: twice the
# bytes, and 20 times the time to pickle and to unpickle a block of 128 postings. Protocol 4
# pickles bytes as bytes; Whoosh's reader unpickles either (``pickle.loads`` reads any protocol).
BLOCK_PICKLE = 4

Batch = Callable[[], Iterable]  # yields search.index.IndexEntry


# Analysis in bulk --------------------------------------------------------------------------

_LENGTHS = [byte_to_length(length_to_byte(n)) for n in range(4096)]  # as Whoosh stores them


def _quantized(length: int) -> int:
    return _LENGTHS[length] if length < 4096 else byte_to_length(length_to_byte(length))


_PICKLE_HEAD = b"\x80\x02]q\x00("  # protocol 2, an empty list put in memo 0, a mark
_OP_K, _OP_M, _OP_J = b"KMJ"  # pickle's ints of 1, 2 and 4 bytes
_APPEND, _APPENDS, _STOP = b"ae."  # one item appended, the items since the mark, the end


def position_values(where, firsts, freqs) -> list[bytes]:
    """Each posting's value as ``formats.Positions.encode`` makes it, for all postings at once:
    the count (``pack_uint``), then ``pickle.dumps(deltas, 2)`` of its position deltas.

    ``where``: every token's position, grouped by posting (positions ascending in each);
    ``firsts``: where each posting starts in it; ``freqs``: its number of positions. The
    pickles are assembled with numpy, byte for byte what ``pickle`` writes for a list of small
    ints (``K``/``M``/``J`` opcodes), and cut into one ``bytes`` per posting: no Python code
    runs per position, and only a slice per posting."""
    import numpy as np

    where = np.asarray(where, dtype=np.int64)
    firsts = np.asarray(firsts, dtype=np.int64)
    freqs = np.asarray(freqs, dtype=np.int64)
    if not len(firsts):
        return []
    if int(where.max(initial=0)) > 0x7FFFFFFF:
        raise ValueError("a position past 2**31 cannot be stored")
    deltas = np.diff(where, prepend=0)
    deltas[firsts] = where[firsts]
    width = np.where(deltas < 256, 2, np.where(deltas < 65536, 3, 5))
    many = (freqs > 1).astype(np.int64)
    head = 4 + 5 + many  # pack_uint(count), "\x80\x02]q\x00", "(" for a list of several
    posting_of = np.repeat(np.arange(len(firsts)), freqs)
    first_of = np.zeros(len(where), dtype=bool)
    first_of[firsts] = True
    last_of = np.zeros(len(where), dtype=bool)
    last_of[firsts + freqs - 1] = True
    span = width + np.where(first_of, head[posting_of], 0) + np.where(last_of, 2, 0)
    ends = np.cumsum(span)
    starts = ends - span
    out = np.zeros(int(ends[-1]), dtype=np.uint8)
    begin = starts[firsts]  # each posting's first byte
    for shift, at in ((24, 0), (16, 1), (8, 2), (0, 3)):
        out[begin + at] = (freqs >> shift) & 0xFF
    for at in range(5):
        out[begin + 4 + at] = _PICKLE_HEAD[at]
    out[begin[many == 1] + 9] = _PICKLE_HEAD[5]
    op = starts + np.where(first_of, head[posting_of], 0)
    out[op] = np.where(width == 2, _OP_K, np.where(width == 3, _OP_M, _OP_J))
    for at in range(4):
        wide = width > at + 1
        out[op[wide] + 1 + at] = (deltas[wide] >> (8 * at)) & 0xFF
    last = ends[firsts + freqs - 1]
    out[last - 2] = np.where(many == 1, _APPENDS, _APPEND)
    out[last - 1] = _STOP
    data = out.tobytes()
    bounds = begin.tolist()
    bounds.append(len(data))
    return [data[a:b] for a, b in pairwise(bounds)]


def _bitmap(ids, size: int) -> bytes:
    """Document numbers as a little-endian bitmap (bit n: document n)."""
    import numpy as np

    bits = np.zeros(size, dtype=bool)
    bits[np.asarray(ids, dtype=np.int64)] = True
    return np.packbits(bits, bitorder="little").tobytes()


class _Postings:
    """One term's postings, ready for the block writer."""

    __slots__ = ("ids", "values", "weights")

    def __init__(self, ids: list[int], weights: array, values: list[bytes]) -> None:
        self.ids, self.weights, self.values = ids, weights, values


class _TextField:
    """A text field with Kho's analyzers, inverted in bulk.

    Each document adds its tokens as term numbers to one flat array (a token's term comes from
    a table filled as new tokens are met: Vietnamese has a few thousand syllables, so nearly
    every lookup hits); at the end the array is sorted by term with numpy, runs of one term in
    one document become postings, and their frequencies and positions come from run lengths.
    No Python code runs per posting but what Whoosh's format needs (a pickled position list).
    """

    def __init__(self, field) -> None:
        self.field = field
        chain = field.analyzer.items
        self.form = analysis.fold if type(chain[1]) is analysis._FoldFilter else str.lower
        self.positions = type(field.format) is Positions
        self.boost = field.format.field_boost
        self.scorable = bool(field.scorable)
        self._tid_of: dict[str, int] = {}  # token → term number
        self._tid_of_term: dict[bytes, int] = {}
        self.terms: list[bytes] = []
        self._tids = array("I")
        self.lengths = array("I")  # tokens per document

    @staticmethod
    def accepts(field) -> bool:
        chain = getattr(field.analyzer, "items", ())
        return (
            type(field.format) in (Frequency, Positions)
            and len(chain) == 2
            and type(chain[0]) is analysis._NfcTokenizer
            and type(chain[1]) in (analysis._ExactFilter, analysis._FoldFilter)
        )

    def add(self, tokens: list[str]) -> int:
        tid_of = self._tid_of
        for token in set(tokens).difference(tid_of):
            text = self.form(token).encode()
            tid = self._tid_of_term.get(text)
            if tid is None:
                tid = self._tid_of_term[text] = len(self.terms)
                self.terms.append(text)
            tid_of[token] = tid
        self._tids.extend(map(tid_of.__getitem__, tokens))
        self.lengths.append(len(tokens))
        return len(tokens)

    def skip(self) -> None:
        self.lengths.append(0)

    def postings(self) -> Iterable[tuple[bytes, _Postings]]:
        """(term, postings) in term order."""
        import numpy as np

        if not self.terms:
            return
        tids = np.frombuffer(self._tids, dtype=np.uint32)
        counts = np.frombuffer(self.lengths, dtype=np.uint32)
        docs = np.repeat(np.arange(len(counts), dtype=np.uint32), counts)
        order = np.argsort(tids, kind="stable")  # by term, then document, then position
        tids, docs = tids[order], docs[order]
        firsts = np.flatnonzero(
            np.concatenate(([True], (tids[1:] != tids[:-1]) | (docs[1:] != docs[:-1])))
        )
        freqs = np.diff(np.append(firsts, len(tids)))
        term_firsts = np.searchsorted(tids[firsts], np.arange(len(self.terms) + 1))
        doc_list = docs[firsts].tolist()
        freq_list = freqs.tolist()
        if self.positions:
            starts = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)
            where = order - starts[docs]  # each token's position in its document
            values = position_values(where, firsts, freqs)
        else:
            values = list(map(pack_uint, freq_list))
        bounds = term_firsts.tolist()
        for tid in sorted(range(len(self.terms)), key=self.terms.__getitem__):
            a, b = bounds[tid], bounds[tid + 1]
            weights = array("f", freq_list[a:b])
            if self.boost != 1.0:
                weights = array("f", [w * self.boost for w in weights])
            yield self.terms[tid], _Postings(doc_list[a:b], weights, values[a:b])


def _direct_index(field) -> Callable[[str], tuple] | None:
    """``field.index`` without its chain of generators, for the analyses of Kho's ``ID`` and
    ``KEYWORD`` fields: a whole value as one term, or words split at spaces. None for
    any other field (``tests/unit/search/test_search_segments.py`` compares with Whoosh's)."""
    analyzer, boost = field.analyzer, field.format.field_boost
    if type(field) not in (ID, KEYWORD):
        return None
    if type(analyzer) is IDTokenizer and type(field.format) is Existence:
        return lambda value: ((value.encode(), 1, boost, b""),)
    keyword = type(analyzer) is RegexTokenizer and not analyzer.gaps
    if (
        keyword
        and analyzer.expression.pattern == r"[^ \t\r\n]+"
        and type(field.format) is Frequency
    ):
        split = analyzer.expression.findall

        def index(value: str) -> tuple:
            counts: dict[str, int] = {}
            for word in split(value):
                counts[word] = counts.get(word, 0) + 1
            return tuple((w.encode(), n, n * boost, pack_uint(n)) for w, n in counts.items())

        return index
    return None


class _PlainField:
    """Any other indexed field (ids, keywords, numbers): Whoosh's own ``field.index``, a few
    postings a document."""

    def __init__(self, field) -> None:
        self.field = field
        self.scorable = bool(field.scorable)
        self._terms: dict[bytes, tuple[list, list, list]] = {}
        self.lengths = array("I")
        # A value's terms, remembered: levels, units, types, years, dates and dossiers recur
        # from document to document (a date is eight trie terms); ids never do.
        self._known: dict | None = None if field.unique else {}
        self._make = _direct_index(field) or (lambda value: tuple(field.index(value)))

    def _index(self, value) -> tuple:
        known = self._known
        if known is None:
            return self._make(value)
        found = known.get(value)
        if found is None:
            found = self._make(value)
            if len(known) < PLAIN_VALUES:
                known[value] = found
        return found

    def add(self, docnum: int, value) -> int:
        length = 0
        for btext, freq, weight, vbytes in self._index(value):
            ids, weights, values = self._terms.setdefault(btext, ([], [], []))
            ids.append(docnum)
            weights.append(weight)
            if vbytes:
                values.append(vbytes)
            length += freq
        self.lengths.append(length)
        return length

    def skip(self) -> None:
        self.lengths.append(0)

    def postings(self) -> Iterable[tuple[bytes, _Postings]]:
        for btext in sorted(self._terms):
            ids, weights, values = self._terms[btext]
            yield btext, _Postings(ids, array("f", weights), values)


class _BlockWriter(W3PostingsWriter):
    """Whoosh's postings writer fed a whole posting list at once: blocks are cut by slicing,
    their statistics taken with built-ins, and written by Whoosh's own ``_write_block``."""

    def add_all(self, postings: _Postings, lengths: list[int] | None) -> None:
        limit, count = self._blocklimit, len(postings.ids)
        for start in range(0, count, limit):
            end = min(start + limit, count)
            ids = self._ids = postings.ids[start:end]
            self._weights = postings.weights[start:end]
            self._values = postings.values[start:end]
            self._maxweight = max(0, max(self._weights))
            if lengths is not None:
                block = list(map(lengths.__getitem__, ids))
                self._minlength, self._maxlength = min(block), max(block)
            else:
                self._minlength, self._maxlength = None, 0
            if end < count:
                self._write_block()  # the last block is written by finish_postings

    def _mini_ids(self) -> tuple:
        """Whoosh's delta-encoded ids (its own runs a generator step per posting)."""
        ids = self._ids
        return (ids[0], *map(sub, ids[1:], ids)) if len(ids) else ()

    def _mini_weights(self):
        """Whoosh's minified weights: None when all are 1, one number when all are equal."""
        weights, count = self._weights, len(self._weights)
        if weights.count(1.0) == count:
            return None
        if weights.count(weights[0]) == count:
            return weights[0]
        return tuple(weights)

    def _write_block(self, last: bool = False) -> None:
        """Whoosh's block layout (length, pickled statistics, pickled and compressed data),
        except that a small block is not compressed: Whoosh means to skip those but compresses
        every block, and zlib's set-up costs more than a few bytes gain. The block says which,
        so Whoosh reads both."""
        if not self._blockcount:
            self._postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        data = dumps((self._mini_ids(), self._mini_weights(), self._mini_values()), BLOCK_PICKLE)
        compression = self._compression if len(data) >= SMALL_BLOCK else 0
        if compression:
            data = zlib.compress(data, compression)
        ids = self._ids
        stats = (
            len(ids),
            ids[-1],
            self._maxweight,
            compression,
            length_to_byte(self._minlength),
            length_to_byte(self._maxlength),
        )
        info = dumps(stats, 2)
        self._postfile.write_int(-(len(info) + len(data)) if last else len(info) + len(data))
        self._postfile.write(info)
        self._postfile.write(data)
        self._blockcount += 1
        self._new_block()


class _FieldWriter(W3FieldWriter):
    def start_field(self, fieldname, fieldobj) -> None:
        super().start_field(fieldname, fieldobj)
        codec = self._codec
        self._postwriter = _BlockWriter(
            self._postfile,
            blocklimit=codec._blocklimit,
            byteids=False,
            compression=codec._compression,
            inlinelimit=codec._inlinelimit,
        )

    def add_term(self, btext: bytes, postings: _Postings, lengths: list[int] | None) -> None:
        self.start_term(btext)
        self._postwriter.add_all(postings, lengths)
        self.finish_term()


def write_segment(storage: EncryptedStorage, schema: Schema, entries: Iterable) -> W3Segment:
    """Write one new segment holding ``entries`` (not yet named by any table of contents)."""
    codec = W3Codec(compression=COMPRESSION)
    segment = W3Segment(codec, INDEX_NAME, segid=secrets.token_hex(8))
    text = {n: _TextField(f) for n, f in schema.items() if f.indexed and _TextField.accepts(f)}
    plain = {n: _PlainField(f) for n, f in schema.items() if f.indexed and n not in text}
    numeric = {name for name, field in schema.items() if isinstance(field, NUMERIC)}
    columns: dict[str, dict] = {name: {} for name in SUMMARY_COLUMNS if name in schema}
    months: dict[int, list[int]] = {}
    dates, records = array("I"), array("Q")
    perdoc = W3PerDocWriter(codec, storage, segment)
    docnum = 0
    words_of = analysis.WORDS.findall
    for entry in entries:
        values = fields_of(entry)
        perdoc.start_doc(docnum)
        words = values.get("exact")
        tokens = words_of(analysis.unify_tones(words)) if words else []
        for name, field in (*text.items(), *plain.items()):
            if name not in values:
                field.skip()
        for name in sorted(values):
            value, field = values[name], schema[name]
            length = 0
            if name in text:
                own = tokens if value is words else words_of(analysis.unify_tones(value))
                length = text[name].add(own)
            elif name in plain:
                length = plain[name].add(docnum, value)
            perdoc.add_field(name, field, value if field.stored else None, length)
            if field.column_type is not None:
                perdoc.add_column_value(name, field.column_type, field.to_column_value(value))
            if name in columns:
                columns[name].setdefault(value, []).append(docnum)
        perdoc.finish_doc()
        date = values.get("date", 0)
        dates.append(date)
        records.append(int(values["id"]))
        if date:
            months.setdefault(date // 100, []).append(docnum)
        docnum += 1
    perdoc.close()
    segment.set_doc_count(docnum)

    dense = summary.dense_at(docnum)
    kept: dict[str, list] = {}
    writer = _FieldWriter(codec, storage, segment)
    fields = {**text, **plain}
    for name in sorted(fields):
        field = fields.pop(name)
        lengths = [_quantized(n) for n in field.lengths] if field.scorable else None
        started = False
        for btext, postings in field.postings():
            if not started:
                writer.start_field(name, field.field)
                started = True
            writer.add_term(btext, postings, lengths)
            if name not in numeric and len(postings.ids) >= dense:
                kept.setdefault(name, []).append((btext, _bitmap(postings.ids, docnum)))
        if started:
            writer.finish_field()
    writer.close()
    columns["month"] = months
    bitmaps = {
        name: {value: _bitmap(ids, docnum) for value, ids in found.items()}
        for name, found in columns.items()
    }
    summary.write(storage, segment, docnum, kept, bitmaps, dates, records)
    return segment


# Merging segments ---------------------------------------------------------------------------


def _postings_of(reader, fieldname: str, btext: bytes, docmap, fixed: int | None):
    """A term's postings in a source segment, renumbered (``docmap``: old → new number, -1
    for a deleted document; or an int: the offset when nothing is deleted), values as stored."""
    matcher = reader.postings(fieldname, btext)
    inner = getattr(matcher, "child", matcher)  # undo the deletion filter: docmap does it
    ids, weights, values = [], [], []
    if all(hasattr(inner, a) for a in ("_read_ids", "_read_weights", "_read_values")):
        while inner.is_active():
            inner._read_ids()
            inner._read_weights()
            inner._read_values()
            ids.extend(inner._ids)
            weights.extend(inner._weights)
            values.extend(inner._values)
            inner._next_block()
    else:
        while inner.is_active():
            ids.append(inner.id())
            weights.append(inner.weight())
            values.append(inner.value())
            inner.next()
    if isinstance(docmap, int):
        ids = [d + docmap for d in ids]
    else:
        kept = [i for i, d in enumerate(ids) if docmap[d] >= 0]
        ids = [docmap[ids[i]] for i in kept]
        weights = [weights[i] for i in kept]
        values = [values[i] for i in kept]
    return ids, weights, (values if fixed != 0 else [])


def merge(storage: EncryptedStorage, schema: Schema, readers: list) -> W3Segment:
    """One new segment holding the live documents of ``readers`` in order, with its summary:
    Whoosh's merge sends every posting through a sort pool one at a time; here each term's
    postings are copied block by block, renumbered, and written by the bulk block writer."""
    codec = W3Codec(compression=COMPRESSION)
    segment = W3Segment(codec, INDEX_NAME, segid=secrets.token_hex(8))
    perdoc = W3PerDocWriter(codec, storage, segment)
    names = schema.names()
    column_fields = [n for n in names if schema[n].column_type is not None]
    scorable = [n for n in names if schema[n].indexed and schema[n].scorable]
    lengths: dict[str, list[int]] = {n: [] for n in scorable}
    columns: dict[str, dict] = {n: {} for n in SUMMARY_COLUMNS if n in schema}
    months: dict[int, list[int]] = {}
    dates, records = array("I"), array("Q")
    docmaps: list = []
    new = 0
    for reader in readers:
        raw = {n: reader.column_reader(n, translate=False) for n in column_fields}
        shown = {n: reader.column_reader(n) for n in columns if n in column_fields}
        date_column = reader.column_reader("date") if "date" in column_fields else None
        docmap = [] if reader.has_deletions() else new
        for docnum in range(reader.doc_count_all()):
            if reader.is_deleted(docnum):
                docmap.append(-1)
                continue
            if not isinstance(docmap, int):
                docmap.append(new)
            stored = reader.stored_fields(docnum)
            records.append(int(stored["id"]))
            perdoc.start_doc(new)
            for name in names:
                length = reader.doc_field_length(docnum, name) if name in lengths else 0
                if name in lengths:
                    lengths[name].append(length)
                perdoc.add_field(name, schema[name], stored.get(name), length)
                if name in raw:
                    perdoc.add_column_value(name, schema[name].column_type, raw[name][docnum])
            perdoc.finish_doc()
            for name, column in shown.items():
                value = column[docnum]
                if value is not None and value not in (b"", "", 0xFFFF, 0xFFFFFFFF):
                    columns[name].setdefault(value, []).append(new)
            date = date_column[docnum] if date_column is not None else 0
            date = date if date and date <= 99991231 else 0
            dates.append(date)
            if date:
                months.setdefault(date // 100, []).append(new)
            new += 1
        docmaps.append(docmap)
    perdoc.close()
    segment.set_doc_count(new)

    dense = summary.dense_at(new)
    numeric = {name for name in names if isinstance(schema[name], NUMERIC)}
    kept: dict[str, list] = {}
    writer = _FieldWriter(codec, storage, segment)
    for name in sorted(n for n in names if schema[n].indexed):
        fixed = schema[name].format.fixed_value_size()
        terms = sorted({t for reader in readers for t in reader.lexicon(name)})
        started = False
        for btext in terms:
            ids, weights, values = [], [], []
            for reader, docmap in zip(readers, docmaps, strict=True):
                if (name, btext) in reader:
                    more = _postings_of(reader, name, btext, docmap, fixed)
                    ids += more[0]
                    weights += more[1]
                    values += more[2]
            if not ids:
                continue  # only deleted documents held it
            if not started:
                writer.start_field(name, schema[name])
                started = True
            writer.add_term(btext, _Postings(ids, array("f", weights), values), lengths.get(name))
            if name not in numeric and len(ids) >= dense:
                kept.setdefault(name, []).append((btext, _bitmap(ids, new)))
        if started:
            writer.finish_field()
    writer.close()
    columns["month"] = months
    bitmaps = {
        name: {value: _bitmap(ids, new) for value, ids in found.items()}
        for name, found in columns.items()
    }
    summary.write(storage, segment, new, kept, bitmaps, dates, records)
    return segment


# Writing several segments with every core ---------------------------------------------------


def _worker(storage: EncryptedStorage, schema: Schema, batches, tasks, results, setup) -> None:
    # Forked from a process that may handle SIGINT/SIGTERM itself (a stopping `kho worker`):
    # the defaults here, so that terminate() ends this process and wakes nothing of the parent's.
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if setup is not None:
        setup()
    while (number := tasks.get()) is not None:
        try:
            segment = write_segment(storage, schema, batches[number]())
            results.put((number, segment, None))
        except BaseException as exc:  # reported to the parent, which raises it
            try:
                pickle.dumps(exc)
                failure = exc
            except Exception:
                failure = RuntimeError(f"{type(exc).__name__}: {exc}")
            results.put((number, None, (failure, traceback.format_exc())))


def write_all(
    path: Path,
    key: bytes,
    schema: Schema,
    batches: Sequence[Batch],
    workers: int = 1,
    setup: Callable[[], None] | None = None,
) -> list[W3Segment]:
    """One segment per batch into the index folder at ``path``, in batch order; batches run in
    up to ``workers`` forked processes (``setup`` runs first in each: new database
    connections, say). Nothing names the segments yet."""
    storage = EncryptedStorage(path, key)
    workers = max(1, min(workers, len(batches)))
    if workers == 1 or "fork" not in multiprocessing.get_all_start_methods():
        return [write_segment(storage, schema, batch()) for batch in batches]
    context = multiprocessing.get_context("fork")
    tasks, results = context.Queue(), context.Queue()
    for number in range(len(batches)):
        tasks.put(number)
    for _ in range(workers):
        tasks.put(None)
    procs = [
        context.Process(
            target=_worker, args=(storage, schema, batches, tasks, results, setup), daemon=True
        )
        for _ in range(workers)
    ]
    for proc in procs:
        proc.start()
    found: dict[int, W3Segment] = {}
    try:
        while len(found) < len(batches):
            number, segment, failure = results.get()
            if failure is not None:
                exc, trace = failure
                raise exc from RuntimeError(f"in a worker process:\n{trace}")
            found[number] = segment
    finally:
        for proc in procs:
            if proc.is_alive() and len(found) < len(batches):
                proc.terminate()
            proc.join()
    return [found[n] for n in range(len(batches))]


def _commit_fresh(path: Path, key: bytes, schema: Schema, segments: list[W3Segment]) -> None:
    """Name the segments in the first table of contents after the empty one."""
    storage = EncryptedStorage(path, key)
    TOC(schema, segments, 1).write(storage, INDEX_NAME)
    clean_files(storage, INDEX_NAME, 1, segments)


def rebuild(
    path: Path,
    key: bytes,
    batches: Sequence[Batch],
    workers: int = 1,
    setup: Callable[[], None] | None = None,
) -> int:
    """A fresh index from the batches, built beside the old one and swapped in, so readers
    never see it empty or half-built. Returns the number of documents."""
    fresh = path.with_name(path.name + ".new")
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir(parents=True, mode=0o700)
    EncryptedStorage(fresh, key).create_index(schema(), indexname=INDEX_NAME)
    try:
        segments = write_all(fresh, key, schema(), batches, workers, setup)
        _commit_fresh(fresh, key, schema(), [s for s in segments if s.doc_count_all()])
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    old = path.with_name(path.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if path.exists():
        path.rename(old)
    fresh.rename(path)
    shutil.rmtree(old, ignore_errors=True)
    return sum(s.doc_count_all() for s in segments)


def batch_size(count: int, workers: int) -> int:
    """Documents per batch (per segment) so that every worker has as many batches as the
    others and no segment holds more than ``SEGMENT_DOCS``."""
    workers = max(1, workers)
    batches = workers * -(-count // (SEGMENT_DOCS * workers)) or 1
    return max(1, -(-count // batches))


def batches_of(entries: Iterable, size: int = SEGMENT_DOCS) -> list[Batch]:
    """Entries in batches of ``size`` for one process (they are already in memory or cheap)."""
    out: list[Batch] = []
    chunk: list = []
    for entry in entries:
        chunk.append(entry)
        if len(chunk) >= size:
            out.append(_listed(chunk))
            chunk = []
    if chunk or not out:
        out.append(_listed(chunk))
    return out


def _listed(items: list) -> Batch:
    return lambda: items


def cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
