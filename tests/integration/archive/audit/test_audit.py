"""The audit chain detects edited, inserted, deleted, reordered and truncated entries, and the
product itself can neither edit nor delete an entry."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

from archive.audit import log
from archive.models import AuditEntry, AuditHead
from security.actor import Context
from security.crypto.audit_chain import chain_hash, chain_mac
from tests.support import ROOT

TOOL = ROOT / "tools" / "verify_audit_export.py"
CTX = Context(None, "test")


@pytest.fixture
def logged(inst):
    with inst.sessions.begin() as session:
        for n in range(6):
            log.record(session, inst.keyring, CTX, "view", "allowed", n)
    return inst


def _verify(inst, anchor=None):
    with inst.sessions() as session:
        return log.verify(session, inst.keyring.audit_key, anchor)


def _last(inst, offset: int = 0) -> int:
    with inst.sessions() as session:
        return session.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc())) - offset


def _raw(inst, statement) -> None:
    """What an attacker with a SQL shell does: straight to the database, past the product."""
    with inst.engine.begin() as conn:
        conn.execute(statement)


def test_untouched_log_verifies(logged):
    count, problems = _verify(logged)
    assert problems == [] and count >= 6


def test_edited_entry_is_pinpointed(logged):
    seq = _last(logged, 2)
    _raw(logged, update(AuditEntry).where(AuditEntry.seq == seq).values(outcome="denied"))
    assert [p.seq for p in _verify(logged)[1]] == [seq]


def test_deleted_entry_is_pinpointed(logged):
    seq = _last(logged, 2)
    _raw(logged, delete(AuditEntry).where(AuditEntry.seq == seq))
    problems = _verify(logged)[1]
    assert problems and problems[0].seq == seq + 1 and "missing" in problems[0].problem


def test_reordered_entries_are_detected(logged):
    a, b = _last(logged, 3), _last(logged, 2)
    with logged.sessions() as session:
        rows = {
            e.seq: e
            for e in session.execute(select(AuditEntry).where(AuditEntry.seq.in_([a, b]))).scalars()
        }
        swapped = {
            seq: (rows[other].object_id, rows[other].hash, rows[other].mac)
            for seq, other in ((a, b), (b, a))
        }
    for seq, (object_id, hash_, mac) in swapped.items():
        _raw(
            logged,
            update(AuditEntry)
            .where(AuditEntry.seq == seq)
            .values(object_id=object_id, hash=hash_, mac=mac),
        )
    assert _verify(logged)[1][0].seq == a


def test_inserted_entry_with_a_recomputed_hash_is_caught_by_the_mac(logged):
    """Someone who knows the format can recompute SHA-256 links, but not the keyed MACs."""
    last = _last(logged)
    with logged.sessions() as session:
        prev = session.get(AuditEntry, last)
        forged_payload = {**log.payload_of(prev), "seq": last + 1, "action": "login"}
        forged = AuditEntry(
            seq=last + 1,
            at=prev.at,
            action="login",
            outcome="allowed",
            user_id=prev.user_id,
            username=prev.username,
            role=prev.role,
            unit=prev.unit,
            address=prev.address,
            object_id=prev.object_id,
            detail=prev.detail,
            hash=chain_hash(prev.hash, forged_payload),
            mac=chain_mac(b"not the key" * 3, prev.mac, forged_payload),
        )
        session.add(forged)
        session.execute(update(AuditHead).values(seq=last + 1, hash=forged.hash, mac=forged.mac))
        session.commit()
    assert [p.seq for p in _verify(logged)[1]] == [last + 1]


def test_truncated_tail_is_detected_by_the_head_and_by_an_exported_checkpoint(logged):
    with logged.sessions.begin() as session:
        anchor = log.checkpoint(session, logged.keyring.signing_key)
    assert _verify(logged, anchor)[1] == []
    last = _last(logged)
    _raw(logged, delete(AuditEntry).where(AuditEntry.seq >= last - 1))
    problems = _verify(logged)[1]
    assert problems and "head" in problems[-1].problem
    # Even with the head row rewritten to match, the exported checkpoint shows the cut.
    with logged.sessions() as session:
        new_last = session.get(AuditEntry, last - 2)
    _raw(logged, update(AuditHead).values(seq=new_last.seq, hash=new_last.hash, mac=new_last.mac))
    assert _verify(logged)[1] == []
    assert "truncated" in _verify(logged, anchor)[1][0].problem
    forged = {**anchor, "seq": last - 2, "head_hash": new_last.hash}
    assert "signature" in _verify(logged, forged)[1][0].problem


def test_the_product_refuses_to_edit_or_delete_entries_and_logs_the_attempt(logged):
    seq = _last(logged, 1)
    with pytest.raises(log.AuditImmutable), logged.sessions.begin() as session:
        session.get(AuditEntry, seq).outcome = "denied"
    with pytest.raises(log.AuditImmutable), logged.sessions.begin() as session:
        session.delete(session.get(AuditEntry, seq))
    with logged.sessions() as session:
        assert session.get(AuditEntry, seq).outcome == "allowed"
        attempts = (
            session.execute(select(AuditEntry).where(AuditEntry.action == "audit_tamper"))
            .scalars()
            .all()
        )
    assert [a.detail["entries"] for a in attempts] == [[seq], [seq]]
    assert _verify(logged)[1] == []


def test_checkpoints_are_written_periodically(inst, monkeypatch):
    monkeypatch.setattr(log, "CHECKPOINT_EVERY", 5)
    with inst.sessions.begin() as session:
        for n in range(12):
            log.record(session, inst.keyring, CTX, "view", "allowed", n)
    with inst.sessions() as session:
        seqs = session.scalars(select(log.AuditCheckpoint.seq)).all()
    assert seqs and all(s % 5 == 0 for s in seqs)


def _export(inst, tmp_path) -> Path:
    target = tmp_path / "audit.jsonl"
    with inst.sessions.begin() as session:
        log.checkpoint(session, inst.keyring.signing_key)
        first, last = log.seq_range(session, None, None)
        log.export(session, inst.keyring.signing_key, first, last, target)
    return target


def _run_tool(target: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(TOOL), str(target)], capture_output=True, text=True, check=False
    )


def test_export_verifies_offline_with_the_independent_script(logged, tmp_path):
    target = _export(logged, tmp_path)
    result = _run_tool(target)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK" in result.stdout
    lines = target.read_text(encoding="utf-8").splitlines()
    entry = json.loads(lines[2])
    entry["outcome"] = "denied"
    lines[2] = json.dumps(entry, ensure_ascii=False)
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = _run_tool(target)
    assert result.returncode == 1 and "entry" in result.stdout
