"""The office's statistics for a year: documents in and out (the registers) per month, by type,
issuer, unit and level; assignments: how many, done, open, overdue, and how long they took.

Trimmed by the viewer's scope like every list: register entries are counted through the gate's
read scope (``gate.scope_clauses`` on the record, ``gate.admits_row`` for a paper-only entry),
assignments only on records the scope admits, so a count never includes what the viewer may
not see. The issuer is sealed (the register's "nơi gửi", else the record's description), so it
is unsealed in memory, one entry at a time, and never stored. One audit entry per view or
export, with the totals (no content).
"""

from __future__ import annotations

import csv
import io
import json
import statistics as stats
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import and_, case, extract, func, or_, select

from archive.audit.actions import Action
from archive.core import bindings, grouping, sealing
from archive.core.instance import Instance
from archive.core.uow import UnitOfWork
from archive.lifecycle.registers import spreadsheet_safe
from archive.models import (
    Assignment,
    AssignmentStatus,
    Document,
    Register,
    RegisterEntry,
    RegisterTally,
    SenderTally,
    Unit,
    User,
    aware,
    utcnow,
)
from archive.records import gate
from security.actor import Context
from security.crypto.stream import decrypt_bytes
from security.errors import NotFound
from security.policy.workflow import may_track
from security.vocabulary import LEVELS

KINDS = ("incoming", "outgoing")
TOP = 10  # issuers shown; the rest counted as "khác"


@dataclass
class Statistics:
    year: int
    months: list[Counter] = field(default_factory=lambda: [Counter() for _ in range(12)])
    by_type: dict[str, Counter] = field(default_factory=dict)
    by_issuer: Counter = field(default_factory=Counter)  # incoming only: who sent it
    by_unit: dict[str, Counter] = field(default_factory=dict)  # by the unit's full name
    by_level: dict[str, Counter] = field(default_factory=dict)
    assigned: int = 0
    done: int = 0
    open: int = 0
    overdue_open: int = 0
    done_late: int = 0
    days: list[float] = field(default_factory=list)  # processing time of each done one

    @property
    def totals(self) -> Counter:
        return sum(self.months, Counter())

    @property
    def mean_days(self) -> float | None:
        return round(stats.fmean(self.days), 1) if self.days else None

    @property
    def median_days(self) -> float | None:
        return round(stats.median(self.days), 1) if self.days else None

    def top_issuers(self) -> list[tuple[str | None, int]]:
        """The most frequent senders; None: all the others together (khác)."""
        top: list[tuple[str | None, int]] = list(self.by_issuer.most_common(TOP))
        rest = sum(self.by_issuer.values()) - sum(n for _, n in top)
        return top + ([(None, rest)] if rest else [])


def _add(table: dict[str, Counter], key: str, kind: str, n: int = 1) -> None:
    table.setdefault(key, Counter())[kind] += n


def _refuse(uow: UnitOfWork, action: Action, reason: str) -> NotFound:
    return uow.refuse(action, None, reason, NotFound("Không tìm thấy trang này.", "Not found."))


def compute(
    inst: Instance, ctx: Context, year: int, action: Action = Action.STATISTICS
) -> Statistics:
    """The year's figures for this viewer (archivists, security officers, unit heads)."""
    out = Statistics(year)
    with UnitOfWork(inst, ctx) as uow:
        session = uow.session
        me = session.get(User, ctx.principal.user_id) if ctx.principal else None
        decision = may_track(ctx.principal, me.is_unit_head) if me else None
        if decision is None or not decision.allowed:
            raise _refuse(uow, action, decision.reason if decision else "nobody")
        scope = gate.scope_of(session, ctx)
        if scope is not None and not scope.empty:
            units = {u.id: u.name or u.code for u in session.execute(select(Unit)).scalars()}
            _count_registers(inst, session, scope, year, units, out)
            _count_assignments(session, scope, year, out)
        totals = out.totals
        uow.audit(
            action,
            "allowed",
            None,
            year=year,
            incoming=totals["incoming"],
            outgoing=totals["outgoing"],
            assigned=out.assigned,
        )
    return out


