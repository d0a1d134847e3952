"""Description history (who, when, old and new values, sealed) and file versions (earlier kept)."""

from __future__ import annotations

import pytest
from sqlalchemy import MetaData, select

from archive.lifecycle import holds
from archive.models import AuditEntry, DescriptionVersion
from archive.operations import keys
from archive.records import editing, gate, history, versions
from security.actor import Context
from security.crypto.stream import IntegrityError
from security.errors import NotFound, Refused
from tests.support.people import add_person
from tests.support.records import file_doc

OLD_SUBJECT = "về việc kiểm điểm đồng chí Bí thư Khoanhcũ"
NEW_SUBJECT = "về việc tổng kết công tác năm"


def db_occurrences(inst, needle: str) -> list[str]:
    """Every table and column holding ``needle`` in clear (UTF-8, UTF-16, lower case)."""
    forms = [needle.encode(), needle.encode("utf-16-le"), needle.lower().encode()]
    found = []
    meta = MetaData()
    meta.reflect(inst.engine)
    with inst.engine.connect() as conn:
        for table in meta.sorted_tables:
            for row in conn.execute(select(table)):
                for column, value in zip(table.columns, row, strict=True):
                    raw = value if isinstance(value, bytes) else str(value).encode()
                    if any(form in raw for form in forms):
                        found.append(f"{table.name}.{column.name}")
    if inst.database_url.startswith("sqlite"):
        path = inst.database_url.removeprefix("sqlite:///")
        for suffix in ("", "-wal"):
            try:
                data = open(path + suffix, "rb").read()  # noqa: SIM115
            except FileNotFoundError:
                continue
            if any(form in data for form in forms):
                found.append(f"file {path}{suffix}")
    return found


def test_edits_keep_sealed_old_and_new_values(inst, archivist):
    doc = file_doc(inst, archivist, subject=OLD_SUBJECT)
    editing.edit_document(
        inst, archivist.ctx, doc, {"subject": NEW_SUBJECT, "urgency": "khan"}, "sửa trích yếu"
    )
    editing.edit_document(inst, archivist.ctx, doc, {"subject": NEW_SUBJECT})  # no change
    editing.edit_document(inst, archivist.ctx, doc, {"level": "mat"})
    rows = history.history(inst, archivist.ctx, doc)
    assert [r["version"] for r in rows] == [1, 2]
    first, second = rows
    assert first["user"] == "vanthu" and first["reason"] == "sửa trích yếu"
    assert first["fields"] == ["subject", "urgency"]
    assert first["old"] == {"subject": OLD_SUBJECT, "urgency": "thuong"}
    assert first["new"] == {"subject": NEW_SUBJECT, "urgency": "khan"}
    assert (second["fields"], second["old"], second["new"]) == (
        ["level"],
        {"level": "thuong"},
        {"level": "mat"},
    )
    assert first["at"] <= second["at"]
    # Neither the old nor the new subject is anywhere in the database in clear.
    assert db_occurrences(inst, OLD_SUBJECT) == []
    assert db_occurrences(inst, NEW_SUBJECT) == []
    with inst.sessions() as session:
        last = session.execute(select(AuditEntry).order_by(AuditEntry.seq.desc())).scalar()
        assert (last.action, last.outcome, last.object_id) == ("history", "allowed", doc)


def test_history_passes_the_gate(inst, archivist):
    doc = file_doc(inst, archivist, subject=OLD_SUBJECT)
    editing.edit_document(inst, archivist.ctx, doc, {"subject": NEW_SUBJECT})
    outsider = add_person(inst, "canbo.btc", "reader", "tuyet_mat", "BTC")
    with pytest.raises(NotFound):
        history.history(inst, outsider.ctx, doc)
    with inst.sessions() as session:
        last = session.execute(select(AuditEntry).order_by(AuditEntry.seq.desc())).scalar()
        assert (last.action, last.outcome, last.username) == ("history", "denied", "canbo.btc")


