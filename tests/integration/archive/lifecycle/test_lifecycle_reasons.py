"""Reasons typed before migration 0015 sat in clear: ``kho check`` reports them, ``--repair``
seals them (and blanks the clear column), and the lists show the same text afterwards."""

from __future__ import annotations

import secrets
from datetime import date

from sqlalchemy import select, update

from archive.core import sealing
from archive.lifecycle import disposal, holds
from archive.models import DescriptionVersion, DisposalProposal, Grant, LegalHold
from archive.operations.maintenance import check_store
from archive.records import editing, grants, history
from tests.support.people import add_person
from tests.support.records import file_doc

TODAY = date(2026, 3, 1)
CANARY = "Khomaulydo" + secrets.token_hex(6)


def _on_disk(inst) -> bool:
    """The canary anywhere in a SQLite instance's database files (main file and WAL)."""
    folder = inst.places["database"]
    return any(CANARY.encode() in p.read_bytes() for p in folder.glob("*") if p.is_file())


def _as_before_0015(inst) -> None:
    """Put every row back the way 0013 stored it: the reason clear, nothing sealed."""
    with inst.sessions.begin() as session:
        for model in sealing.REASON_MODELS:
            for row in session.execute(select(model)).scalars():
                row.legacy_reason = sealing.reason(inst, row)
                row.uid = row.kek_version = row.wrapped_key = row.sealed = None
        for row in session.execute(select(DescriptionVersion)).scalars():
            data = sealing.unseal(inst, row)
            row.legacy_reason = data.pop("reason")
            sealing.seal(inst, row, data)


def _shown(inst, officer, archivist, doc) -> list[str]:
    return [
        *(h["reason"] for h in holds.active(inst)),
        *(p["reason"] for p in disposal.proposals(inst)),
        *(g["reason"] for g in grants.pending(inst, officer.ctx)),
        history.history(inst, archivist.ctx, doc)[-1]["reason"],
    ]


def test_check_reports_clear_reasons_and_repair_seals_them(inst, archivist):
    officer = add_person(inst, "baomat", "security_officer", "tuyet_mat")
    reader = add_person(inst, "canbo.btc", "reader", "mat", "BTC")
    doc = file_doc(inst, archivist, issued="2010-01-01")
    disposal.propose(inst, archivist.ctx, "hết thời hạn bảo quản", [doc], today=TODAY)
    grants.request(inst, reader.ctx, doc, "cần cho công việc thanh tra")
    editing.edit_document(inst, archivist.ctx, doc, {"urgency": "khan"}, "sửa độ khẩn theo dấu")
    holds.place(inst, officer.ctx, f"thanh tra vụ việc {CANARY}", doc_id=doc)
    shown = _shown(inst, officer, archivist, doc)
    assert check_store(inst).notes == []

    _as_before_0015(inst)
    assert _shown(inst, officer, archivist, doc) == shown  # unsealed rows still read
    report = check_store(inst)
    assert report.notes == [
        "4 lý do còn lưu rõ / typed reasons stored in clear (written before 0015): "
        "run kho check --repair"
    ]
    sqlite = inst.engine.dialect.name == "sqlite"  # PostgreSQL's files are not ours to scan
    if sqlite:
        assert _on_disk(inst)  # the scan below can find it
    assert check_store(inst, repair=True).notes[0].endswith("(sealed)")
    if sqlite:
        inst.dispose()
        assert not _on_disk(inst)

    assert check_store(inst).notes == []
    assert _shown(inst, officer, archivist, doc) == shown
    with inst.sessions() as session:
        for model in (LegalHold, DisposalProposal, Grant, DescriptionVersion):
            rows = session.execute(select(model)).scalars().all()
            assert rows and all(r.legacy_reason == "" and r.sealed for r in rows), model


def test_a_destroyed_records_history_reason_goes_with_its_key(inst, archivist):
    doc = file_doc(inst, archivist, issued="2010-01-01")
    editing.edit_document(inst, archivist.ctx, doc, {"urgency": "khan"}, "sửa độ khẩn theo dấu")
    with inst.sessions.begin() as session:  # a pre-0015 history row of a shredded record
        session.execute(
            update(DescriptionVersion).values(
                kek_version=0, wrapped_key=b"", legacy_reason="sửa độ khẩn theo dấu"
            )
        )
    assert check_store(inst, repair=True).notes
    with inst.sessions() as session:
        assert session.execute(select(DescriptionVersion.legacy_reason)).scalar() == ""
