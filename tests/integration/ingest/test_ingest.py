"""Ingest: every file ends stored, duplicate or rejected with a reason; refusals store nothing."""

from __future__ import annotations

import io

import pikepdf
import pytest
from sqlalchemy import func, select

from archive.models import AuditEntry, Document
from ingest import pipeline
from ingest.demo import samples
from tests.support.people import add_person
from tests.support.records import sample_doc


def _blob_count(inst) -> int:
    return len(list(inst.blobs.names()))


def test_pdf_and_text_are_stored_with_extracted_fields(inst, archivist, sample_docs):
    for fmt in ("pdf", "txt"):
        doc = sample_doc(sample_docs, fmt=fmt, level="thuong")
        result = pipeline.ingest_bytes(inst, archivist.ctx, doc.content, doc.filename)
        assert result.status == "stored", result.reason
        for name in ("number", "doc_type", "date", "level", "urgency", "kind"):
            assert result.fields[name] == doc.truth[name], name
        assert result.as_json()["id"] == result.id
    with inst.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Document)) == 2
    assert _blob_count(inst) == 5  # original and text of each, and the PDF's access copy


def test_same_file_twice_is_a_duplicate(inst, archivist, sample_docs):
    doc = sample_docs[0]
    first = pipeline.ingest_bytes(inst, archivist.ctx, doc.content, doc.filename)
    again = pipeline.ingest_bytes(inst, archivist.ctx, doc.content, "other-name.pdf")
    assert (again.status, again.id) == ("duplicate", first.id)
    assert _blob_count(inst) == 3  # original, text, access copy of the one record


def _encrypted_pdf(sample: bytes) -> bytes:
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(sample)) as pdf:
        pdf.save(out, encryption=pikepdf.Encryption(owner="o-secret", user="u-secret"))
    return out.getvalue()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"PK\x03\x04" + b"\x00" * 100, "ZIP"),
        (b"MZ\x90\x00" + b"\x00" * 100, "Windows program"),
        (b"<!DOCTYPE html><html><body>hi</body></html>", "HTML"),
        (b"%PDF-1.7\n garbage that is not a pdf \x00\x01", "damaged"),
        (b"\x00\x01\x02\x03" * 50, "Unknown file format"),
        (b"\xff\xfe\x00\xd8", "UTF-16"),
    ],
)
def test_bad_files_are_rejected_with_a_reason(inst, archivist, content, expected):
    result = pipeline.ingest_bytes(inst, archivist.ctx, content, "thu.pdf")
    assert result.status == "rejected"
    assert expected in result.reason
    assert _blob_count(inst) == 0
    with inst.sessions() as session:
        entry = session.execute(select(AuditEntry).order_by(AuditEntry.seq.desc())).scalar()
        assert (entry.action, entry.outcome) == ("ingest", "rejected")


def test_password_protected_pdf_is_refused_with_instructions(inst, archivist, sample_docs):
    doc = sample_doc(sample_docs, fmt="pdf")
    result = pipeline.ingest_bytes(inst, archivist.ctx, _encrypted_pdf(doc.content), "khoa.pdf")
    assert result.status == "rejected"
    assert "password" in result.reason and "mật khẩu" in result.reason


def test_nobody_files_above_their_clearance(inst, sample_docs):
    low = add_person(inst, "vanthu.mat", "archivist", "mat")
    secret = sample_doc(sample_docs, level="toi_mat")
    result = pipeline.ingest_bytes(inst, low.ctx, secret.content, secret.filename)
    assert result.status == "rejected"
    reader = add_person(inst, "docgia", "reader", "tuyet_mat")
    plain = sample_doc(sample_docs, level="thuong")
    assert pipeline.ingest_bytes(inst, reader.ctx, plain.content, "x.txt").status == "rejected"
    assert _blob_count(inst) == 0


def test_file_without_text_is_held_back_not_refused(inst, archivist):
    blank = samples.render_pdf(" ")
    held = pipeline.ingest_bytes(inst, archivist.ctx, blank, "scan.pdf")
    assert held.status == "stored" and held.secrecy_pending
    assert held.as_json()["secrecy_pending"] is True and held.as_json()["review"][0] == "level"
    with inst.sessions() as session:
        doc = session.get(Document, held.id)
        assert doc.secrecy_pending and doc.needs_review


