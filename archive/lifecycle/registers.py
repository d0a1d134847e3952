"""Registers of incoming and outgoing documents (sổ đăng ký văn bản đến / đi, Nghị định 30
Phụ lục IV), numbered per register and year without gaps or duplicates.

Numbering: the counter row of (register, year) is locked (``SELECT … FOR UPDATE`` on
PostgreSQL; SQLite transactions already start with ``BEGIN IMMEDIATE``) and incremented in the
same transaction that inserts the entry and its audit entry, so a failed registration rolls the
number back with it and two archivists can never get the same number. A missing counter row is
created in a savepoint; a concurrent creator's unique violation is absorbed and the row locked.

Everything but the dates, the level and the unit is sealed per entry. Lists and exports pass the
gate: an entry is shown only when its document (at its current level) or, for paper-only
documents, its own level and unit are within the person's scope; one audit entry lists the ids.
"""

from __future__ import annotations

import csv
import html
import io
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from archive.accounts import accounts
from archive.audit.actions import Action
from archive.core import grouping, sealing
from archive.core.instance import Instance
from archive.core.paging import Window
from archive.core.uow import UnitOfWork
from archive.models import Document, RecordStatus, Register, RegisterCounter, RegisterEntry
from archive.records import gate
from archive.records.gate import scope_of
from security.actor import Context
from security.crypto.keys import Keyring
from security.errors import NotFound, Refused
from security.policy.lifecycle import may_register
from security.vocabulary import LEVEL_NAMES, LEVELS, Level

# Columns of Phụ lục IV beyond number and date: (field, Vietnamese heading).
FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    "incoming": (
        ("sender", "Tác giả (nơi gửi)"),
        ("number", "Số, ký hiệu"),
        ("issued", "Ngày tháng văn bản"),
        ("doc_type", "Tên loại"),
        ("subject", "Trích yếu nội dung"),
        ("routed_to", "Đơn vị hoặc người nhận"),
        ("passed_on", "Ngày chuyển"),
        ("note", "Ghi chú"),
    ),
    "outgoing": (
        ("number", "Số, ký hiệu"),
        ("doc_type", "Tên loại"),
        ("subject", "Trích yếu nội dung"),
        ("signer", "Người ký"),
        ("recipients", "Nơi nhận"),
        ("kept_by", "Đơn vị, người nhận bản lưu"),
        ("copies", "Số lượng bản"),
        ("note", "Ghi chú"),
    ),
}
HEAD = {
    "incoming": (("entry_number", "Số đến"), ("entry_date", "Ngày đến")),
    "outgoing": (("entry_number", "Số thứ tự"), ("entry_date", "Ngày tháng")),
}


@dataclass(frozen=True)
class Entry:
    id: int
    register: str
    year: int
    number: int
    entry_date: date
    document_id: int | None
    level: str
    details: dict

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "register": self.register,
            "year": self.year,
            "entry_number": self.number,  # the register's own number ("number" is the document's)
            "entry_date": self.entry_date.isoformat(),
            "document_id": self.document_id,
            "level": self.level,
            "level_name": LEVEL_NAMES.get(self.level, self.level),
            **self.details,
        }


def register_of(session: Session, code: str) -> Register:
    row = session.get(Register, code.upper())
    if row is None:
        raise NotFound(f"Không có sổ {code}.", f"No register {code}.")
    return row


def _next_number(session: Session, code: str, year: int) -> int:
    def locked() -> RegisterCounter | None:
        stmt = select(RegisterCounter).where(
            RegisterCounter.register == code, RegisterCounter.year == year
        )
        return session.execute(stmt.with_for_update()).scalar_one_or_none()

    counter = locked()
    if counter is None:
        try:
            with session.begin_nested():
                session.add(RegisterCounter(register=code, year=year, last=0))
        except IntegrityError:
            pass  # another archivist created it first: lock theirs
        counter = locked()
    counter.last += 1
    return counter.last


def _clean(kind: str, details: dict) -> dict:
    known = {name for name, _ in FIELDS[kind]}
    unknown = set(details) - known
    if unknown:
        raise Refused(
            f"Sổ không có cột {sorted(unknown)}.", f"Unknown register fields {sorted(unknown)}."
        )
    return {k: str(v).strip() for k, v in details.items() if v not in (None, "")}


