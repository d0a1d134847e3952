"""The statistics count incoming lines by sender in SQL, through keyed fingerprints of the sealed
sender (archive/core/grouping.py): the figures must equal those counted by opening every line,
a record's issuer stands in for a line without a sender (and follows an edit of the record),
whitespace variants are one sender, lines from before the fingerprints are still counted, and
only one line per sender is opened."""

from __future__ import annotations

from dataclasses import astuple
from datetime import date

from sqlalchemy import func, select, update

from archive.core import grouping, sealing
from archive.lifecycle import registers
from archive.models import Document, RegisterEntry
from archive.operations.maintenance import check_store
from archive.records import editing
from archive.workflow import statistics
from tests.support.records import file_doc

YEAR = 2025


def _office(inst, archivist) -> None:
    """Incoming lines naming their sender (in two spellings), lines naming none (the record's
    issuer counts), one whose record's issuer was corrected after registering, paper-only lines,
    and outgoing lines."""
    on = date(YEAR, 3, 2)
    spellings = ("Ban Tổ chức", "Ban  Tổ chức ", "Ủy ban nhân dân tỉnh", "Ban Tổ chức")
    for n, sender in enumerate(spellings):
        doc = file_doc(inst, archivist, doc_type=("CV", "QD")[n % 2])
        registers.add_entry(inst, archivist.ctx, "DEN", on, {"sender": sender}, doc)
    for month in (4, 5):
        doc = file_doc(inst, archivist)  # issuer "Tỉnh ủy Lào Cai"
        registers.add_entry(inst, archivist.ctx, "DEN", date(YEAR, month, 9), {}, doc)
    corrected = file_doc(inst, archivist, level="mat")
    registers.add_entry(inst, archivist.ctx, "DEN", on, {"subject": "x"}, corrected)
    editing.edit_document(inst, archivist.ctx, corrected, {"issuer": "Huyện ủy  Sa Pa"}, "sửa")
    for sender in ("Ủy ban nhân dân tỉnh", ""):
        registers.add_entry(inst, archivist.ctx, "DEN", on, {"sender": sender, "doc_type": "TB"})
    registers.add_entry(
        inst, archivist.ctx, "DI", on, {"signer": "Bí thư"}, file_doc(inst, archivist)
    )


def _figures(inst, ctx) -> tuple:
    got = statistics.compute(inst, ctx, YEAR)
    return tuple(dict(t) if isinstance(t, dict) else t for t in astuple(got))


def _forget_fingerprints(inst) -> None:
    with inst.sessions.begin() as session:  # as a database from before 0024
        session.execute(update(RegisterEntry).values(sender_mac=None))
        session.execute(update(Document).values(issuer_mac=None))


def test_counting_by_fingerprint_equals_counting_the_opened_lines(inst, archivist, monkeypatch):
    _office(inst, archivist)
    opened = []
    real = sealing.unseal_columns
    monkeypatch.setattr(sealing, "unseal_columns", lambda *a: opened.append(a[1]) or real(*a))
    by_sql = _figures(inst, archivist.ctx)
    in_sql_opened = len(opened)
    _forget_fingerprints(inst)
    opened.clear()
    one_by_one = _figures(inst, archivist.ctx)
    one_by_one_opened = len(opened)
    assert by_sql == one_by_one
    figures = statistics.compute(inst, archivist.ctx, YEAR)
    assert figures.by_issuer == {
        "Ban Tổ chức": 3,
        "Ủy ban nhân dân tỉnh": 2,
        "Tỉnh ủy Lào Cai": 2,
        "Huyện ủy Sa Pa": 1,  # the corrected issuer, not the one filed
        "?": 1,  # a paper-only line naming no sender
    }
    # in SQL: one line opened per sender named by a line, plus the paper-only lines (their
    # type is sealed); one by one: every incoming line
    assert in_sql_opened == 2 + 2 and one_by_one_opened == 9
    assert grouping.backfill(inst) == 10 + 8  # every line (incoming or not) and every record
    assert _figures(inst, archivist.ctx) == one_by_one
    with inst.sessions() as session:
        missing = select(func.count()).where(RegisterEntry.sender_mac.is_(None))
        assert session.execute(missing).scalar() == 0


def test_a_fingerprint_is_keyed_and_says_nothing_of_the_name(inst, archivist):
    ring = inst.keyring
    mac = grouping.issuer_mac(ring, "Ban  Tổ chức")
    assert mac == grouping.issuer_mac(ring, " Ban Tổ chức ") != grouping.issuer_mac(ring, "Ban")
    assert "Ban" not in mac and len(mac) == 64
    assert grouping.issuer_mac(ring, None) == grouping.issuer_mac(ring, "") == grouping.NONE
    assert mac != ring.content_mac("Ban Tổ chức".encode())  # its own purpose


def test_check_reports_rows_without_fingerprints_and_repair_fills_them(inst, archivist):
    _office(inst, archivist)
    assert check_store(inst).notes == []
    expected = _figures(inst, archivist.ctx)
    _forget_fingerprints(inst)  # 10 register lines and 8 records, as before 0024
    note = check_store(inst).notes
    assert len(note) == 1 and note[0].startswith("18 dòng sổ và hồ sơ chưa có dấu nhận dạng")
    assert note[0].endswith(": run kho check --repair")
    assert check_store(inst, repair=True).notes[0].endswith("(filled)")
    assert check_store(inst).notes == []
    assert _figures(inst, archivist.ctx) == expected


def test_lines_naming_no_sender_of_records_not_fingerprinted_are_opened(inst, archivist):
    """A line naming no sender ("" fingerprint) counts its record's issuer; while that record
    has no fingerprint yet (filed before 0024) the line is opened one by one, found through
    its own statement, and the figures are those of the fingerprinted archive."""
    _office(inst, archivist)
    fingerprinted = _figures(inst, archivist.ctx)
    with inst.sessions.begin() as session:
        session.execute(update(Document).values(issuer_mac=None))
    assert _figures(inst, archivist.ctx) == fingerprinted
    assert statistics.compute(inst, archivist.ctx, YEAR).by_issuer["Tỉnh ủy Lào Cai"] == 2
