"""The office's statistics: registers counted per month, type, issuer, unit and level; the
handling counted (done, open, overdue, processing time); everything trimmed by the viewer's
scope; refusals and views audited; the CSV export with its UTC stamp."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, update

from archive.lifecycle import registers
from archive.models import Assignment, AuditEntry
from archive.workflow import assignments, statistics
from security.errors import NotFound
from tests.support.people import add_person
from tests.support.workflow import incoming, outgoing

YEAR = date.today().year


@pytest.fixture
def office(inst, archivist):
    add_person(inst, "chuyenvien", "reader", "mat", "VP")
    head = add_person(inst, "chanhvp", "reader", "mat", "VP", unit_head=True).ctx
    btc_archivist = add_person(inst, "vanthu.btc", "archivist", "mat", "BTC")
    jan, feb = date(YEAR, 1, 15), date(YEAR, 2, 3)
    docs = {
        "in_jan": incoming(inst, archivist, on=jan),
        "in_feb": incoming(inst, archivist, on=feb, doc_type="QD"),
        "secret": incoming(inst, archivist, on=feb, level="toi_mat"),
        "btc": incoming(inst, btc_archivist, on=feb, unit="BTC"),
        "out_feb": outgoing(inst, archivist, on=feb),
    }
    registers.add_entry(  # a paper-only incoming document of VP
        inst, archivist.ctx, "DEN", jan, {"sender": "Ủy ban nhân dân tỉnh", "doc_type": "TB"}
    )
    return archivist, head, docs


def _by(table, key):
    return dict(table.get(key, {}))


def test_counts_are_trimmed_by_the_viewers_scope(inst, office):
    archivist, head, _docs = office
    everything = statistics.compute(inst, archivist.ctx, YEAR)  # VP, cleared for TỐI MẬT
    assert everything.months[0]["incoming"] == 2 and everything.months[1]["incoming"] == 2
    assert everything.months[1]["outgoing"] == 1
    assert _by(everything.by_level, "toi_mat") == {"incoming": 1}
    assert everything.by_issuer["Ban Tổ chức"] == 3
    assert everything.by_issuer["Ủy ban nhân dân tỉnh"] == 1
    assert _by(everything.by_type, "QD") == {"incoming": 1}
    assert _by(everything.by_type, "TB") == {"incoming": 1}
    assert "BTC" not in everything.by_unit  # another unit's record, not shared
    trimmed = statistics.compute(inst, head, YEAR)  # cleared for MẬT only
    assert trimmed.totals["incoming"] == everything.totals["incoming"] - 1
    assert "toi_mat" not in trimmed.by_level


def test_handling_counts_and_processing_time(inst, office):
    archivist, head, docs = office
    done = assignments.assign(inst, archivist.ctx, docs["in_jan"], handler="chuyenvien")
    late = assignments.assign(
        inst,
        archivist.ctx,
        docs["in_feb"],
        handler="chuyenvien",
        deadline=date.today() + timedelta(days=3),
    )
    assignments.assign(inst, archivist.ctx, docs["secret"], unit_code="VP")
    with inst.sessions.begin() as session:
        session.execute(
            update(Assignment)
            .where(Assignment.id == done)
            .values(assigned_at=datetime.now(UTC) - timedelta(days=4))
        )
        session.execute(
            update(Assignment)
            .where(Assignment.id == late)
            .values(deadline=datetime.now(UTC) - timedelta(days=1))
        )
    assignments.finish(inst, archivist.ctx, done, reply_id=docs["out_feb"])
    figures = statistics.compute(inst, archivist.ctx, YEAR)
    assert (figures.assigned, figures.done, figures.open) == (3, 1, 2)
    assert (figures.overdue_open, figures.done_late) == (1, 0)
    assert figures.mean_days == pytest.approx(4.0, abs=0.1)
    head_view = statistics.compute(inst, head, YEAR)
    assert head_view.assigned == 2  # the TỐI MẬT record's assignment is not counted


def test_only_trackers_see_it_and_every_view_is_audited(inst, office):
    reader = add_person(inst, "canbo", "reader", "mat", "VP")
    with pytest.raises(NotFound):
        statistics.compute(inst, reader.ctx, YEAR)
    archivist, _head, _docs = office
    statistics.compute(inst, archivist.ctx, YEAR)
    with inst.sessions() as session:
        rows = session.execute(
            select(AuditEntry.username, AuditEntry.outcome, AuditEntry.detail)
            .where(AuditEntry.action == "statistics")
            .order_by(AuditEntry.seq)
        ).all()
    assert [(u, o) for u, o, _ in rows] == [("canbo", "denied"), ("vanthu", "allowed")]
    assert rows[-1][2]["incoming"] == 4


def test_the_csv_export_carries_utc_and_the_same_figures(inst, office):
    archivist, _head, _docs = office
    body = statistics.export_csv(inst, archivist.ctx, YEAR)
    lines = list(csv.reader(io.StringIO(body)))
    assert lines[0][0] == "Thống kê văn bản" and lines[0][3].endswith("Z")
    assert ["Tháng", f"{YEAR}-02", "2", "1"] in lines
    assert ["Độ mật", "toi_mat", "1", "0"] in lines
    with inst.sessions() as session:
        assert (
            session.execute(select(AuditEntry).where(AuditEntry.action == "statistics_export"))
            .scalar_one()
            .outcome
            == "allowed"
        )