def add_entry(
    inst: Instance,
    ctx: Context,
    register: str,
    entry_date: date,
    details: dict,
    doc_id: int | None = None,
    level: str = Level.THUONG,
    unit_code: str | None = None,
) -> Entry:
    """Register a document; returns the entry with its number (per register and year)."""
    who = ctx.principal
    with UnitOfWork(inst, ctx) as uow:
        session = uow.session
        reg = register_of(session, register)
        details = _clean(reg.kind, details)
        unit_id = who.unit_id
        if doc_id is not None:
            doc = session.get(Document, doc_id)
            if not gate.may_read_now(session, ctx, doc).allowed:
                raise uow.refuse(
                    Action.REGISTER_ADD, doc_id, "not readable", gate.not_found(doc_id)
                )
            level, unit_id = doc.level, doc.unit_id
        elif unit_code:
            unit_id = accounts.get_or_create_unit(session, unit_code.upper()).id
        if level not in LEVELS:
            raise Refused("Độ mật không hợp lệ.", f"Unknown level; use {LEVELS}.")
        uow.require(Action.REGISTER_ADD, doc_id, may_register(who, level))
        number = _next_number(session, reg.code, entry_date.year)
        row = RegisterEntry(
            register=reg.code,
            year=entry_date.year,
            number=number,
            entry_date=entry_date,
            document_id=doc_id,
            level=level,
            unit_id=unit_id,
            entered_by=who.user_id,
        )
        sealing.seal(inst, row, details)
        row.sender_mac = grouping.issuer_mac(inst.keyring, details.get("sender"))
        session.add(row)
        session.flush()
        uow.audit(
            Action.REGISTER_ADD,
            "ok",
            doc_id,
            {"register": reg.code, "year": row.year, "number": number, "entry": row.id},
        )
        return Entry(row.id, reg.code, row.year, number, entry_date, doc_id, level, details)


def entries(
    inst: Instance,
    ctx: Context,
    register: str,
    year: int,
    action: Action = Action.REGISTER_LIST,
    after: int = 0,
    limit: int | None = None,
) -> list[Entry]:
    """The entries of a register's year this person may see, in number order; one audit entry.
    The first ``limit`` entries numbered after ``after`` (the year's whole list: none)."""
    return _entries(inst, ctx, register, year, action, after, limit, limit)


def page(
    inst: Instance, ctx: Context, register: str, year: int, after: int, size: int
) -> Window[Entry]:
    """A page of a register's year: ``size`` entries numbered after ``after``, and whether
    another follows; the audit entry lists the page's own, the ones shown."""
    read = _entries(
        inst, ctx, register, year, Action.REGISTER_LIST, after, Window.reading(size), size
    )
    return Window.cut(read, size)


# A register line and its record as columns (no ORM objects: a page opens two hundred lines);
# the record's own names (id, level, unit_id, …) as ``gate.admits`` reads them from a record
_LINE = (
    RegisterEntry.id.label("entry_id"),
    RegisterEntry.number,
    RegisterEntry.entry_date,
    RegisterEntry.document_id,
    RegisterEntry.level.label("entry_level"),
    RegisterEntry.unit_id.label("entry_unit"),
    RegisterEntry.uid,
    RegisterEntry.kek_version,
    RegisterEntry.wrapped_key,
    RegisterEntry.sealed,
    Document.id,
    Document.level,
    Document.unit_id,
    Document.status,
    Document.secrecy_pending,
    Document.filed_by,
)


