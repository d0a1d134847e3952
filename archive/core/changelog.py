"""The durable change log of records: what the unit of work writes with every change, and what
a follower (each node's search index, ``search.follower``) reads back in order.

Every unit of work that changed records appends one row per (record, kind) in its own
transaction (``append``, called by ``UnitOfWork.commit``): a change committed is logged, a change
rolled back leaves no row. Sequence numbers come from the single ``change_head`` row, locked by
the writer until its commit, so they are gapless and become visible in their own order: a
follower that has read up to ``seq`` can never later meet a smaller one. (The audit log's head is
locked the same way and always first, so two writers never wait on each other in a circle.)

The log is never rewritten. It is not pruned either: a row is about 40 bytes, a million changes
about 40 MB, and any node's index, however old its snapshot, can catch up from it. Should it one
day be pruned, only below the lowest position of every node's index (docs/operations.md).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.core.events import Change, RecordChange
from archive.models import ChangeHead, ChangeLogEntry, utcnow


@dataclass(frozen=True)
class Head:
    """Where the log is: its last sequence number and its identity."""

    seq: int
    log_id: str


@dataclass(frozen=True)
class Logged:
    seq: int
    record_id: int
    kind: Change


def _locked_head(session: Session) -> ChangeHead:
    head = session.execute(select(ChangeHead).with_for_update()).scalar_one_or_none()
    if head is None:  # a database made without the migration's row (never in practice)
        head = ChangeHead(id=1, seq=0, log_id=secrets.token_hex(16))
        session.add(head)
        session.flush()
    return head


def append(session: Session, changes: Iterable[RecordChange]) -> int:
    """Log ``changes`` in this transaction (each (record, kind) once, in the order noted);
    returns the last sequence number given, or 0 when there was nothing to log."""
    unique = list(dict.fromkeys(changes))
    if not unique:
        return 0
    head = _locked_head(session)
    at = utcnow()
    for offset, change in enumerate(unique, start=1):
        session.add(
            ChangeLogEntry(
                seq=head.seq + offset, record_id=change.record_id, kind=change.kind, at=at
            )
        )
    head.seq += len(unique)
    return head.seq


def head(session: Session) -> Head:
    """The log's head, read without locking (what has been committed)."""
    row = session.get(ChangeHead, 1)
    if row is None:
        return Head(0, "")
    return Head(row.seq, row.log_id)


def after(session: Session, seq: int, limit: int) -> list[Logged]:
    """The next ``limit`` changes after ``seq``, in order."""
    rows = session.execute(
        select(ChangeLogEntry)
        .where(ChangeLogEntry.seq > seq)
        .order_by(ChangeLogEntry.seq)
        .limit(limit)
    ).scalars()
    return [Logged(r.seq, r.record_id, Change(r.kind)) for r in rows]


def records_after(session: Session, seq: int) -> set[int]:
    """Records with a change after ``seq``: what a follower at ``seq`` has yet to apply."""
    return set(
        session.execute(
            select(ChangeLogEntry.record_id).where(ChangeLogEntry.seq > seq).distinct()
        ).scalars()
    )


def oldest_after(session: Session, seq: int):
    """When the oldest change after ``seq`` was logged (None when there is none)."""
    return session.execute(
        select(func.min(ChangeLogEntry.at)).where(ChangeLogEntry.seq > seq)
    ).scalar()
