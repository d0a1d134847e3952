"""Writing and verifying the audit log (the chain itself is computed in security.audit).

``record`` adds an entry inside the caller's transaction, so the entry is committed together with
the action it describes, or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.models import AuditEntry, AuditHead, utcnow
from security.audit import GENESIS, ChainProblem, chain_mac, verify_chain
from security.policy import Principal


@dataclass(frozen=True)
class Context:
    """Who acts and from where: a principal (None before login) and a source address."""

    principal: Principal | None
    address: str | None = None
    unit_code: str | None = None


def _stamp(at: datetime) -> str:
    """One spelling of a time whatever the database returns (naive in SQLite, zoned in PG)."""
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at.isoformat(timespec="microseconds")


def _payload(entry: AuditEntry) -> dict:
    return {
        "seq": entry.seq,
        "at": _stamp(entry.at),
        "user_id": entry.user_id,
        "username": entry.username,
        "role": entry.role,
        "unit": entry.unit,
        "address": entry.address,
        "action": entry.action,
        "outcome": entry.outcome,
        "object_id": entry.object_id,
        "detail": entry.detail,
    }


def record(
    session: Session,
    audit_key: bytes,
    ctx: Context,
    action: str,
    outcome: str,
    object_id: int | None = None,
    detail: dict | None = None,
) -> AuditEntry:
    head = session.execute(select(AuditHead).with_for_update()).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1, seq=0, mac=GENESIS)
        session.add(head)
    who = ctx.principal
    entry = AuditEntry(
        seq=head.seq + 1,
        at=utcnow(),
        user_id=who.user_id if who else None,
        username=who.username if who else None,
        role=who.role if who else None,
        unit=ctx.unit_code,
        address=ctx.address,
        action=action,
        outcome=outcome,
        object_id=object_id,
        detail=detail or {},
    )
    entry.mac = chain_mac(audit_key, head.mac, _payload(entry))
    head.seq, head.mac = entry.seq, entry.mac
    session.add(entry)
    session.flush()
    return entry


def verify(session: Session, audit_key: bytes) -> tuple[int, list[ChainProblem]]:
    """Check the whole chain and that the head row still points at its last entry."""
    rows = session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars()
    count = 0
    last_seq, last_mac = 0, GENESIS

    def entries():
        nonlocal count, last_seq, last_mac
        for entry in rows:
            count += 1
            last_seq, last_mac = entry.seq, entry.mac
            yield entry.seq, _payload(entry), entry.mac

    problems = verify_chain(audit_key, entries())
    head = session.get(AuditHead, 1)
    if head is not None and (head.seq, head.mac) != (last_seq, last_mac):
        problems.append(ChainProblem(last_seq, f"log ends at {last_seq}, head says {head.seq}"))
    return count, problems
