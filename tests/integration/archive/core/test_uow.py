"""The unit of work: one transaction per action, the audit entry in it, refusals kept, changes
announced after the commit (and only then), the index following them."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from archive.audit.actions import Action
from archive.core import events
from archive.core.events import Change, RecordChange
from archive.core.uow import UnitOfWork
from archive.lifecycle import declassify
from archive.models import AuditEntry, Document, DocumentLifecycle
from archive.records import quarantine
from ingest import pipeline
from search import query
from security.errors import Refused
from tests.support.people import add_person
from tests.support.records import file_doc


@pytest.fixture
def heard():
    """What the archive announced, in order."""
    seen: list[tuple[RecordChange, ...]] = []

    def listen(_inst, changes):
        seen.append(changes)

    events.records_changed.connect(listen)
    yield seen
    events.records_changed.disconnect(listen)


def _entries(inst, action: str) -> list[AuditEntry]:
    with inst.sessions() as session:
        stmt = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
        return list(session.execute(stmt).scalars())


def _commits(inst) -> list[int]:
    """Counts the commits of the instance's engine while it is attached."""
    count = [0]
    event.listen(inst.engine, "commit", lambda _conn: count.__setitem__(0, count[0] + 1))
    return count


def test_changes_are_announced_after_the_commit_and_not_on_rollback(inst, archivist, heard):
    doc_id = file_doc(inst, archivist)
    heard.clear()
    with pytest.raises(RuntimeError), UnitOfWork(inst, archivist.ctx) as uow:
        uow.audit(Action.EDIT, "ok", doc_id)
        uow.changed(doc_id, Change.DESCRIBED)
        raise RuntimeError("the action failed half-way")
    assert heard == [] and _entries(inst, "edit") == []  # rolled back: nothing kept, nothing said
    with UnitOfWork(inst, archivist.ctx) as uow:
        uow.audit(Action.EDIT, "ok", doc_id)
        uow.changed(doc_id, Change.DESCRIBED)
        assert heard == []  # not before the commit
    assert heard == [(RecordChange(doc_id, Change.DESCRIBED),)]
    assert [e.outcome for e in _entries(inst, "edit")] == ["ok"]


def test_a_refusal_is_committed_and_the_work_before_it_dropped(inst, archivist, heard):
    doc_id = file_doc(inst, archivist)
    heard.clear()
    with pytest.raises(Refused), UnitOfWork(inst, archivist.ctx) as uow:
        uow.session.get(Document, doc_id).urgency = "khan"
        uow.changed(doc_id, Change.DESCRIBED)
        raise uow.refuse(Action.EDIT, doc_id, "not allowed", Refused("không", "no"), {"x": 1})
    with inst.sessions() as session:
        assert session.get(Document, doc_id).urgency == "thuong"
    denied = _entries(inst, "edit")
    assert [(e.outcome, e.detail) for e in denied] == [
        ("denied", {"x": 1, "reason": "not allowed"})
    ]
    assert heard == []


def test_a_batch_announces_its_records_together(inst, archivist, sample_docs, heard, tmp_path):
    paths = []
    for n, doc in enumerate(sample_docs[:3]):
        path = tmp_path / f"{n}-{doc.filename}"
        path.write_bytes(doc.content)
        paths.append(path)
    results = list(pipeline.ingest_files(inst, archivist.ctx, paths))
    stored = {r.id for r in results if r.status == "stored"}
    announced = [{c.record_id for c in batch} for batch in heard]
    assert stored and set().union(*announced) == stored
    assert all(c.kind == Change.FILED for batch in heard for c in batch)
    assert len(heard) < len(stored) or len(stored) == 1  # together, not one message per file


def test_filing_one_document_is_found_through_the_announcement(inst, archivist, sample_docs):
    doc = next(d for d in sample_docs if d.truth["level"] == "thuong")
    filed = pipeline.ingest_bytes(inst, archivist.ctx, doc.content, doc.filename, unit_code="VP")
    hits = query.search(inst, archivist.ctx, doc.truth["canary"])
    assert [h.id for h in hits] == [filed.id]


def test_a_level_change_and_its_protection_period_are_one_transaction(inst, archivist):
    officer = add_person(inst, "baomat", "security_officer", "tuyet_mat")
    doc_id = file_doc(inst, archivist, level="mat")
    commits = _commits(inst)
    declassify.change_level(inst, officer.ctx, doc_id, "thuong", "hết thời hạn bảo vệ bí mật")
    assert commits[0] == 1
    with inst.sessions() as session:
        assert session.get(Document, doc_id).level == "thuong"
        assert session.get(DocumentLifecycle, doc_id).classified_on is None
    assert [e.outcome for e in _entries(inst, "secrecy_change")] == ["ok"]


def test_a_quarantine_refusal_is_audited(inst, archivist):
    with pytest.raises(Refused):
        quarantine.listing(inst, archivist.ctx)
    with pytest.raises(Refused):
        quarantine.release(inst, archivist.ctx, 1, "12/QĐ-VPTU")
    assert [e.outcome for e in _entries(inst, "admin_read")] == ["denied"]
    release = _entries(inst, "quarantine_release")
    assert [(e.outcome, e.username) for e in release] == [("denied", "vanthu")]