def test_snapshot_bound_to_record_and_version_and_rotated(inst, archivist):
    a = file_doc(inst, archivist, subject=OLD_SUBJECT)
    b = file_doc(inst, archivist)
    editing.edit_document(inst, archivist.ctx, a, {"subject": NEW_SUBJECT})
    editing.edit_document(inst, archivist.ctx, b, {"subject": NEW_SUBJECT})
    keys.rotate(inst, Context(None, "cli"))
    with inst.sessions() as session:
        versions = session.execute(select(DescriptionVersion)).scalars().all()
        assert {v.kek_version for v in versions} == {inst.keyring.current}
    assert history.history(inst, archivist.ctx, a)[0]["old"]["subject"] == OLD_SUBJECT
    # a's snapshot (key and all) moved to b as its next version is refused, not shown.
    with inst.sessions.begin() as session:
        row = session.execute(
            select(DescriptionVersion).where(DescriptionVersion.document_id == a)
        ).scalar_one()
        row.document_id, row.version = b, 2
    with pytest.raises(IntegrityError):
        history.history(inst, archivist.ctx, b)


def test_new_file_is_a_new_version_and_earlier_ones_are_kept(inst, archivist):
    doc = file_doc(inst, archivist, text="bản đầu tiên")
    new = "bản thứ hai, đã sửa".encode()
    version = versions.add_file_version(
        inst,
        archivist.ctx,
        doc,
        new,
        "ban-2.txt",
        "text/plain",
        "bản thứ hai, đã sửa",
        None,
        "bản ký",
    )
    assert version == 2
    listed = versions.versions(inst, archivist.ctx, doc)
    assert [(v["kind"], v["version"]) for v in listed] == [
        ("original", 1),
        ("original", 2),
        ("text", 1),
        ("text", 2),
    ]
    assert gate.open_content(inst, archivist.ctx, doc, original=True).read() == new
    content = gate.open_version(inst, archivist.ctx, doc, 1)
    assert content.read() == "bản đầu tiên".encode()
    view, text = gate.read_document(inst, archivist.ctx, doc)
    assert (view.filename, text) == ("ban-2.txt", "bản thứ hai, đã sửa")
    (entry,) = history.history(inst, archivist.ctx, doc)
    assert entry["kind"] == "file" and entry["reason"] == "bản ký"
    assert entry["fields"] == ["filename", "original"]
    assert entry["new"] == {"filename": "ban-2.txt", "original": 2}
    assert entry["old"]["original"] == 1
    with pytest.raises(NotFound):
        gate.open_version(inst, archivist.ctx, doc, 7)


def test_file_versions_follow_policy_and_holds(inst, archivist):
    doc = file_doc(inst, archivist)
    reader = add_person(inst, "canbo", "reader", "tuyet_mat", "VP")
    with pytest.raises(Refused):
        versions.add_file_version(inst, reader.ctx, doc, b"x", "x.txt", "text/plain", "x")
    outsider = add_person(inst, "vanthu.btc", "archivist", "tuyet_mat", "BTC")
    with pytest.raises(NotFound):
        versions.add_file_version(inst, outsider.ctx, doc, b"x", "x.txt", "text/plain", "x")
    officer = add_person(inst, "baomat", "security_officer", "tuyet_mat", "VP")
    holds.place(inst, officer.ctx, "thanh tra năm 2026", doc_id=doc)
    with pytest.raises(Refused):
        versions.add_file_version(inst, archivist.ctx, doc, b"x", "x.txt", "text/plain", "x")
    with inst.sessions() as session:
        outcomes = session.execute(
            select(AuditEntry.outcome).where(AuditEntry.action == "file_version")
        ).scalars()
        assert list(outcomes) == ["denied", "denied", "denied"]
    assert len(versions.versions(inst, archivist.ctx, doc)) == 2
