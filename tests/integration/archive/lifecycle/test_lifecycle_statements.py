"""Lists that grow with the archive run a fixed number of SQL statements: the due list, a
register's year and the audit log's page are set queries, never a query per record."""

from __future__ import annotations

from datetime import date

from sqlalchemy import event

from archive.lifecycle import plan, registers, retention
from archive.oversight import inspection
from tests.support.people import add_person
from tests.support.records import file_doc


def _statements(inst, call) -> tuple[int, object]:
    """(SQL statements run by ``call()``, its result). SQLite's connection settings are not
    counted: a pooled connection last used to read only is switched back once, whatever the
    list's size."""
    seen = []

    def count(_conn, _cursor, statement, *_args) -> None:
        if not statement.lstrip().upper().startswith("PRAGMA"):
            seen.append(1)

    event.listen(inst.engine, "before_cursor_execute", count)
    try:
        result = call()
    finally:
        event.remove(inst.engine, "before_cursor_execute", count)
    return len(seen), result


def test_the_due_list_runs_as_many_statements_for_ten_records_as_for_two(inst, archivist):
    today = date(2026, 3, 1)
    first = file_doc(inst, archivist, doc_type="CV", issued="2014-05-27")
    plan.plan(inst, archivist.ctx, 2013, "2013-VP-01", "Hồ sơ năm 2013", "5")
    plan.add(inst, archivist.ctx, "2013-VP-01", [file_doc(inst, archivist, doc_type="TB")])
    plan.close(inst, archivist.ctx, "2013-VP-01")
    few, due = _statements(inst, lambda: retention.due(inst, archivist.ctx, today))
    assert [d.document_id for d in due][:1] == [first]

    more = [file_doc(inst, archivist, doc_type="CV", issued=f"201{n}-03-01") for n in range(4)]
    retention.assign(inst, archivist.ctx, more[0], period="5")
    plan.plan(inst, archivist.ctx, 2012, "2012-VP-02", "Hồ sơ năm 2012", "10")
    plan.add(inst, archivist.ctx, "2012-VP-02", more[1:3])
    plan.close(inst, archivist.ctx, "2012-VP-02")
    more += [file_doc(inst, archivist, doc_type="NQ", issued="2001-01-01") for _ in range(2)]
    many, due = _statements(inst, lambda: retention.due(inst, archivist.ctx, today))
    assert {first, more[0], more[1], more[2]} <= {d.document_id for d in due}
    assert many == few  # set queries: nothing runs once per record or per dossier


def test_a_registers_year_runs_as_many_statements_for_eight_entries_as_for_two(inst, archivist):
    def add(n: int) -> None:
        doc = file_doc(inst, archivist) if n % 2 else None
        registers.add_entry(
            inst, archivist.ctx, "DEN", date(2026, 1, 1 + n), {"subject": f"S{n}"}, doc
        )

    for n in range(2):
        add(n)
    few, shown = _statements(inst, lambda: registers.entries(inst, archivist.ctx, "DEN", 2026))
    assert [e.number for e in shown] == [1, 2]
    for n in range(2, 8):
        add(n)
    many, shown = _statements(inst, lambda: registers.entries(inst, archivist.ctx, "DEN", 2026))
    assert [e.number for e in shown] == list(range(1, 9))
    assert many == few


def test_an_audit_page_runs_as_many_statements_for_many_events_as_for_few(inst, archivist):
    auditor = add_person(inst, "kiemtra", "auditor", "thuong")
    page = inspection.Filter(action="ingest")
    file_doc(inst, archivist)
    few, shown = _statements(inst, lambda: inspection.entries(inst, auditor.ctx, page))
    assert len(shown) == 1
    for _ in range(6):
        file_doc(inst, archivist)
    many, shown = _statements(inst, lambda: inspection.entries(inst, auditor.ctx, page))
    assert len(shown) == 7 and many == few


def test_a_registers_page_reads_its_own_rows_and_the_pages_cover_the_year(inst, archivist):
    for n in range(6):
        registers.add_entry(inst, archivist.ctx, "DI", date(2025, 3, 1 + n), {"subject": f"S{n}"})
    pages, after = [], 0
    while True:
        count, shown = _statements(
            inst,
            lambda after=after: registers.entries(
                inst, archivist.ctx, "DI", 2025, after=after, limit=4
            ),
        )
        pages.append(([e.number for e in shown], count))
        if len(shown) < 4:
            break
        after = shown[-1].number
    assert [numbers for numbers, _ in pages] == [[1, 2, 3, 4], [5, 6]]
    assert pages[0][1] == pages[1][1]


def test_the_audit_log_pages_back_by_sequence_number(inst, archivist):
    auditor = add_person(inst, "kiemtra", "auditor", "thuong")
    for _ in range(5):
        file_doc(inst, archivist)
    page = inspection.Filter(action="ingest")
    first = inspection.entries(inst, auditor.ctx, page, limit=3)
    older = inspection.entries(
        inst, auditor.ctx, inspection.Filter(action="ingest", before=first[-1]["seq"]), limit=3
    )
    seqs = [e["seq"] for e in first + older]
    assert len(seqs) == 5 and seqs == sorted(seqs, reverse=True)