def _count_registers(inst, session, scope, year, units, out: Statistics) -> None:
    """The lines of records in the scope's units come from the running counts
    (``archive.core.tallies``: a few hundred rows whatever the year's size), trimmed there by
    unit, level and the pending rule; the lines of records the scope admits beyond its units
    (shared with the unit, granted) are counted in SQL from the rows, as are their senders
    (keyed fingerprints: archive/core/grouping.py). One line is opened per sender for its name.
    Opened one at a time, as before: the lines of paper-only documents (their type is sealed,
    their own level and unit decide who sees them), and for their sender the lines whose
    fingerprints were not computed yet (written before 0024). The keyring read once."""
    in_scope = and_(*gate.scope_clauses(scope))
    incoming = Register.kind == "incoming"
    # a line of a record is counted in SQL unless its sender's fingerprint is missing
    counted = or_(
        ~incoming,
        and_(
            RegisterEntry.sender_mac.is_not(None),
            or_(RegisterEntry.sender_mac != grouping.NONE, Document.issuer_mac.is_not(None)),
        ),
    )
    of_year = (
        select()
        .select_from(RegisterEntry)
        .join(Register, Register.code == RegisterEntry.register)
        .where(RegisterEntry.year == year)
    )
    records = of_year.join(Document, Document.id == RegisterEntry.document_id).where(in_scope)
    incoming_codes = select(Register.code).where(incoming).scalar_subquery()
    senders: Counter = Counter()  # fingerprint → lines
    firsts: dict[str, int] = {}  # fingerprint → a line of it to open for the name
    _count_tallies(session, scope, year, units, out, senders, firsts)
    if scope.document_ids:  # beyond the scope's units: a few records, counted from the rows
        beyond = records.where(Document.unit_id.not_in(scope.unit_ids))
        _count_rows(session, beyond.where(counted), units, out)
        sender = case(
            (RegisterEntry.sender_mac != grouping.NONE, RegisterEntry.sender_mac),
            else_=Document.issuer_mac,
        )
        for mac, n, first in session.execute(
            beyond.add_columns(sender, func.count(), func.min(RegisterEntry.id))
            .where(RegisterEntry.register.in_(incoming_codes), counted)
            .group_by(sender)
        ):
            senders[mac] += n
            firsts[mac] = min(first, firsts.get(mac, first))
    ring = inst.keyring
    names = _sender_names(ring, session, firsts, year, incoming_codes)
    for name, n in sorted((names[mac] if mac else "?", n) for mac, n in senders.items() if n):
        out.by_issuer[name] += n  # in name order: equal counts rank the same on every run
    # one by one: paper-only lines, lines of records not fingerprinted yet; each its own
    # statement, so that each reads its few lines through an index, not the year's lines
    paper_lines = session.execute(
        of_year.outerjoin(Document, Document.id == RegisterEntry.document_id)
        .add_columns(*_ONE_BY_ONE)
        .where(RegisterEntry.document_id.is_(None))
    ).all()
    unfingerprinted = [  # no fingerprint, or none of its own and none of its record's
        row
        for no_mac in (
            RegisterEntry.sender_mac.is_(None),
            RegisterEntry.sender_mac == grouping.NONE,
        )
        for row in session.execute(
            records.add_columns(*_ONE_BY_ONE).where(
                RegisterEntry.register.in_(incoming_codes), no_mac, ~counted
            )
        )
    ]
    for row in paper_lines + unfingerprinted:
        paper = row.doc_uid is None
        if paper and not gate.admits_row(scope, row.entry_level, row.entry_unit):
            continue
        kind = row.kind
        details = {}
        if paper or kind == "incoming":
            details = sealing.unseal_columns(ring, RegisterEntry.__tablename__, row)
        if paper or row.unit_id not in scope.unit_ids:  # else in the running counts already
            out.months[row.entry_date.month - 1][kind] += 1
            doc_type = (row.doc_type if not paper else None) or details.get("doc_type") or "?"
            _add(out.by_type, doc_type, kind)
            _add(out.by_unit, units.get(row.entry_unit if paper else row.unit_id, "?"), kind)
            _add(out.by_level, row.entry_level if paper else row.level, kind)
        if kind == "incoming":
            issuer = details.get("sender")
            if not issuer and not paper:
                issuer = _issuer(ring, row)
            out.by_issuer[grouping.folded(issuer or "?")] += 1


