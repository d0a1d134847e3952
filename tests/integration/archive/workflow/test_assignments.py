"""Incoming documents from arrival to done: assignment, refusals (audited), access requests,
deadlines from a HỎA TỐC HẸN GIỜ mark, the handler's list, the office head's lists, the reply
linking the two registers, and the instruction sealed at rest."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, update

from archive.accounts import accounts
from archive.models import Assignment, AuditEntry, Grant
from archive.records import gate, grants
from archive.workflow import assignments
from archive.workflow.assignments import AccessRequested
from security.errors import NotFound, Refused
from tests.support.people import add_person
from tests.support.workflow import incoming, outgoing


@pytest.fixture
def people(inst, archivist):
    """The văn thư (fixture), two officers of VP, one of BTC, a unit head and an officer."""
    made = {
        "handler": add_person(inst, "chuyenvien", "reader", "mat", "VP"),
        "other": add_person(inst, "chuyenvien2", "reader", "mat", "VP"),
        "btc": add_person(inst, "canbo.btc", "reader", "toi_mat", "BTC"),
        "officer": add_person(inst, "baomat", "security_officer", "tuyet_mat", "VP"),
    }
    made["head"] = add_person(inst, "chanhvp", "reader", "mat", "VP", unit_head=True)
    made["archivist"] = archivist
    return made


def _entries(inst, action: str, object_id: int | None = None) -> list[AuditEntry]:
    with inst.sessions() as session:
        stmt = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
        if object_id is not None:
            stmt = stmt.where(AuditEntry.object_id == object_id)
        return list(session.execute(stmt).scalars())


def test_assigned_handled_and_closed_with_its_reply(inst, people):
    archivist, handler = people["archivist"], people["handler"]
    doc = incoming(inst, archivist)
    reply = outgoing(inst, archivist)
    due = date.today() + timedelta(days=5)
    number = assignments.assign(
        inst,
        archivist.ctx,
        doc,
        handler="chuyenvien",
        instruction="Tham mưu trả lời",
        deadline=due,
    )
    [task] = assignments.my_tasks(inst, handler.ctx)
    assert (task.id, task.document_id, task.status) == (number, doc, "assigned")
    assert task.instruction == "Tham mưu trả lời" and task.doc.id == doc
    assert task.deadline == assignments.end_of_day(due) and task.deadline_source == "person"
    assert assignments.my_tasks(inst, people["other"].ctx) == []  # named: not the whole unit

    assignments.start(inst, handler.ctx, number)
    assignments.finish(inst, handler.ctx, number, reply_id=reply)
    assert assignments.my_tasks(inst, handler.ctx) == []

    shown = assignments.progress(inst, archivist.ctx, gate.view_document(inst, archivist.ctx, doc))
    assert [t.status for t in shown.tasks] == ["done"] and shown.tasks[0].reply_id == reply
    assert [(i, v.id) for i, v in shown.replies] == [(reply, reply)]
    back = assignments.progress(inst, archivist.ctx, gate.view_document(inst, archivist.ctx, reply))
    assert [(i, v.id) for i, v in back.answers] == [(doc, doc)]
    links = assignments.reply_links(inst, archivist.ctx, [doc, reply])
    assert [v.id for v in links[doc]] == [reply] and [v.id for v in links[reply]] == [doc]

    assert [e.outcome for e in _entries(inst, "assign", doc)] == ["ok"]
    assert [e.detail["handler"] for e in _entries(inst, "assign", doc)] == ["chuyenvien"]
    assert [e.username for e in _entries(inst, "assign_start", doc)] == ["chuyenvien"]
    assert _entries(inst, "assign_done", reply)[0].detail["replies_to"] == doc
    assert _entries(inst, "assign_done", doc)[0].detail["reply"] == reply


def test_a_unit_without_a_person_is_taken_by_the_member_who_starts(inst, people):
    doc = incoming(inst, people["archivist"])
    number = assignments.assign(inst, people["archivist"].ctx, doc, unit_code="VP")
    assert [t.id for t in assignments.my_tasks(inst, people["other"].ctx)] == [number]
    assignments.start(inst, people["other"].ctx, number)
    assert assignments.my_tasks(inst, people["handler"].ctx) == []
    with pytest.raises(Refused):
        assignments.start(inst, people["other"].ctx, number)  # already started


def test_only_the_handler_the_assigner_or_the_head_acts(inst, people):
    doc = incoming(inst, people["archivist"])
    number = assignments.assign(inst, people["archivist"].ctx, doc, handler="chuyenvien")
    with pytest.raises(NotFound):
        assignments.start(inst, people["other"].ctx, number)
    denied = _entries(inst, "assign_start")
    assert [(e.outcome, e.username) for e in denied] == [("denied", "chuyenvien2")]
    assignments.finish(inst, people["head"].ctx, number)  # the unit head closes it
    with pytest.raises(Refused):
        assignments.finish(inst, people["handler"].ctx, number)


def test_a_handler_who_may_not_read_is_refused_or_gets_an_access_request(inst, people):
    archivist, btc = people["archivist"], people["btc"]
    doc = incoming(inst, archivist)  # a VP record: BTC does not read it
    with pytest.raises(Refused):
        assignments.assign(inst, archivist.ctx, doc, handler="canbo.btc")
    [denied] = _entries(inst, "assign", doc)
    assert denied.outcome == "denied" and "may not read" in denied.detail["reason"]

    with pytest.raises(AccessRequested) as raised:
        assignments.assign(
            inst, archivist.ctx, doc, handler="canbo.btc", instruction="Phối hợp", ask_access=True
        )
    with inst.sessions() as session:
        assert session.execute(select(Assignment)).first() is None  # nothing half-assigned
        grant = session.get(Grant, raised.value.grant_id)
        assert (grant.user_id, grant.document_id, grant.status) == (
            accounts.require_user(session, "canbo.btc").id,
            doc,
            "requested",
        )
    with pytest.raises(AccessRequested) as again:  # asked again: the same request
        assignments.assign(inst, archivist.ctx, doc, handler="canbo.btc", ask_access=True)
    assert again.value.grant_id == raised.value.grant_id
    [waiting] = grants.pending(inst, people["officer"].ctx)
    assert waiting["requester"] == "canbo.btc" and "Phối hợp" in waiting["reason"]
    grants.decide(inst, people["officer"].ctx, raised.value.grant_id, approve=True, days=10)
    number = assignments.assign(inst, archivist.ctx, doc, handler="canbo.btc")
    assert [t.id for t in assignments.my_tasks(inst, btc.ctx)] == [number]


def test_no_request_can_lift_a_clearance(inst, people):
    doc = incoming(inst, people["archivist"], level="toi_mat")
    with pytest.raises(Refused) as raised:
        assignments.assign(
            inst, people["archivist"].ctx, doc, handler="chuyenvien", ask_access=True
        )
    assert not isinstance(raised.value, AccessRequested)
    with inst.sessions() as session:
        assert session.execute(select(Grant)).first() is None


def test_a_unit_must_hold_the_record_and_the_record_must_be_registered(inst, people):
    archivist = people["archivist"]
    doc = incoming(inst, archivist)
    with pytest.raises(Refused):
        assignments.assign(inst, archivist.ctx, doc, unit_code="BTC")
    from tests.support.records import file_doc

    unregistered = file_doc(inst, archivist)
    with pytest.raises(Refused) as raised:
        assignments.assign(inst, archivist.ctx, unregistered, handler="chuyenvien")
    assert "sổ văn bản đến" in raised.value.vi
    assert [e.outcome for e in _entries(inst, "assign")] == ["denied", "denied"]


def test_who_may_assign(inst, people):
    doc = incoming(inst, people["archivist"])
    with pytest.raises(Refused):
        assignments.assign(inst, people["handler"].ctx, doc, handler="chuyenvien2")
    assert assignments.assign(inst, people["head"].ctx, doc, handler="chuyenvien2")
    secret = incoming(inst, people["archivist"], level="toi_mat")
    with pytest.raises(NotFound):  # the head cannot read it: as if it did not exist
        assignments.assign(inst, people["head"].ctx, secret, unit_code="VP")


def test_hoa_toc_hen_gio_sets_the_deadline_from_the_document(inst, people):
    archivist = people["archivist"]
    tomorrow = date.today() + timedelta(days=1)
    doc = incoming(
        inst, archivist, urgency="hoa_toc_hen_gio", deadline=f"{tomorrow.isoformat()}T15:00"
    )
    number = assignments.assign(inst, archivist.ctx, doc, handler="chuyenvien")
    [task] = assignments.my_tasks(inst, people["handler"].ctx)
    assert task.id == number and task.deadline_source == "document"
    assert task.deadline == datetime(tomorrow.year, tomorrow.month, tomorrow.day, 8, 0, tzinfo=UTC)
    assert task.due_soon() and not task.overdue()
    # a later day given by a person does not push the document's time back
    later = assignments.assign(
        inst, archivist.ctx, doc, handler="chuyenvien2", deadline=tomorrow + timedelta(days=3)
    )
    [mine] = assignments.my_tasks(inst, people["other"].ctx)
    assert mine.id == later and mine.deadline_source == "document"


def test_a_deadline_already_past_is_refused(inst, people):
    doc = incoming(inst, people["archivist"])
    with pytest.raises(Refused):
        assignments.assign(
            inst,
            people["archivist"].ctx,
            doc,
            handler="chuyenvien",
            deadline=date.today() - timedelta(days=1),
        )


def test_the_office_head_sees_overdue_and_due_soon_within_their_scope(inst, people):
    archivist = people["archivist"]
    late = assignments.assign(
        inst,
        archivist.ctx,
        incoming(inst, archivist),
        handler="chuyenvien",
        deadline=date.today() + timedelta(days=10),
    )
    soon = assignments.assign(
        inst,
        archivist.ctx,
        incoming(inst, archivist),
        handler="chuyenvien",
        deadline=date.today() + timedelta(days=1),
    )
    later = assignments.assign(
        inst,
        archivist.ctx,
        incoming(inst, archivist),
        handler="chuyenvien",
        deadline=date.today() + timedelta(days=20),
    )
    hidden = assignments.assign(  # TỐI MẬT: above the head's clearance
        inst,
        archivist.ctx,
        incoming(inst, archivist, level="toi_mat"),
        unit_code="VP",
        deadline=date.today() + timedelta(days=1),
    )
    with inst.sessions.begin() as session:
        session.execute(
            update(Assignment)
            .where(Assignment.id == late)
            .values(deadline=datetime.now(UTC) - timedelta(hours=3))
        )
    seen = assignments.tracking(inst, people["head"].ctx)
    assert [t.id for t in seen.overdue] == [late]
    assert [t.id for t in seen.due_soon] == [soon]
    assert [t.id for t in seen.other] == [later]
    everything = assignments.tracking(inst, archivist.ctx)  # cleared for TỐI MẬT
    assert hidden in [t.id for t in everything.due_soon]
    with pytest.raises(NotFound):
        assignments.tracking(inst, people["handler"].ctx)
    assert _entries(inst, "assign_list")[-1].outcome == "denied"


def test_the_instruction_is_sealed_at_rest(inst, people):
    canary = "Khochidao" + secrets.token_hex(6)
    doc = incoming(inst, people["archivist"])
    assignments.assign(inst, people["archivist"].ctx, doc, handler="chuyenvien", instruction=canary)
    assert assignments.my_tasks(inst, people["handler"].ctx)[0].instruction == canary
    with inst.sessions() as session:
        row = session.execute(select(Assignment)).scalar_one()
        assert canary.encode() not in row.sealed
    if inst.engine.dialect.name == "sqlite":
        folder = inst.places["database"]
        assert not any(canary.encode() in p.read_bytes() for p in folder.glob("*") if p.is_file())
