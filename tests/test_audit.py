"""The audit chain detects edited, inserted, deleted, reordered and truncated entries."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, update

from archive import audit
from archive.models import AuditEntry, AuditHead
from security.audit import chain_mac


@pytest.fixture
def logged(inst):
    ctx = audit.Context(None, "test")
    with inst.sessions.begin() as session:
        for n in range(6):
            audit.record(session, inst.keyring.audit_key, ctx, "view", "allowed", n)
    return inst


def _verify(inst):
    with inst.sessions() as session:
        return audit.verify(session, inst.keyring.audit_key)


def test_untouched_log_verifies(logged):
    count, problems = _verify(logged)
    assert problems == [] and count >= 6


def _target(inst, offset: int) -> int:
    with inst.sessions() as session:
        return session.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc())) - offset


def test_edited_entry_is_pinpointed(logged):
    seq = _target(logged, 2)
    with logged.sessions.begin() as session:
        session.execute(update(AuditEntry).where(AuditEntry.seq == seq).values(outcome="denied"))
    assert [p.seq for p in _verify(logged)[1]] == [seq]


def test_deleted_entry_is_pinpointed(logged):
    seq = _target(logged, 2)
    with logged.sessions.begin() as session:
        session.execute(delete(AuditEntry).where(AuditEntry.seq == seq))
    problems = _verify(logged)[1]
    assert problems and problems[0].seq == seq + 1


def test_reordered_entries_are_detected(logged):
    a, b = _target(logged, 3), _target(logged, 2)
    with logged.sessions.begin() as session:
        rows = {
            e.seq: e
            for e in session.execute(select(AuditEntry).where(AuditEntry.seq.in_([a, b]))).scalars()
        }
        rows[a].object_id, rows[b].object_id = rows[b].object_id, rows[a].object_id
        rows[a].mac, rows[b].mac = rows[b].mac, rows[a].mac
    assert _verify(logged)[1][0].seq == a


def test_inserted_entry_with_a_forged_mac_is_detected(logged):
    seq = _target(logged, 0)
    with logged.sessions.begin() as session:
        session.execute(update(AuditEntry).where(AuditEntry.seq == seq).values(seq=seq + 1))
        forged = AuditEntry(
            seq=seq,
            at=audit.utcnow(),
            action="view",
            outcome="allowed",
            detail={},
            mac=chain_mac(b"wrong key" * 4, "0" * 64, {}),
        )
        session.add(forged)
    assert _verify(logged)[1][0].seq == seq


def test_truncated_tail_is_detected_against_the_head(logged):
    seq = _target(logged, 0)
    with logged.sessions.begin() as session:
        session.execute(delete(AuditEntry).where(AuditEntry.seq == seq))
    problems = _verify(logged)[1]
    assert problems and "head" in problems[-1].problem
    assert logged.sessions().get(AuditHead, 1).seq == seq