def test_declared_secret_level_settles_a_file_without_text(inst, archivist):
    """A person who declares "at least MẬT" has decided; a declared "ordinary" decides nothing."""
    blank = samples.render_pdf(" ")
    stored = pipeline.ingest_bytes(inst, archivist.ctx, blank, "scan.pdf", declared_level="mat")
    assert stored.status == "stored" and stored.fields["level"] == "mat"
    assert not stored.secrecy_pending
    other = blank + b"\n% another copy\n"
    ordinary = pipeline.ingest_bytes(inst, archivist.ctx, other, "b.pdf", declared_level="thuong")
    assert ordinary.secrecy_pending


def test_declared_level_raises_but_never_lowers(inst, archivist, sample_docs):
    secret = sample_doc(sample_docs, level="toi_mat")
    result = pipeline.ingest_bytes(
        inst, archivist.ctx, secret.content, secret.filename, declared_level="thuong"
    )
    assert result.fields["level"] == "toi_mat"


def test_unit_defaults_to_the_filers_and_unknown_unit_is_refused(inst, archivist, sample_docs):
    doc = sample_docs[1]
    stored = pipeline.ingest_bytes(inst, archivist.ctx, doc.content, doc.filename)
    with inst.sessions() as session:
        assert session.get(Document, stored.id).unit.code == "VP"
    other = pipeline.ingest_bytes(
        inst, archivist.ctx, sample_docs[2].content, "a.pdf", unit_code="NOPE"
    )
    assert other.status == "rejected" and "NOPE" in other.reason


def test_bytes_another_unit_filed_are_filed_again_as_ones_own(inst, archivist, sample_docs):
    """A copy the uploader may not see is no duplicate (another unit files its own copy of the
    same incoming document); one they may see is."""
    doc = sample_doc(sample_docs, fmt="pdf", level="thuong")
    first = pipeline.ingest_bytes(inst, archivist.ctx, doc.content, doc.filename)
    other = add_person(inst, "vanthu.btc", "archivist", "toi_mat", unit="BTC")
    own = pipeline.ingest_bytes(inst, other.ctx, doc.content, doc.filename)
    assert own.status == "stored" and own.id != first.id, own.reason
    again = pipeline.ingest_bytes(inst, other.ctx, doc.content, "lan-hai.pdf")
    assert (again.status, again.id) == ("duplicate", own.id)
    assert _blob_count(inst) == 6


def test_a_pdf_is_filed_in_one_writing_transaction(inst, archivist, sample_docs):
    """What filing needs to know (the unit, copies and same-number records, the signatures'
    trust store) is read in read-only transactions: on SQLite they neither wait for nor hold up
    the commits of a batch's other files. Only the filing itself writes."""
    from sqlalchemy import event

    from archive.core import db

    writing = []

    def began(conn):
        writing.append(not conn.get_execution_options().get(db.READ_ONLY))

    event.listen(inst.engine, "begin", began)
    try:
        doc = sample_doc(sample_docs, fmt="pdf", level="thuong")
        result = pipeline.ingest_bytes(inst, archivist.ctx, doc.content, doc.filename)
    finally:
        event.remove(inst.engine, "begin", began)
    assert result.status == "stored", result.reason
    assert writing.count(True) == 1 and writing.count(False) >= 2


def test_a_filing_that_fails_after_its_blobs_are_written_keeps_none(
    inst, archivist, sample_docs, monkeypatch, tmp_path
):
    from security.crypto.keys import Keyring

    real, calls = Keyring.wrap, []

    def failing(self, data_key, binding):
        calls.append(binding)
        if len(calls) == 2:
            raise OSError(5, "Input/output error")
        return real(self, data_key, binding)

    monkeypatch.setattr(Keyring, "wrap", failing)
    doc = sample_doc(sample_docs, fmt="pdf", level="thuong")
    (tmp_path / "a.pdf").write_bytes(doc.content)
    result = pipeline.ingest_file(inst, archivist.ctx, tmp_path / "a.pdf")
    assert result.status == "rejected" and "nothing was kept half-stored" in result.reason
    assert _blob_count(inst) == 0
    with inst.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Document)) == 0