def _count_tallies(session, scope, year, units, out, senders: Counter, firsts: dict) -> None:
    """The running counts of the lines of records in the scope's units, at the levels it
    admits, pending ones only as the gate's pending rule lets this reader see them."""
    levels = LEVELS[: scope.max_level + 1]

    def admitted(table):
        return (
            table.year == year,
            table.unit_id.in_(scope.unit_ids),
            table.level.in_(levels),
            gate.pending_filer_clause(scope, table.pending_filer),
            table.n != 0,
        )

    t = RegisterTally
    for m, kind, doc_type, unit_id, level, n in session.execute(
        select(t.month, t.kind, t.doc_type, t.unit_id, t.level, t.n).where(*admitted(t))
    ):
        _tally(out, m, kind, doc_type or "?", unit_id, level, n, units)
    s = SenderTally
    for mac, n, first in session.execute(select(s.sender, s.n, s.first_entry).where(*admitted(s))):
        senders[mac] += n
        if first is not None:
            firsts[mac] = min(first, firsts.get(mac, first))


def _count_rows(session, lines, units, out: Statistics) -> None:
    month = extract("month", RegisterEntry.entry_date)
    dims = (month, Register.kind, Document.doc_type, Document.unit_id, Document.level)
    for m, kind, doc_type, unit_id, level, n in session.execute(
        lines.add_columns(*dims, func.count()).group_by(*dims)
    ):
        _tally(out, m, kind, doc_type or "?", unit_id, level, n, units)


def _tally(out: Statistics, month, kind, doc_type, unit_id, level, n, units) -> None:
    out.months[int(month) - 1][kind] += n
    _add(out.by_type, doc_type, kind, n)
    _add(out.by_unit, units.get(unit_id, "?"), kind, n)
    _add(out.by_level, level, kind, n)


_ONE_BY_ONE = (
    RegisterEntry.uid,
    RegisterEntry.kek_version,
    RegisterEntry.wrapped_key,
    RegisterEntry.sealed,
    RegisterEntry.entry_date,
    RegisterEntry.level.label("entry_level"),
    RegisterEntry.unit_id.label("entry_unit"),
    Register.kind,
    Document.uid.label("doc_uid"),
    Document.doc_type,
    Document.level,
    Document.unit_id,
    Document.meta_kek_version,
    Document.meta_wrapped_key,
    Document.sealed_meta,
)


def _issuer(ring, row) -> str | None:
    where = bindings.record(row.doc_uid, "meta")
    key = ring.unwrap(row.meta_kek_version, row.meta_wrapped_key, where)
    return json.loads(decrypt_bytes(key, row.sealed_meta, where)).get("issuer")


def _sender_names(ring, session, firsts: dict[str, int], year, incoming_codes) -> dict[str, str]:
    """The name each sender shows, keyed by its fingerprint: one line opened per sender (its own
    sender, else its record's issuer), not per line. A line whose fingerprint has changed since
    it was counted first (its record's issuer edited) is passed over for another of the year."""
    names: dict[str, str] = {}
    wanted = {first: mac for mac, first in firsts.items() if mac}
    ids = sorted(wanted)
    for start in range(0, len(ids), 500):  # bounded IN lists
        batch = ids[start : start + 500]
        for row in session.execute(_line_of().where(RegisterEntry.id.in_(batch))):
            mac = wanted[row.id]
            if _fingerprint(row) == mac:
                names[mac] = _name(ring, row)
    for mac in {m for m in wanted.values() if m not in names}:
        row = session.execute(
            _line_of()
            .where(RegisterEntry.register.in_(incoming_codes), RegisterEntry.year == year)
            .where(
                or_(
                    RegisterEntry.sender_mac == mac,
                    and_(RegisterEntry.sender_mac == grouping.NONE, Document.issuer_mac == mac),
                )
            )
            .order_by(RegisterEntry.id)
            .limit(1)
        ).first()
        names[mac] = _name(ring, row) if row is not None else "?"
    return names


