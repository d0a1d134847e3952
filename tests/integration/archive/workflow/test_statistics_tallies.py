"""The statistics read the registers' running counts (archive/core/tallies.py), kept by triggers
in the transaction of every change: they must equal a direct count of the lines after filing,
editing, a level changed, a record held back (secrecy pending) and released, disposed, shared,
a rolled-back change and a bulk update; each viewer must see exactly what the gate's own scope
admits (units, level, the pending rule, records shared with the unit); ``kho check`` reports
counts that drifted and ``--repair`` counts them again."""

from __future__ import annotations

from collections import Counter
from datetime import date

from alembic import command
from sqlalchemy import extract, func, inspect, select, update

from archive.core import schema, tallies
from archive.lifecycle import registers
from archive.models import Document, Register, RegisterEntry, RegisterTally
from archive.operations.maintenance import check_store
from archive.records import editing, gate, grants
from archive.workflow import statistics
from tests.support.people import add_person
from tests.support.records import file_doc

YEAR = 2024


def _line(inst, person, doc_id, month, register="DEN", sender="Ban Tổ chức"):
    details = {"sender": sender} if register == "DEN" else {"signer": "Bí thư"}
    registers.add_entry(inst, person.ctx, register, date(YEAR, month, 3), details, doc_id)


def _drift(inst) -> int:
    with inst.sessions() as session:
        return tallies.drift(session)


def _direct(inst, ctx) -> tuple[Counter, Counter, Counter]:
    """Months × kind, levels and units counted from the lines with the gate's own clauses."""
    with inst.sessions() as session:
        scope = gate.scope_of(session, ctx)
        month = extract("month", RegisterEntry.entry_date)
        rows = session.execute(
            select(month, Register.kind, Document.level, Document.unit_id, func.count())
            .join(Register, Register.code == RegisterEntry.register)
            .join(Document, Document.id == RegisterEntry.document_id)
            .where(RegisterEntry.year == YEAR, *gate.scope_clauses(scope))
            .group_by(month, Register.kind, Document.level, Document.unit_id)
        ).all()
    months, levels, units = Counter(), Counter(), Counter()
    for m, kind, level, unit_id, n in rows:
        months[(int(m), kind)] += n
        levels[(level, kind)] += n
        units[(unit_id, kind)] += n
    return months, levels, units


def _shown(inst, ctx) -> tuple[Counter, Counter, int]:
    figures = statistics.compute(inst, ctx, YEAR)
    months = Counter(
        {(m, k): n for m, c in enumerate(figures.months, start=1) for k, n in c.items() if n}
    )
    levels = Counter({(lv, k): n for lv, c in figures.by_level.items() for k, n in c.items() if n})
    return months, levels, sum(figures.by_issuer.values())


def _office(inst, archivist):
    other = add_person(inst, "vanthu2", "archivist", "tuyet_mat", "VP")
    btc = add_person(inst, "vanthu.btc", "archivist", "tuyet_mat", "BTC")
    docs = {}
    for n, level in enumerate(("thuong", "mat", "toi_mat", "thuong")):
        docs[f"vp{n}"] = file_doc(inst, archivist, level=level, doc_type=("CV", "QD")[n % 2])
        _line(inst, archivist, docs[f"vp{n}"], n + 1)
    docs["out"] = file_doc(inst, archivist)
    _line(inst, archivist, docs["out"], 2, register="DI")
    docs["btc"] = file_doc(inst, btc, unit="BTC")
    _line(inst, btc, docs["btc"], 3, sender="Văn phòng Tỉnh ủy")
    docs["btc_shared"] = file_doc(inst, btc, unit="BTC")
    _line(inst, btc, docs["btc_shared"], 3, sender="Văn phòng Tỉnh ủy")
    grants.share(inst, btc.ctx, docs["btc_shared"], "VP")
    docs["held"] = file_doc(inst, archivist)  # the reader could not tell its level
    _line(inst, archivist, docs["held"], 5)
    with inst.sessions.begin() as session:
        session.execute(
            update(Document).where(Document.id == docs["held"]).values(secrecy_pending=True)
        )
    return other, btc, docs


