"""The bulk segment writer writes what Whoosh's own writer writes, and its summary agrees."""

from __future__ import annotations

import dataclasses
import random
import unicodedata
from datetime import date

import pytest

from search.engine import bits
from search.index import segments, store, summary
from search.index.storage import EncryptedStorage

KEY = bytes(range(32))
WORDS = [
    "Đảng",
    "viên",
    "hoà",
    "hòa",
    "THUỶ",
    "thủy",
    "giải",
    "Lào",
    "Cai",
    "quý",
    "ddang",
    "117-KH/TU",
    "x²",
    "İstanbul",
    "naïve",
    "2024",
    "số",
    "chuyển",
    "đổi",
]


def _entries(count: int, seed: int = 3) -> list[store.IndexEntry]:
    rng = random.Random(seed)
    out = []
    for n in range(1, count + 1):
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 30)))
        if rng.random() < 0.2:
            words = unicodedata.normalize("NFD", words)
        issued = date(2015 + rng.randrange(10), rng.randint(1, 12), rng.randint(1, 28))
        out.append(
            store.IndexEntry(
                n,
                rng.choice(["thuong", "mat", "toi_mat"]),
                rng.randint(1, 3),
                rng.choice(["KH", "QĐ", None]),
                rng.choice([None, 2020]),
                words,
                number=rng.choice([None, f"{n}-KH/TU"]),
                issuer=rng.choice([None, "Tỉnh ủy Lào Cai", "Ban Tổ chức Tỉnh uỷ"]),
                issued=rng.choice([issued, None]),
                subject=rng.choice([None, "về công tác đảng viên"]),
                dossier=rng.choice([None, "2024-VP-07"]),
                pending=rng.random() < 0.1,
                filed_by=rng.choice([None, 4]),
                signature=rng.choice([None, "signed valid valid"]),
            )
        )
    return out


def _reader(path):
    return EncryptedStorage(path, KEY).open_index().reader()


def _dump(reader) -> dict:
    """Everything a search reads: terms, postings with values, stored fields, lengths, columns."""
    out = {"docs": reader.doc_count_all()}
    for field in sorted(reader.indexed_field_names()):
        fieldobj = reader.schema[field]
        for btext in reader.lexicon(field):
            postings, found = reader.postings(field, btext), []
            while postings.is_active():
                found.append((postings.id(), postings.weight(), postings.value()))
                postings.next()
            info = reader.term_info(field, btext)
            stats = (info.weight(), info.doc_frequency(), info.min_length(), info.max_length())
            out[(field, btext)] = (found, stats, info.max_weight(), info.min_id(), info.max_id())
        if fieldobj.scorable:
            out[("length", field)] = [
                reader.doc_field_length(d, field) for d in range(reader.doc_count_all())
            ]
    out["stored"] = list(reader.all_stored_fields())
    for field in sorted(reader.schema.names()):
        if reader.has_column(field):
            out[("column", field)] = list(reader.column_reader(field))
    return out


def test_bulk_segments_equal_whooshs_own(tmp_path):
    entries = _entries(300)
    theirs, ours = tmp_path / "theirs", tmp_path / "ours"
    store.create(theirs, KEY)
    with EncryptedStorage(theirs, KEY).open_index().writer() as writer:  # one at a time
        for entry in entries:
            writer.add_document(**store.fields_of(entry))
    segments.rebuild(ours, KEY, segments.batches_of(entries, size=300))
    assert _dump(_reader(ours)) == _dump(_reader(theirs))


def test_batches_in_worker_processes_give_the_same_index(tmp_path):
    entries = _entries(500, seed=4)
    one, many = tmp_path / "one", tmp_path / "many"
    segments.rebuild(one, KEY, segments.batches_of(entries, size=500))
    segments.rebuild(many, KEY, segments.batches_of(entries, size=120), workers=2)
    reader = _reader(many)
    assert len(list(reader.leaf_readers())) == 5
    ours, whole = _dump(reader), _dump(_reader(one))
    assert ours == whole


@pytest.mark.parametrize("size", [70, 700])
def test_summary_holds_every_dense_term_and_the_columns(tmp_path, size):
    entries = _entries(size, seed=size)
    segments.rebuild(tmp_path / "ix", KEY, segments.batches_of(entries, size=size))
    storage = EncryptedStorage(tmp_path / "ix", KEY)
    (leaf, _), *_ = storage.open_index().reader().leaf_readers()
    found = summary.Summary.open(storage, leaf.segment())
    assert found is not None and found.size == size
    for field in ("exact", "folded", "head", "issuer", "level", "unit", "number", "doc_type"):
        for btext in leaf.lexicon(field):
            ids = list(leaf.postings(field, btext).all_ids())
            held = found.term(field, btext)
            if len(ids) >= summary.dense_at(size):
                assert held == bits.from_ids(ids, size), (field, btext)
            else:
                assert held is None
    for column in ("level", "unit", "type_name", "issuer_name", "year"):
        expected: dict = {}
        for docnum, value in enumerate(leaf.column_reader(column)):
            if value not in (b"", "", 0xFFFF, None):
                expected.setdefault(value, []).append(docnum)
        assert found.column(column) == {v: bits.from_ids(d, size) for v, d in expected.items()}
    dates = list(leaf.column_reader("date"))
    assert list(found.dates()) == [d if d != 0xFFFFFFFF else 0 for d in dates]
    ids = [int(fields["id"]) for fields in leaf.all_stored_fields()]
    assert [found.record_id(d) for d in range(size)] == ids