def _entries(
    inst: Instance,
    ctx: Context,
    register: str,
    year: int,
    action: Action,
    after: int,
    limit: int | None,
    audited: int | None,
) -> list[Entry]:
    """Up to ``limit`` entries after ``after``; the audit entry lists the first ``audited``.
    The scope narrows the query itself, so a page reads its own rows, not the year's."""
    with UnitOfWork(inst, ctx) as uow:
        session = uow.session
        reg = register_of(session, register)
        scope = scope_of(session, ctx)
        if scope is None or scope.empty:
            uow.audit(action, "allowed", None, register=reg.code, year=year, entries=[])
            return []
        stmt = (
            select(*_LINE)
            .outerjoin(Document, Document.id == RegisterEntry.document_id)
            .where(RegisterEntry.register == reg.code, RegisterEntry.year == year)
            .where(or_(RegisterEntry.document_id.is_(None), and_(*gate.reach_clauses(scope))))
            .order_by(RegisterEntry.number)
        )
        ring = inst.keyring  # read once: a page opens every line it shows
        out: list[Entry] = []
        while limit is None or len(out) < limit:  # a page the row checks shortened reads on
            wanted = None if limit is None else limit - len(out)
            read = stmt.where(RegisterEntry.number > after)
            rows = session.execute(read if wanted is None else read.limit(wanted)).all()
            shown = (_entry(ring, scope, reg.code, year, row) for row in rows)
            out += [entry for entry in shown if entry is not None]
            if not rows or wanted is None or len(rows) < wanted:
                break
            after = rows[-1].number
        uow.audit(
            action,
            "allowed",
            None,
            register=reg.code,
            year=year,
            entries=[e.id for e in out[:audited]],
        )
    return out


def _entry(ring: Keyring, scope, code: str, year: int, row) -> Entry | None:
    """A register line as this scope may see it (None: not shown): its record's level, unit and
    status decide; a paper-only line's own level and unit."""
    paper = row.id is None
    if not paper and not gate.admits(scope, row):
        return None
    if paper and not gate.admits_row(scope, row.entry_level, row.entry_unit):
        return None
    if not paper and row.status not in (RecordStatus.ACTIVE, RecordStatus.DESTROYED):
        return None
    level = row.entry_level if paper else row.level
    details = sealing.unseal_columns(ring, RegisterEntry.__tablename__, row)
    return Entry(
        row.entry_id, code, year, row.number, row.entry_date, row.document_id, level, details
    )


def columns(kind: str) -> list[tuple[str, str]]:
    # The official register's columns first, in their order; then Kho's own.
    return [
        *HEAD[kind],
        *FIELDS[kind],
        ("level_name", "Độ mật"),
        ("document_id", "Mã văn bản trong Kho"),
    ]


# A cell a spreadsheet would run as a formula (=, +, -, @) or that hides one behind a tab or a
# carriage return is written with a leading apostrophe: shown as typed, never evaluated.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> str:
    """A cell's text as a spreadsheet will show it, never as a formula it would run."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _kind(inst: Instance, register: str) -> str:
    with inst.sessions() as session:
        return register_of(session, register).kind


def export_csv(inst: Instance, ctx: Context, register: str, year: int) -> str:
    """The register as CSV (Vietnamese headings, UTF-8): an export, audited as one entry."""
    kind = _kind(inst, register)
    rows = entries(inst, ctx, register, year, action=Action.REGISTER_EXPORT)
    out = io.StringIO()
    writer = csv.writer(out)
    cols = columns(kind)
    writer.writerow([title for _, title in cols])
    for entry in rows:
        data = entry.as_dict()
        writer.writerow([spreadsheet_safe(data.get(name)) for name, _ in cols])
    return out.getvalue()


def printable(inst: Instance, ctx: Context, register: str, year: int) -> str:
    """A self-contained HTML page of the register for printing (no external resources)."""
    kind = _kind(inst, register)
    with inst.sessions() as session:
        name = register_of(session, register).name
    rows = entries(inst, ctx, register, year, action=Action.REGISTER_EXPORT)
    cols = columns(kind)
    head = "".join(f"<th>{html.escape(title)}</th>" for _, title in cols)
    body = "".join(
        "<tr>"
        + "".join(f"<td>{html.escape(str(e.as_dict().get(n) or ''))}</td>" for n, _ in cols)
        + "</tr>"
        for e in rows
    )
    return (
        '<!doctype html><meta charset="utf-8"><title>'
        f"{html.escape(name)} {year}</title>"
        "<style>table{border-collapse:collapse}td,th{border:1px solid #000;padding:2px 4px}"
        "</style>"
        f"<h1>{html.escape(name)} năm {year}</h1><table><tr>{head}</tr>{body}</table>"
    )