def test_the_counts_follow_every_change_in_the_same_transaction(inst, archivist):
    _other, _btc, docs = _office(inst, archivist)
    assert _drift(inst) == 0
    with inst.sessions() as session:
        assert session.execute(select(func.sum(RegisterTally.n))).scalar() == 8
    editing.edit_document(inst, archivist.ctx, docs["vp0"], {"issuer": "Huyện ủy Sa Pa"}, "sửa")
    with inst.sessions.begin() as session:  # released, declassified, disposed, moved, re-dated
        session.execute(
            update(Document).where(Document.id == docs["held"]).values(secrecy_pending=False)
        )
        session.execute(update(Document).where(Document.id == docs["vp1"]).values(level="thuong"))
        session.execute(
            update(Document).where(Document.id == docs["vp2"]).values(status="destroyed")
        )
        session.execute(update(Document).where(Document.id == docs["vp3"]).values(unit_id=2))
        session.execute(
            update(RegisterEntry)
            .where(RegisterEntry.document_id == docs["out"])
            .values(entry_date=date(YEAR, 11, 30))
        )
    assert _drift(inst) == 0
    with inst.sessions() as session:  # a change rolled back leaves no count behind
        session.execute(update(Document).values(level="tuyet_mat", secrecy_pending=True))
        session.execute(update(RegisterEntry).values(sender_mac=None))
        session.rollback()
    assert _drift(inst) == 0
    with inst.sessions.begin() as session:  # one bulk statement for every record
        session.execute(update(Document).values(doc_type=None))
    assert _drift(inst) == 0
    with inst.sessions() as session:
        types = set(session.execute(select(RegisterTally.doc_type).where(RegisterTally.n != 0)))
    assert types == {("",)}


def test_each_viewer_sees_what_the_gates_scope_admits(inst, archivist):
    other, btc, _docs = _office(inst, archivist)
    head = add_person(inst, "chanhvp", "reader", "mat", "VP", unit_head=True).ctx
    officer = add_person(inst, "anninh", "security_officer", "tuyet_mat", "VP")
    viewers = {
        "filer": archivist.ctx,
        "other archivist": other.ctx,
        "security officer": officer.ctx,
        "another unit": btc.ctx,
        "unit head cleared for MẬT": head,
    }
    for name, ctx in viewers.items():
        months, levels, _units = _direct(inst, ctx)
        shown_months, shown_levels, _senders = _shown(inst, ctx)
        assert (shown_months, shown_levels) == (months, levels), name
        assert sum(months.values()) > 0, name
    held = (5, "incoming")
    assert _shown(inst, archivist.ctx)[0][held] == 1  # the filer sees the record held back
    assert _shown(inst, other.ctx)[0][held] == 0  # another archivist does not
    assert _shown(inst, officer.ctx)[0][held] == 1  # a security officer does
    # the BTC record shared with VP counts for VP (from its row), the other BTC record not
    by_unit = statistics.compute(inst, archivist.ctx, YEAR).by_unit
    assert sorted(c["incoming"] for c in by_unit.values()) == [1, 5]
    assert statistics.compute(inst, archivist.ctx, YEAR).by_issuer["Văn phòng Tỉnh ủy"] == 1


def test_check_reports_counts_that_drifted_and_repair_counts_again(inst, archivist):
    _office(inst, archivist)
    expected = _shown(inst, archivist.ctx)
    assert check_store(inst).notes == []
    with (
        inst.sessions.begin() as session
    ):  # damage: a count changed (January), two lost (February: in and out)
        session.execute(update(RegisterTally).where(RegisterTally.month == 1).values(n=7))
        session.execute(RegisterTally.__table__.delete().where(RegisterTally.month == 2))
    assert _shown(inst, archivist.ctx) != expected
    note = check_store(inst).notes
    assert len(note) == 1 and note[0].startswith("3 số đếm thống kê sai lệch")
    assert note[0].endswith(": run kho check --repair")
    assert check_store(inst, repair=True).notes[0].endswith("(counted again)")
    assert check_store(inst).notes == []
    assert _shown(inst, archivist.ctx) == expected


def test_the_migration_counts_the_lines_an_archive_already_holds(inst, archivist):
    _office(inst, archivist)
    expected = _shown(inst, archivist.ctx)
    cfg = schema.alembic_config(inst)
    command.downgrade(cfg, "0025")  # an archive from before the running counts
    with inst.sessions() as session:
        assert not inspect(session.get_bind()).has_table("register_tallies")
    schema.upgrade(inst)
    assert _drift(inst) == 0
    assert _shown(inst, archivist.ctx) == expected
    _line(inst, archivist, file_doc(inst, archivist), 1)  # and its triggers count what follows
    assert _drift(inst) == 0