def test_summary_holds_record_ids_past_four_billion(tmp_path):
    entries = _entries(5, seed=2)
    entries[3] = dataclasses.replace(entries[3], id=2**40 + 7)
    segments.rebuild(tmp_path / "ix", KEY, segments.batches_of(entries, size=5))
    storage = EncryptedStorage(tmp_path / "ix", KEY)
    (leaf, _), *_ = storage.open_index().reader().leaf_readers()
    found = summary.Summary.open(storage, leaf.segment())
    assert [found.record_id(d) for d in range(5)] == [e.id for e in entries]


def test_merged_segments_equal_whooshs_optimize(tmp_path):
    """segments.merge keeps the live documents in order, as Whoosh's own merge does."""
    from whoosh.index import TOC
    from whoosh.reading import SegmentReader

    entries = _entries(260, seed=8)
    for name in ("ours", "theirs"):
        path = tmp_path / name
        store.create(path, KEY)
        ix = EncryptedStorage(path, KEY).open_index()
        for start in range(0, 260, 60):  # five segments written by Whoosh's writer
            with ix.writer() as writer:
                writer.merge = False
                for entry in entries[start : start + 60]:
                    writer.add_document(**store.fields_of(entry))
        with ix.writer() as writer:
            writer.merge = False
            for doc_id in (3, 61, 62, 200):
                writer.delete_by_term("id", str(doc_id))
    theirs = EncryptedStorage(tmp_path / "theirs", KEY).open_index()
    theirs.optimize()
    storage = EncryptedStorage(tmp_path / "ours", KEY)
    toc = storage.open_index()._read_toc()
    readers = [SegmentReader(storage, toc.schema, s) for s in toc.segments]
    merged = segments.merge(storage, toc.schema, readers)
    TOC(toc.schema, [merged], toc.generation + 1).write(storage, segments.INDEX_NAME)
    assert _dump(_reader(tmp_path / "ours")) == _dump(_reader(tmp_path / "theirs"))
    held = summary.Summary.open(storage, merged)
    live = [e.id for e in entries if e.id not in (3, 61, 62, 200)]
    assert [held.record_id(d) for d in range(merged.doc_count_all())] == live


def test_position_values_are_whooshs_bytes():
    """All postings' position values made at once are the bytes ``Positions.encode`` makes:
    one position or several, deltas of one, two and four bytes."""

    from whoosh.formats import Positions

    rng = random.Random(11)
    lists = []
    for _ in range(3000):
        top = rng.choice((40, 300, 70_000, 2**31 - 1))
        lists.append(sorted(rng.sample(range(top), rng.choice((1, 1, 2, 3, 9)))))
    where = [p for positions in lists for p in positions]
    firsts, at = [], 0
    for positions in lists:
        firsts.append(at)
        at += len(positions)
    found = segments.position_values(where, firsts, [len(p) for p in lists])
    encode = Positions().encode
    assert found == [encode(positions) for positions in lists]
    assert segments.position_values([], [], []) == []


def test_bulk_blocks_pickle_bytes_as_bytes(tmp_path):
    """Posting blocks are pickled with protocol 4 (a value is bytes, not a call of
    ``_codecs.encode`` as in Whoosh's protocol 2), and Whoosh's reader reads them as it
    reads its own."""
    entries = _entries(200, seed=5)
    theirs, ours = tmp_path / "theirs", tmp_path / "ours"
    store.create(theirs, KEY)
    with EncryptedStorage(theirs, KEY).open_index().writer() as writer:
        for entry in entries:
            writer.add_document(**store.fields_of(entry))
    segments.rebuild(ours, KEY, segments.batches_of(entries, size=200))

    def postings(path) -> bytes:
        files = EncryptedStorage(path, KEY)
        names = [n for n in files.list() if n.endswith((".pst", ".seg"))]
        return b"".join(files.open_file(n).read() for n in names)

    plain = postings(ours)  # small blocks are not compressed: their pickles show
    assert b"\x80\x04" in plain and b"_codecs" not in plain
    assert _dump(_reader(ours)) == _dump(_reader(theirs))
