"""What auditors look at: filtered entries, histories, anomalies and counts over time.

Reading the log is itself an action of consequence: each query is recorded. Only auditors and
security officers may read it (the command line, run by the operator, acts as the system).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from archive import audit
from archive.instance import Instance
from archive.models import AuditEntry, utcnow
from security.actor import Context
from security.errors import NotFound
from security.policy.administration import may_read_audit

# Office hours in UTC (07:00–18:00 in Vietnam, UTC+7); reads outside them are listed.
OFFICE_HOURS_UTC = (0, 11)
BULK_DOWNLOADS_PER_HOUR = 20
DENIALS_PER_HOUR = 10
READ_ACTIONS = ("view", "read", "preview", "download", "list", "search")


@dataclass(frozen=True)
class Filter:
    username: str | None = None
    document_id: int | None = None
    action: str | None = None
    outcome: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def _allow(inst: Instance, ctx: Context, what: str, detail: dict) -> None:
    """Check the reader may read the log, and record the reading (or the refusal)."""
    allowed = ctx.principal is None or may_read_audit(ctx.principal).allowed
    with inst.sessions.begin() as session:
        audit.record(
            session,
            inst.keyring,
            ctx,
            "audit_read",
            "allowed" if allowed else "denied",
            None,
            {"what": what, **detail},
        )
    if not allowed:
        raise NotFound("Không tìm thấy trang này.", "Not found.")


def _query(f: Filter):
    stmt = select(AuditEntry)
    if f.username:
        stmt = stmt.where(AuditEntry.username == f.username)
    if f.document_id is not None:
        stmt = stmt.where(AuditEntry.object_id == f.document_id)
    if f.action:
        stmt = stmt.where(AuditEntry.action == f.action)
    if f.outcome:
        stmt = stmt.where(AuditEntry.outcome == f.outcome)
    if f.since:
        stmt = stmt.where(AuditEntry.at >= f.since)
    if f.until:
        stmt = stmt.where(AuditEntry.at < f.until)
    return stmt


def entries(inst: Instance, ctx: Context, f: Filter, limit: int = 100) -> list[dict]:
    _allow(inst, ctx, "entries", {k: str(v) for k, v in f.__dict__.items() if v is not None})
    with inst.sessions() as session:
        rows = session.execute(_query(f).order_by(AuditEntry.seq.desc()).limit(limit)).scalars()
        return [audit.payload_of(e) for e in rows]


def counts_over_time(inst: Instance, ctx: Context, days: int = 30) -> dict[str, Counter]:
    """Per day (UTC), how many entries of each action: the data of the activity chart."""
    _allow(inst, ctx, "counts", {"days": days})
    since = utcnow() - timedelta(days=days)
    per_day: dict[str, Counter] = defaultdict(Counter)
    with inst.sessions() as session:
        for at, action in session.execute(
            select(AuditEntry.at, AuditEntry.action).where(AuditEntry.at >= since)
        ):
            per_day[audit.stamp(at)[:10]][action] += 1
    return dict(sorted(per_day.items()))


def anomalies(inst: Instance, ctx: Context, days: int = 30) -> list[dict]:
    """Reads outside office hours, bulk downloads and bursts of denials, per user and hour."""
    _allow(inst, ctx, "anomalies", {"days": days})
    since = utcnow() - timedelta(days=days)
    found: list[dict] = []
    downloads: Counter = Counter()
    refused: Counter = Counter()
    with inst.sessions() as session:
        rows = session.execute(_query(Filter(since=since)).order_by(AuditEntry.seq)).scalars()
        for e in rows:
            at = audit.stamp(e.at)
            hour = int(at[11:13])
            if (
                e.action in READ_ACTIONS
                and e.outcome == "allowed"
                and e.username
                and not (OFFICE_HOURS_UTC[0] <= hour < OFFICE_HOURS_UTC[1])
            ):
                found.append(
                    {
                        "kind": "off_hours",
                        "username": e.username,
                        "seq": e.seq,
                        "detail": f"{e.action} at {at[:16]} UTC",
                    }
                )
            if e.action == "download" and e.outcome == "allowed":
                downloads[(e.username, at[:13])] += 1
            if e.outcome == "denied":
                refused[(e.username, at[:13])] += 1
    found += [
        {
            "kind": "bulk_download",
            "username": user,
            "seq": None,
            "detail": f"{n} downloads in the hour from {hour}:00 UTC",
        }
        for (user, hour), n in downloads.items()
        if n > BULK_DOWNLOADS_PER_HOUR
    ]
    found += [
        {
            "kind": "denial_burst",
            "username": user,
            "seq": None,
            "detail": f"{n} denials in the hour from {hour}:00 UTC",
        }
        for (user, hour), n in refused.items()
        if n > DENIALS_PER_HOUR
    ]
    return found
