"""Holds and disposal: council of two distinct approvers (never the proposer), crypto-shredding,
index removal, a stub and a destruction record, every step in the audit log."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from archive.core import bindings, events
from archive.core.events import Change
from archive.lifecycle import disposal, holds
from archive.models import AuditEntry, DestructionRecord, Document, StoredObject, queries
from archive.records import reading
from search import feed
from search.index import store
from security.errors import Refused
from tests.support.blobs import raw
from tests.support.people import add_person
from tests.support.records import file_doc

TODAY = date(2026, 3, 1)


@pytest.fixture
def council(inst):
    return (
        add_person(inst, "baomat", "security_officer", "tuyet_mat"),
        add_person(inst, "quantri", "admin", "thuong"),
    )


@pytest.fixture
def index_follows(inst):
    """What web/wiring.py connects: a destroyed record leaves the index at once."""

    def drop(sender, changes):
        feed.refresh(sender, [c.record_id for c in changes if c.kind == Change.DESTROYED])

    events.records_changed.connect(drop)
    yield
    events.records_changed.disconnect(drop)


def _actions(inst, since: int = 0) -> list[tuple[str, str, int | None]]:
    with inst.sessions() as session:
        rows = session.execute(
            select(AuditEntry).where(AuditEntry.seq > since).order_by(AuditEntry.seq)
        )
        return [(e.action, e.outcome, e.object_id) for e in rows.scalars()]


def test_disposal_needs_two_distinct_council_members_other_than_the_proposer(
    inst, archivist, council
):
    officer, admin = council
    doc = file_doc(inst, archivist, issued="2010-01-01")
    with pytest.raises(Refused):
        disposal.propose(inst, officer.ctx, "hết thời hạn bảo quản", [doc], today=TODAY)
    pid = disposal.propose(inst, archivist.ctx, "hết thời hạn bảo quản", [doc], today=TODAY)
    with pytest.raises(Refused):  # the proposer is no council member, and never self-approves
        disposal.approve(inst, archivist.ctx, pid, TODAY)
    assert disposal.approve(inst, officer.ctx, pid, TODAY) == "proposed"
    with pytest.raises(Refused):  # the same member twice is still one approval
        disposal.approve(inst, officer.ctx, pid, TODAY)
    with pytest.raises(Refused):  # one approval is not enough
        disposal.execute(inst, archivist.ctx, pid, TODAY)
    assert reading.read_text(inst, _doc(inst, doc))  # still readable
    assert disposal.approve(inst, admin.ctx, pid, TODAY) == "approved"
    assert disposal.execute(inst, archivist.ctx, pid, TODAY) == [doc]


def test_a_council_member_who_proposed_cannot_approve(inst, archivist, council):
    officer, _admin = council
    doc = file_doc(inst, archivist, issued="2010-01-01")
    pid = disposal.propose(inst, archivist.ctx, "hết thời hạn bảo quản", [doc], today=TODAY)
    with inst.sessions.begin() as session:  # as if the proposal had been made by the officer
        from archive.models import DisposalProposal

        session.get(DisposalProposal, pid).proposed_by = officer.ctx.principal.user_id
    with pytest.raises(Refused):
        disposal.approve(inst, officer.ctx, pid, TODAY)
    assert _actions(inst)[-1][:2] == ("dispose_approve", "denied")


def test_not_due_and_held_records_are_refused_at_every_step(inst, archivist, council):
    officer, admin = council
    young = file_doc(inst, archivist, issued="2024-01-01")
    with pytest.raises(Refused):
        disposal.propose(inst, archivist.ctx, "hết thời hạn bảo quản", [young], today=TODAY)
    doc = file_doc(inst, archivist, issued="2010-01-01")
    hold = holds.place(inst, officer.ctx, "thanh tra vụ việc năm 2026", doc_id=doc)
    with pytest.raises(Refused):
        holds.place(inst, archivist.ctx, "thanh tra vụ việc năm 2026", doc_id=doc)
    with pytest.raises(Refused):
        disposal.propose(inst, archivist.ctx, "hết thời hạn bảo quản", [doc], today=TODAY)
    holds.release(inst, admin.ctx, hold, "kết thúc thanh tra")
    pid = disposal.propose(inst, archivist.ctx, "hết thời hạn bảo quản", [doc], today=TODAY)
    disposal.approve(inst, officer.ctx, pid, TODAY)
    disposal.approve(inst, admin.ctx, pid, TODAY)
    holds.place(inst, officer.ctx, "khiếu nại mới phát sinh", doc_id=doc)  # after approval
    with pytest.raises(Refused):
        disposal.execute(inst, archivist.ctx, pid, TODAY)
    assert _doc(inst, doc).status == "active"
    with inst.sessions() as session, pytest.raises(Refused):
        queries.ensure_not_held(session, doc)
    assert ("dispose_execute", "denied") in [a[:2] for a in _actions(inst)]


def test_destruction_shreds_keys_removes_index_entries_and_keeps_stub_and_trace(
    inst, archivist, council, index_follows
):
    officer, admin = council
    doc = file_doc(inst, archivist, issued="2010-01-01", text="Khoanhmật canary tiêu hủy")
    keep = file_doc(inst, archivist, issued="2010-01-01")
    feed.refresh(inst, [doc, keep])
    before = _doc(inst, doc)
    blobs = {o.blob: raw(inst, o.blob) for o in before.objects}
    start = _actions(inst)[-1]
    with inst.sessions() as session:
        start = session.execute(select(AuditEntry.seq).order_by(AuditEntry.seq.desc())).scalar()
    pid = disposal.propose(inst, archivist.ctx, "hết thời hạn bảo quản", [doc], today=TODAY)
    disposal.approve(inst, officer.ctx, pid, TODAY)
    disposal.approve(inst, admin.ctx, pid, TODAY)
    disposal.execute(inst, archivist.ctx, pid, TODAY)

    after = _doc(inst, doc)
    assert after.status == "destroyed"
    assert all(o.wrapped_key == b"" and o.kek_version == 0 for o in after.objects)
    assert not any(inst.blobs.exists(name) for name in blobs)
    with pytest.raises(reading.Destroyed):
        reading.read_text(inst, after)
    # Even with the old ciphertexts (a stolen backup) and the whole keyring, nothing unwraps.
    with inst.sessions() as session:
        wrapped = [o.wrapped_key for o in session.execute(select(StoredObject)).scalars()]
    for obj in before.objects:
        for candidate in wrapped:
            with pytest.raises(Exception):  # noqa: B017 - any failure to unwrap
                inst.keyring.unwrap(inst.keyring.current, candidate, bindings.object(before, obj))
    assert reading.unseal_meta(inst, after)["number"]  # the stub stays, sealed
    assert store.indexed_ids(inst.index_dir, inst.keyring.index_key) == {keep}
    [trace] = disposal.destruction_records(inst)
    assert trace["document_id"] == doc and trace["approvers"] == ["baomat", "quantri"]
    assert trace["retention"] == "10" and trace["objects"] == 2
    actions = _actions(inst, start)
    for step in [
        ("dispose_propose", "ok", None),
        ("dispose_approve", "ok", None),
        ("shred", "done", doc),
        ("dispose", "destroyed", doc),
        ("dispose_execute", "done", None),
    ]:
        assert step in actions
    with inst.sessions() as session:
        assert session.execute(select(DestructionRecord)).scalar().proposal_id == pid
    # Running it again changes nothing (a resumed execution is idempotent).
    with pytest.raises(Refused):
        disposal.execute(inst, archivist.ctx, pid, TODAY)


def _doc(inst, doc_id: int) -> Document:
    with inst.sessions() as session:
        doc = session.get(Document, doc_id)
        doc.objects  # noqa: B018
        return doc


def test_destruction_also_removes_history_and_the_quoted_source_lines(inst, archivist, council):
    from archive.models import DescriptionVersion
    from archive.records import editing

    officer, admin = council
    doc = file_doc(inst, archivist, issued="2010-01-01")
    editing.edit_document(inst, archivist.ctx, doc, {"subject": "về việc cũ đã sửa"})
    pid = disposal.propose(inst, archivist.ctx, "hết thời hạn bảo quản", [doc], today=TODAY)
    disposal.approve(inst, officer.ctx, pid, TODAY)
    disposal.approve(inst, admin.ctx, pid, TODAY)
    disposal.execute(inst, archivist.ctx, pid, TODAY)
    with inst.sessions() as session:
        versions = (
            session.execute(select(DescriptionVersion).where(DescriptionVersion.document_id == doc))
            .scalars()
            .all()
        )
        assert versions and all(v.kek_version == 0 and v.wrapped_key == b"" for v in versions)
    stub = reading.unseal_meta(inst, _doc(inst, doc))
    assert "evidence" not in stub and stub["subject"] == "về việc cũ đã sửa"


def test_the_preview_counts_records_dossiers_and_pages_as_the_proposal_keeps_them(
    inst, archivist, council
):
    from archive.lifecycle import plan
    from tests.support.documents import pdf_pages

    in_dossier = file_doc(inst, archivist, issued="2010-03-04", pdf=pdf_pages(4))
    beside = file_doc(inst, archivist, issued="2010-05-06")
    loose = file_doc(inst, archivist, issued="2011-01-02", pdf=pdf_pages(2))
    plan.plan(inst, archivist.ctx, 2010, "2010-VP-09", "Hồ sơ công văn năm 2010", "5")
    plan.add(inst, archivist.ctx, "2010-VP-09", [in_dossier, beside])
    plan.close(inst, archivist.ctx, "2010-VP-09")

    shown = disposal.preview(inst, archivist.ctx, [loose], "2010-VP-09", today=TODAY)
    assert (shown.records, shown.dossiers, shown.pages) == (3, 1, 4 + 1 + 2)
    assert {i.document_id: i.pages for i in shown.items} == {in_dossier: 4, beside: 1, loose: 2}
    assert all(i.due_on and i.due_on <= TODAY and not i.held for i in shown.items)
    assert _actions(inst)[-1][:2] == ("dispose_propose", "preview")

    pid = disposal.propose(
        inst, archivist.ctx, "hết thời hạn bảo quản", [loose], "2010-VP-09", TODAY
    )
    kept = disposal.proposal(inst, pid)
    assert (kept.listing.records, kept.listing.pages, kept.status) == (3, 7, "proposed")
    assert kept.reason == "hết thời hạn bảo quản" and kept.proposed_by == archivist.username
    officer, admin = council
    disposal.approve(inst, officer.ctx, pid, TODAY)
    disposal.approve(inst, admin.ctx, pid, TODAY)
    disposal.execute(inst, archivist.ctx, pid, TODAY)
    done = disposal.proposal(inst, pid)
    assert done.listing.remaining.records == 0 and done.listing.pages == 7
    assert {r["document_id"] for r in disposal.destruction_records(inst, pid)} == {
        in_dossier,
        beside,
        loose,
    }

    young = file_doc(inst, archivist, issued="2025-01-01")
    with pytest.raises(Refused):  # the preview refuses what the proposal would refuse
        disposal.preview(inst, archivist.ctx, [young], today=TODAY)
    with pytest.raises(Refused):
        disposal.preview(inst, officer.ctx, [young], today=TODAY)
    assert [a[:2] for a in _actions(inst)[-2:]] == [("dispose_propose", "denied")] * 2
