"""Invariant 3: a crash at any point loses nothing acknowledged; `kho check` explains the rest."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from archive.audit import log
from archive.models import Document
from archive.operations.maintenance import check_store
from archive.records import reading
from ingest import pipeline
from search import feed, query
from search.index import store
from security.crypto.stream import IntegrityError
from tests.support.blobs import leave_partial_write, overwrite, raw


def _count(inst) -> int:
    with inst.sessions() as session:
        return session.scalar(select(func.count()).select_from(Document))


def test_failure_before_commit_leaves_no_record_and_no_blob(
    inst, archivist, sample_docs, monkeypatch
):
    def crash(*_args, **_kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr(log, "record", crash)
    with pytest.raises(RuntimeError):
        pipeline.ingest_bytes(inst, archivist.ctx, sample_docs[0].content, "a.pdf")
    monkeypatch.undo()
    assert _count(inst) == 0
    assert list(inst.blobs.names()) == []
    assert not check_store(inst, grace=0).problems


def test_hard_crash_leftovers_are_explained_and_repaired(inst, archivist, sample_docs):
    stored = pipeline.ingest_bytes(inst, archivist.ctx, sample_docs[0].content, "a.pdf")
    # What a kill -9 between "blob written" and "row committed" leaves: a blob nobody references,
    # and a partial write.
    import io

    orphan = inst.blobs.put(b"k" * 32, io.BytesIO(b"ciphertext of nothing"), b"x")
    partial = leave_partial_write(inst)
    report = check_store(inst, grace=0)
    assert report.orphans == [orphan.name] and report.leftovers == [partial]
    assert not report.damaged
    assert not check_store(inst, grace=3600).orphans  # a filing in progress is left alone
    check_store(inst, repair=True, grace=0)
    assert not check_store(inst, grace=0).problems
    assert reading.read_text(inst, _doc(inst, stored.id))  # the acknowledged record is intact


def _doc(inst, doc_id: int) -> Document:
    with inst.sessions() as session:
        doc = session.get(Document, doc_id)
        doc.objects  # noqa: B018
        return doc


def test_damaged_blob_is_reported_and_never_returns_bytes(inst, archivist, sample_docs):
    stored = pipeline.ingest_bytes(inst, archivist.ctx, sample_docs[0].content, "a.pdf")
    doc = _doc(inst, stored.id)
    name = reading.object_of(doc, "original").blob
    data = bytearray(raw(inst, name))
    data[len(data) // 2] ^= 0x40
    overwrite(inst, name, bytes(data))
    assert check_store(inst).corrupt
    with pytest.raises(IntegrityError):
        reading.read_object(inst, doc, reading.object_of(doc, "original"))


def test_index_is_derived_and_rebuilt_from_the_database(inst, archivist, sample_docs):
    for doc in sample_docs[:4]:
        pipeline.ingest_bytes(inst, archivist.ctx, doc.content, doc.filename, unit_code="VP")
    before = [h.id for h in query.search(inst, archivist.ctx, "dang vien")]
    assert before
    store.rebuild(inst.index_dir, inst.keyring.index_key, [])  # lose every entry
    assert feed.missing_from_index(inst)[0] == {d.id for d in _all(inst)}
    assert feed.reindex(inst, archivist.ctx) == 4
    assert [h.id for h in query.search(inst, archivist.ctx, "dang vien")] == before


def _all(inst):
    with inst.sessions() as session:
        return list(session.execute(select(Document)).scalars())
