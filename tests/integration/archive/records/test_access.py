"""The gate: one decision and one audit entry per read; denials look like missing documents."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from archive.models import AuditEntry
from archive.records import gate
from ingest import pipeline
from security.errors import NotFound
from tests.support.people import add_person
from tests.support.records import sample_doc


def _file(inst, archivist, doc, unit="VP"):
    result = pipeline.ingest_bytes(inst, archivist.ctx, doc.content, doc.filename, unit_code=unit)
    assert result.status == "stored", result.reason
    return result.id


def _last_entry(inst) -> AuditEntry:
    with inst.sessions() as session:
        return session.execute(select(AuditEntry).order_by(AuditEntry.seq.desc())).scalar()


def test_reader_within_clearance_and_unit_reads_everything_of_the_record(
    inst, archivist, sample_docs
):
    doc = sample_doc(sample_docs, level="mat", fmt="pdf")
    doc_id = _file(inst, archivist, doc)
    reader = add_person(inst, "canbo", "reader", "mat")
    view = gate.view_document(inst, reader.ctx, doc_id)
    assert (view.number, view.subject) == (doc.truth["number"], doc.truth["subject"])
    assert _last_entry(inst).action == "view"
    _, text = gate.read_document(inst, reader.ctx, doc_id)
    assert doc.truth["canary"] in text
    content = gate.open_content(inst, reader.ctx, doc_id, original=True)
    assert content.read() == doc.content and content.filename == doc.filename
    entry = _last_entry(inst)
    assert (entry.action, entry.outcome, entry.object_id, entry.username) == (
        "download_original",
        "allowed",
        doc_id,
        "canbo",
    )


@pytest.mark.parametrize(
    ("role", "clearance", "unit", "why"),
    [
        ("reader", "thuong", "VP", "clearance below document level"),
        ("reader", "tuyet_mat", "BTC", "document belongs to another unit"),
        ("auditor", "tuyet_mat", "VP", "role auditor does not read documents"),
        ("admin", "tuyet_mat", "VP", "role admin does not read documents"),
    ],
)
def test_denials_are_404_and_audited(inst, archivist, sample_docs, role, clearance, unit, why):
    doc_id = _file(inst, archivist, sample_doc(sample_docs, level="mat"))
    person = add_person(inst, f"u-{role}-{clearance}", role, clearance, unit)
    for read in (gate.view_document, gate.read_document, gate.open_content):
        with pytest.raises(NotFound):
            read(inst, person.ctx, doc_id)
        entry = _last_entry(inst)
        assert (entry.outcome, entry.object_id, entry.detail["reason"]) == ("denied", doc_id, why)
    assert gate.list_documents(inst, person.ctx) == []


def test_missing_and_denied_look_the_same(inst, archivist, sample_docs):
    doc_id = _file(inst, archivist, sample_doc(sample_docs, level="toi_mat"))
    reader = add_person(inst, "canbo", "reader", "mat")
    with pytest.raises(NotFound) as denied:
        gate.view_document(inst, reader.ctx, doc_id)
    with pytest.raises(NotFound) as missing:
        gate.view_document(inst, reader.ctx, 9999)
    assert str(denied.value).replace(str(doc_id), "N") == str(missing.value).replace("9999", "N")


def test_list_shows_only_what_policy_admits(inst, archivist, sample_docs):
    ids = {
        lvl: _file(inst, archivist, sample_doc(sample_docs, level=lvl))
        for lvl in ("thuong", "mat", "toi_mat")
    }
    reader = add_person(inst, "canbo", "reader", "mat")
    add_person(inst, "canbo.btc", "reader", "mat", "BTC")  # creates unit BTC
    _file(inst, archivist, sample_doc(sample_docs, level="thuong", fmt="pdf"), unit="BTC")
    listed = {v.id for v in gate.list_documents(inst, reader.ctx)}
    assert listed == {ids["thuong"], ids["mat"]}
    entry = _last_entry(inst)
    assert entry.action == "list" and sorted(entry.detail["ids"]) == sorted(listed)