def _line_of():
    return (
        select(RegisterEntry.id, RegisterEntry.sender_mac, Document.issuer_mac, *_ONE_BY_ONE)
        .join(Register, Register.code == RegisterEntry.register)
        .join(Document, Document.id == RegisterEntry.document_id)
    )


def _fingerprint(row) -> str | None:
    return row.sender_mac if row.sender_mac != grouping.NONE else row.issuer_mac


def _name(ring, row) -> str:
    if row.sender_mac != grouping.NONE:
        issuer = sealing.unseal_columns(ring, RegisterEntry.__tablename__, row)["sender"]
    else:
        issuer = _issuer(ring, row)
    return grouping.folded(issuer or "?")


def _count_assignments(session, scope, year: int, out: Statistics) -> None:
    start = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    rows = session.execute(
        select(Assignment)
        .join(Document, Document.id == Assignment.document_id)
        .where(Assignment.assigned_at >= start, Assignment.assigned_at < end)
        .where(*gate.scope_clauses(scope))
    ).scalars()
    now = utcnow()
    for row in rows:
        out.assigned += 1
        deadline = aware(row.deadline)
        if row.status == AssignmentStatus.DONE:
            out.done += 1
            done_at = aware(row.done_at)
            out.days.append((done_at - aware(row.assigned_at)).total_seconds() / 86400)
            out.done_late += deadline is not None and done_at > deadline
        else:
            out.open += 1
            out.overdue_open += deadline is not None and now > deadline


def export_csv(inst: Instance, ctx: Context, year: int) -> str:
    """The figures as CSV (UTF-8, Vietnamese headings; times in UTC): audited as an export."""
    figures = compute(inst, ctx, year, Action.STATISTICS_EXPORT)
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["Thống kê văn bản", year, "Lập lúc (UTC)", utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")])
    w.writerow(["Nhóm", "Giá trị", "Văn bản đến", "Văn bản đi"])
    for month, counts in enumerate(figures.months, start=1):
        w.writerow(["Tháng", f"{year}-{month:02d}", counts["incoming"], counts["outgoing"]])
    for name, table in (
        ("Loại văn bản", figures.by_type),
        ("Đơn vị", figures.by_unit),
        ("Độ mật", dict(sorted(figures.by_level.items(), key=lambda kv: _level_order(kv[0])))),
    ):
        for key, counts in table.items():
            w.writerow([name, spreadsheet_safe(key), counts["incoming"], counts["outgoing"]])
    for issuer, n in figures.top_issuers():
        w.writerow(["Nơi gửi", spreadsheet_safe(issuer or "Khác"), n, ""])
    w.writerow(["Xử lý", "Giao xử lý", figures.assigned, ""])
    w.writerow(["Xử lý", "Đã xong", figures.done, ""])
    w.writerow(["Xử lý", "Đang xử lý", figures.open, ""])
    w.writerow(["Xử lý", "Quá hạn chưa xong", figures.overdue_open, ""])
    w.writerow(["Xử lý", "Xong sau hạn", figures.done_late, ""])
    w.writerow(["Xử lý", "Số ngày xử lý trung bình", _blank(figures.mean_days), ""])
    w.writerow(["Xử lý", "Số ngày xử lý trung vị", _blank(figures.median_days), ""])
    return out.getvalue()


def _blank(value: float | None) -> str:
    return "" if value is None else f"{value}"


def _level_order(level: str) -> int:
    return LEVELS.index(level) if level in LEVELS else len(LEVELS)
