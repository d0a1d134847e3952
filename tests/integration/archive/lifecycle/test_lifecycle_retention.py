"""Retention: dates and cut-offs (table-driven), the editable table, dossiers, the due list."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from archive.audit import log
from archive.core import sealing
from archive.lifecycle import plan, retention
from archive.models import AuditEntry, Dossier
from security.errors import NotFound, Refused
from security.vocabulary import retention_rank
from tests.support.people import add_person
from tests.support.records import file_doc


@pytest.mark.parametrize(
    ("period", "basis", "out_of_force", "expected"),
    [
        ("5", date(2015, 3, 1), None, date(2021, 1, 1)),  # cut-off 31/12/2015 + 5 years
        ("5", date(2015, 12, 31), None, date(2021, 1, 1)),  # same year, same day
        ("5", date(2016, 1, 1), None, date(2022, 1, 1)),  # one day later, one year later
        ("10", date(2014, 5, 27), None, date(2025, 1, 1)),
        ("20", date(2000, 6, 30), None, date(2021, 1, 1)),
        ("70", date(1960, 1, 1), None, date(2031, 1, 1)),
        ("vv", date(1930, 2, 3), None, None),  # permanent: never
        ("hhl", date(2010, 1, 1), None, None),  # until out of force: not knowable yet
        ("hhl", date(2010, 1, 1), date(2019, 7, 1), date(2020, 1, 1)),
        ("10", None, None, None),  # no date: never due
        (None, date(2000, 1, 1), None, None),  # unappraised: never due
    ],
)
def test_due_dates_start_at_the_year_end_cut_off(period, basis, out_of_force, expected):
    assert retention.due_on(period, basis, out_of_force) == expected


@pytest.mark.parametrize(
    ("periods", "expected"),
    [
        (["5", "10"], "10"),
        (["10", "vv", "70"], "vv"),
        (["hhl", "5"], "5"),
        (["hhl", None], "hhl"),
        ([None, None], None),
    ],
)
def test_longest_retention(periods, expected):
    assert retention.longest(periods) == expected


def test_ranks_are_ordered():
    ordered = sorted(["5", "vv", "hhl", "70", "10", "20"], key=retention_rank)
    assert ordered == ["hhl", "5", "10", "20", "70", "vv"]


def test_retention_table_is_data_edited_by_the_administrator(inst, archivist):
    admin = add_person(inst, "quantri", "admin", "thuong")
    with inst.sessions() as session:
        codes = {r.code: r.period for r in retention.rules(session)}
    assert codes["NQ"] == "vv" and codes["CV"] == "10"
    with pytest.raises(Refused):
        retention.set_rule(inst, archivist.ctx, "CV", "5")
    retention.set_rule(inst, admin.ctx, "CV", "5")
    retention.set_rule(inst, admin.ctx, "GM", "5", title="Giấy mời", doc_type="GM")
    with pytest.raises(Refused):
        retention.set_rule(inst, admin.ctx, "CV", "15")
    with inst.sessions() as session:
        codes = {r.code: r.period for r in retention.rules(session)}
        last = session.execute(select(AuditEntry).order_by(AuditEntry.seq.desc())).scalar()
    assert codes["CV"] == "5" and codes["GM"] == "5"
    assert last.action == "retention_rule" and last.detail["period"] == [None, "5"]


def test_due_list_follows_types_overrides_dossiers_and_scope(inst, archivist):
    today = date(2026, 3, 1)
    cv_old = file_doc(inst, archivist, doc_type="CV", issued="2014-05-27")  # 10 y: due 2025
    cv_new = file_doc(inst, archivist, doc_type="CV", issued="2016-01-02")  # due 2027
    nq_old = file_doc(inst, archivist, doc_type="NQ", issued="1990-01-01")  # permanent
    odd = file_doc(inst, archivist, doc_type="XX", issued="1990-01-01")  # unappraised
    tb = file_doc(inst, archivist, doc_type="TB", issued="2012-01-01", level="mat")
    due = {d.document_id: d for d in retention.due(inst, archivist.ctx, today)}
    assert set(due) == {cv_old, tb}
    assert due[cv_old].due_on == date(2025, 1, 1) and due[cv_old].retention == "10"

    retention.assign(inst, archivist.ctx, odd, period="5")
    retention.assign(inst, archivist.ctx, cv_new, rule_code="CV-SV")  # 5 years: due 2022
    with pytest.raises(NotFound):
        retention.assign(inst, archivist.ctx, cv_new, rule_code="NO-SUCH")
    assert {d.document_id for d in retention.due(inst, archivist.ctx, today)} == {
        cv_old,
        tb,
        odd,
        cv_new,
    }

    # A dossier takes the longest retention of its documents and counts from its closing year.
    plan.plan(inst, archivist.ctx, 2014, "2014-VP-01", "Hồ sơ công văn năm 2014", "5")
    plan.add(inst, archivist.ctx, "2014-VP-01", [cv_old, odd])
    assert {d.document_id for d in retention.due(inst, archivist.ctx, today)} == {tb, cv_new}
    view = plan.close(inst, archivist.ctx, "2014-VP-01")
    assert (view.doc_count, view.retention, view.end_date) == (2, "10", date(2014, 5, 27))
    due = {d.document_id: d for d in retention.due(inst, archivist.ctx, today)}
    assert due[odd].retention == "10" and due[odd].dossier == "2014-VP-01"
    plan.plan(inst, archivist.ctx, 1990, "1990-VP-01", "Nghị quyết 1990", "5")
    plan.add(inst, archivist.ctx, "1990-VP-01", [nq_old])
    plan.close(inst, archivist.ctx, "1990-VP-01")
    assert nq_old not in {d.document_id for d in retention.due(inst, archivist.ctx, today)}

    # Someone cleared only for ordinary records does not see the MẬT one in the list.
    low = add_person(inst, "luutru2", "archivist", "thuong")
    assert tb not in {d.document_id for d in retention.due(inst, low.ctx, today)}
    reader = add_person(inst, "canbo", "reader", "mat")
    with pytest.raises(Refused):
        retention.due(inst, reader.ctx, today)


def test_file_plan_dossiers_and_sealed_titles(inst, archivist):
    a = file_doc(inst, archivist, issued="2025-02-01")
    b = file_doc(inst, archivist, issued="2025-06-01", level="toi_mat")
    plan.add_fonds(inst, archivist.ctx, "TU-YB", "Tỉnh ủy Yên Bái", 1991, 2025)
    plan.add_fonds(inst, archivist.ctx, "TU-LC", "Tỉnh ủy Lào Cai", 1991)
    plan.assign_fonds(inst, archivist.ctx, [a, b], "TU-YB")
    assert [f["code"] for f in plan.list_fonds(inst)] == ["TU-LC", "TU-YB"]
    title = "Hồ sơ Đại hội Đảng bộ tỉnh nhiệm kỳ mới"
    plan.plan(inst, archivist.ctx, 2025, "2025-VP-07", title, "vv", fonds_code="TU-YB")
    with pytest.raises(Refused):
        plan.plan(inst, archivist.ctx, 2025, "2025-VP-07", "again", "vv")
    plan.add(inst, archivist.ctx, "2025-VP-07", [a, b])
    with pytest.raises(Refused):  # one dossier per record
        plan.plan(inst, archivist.ctx, 2025, "2025-VP-08", "Khác", "10")
        plan.add(inst, archivist.ctx, "2025-VP-08", [a])
    view = plan.close(inst, archivist.ctx, "2025-VP-07")
    assert (view.doc_count, view.page_count, view.level) == (2, 2, "toi_mat")
    assert (view.start_date, view.end_date) == (date(2025, 2, 1), date(2025, 6, 1))
    with pytest.raises(Refused):
        plan.add(inst, archivist.ctx, "2025-VP-07", [file_doc(inst, archivist)])
    with inst.sessions() as session:
        row = session.execute(select(Dossier).where(Dossier.code == "2025-VP-07")).scalar()
        assert title.encode() not in row.sealed and sealing.unseal(inst, row)["title"] == title
    # The TỐI MẬT dossier is invisible to a reader cleared MẬT, visible to one cleared TỐI MẬT.
    low = add_person(inst, "canbo", "reader", "mat")
    high = add_person(inst, "lanhdao", "reader", "toi_mat")
    assert "2025-VP-07" not in [v.code for v in plan.file_plan(inst, low.ctx, 2025)]
    with pytest.raises(NotFound):
        plan.show(inst, low.ctx, "2025-VP-07")
    shown, ids = plan.show(inst, high.ctx, "2025-VP-07")
    assert shown.title == title and ids == [a, b]


def test_the_due_lists_sql_filter_never_hides_a_due_record(inst, archivist):
    """The due list narrows its reading in SQL (records whose period could have run out) and
    dates the rest as ``schedule`` does: on the day a period runs out, the day before, with
    overrides, out-of-force dates and dossiers, it lists exactly the records ``schedule``
    finds due, one record at a time."""
    from archive.models import Document

    docs = [
        file_doc(inst, archivist, doc_type="CV", issued="2015-12-31"),  # 10 y: due 2026-01-01
        file_doc(inst, archivist, doc_type="CV", issued="2016-01-01"),  # due 2027-01-01
        file_doc(inst, archivist, doc_type="TB", issued=None),  # dated by its filing
        file_doc(inst, archivist, doc_type="XX", issued="2001-01-01"),  # overridden below
        file_doc(inst, archivist, doc_type="XX", issued="2001-01-01"),  # out of force below
        file_doc(inst, archivist, doc_type="NQ", issued="1960-01-01"),  # permanent
        file_doc(inst, archivist, doc_type="CV", issued="2019-04-01"),  # in a dossier below
        file_doc(inst, archivist, doc_type="CV", issued="2019-05-01"),  # in an "hhl" dossier
    ]
    retention.assign(inst, archivist.ctx, docs[3], period="5")
    retention.assign(inst, archivist.ctx, docs[4], period="hhl", out_of_force_on=date(2024, 6, 1))
    plan.plan(inst, archivist.ctx, 2010, "2010-VP-02", "Hồ sơ 2010", "5")
    plan.add(inst, archivist.ctx, "2010-VP-02", [docs[6]])
    plan.close(inst, archivist.ctx, "2010-VP-02")
    plan.plan(inst, archivist.ctx, 2012, "2012-VP-03", "Hồ sơ hết hiệu lực", "hhl")
    plan.add(inst, archivist.ctx, "2012-VP-03", [docs[7]])
    plan.close(inst, archivist.ctx, "2012-VP-03")
    for today in (date(2025, 12, 31), date(2026, 1, 1), date(2031, 1, 1), date(2090, 1, 1)):
        listed = {d.document_id for d in retention.due(inst, archivist.ctx, today)}
        with inst.sessions() as session:
            expected = set()
            for doc_id in docs:
                day = retention.schedule(session, session.get(Document, doc_id))[1]
                if day is not None and day <= today:
                    expected.add(doc_id)
        assert listed == expected, today
    assert docs[0] in listed and docs[5] not in listed


def test_a_units_due_list_pages_through_its_own_records_only(inst, archivist):
    """The due list's query is narrowed by the reader's scope itself: another unit's due
    records, filed in between, neither appear nor cut a page short, and the pages together
    are the unit's whole list (the last, exactly full, says no more follow)."""
    other = add_person(inst, "luutru.khac", "archivist", "tuyet_mat", unit="BTC")
    own, theirs = [], []
    for n in range(6):
        own.append(file_doc(inst, archivist, doc_type="CV", issued=f"201{n}-03-01"))
        theirs.append(file_doc(inst, other, doc_type="CV", issued=f"201{n}-03-02", unit="BTC"))
    today = date(2030, 1, 1)
    pages, after = [], 0
    while True:
        window = retention.due_page(inst, archivist.ctx, after, 2, today)
        pages.append([d.document_id for d in window.rows])
        if not window.more:
            break
        after = window.rows[-1].document_id
    assert pages == [own[0:2], own[2:4], own[4:6]]
    theirs_page = retention.due_page(inst, other.ctx, 0, 6, today)
    assert [d.document_id for d in theirs_page.rows] == theirs and not theirs_page.more
    with inst.sessions() as session:
        listed = session.execute(
            select(AuditEntry).where(AuditEntry.action == "due_list")
        ).scalars()
        shown = [len(log.payload_of(e)["detail"]["ids"]) for e in listed]
    assert shown == [2, 2, 2, 6]  # each page audits its own, not the row read past it
