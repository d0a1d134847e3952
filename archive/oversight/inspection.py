"""What auditors do with the log: filtered entries, anomalies, counts over time, verifying the
chain and exporting it.

Reading the log is itself an action of consequence: each query is recorded. Only auditors and
security officers may read it (the command line, run by the operator, acts as the system).
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from archive.audit import log
from archive.audit.actions import READS, Action
from archive.core import faults
from archive.core.instance import Instance
from archive.core.paging import Window
from archive.core.uow import UnitOfWork
from archive.models import AuditEntry, Document, utcnow
from security.actor import Context
from security.crypto.audit_chain import ChainProblem
from security.errors import KhoError, NotFound
from security.policy.administration import may_read_audit, query_hidden_by

# Office hours in UTC (07:00–18:00 in Vietnam, UTC+7); reads outside them are listed.
OFFICE_HOURS_UTC = (0, 11)
BULK_DOWNLOADS_PER_HOUR = 20
DENIALS_PER_HOUR = 10


@dataclass(frozen=True)
class Filter:
    username: str | None = None
    document_id: int | None = None
    action: str | None = None
    outcome: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    before: int | None = None  # a page further back: entries older than this sequence number


def _allow(inst: Instance, ctx: Context, what: str, detail: dict) -> None:
    """Check the reader may read the log, and record the reading (or the refusal)."""
    allowed = ctx.principal is None or may_read_audit(ctx.principal).allowed
    with UnitOfWork(inst, ctx) as uow:
        uow.audit(
            Action.AUDIT_READ,
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
    if f.before:
        stmt = stmt.where(AuditEntry.seq < f.before)
    return stmt


HIDDEN_QUERY = (
    "ẩn: liên quan đến {n} văn bản trên độ mật của bạn / "
    "hidden: touches {n} records above your clearance"
)


def _shown(inst: Instance, session, ctx: Context, entry: AuditEntry) -> dict:
    """An entry as its reader may see it: sealed free text opened, and a search query's text
    replaced by a note when it found records above the reader's clearance (the operator at the
    command line, who holds the key file, sees every query)."""
    payload = log.opened(inst.keyring, log.payload_of(entry))
    detail = payload["detail"]
    if "query" in detail and ctx.principal is not None:
        ids = [i for i in detail.get("ids") or [] if isinstance(i, int)]
        levels = list(session.execute(select(Document.level).where(Document.id.in_(ids))).scalars())
        above = query_hidden_by(ctx.principal, levels)
        if above:
            payload["detail"] = {**detail, "query": HIDDEN_QUERY.format(n=above)}
    return payload


def entries(inst: Instance, ctx: Context, f: Filter, limit: int = 100) -> list[dict]:
    _allow(inst, ctx, "entries", {k: str(v) for k, v in f.__dict__.items() if v is not None})
    with inst.sessions() as session:
        rows = session.execute(_query(f).order_by(AuditEntry.seq.desc()).limit(limit)).scalars()
        return [_shown(inst, session, ctx, e) for e in rows]


def page(inst: Instance, ctx: Context, f: Filter, size: int) -> Window[dict]:
    """A page of the log, newest first (``f.before``: older than that entry), and whether
    older entries follow."""
    return Window.cut(entries(inst, ctx, f, Window.reading(size)), size)


TRACED = (Action.DOWNLOAD, Action.PREVIEW, Action.DOWNLOAD_ORIGINAL)


def trace(inst: Instance, ctx: Context, trace_id: str) -> list[dict]:
    """The entries that handed out the copy carrying ``trace_id`` (a download, a preview or an
    original): who, when, which record. Reading them is itself audited."""
    trace_id = trace_id.strip().upper()
    _allow(inst, ctx, "trace", {"trace": trace_id})
    with inst.sessions() as session:
        rows = session.execute(
            select(AuditEntry).where(AuditEntry.action.in_(TRACED)).order_by(AuditEntry.seq)
        ).scalars()
        found = (log.payload_of(e) for e in rows)
        return [e for e in found if str((e.get("detail") or {}).get("trace", "")) == trace_id]


def counts_over_time(
    inst: Instance, ctx: Context, days: int = 30, utc_offset: timedelta = timedelta(0)
) -> dict[str, Counter]:
    """Per day, how many entries of each action: the data of the activity chart. Days are UTC
    days, or local days ``utc_offset`` ahead of UTC (the pages: Vietnam, UTC+7)."""
    _allow(inst, ctx, "counts", {"days": days})
    since = utcnow() - timedelta(days=days)
    per_day: dict[str, Counter] = defaultdict(Counter)
    with inst.sessions() as session:
        for at, action in session.execute(
            select(AuditEntry.at, AuditEntry.action).where(AuditEntry.at >= since)
        ):
            per_day[log.stamp(at + utc_offset)[:10]][action] += 1
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
            at = log.stamp(e.at)
            hour = int(at[11:13])
            if (
                e.action in READS
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


def _require_reader(inst: Instance, ctx: Context, action: Action) -> None:
    """Auditors and security officers (or the operator at the command line); a refusal is
    audited and answered like a page that does not exist."""
    decision = may_read_audit(ctx.principal) if ctx.principal else None
    if decision is not None and not decision.allowed:
        with UnitOfWork(inst, ctx) as uow:
            missing = NotFound("Không tìm thấy trang này.", "Not found.")
            raise uow.refuse(action, None, "may not read the audit log", missing)


def verify(
    inst: Instance, ctx: Context, anchor: dict | None = None
) -> tuple[int, list[ChainProblem]]:
    """Check the whole hash chain (and an exported checkpoint), and record the check."""
    _require_reader(inst, ctx, Action.AUDIT_VERIFY)
    with inst.sessions() as session:
        count, problems = log.verify(session, inst.keyring.audit_key, anchor)
    found = [{"seq": p.seq, "problem": p.problem} for p in problems[:100]]
    try:
        with UnitOfWork(inst, ctx) as uow:
            uow.audit(
                Action.AUDIT_VERIFY,
                "damaged" if problems else "ok",
                None,
                entries=count,
                problems=found,
            )
    except Exception as exc:  # the chain was read in full: say what it showed
        if not faults.is_disk_full(exc):
            raise
        raise faults.not_recorded(
            inst.home,
            f"Nhật ký {'bị sửa đổi ở ' + str(len(problems)) + ' chỗ' if problems else 'toàn vẹn'}"
            f" ({count} mục)",
            f"The audit log is {f'tampered with ({len(problems)})' if problems else 'intact'}"
            f" ({count} entries)",
        ) from exc
    return count, problems


def verify_chain(inst: Instance, ctx: Context) -> dict:
    """``verify`` as the auditors' page shows it."""
    count, problems = verify(inst, ctx)
    found = [{"seq": p.seq, "problem": p.problem} for p in problems[:100]]
    return {"entries": count, "ok": not problems, "problems": found}


def checkpoint(inst: Instance, ctx: Context) -> dict:
    """Sign the current head of the log now (the key is made on first use); recorded."""
    key = inst.signing_key()
    with UnitOfWork(inst, ctx) as uow:
        point = log.checkpoint(uow.session, key)
        uow.audit(Action.AUDIT_CHECKPOINT, "done", None, seq=point["seq"])
    return point


def export(
    inst: Instance,
    ctx: Context,
    target: Path,
    since: datetime | None = None,
    until: datetime | None = None,
    shown: str | None = None,
) -> tuple[int, int, dict]:
    """Entries of a period as JSON lines at ``target`` with a manifest beside it and a fresh
    checkpoint; recorded (``shown``: where the export went, for the entry)."""
    _require_reader(inst, ctx, Action.AUDIT_EXPORT)
    key = inst.signing_key()
    with UnitOfWork(inst, ctx) as uow:
        log.checkpoint(uow.session, key)
        first, last = log.seq_range(uow.session, since, until)
        manifest = log.export(uow.session, key, first, last, target)
        uow.audit(
            Action.AUDIT_EXPORT, "done", None, first=first, last=last, target=shown or str(target)
        )
    return first, last, manifest


def export_zip(
    inst: Instance, ctx: Context, since: datetime | None = None, until: datetime | None = None
) -> tuple[bytes, dict]:
    """``export``, zipped in memory for the auditors' page.

    ``log.export`` writes to a path: it is given a private temporary folder (in RAM where
    /dev/shm exists) that is removed before this returns.
    """
    _require_reader(inst, ctx, Action.AUDIT_EXPORT)
    if inst.keyring.signing_key is None:
        raise KhoError(
            "Chưa có khóa ký điểm kiểm tra; chạy `kho audit pubkey` một lần.",
            "No checkpoint signing key yet: run `kho audit pubkey` once.",
        )
    shm = Path("/dev/shm")  # noqa: S108 - RAM-backed, private folder below
    with tempfile.TemporaryDirectory(dir=shm if shm.is_dir() else None) as folder:
        target = Path(folder) / "audit.jsonl"
        _first, _last, manifest = export(inst, ctx, target, since, until, shown="web")
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.write(target, "audit.jsonl")
            zf.write(target.with_name("audit.jsonl.manifest.json"), "audit.jsonl.manifest.json")
    return out.getvalue(), manifest
