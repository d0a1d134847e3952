"""Retention: the editable table, the dates it implies, and the list of what is due.

Rules (docs/lifecycle.md):
- A record's period is its own override, else its series' rule, else the rule for its type;
  with none it is *unappraised* and never due (nothing is destroyed by default).
- A record in a dossier follows the dossier, which takes the longest period of its documents
  (``retention_rank``) and only starts counting once it is closed.
- Periods run from the cut-off: 31 December of the year of the dossier's end date (or of the
  record's own date). A record kept N years may be proposed for disposal from 1 January of
  year + N + 1. "Vĩnh viễn" is never due; "hết hiệu lực" is due from 1 January after the year
  in which the record went out of force, and not before that date is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, extract, literal, null, or_, select
from sqlalchemy.orm import Session

from archive.audit.actions import Action
from archive.core.instance import Instance
from archive.core.paging import Window
from archive.core.uow import UnitOfWork
from archive.models import (
    Document,
    DocumentLifecycle,
    Dossier,
    DossierMember,
    RetentionRule,
    queries,
    utcnow,
)
from archive.models.queries import held_ids
from archive.records.gate import admits, scope_clauses, scope_of
from security.actor import Context
from security.errors import NotFound, Refused
from security.policy.lifecycle import may_edit_retention_table, may_manage_records
from security.vocabulary import RETENTION_PERIODS, retention_rank

# -- dates (pure) --------------------------------------------------------------------------------


def cutoff(on: date) -> date:
    """Records are appraised by year: the period starts at the end of the basis year."""
    return date(on.year, 12, 31)


def due_on(period: str | None, basis: date | None, out_of_force: date | None = None) -> date | None:
    """First day a record may be proposed for disposal; None: never, or not yet knowable."""
    if period is None or period == "vv":
        return None
    if period == "hhl":
        return date(out_of_force.year + 1, 1, 1) if out_of_force else None
    if basis is None:
        return None
    return date(cutoff(basis).year + int(period) + 1, 1, 1)


def longest(periods: list[str | None]) -> str | None:
    known = [p for p in periods if p]
    return max(known, key=retention_rank) if known else None


# -- the table ------------------------------------------------------------------------------------


def check_period(period: str) -> str:
    if period not in RETENTION_PERIODS:
        raise Refused(
            f"Thời hạn bảo quản phải là một trong {', '.join(RETENTION_PERIODS)}.",
            f"Retention must be one of {', '.join(RETENTION_PERIODS)}.",
        )
    return period


def rules(session: Session) -> list[RetentionRule]:
    return list(session.execute(select(RetentionRule).order_by(RetentionRule.code)).scalars())


def table(inst: Instance) -> list[dict]:
    """The retention table as its page and `kho retention list` show it (codes, no content)."""
    with inst.sessions() as session:
        return [
            {
                "code": r.code,
                "title": r.title,
                "doc_type": r.doc_type,
                "period": r.period,
                "basis": r.basis,
                "updated_at": r.updated_at,
            }
            for r in rules(session)
        ]


def set_rule(
    inst: Instance,
    ctx: Context,
    code: str,
    period: str,
    title: str | None = None,
    doc_type: str | None = None,
    basis: str | None = None,
) -> None:
    """Add or change a line of the retention table (administrators); old value in the audit."""
    check_period(period)
    with UnitOfWork(inst, ctx) as uow:
        session = uow.session
        uow.require(Action.RETENTION_RULE, None, may_edit_retention_table(ctx.principal))
        rule = session.execute(select(RetentionRule).where(RetentionRule.code == code)).scalar()
        old = rule.period if rule else None
        if rule is None:
            if not title:
                raise Refused("Dòng mới cần tên.", "A new rule needs a title.")
            rule = RetentionRule(code=code, title=title, basis=basis or "")
            session.add(rule)
        rule.period = period
        rule.title = title or rule.title
        rule.doc_type = doc_type if doc_type is not None else rule.doc_type
        rule.basis = basis if basis is not None else rule.basis
        rule.updated_at = utcnow()
        uow.audit(
            Action.RETENTION_RULE,
            "ok",
            None,
            {"code": code, "period": [old, period], "doc_type": rule.doc_type},
        )


def _rule_period(session: Session, code: str | None, doc_type: str | None) -> str | None:
    if code:
        rule = session.execute(select(RetentionRule).where(RetentionRule.code == code)).scalar()
        if rule is None:
            raise NotFound(f"Không có mã lưu trữ {code}.", f"No retention rule {code}.")
        return rule.period
    if doc_type:
        rule = session.execute(
            select(RetentionRule)
            .where(RetentionRule.doc_type == doc_type)
            .order_by(RetentionRule.id)
        ).scalar()
        return rule.period if rule else None
    return None


def document_period(session: Session, doc: Document, life: DocumentLifecycle | None) -> str | None:
    """The record's own period (before its dossier raises it)."""
    if life is not None and life.retention:
        return life.retention
    return _rule_period(session, life.rule_code if life else None, doc.doc_type)


def assign(
    inst: Instance,
    ctx: Context,
    doc_id: int,
    rule_code: str | None = None,
    period: str | None = None,
    out_of_force_on: date | None = None,
) -> None:
    """Set a record's series, an explicit period, or the date it went out of force."""
    if period:
        check_period(period)
    with UnitOfWork(inst, ctx) as uow:
        session = uow.session
        doc = queries.lifecycle_document(session, doc_id)
        uow.require(Action.RETENTION, doc_id, may_manage_records(ctx.principal, doc.level))
        if rule_code:
            _rule_period(session, rule_code, None)
        life = queries.lifecycle_of(session, doc_id)
        before = [life.rule_code, life.retention, str(life.out_of_force_on or "")]
        life.rule_code = rule_code or life.rule_code
        life.retention = period or life.retention
        life.out_of_force_on = out_of_force_on or life.out_of_force_on
        after = [life.rule_code, life.retention, str(life.out_of_force_on or "")]
        uow.audit(
            Action.RETENTION,
            "ok",
            doc_id,
            {"before": before, "after": after},
        )


# -- what is due -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    document_id: int
    doc_type: str | None
    level: str
    unit_id: int
    dossier: str | None
    retention: str | None
    due_on: date | None
    held: bool

    def as_dict(self) -> dict:
        return {
            "id": self.document_id,
            "doc_type": self.doc_type,
            "level": self.level,
            "dossier": self.dossier,
            "retention": self.retention,
            "due_on": self.due_on.isoformat() if self.due_on else None,
            "held": self.held,
        }


def dossier_period(session: Session, dossier: Dossier) -> str | None:
    """The dossier's planned period raised to the longest of its documents' own periods."""
    periods: list[str | None] = [dossier.retention]
    members = session.execute(
        select(Document, DocumentLifecycle)
        .join(DossierMember, DossierMember.document_id == Document.id)
        .outerjoin(DocumentLifecycle, DocumentLifecycle.document_id == Document.id)
        .where(DossierMember.dossier_id == dossier.id)
    )
    for doc, life in members:
        periods.append(document_period(session, doc, life))
    return longest(periods)


def schedule(session: Session, doc: Document) -> tuple[str | None, date | None, str | None]:
    """(period, first disposal day, dossier code) of one record."""
    life = session.get(DocumentLifecycle, doc.id)
    member = session.get(DossierMember, doc.id)
    if member is not None:
        dossier = session.get(Dossier, member.dossier_id)
        period = dossier_period(session, dossier)
        if dossier.status != "closed":
            return period, None, dossier.code
        out = _latest_out_of_force(session, dossier) if period == "hhl" else None
        return (
            period,
            due_on(period, dossier.end_date or dossier.closed_at.date(), out),
            dossier.code,
        )
    period = document_period(session, doc, life)
    basis = doc.issued or doc.filed_at.date()
    return period, due_on(period, basis, life.out_of_force_on if life else None), None


def _latest_out_of_force(session: Session, dossier: Dossier) -> date | None:
    dates = list(
        session.execute(
            select(DocumentLifecycle.out_of_force_on)
            .join(DossierMember, DossierMember.document_id == DocumentLifecycle.document_id)
            .where(DossierMember.dossier_id == dossier.id)
        ).scalars()
    )
    count = session.query(DossierMember).filter_by(dossier_id=dossier.id).count()
    if len(dates) < count or any(d is None for d in dates):
        return None
    return max(dates)


class _Table:
    """The retention table read once: a rule by code, the first rule of each type."""

    def __init__(self, session: Session) -> None:
        self.by_code: dict[str, str] = {}
        self.by_type: dict[str, str] = {}
        for rule in session.execute(select(RetentionRule).order_by(RetentionRule.id)).scalars():
            self.by_code[rule.code] = rule.period
            if rule.doc_type:
                self.by_type.setdefault(rule.doc_type, rule.period)

    def period(self, doc_type: str | None, retention: str | None, code: str | None) -> str | None:
        """``document_period`` for columns already read (same rules, same refusal)."""
        if retention:
            return retention
        if code:
            if code not in self.by_code:
                raise NotFound(f"Không có mã lưu trữ {code}.", f"No retention rule {code}.")
            return self.by_code[code]
        return self.by_type.get(doc_type) if doc_type else None


class _Dossiers:
    """The dossiers of the records read so far and their members' lifecycle columns, read two
    queries per batch of records (what ``schedule`` reads one dossier at a time); a dossier's
    (period, first disposal day, code) computed when first asked for."""

    def __init__(self, session: Session, table: _Table) -> None:
        self.session = session
        self.table = table
        self.rows: dict[int, Dossier] = {}
        self.members: dict[int, list] = {}
        self._found: dict[int, tuple[str | None, date | None, str]] = {}

    def load(self, ids: set[int]) -> None:
        """Read the dossiers among ``ids`` not read yet, with all their members."""
        wanted = sorted(i for i in ids if i not in self.rows)
        if not wanted:
            return
        for dossier in self.session.execute(
            select(Dossier).where(Dossier.id.in_(wanted))
        ).scalars():
            self.rows[dossier.id] = dossier
        for row in self.session.execute(
            select(
                DossierMember.dossier_id,
                Document.doc_type,
                DocumentLifecycle.document_id.label("has_life"),
                DocumentLifecycle.retention,
                DocumentLifecycle.rule_code,
                DocumentLifecycle.out_of_force_on,
            )
            .join(Document, Document.id == DossierMember.document_id)
            .outerjoin(DocumentLifecycle, DocumentLifecycle.document_id == Document.id)
            .where(DossierMember.dossier_id.in_(wanted))
        ):
            self.members.setdefault(row.dossier_id, []).append(row)

    def schedule(self, dossier_id: int) -> tuple[str | None, date | None, str]:
        found = self._found.get(dossier_id)
        if found is None:
            dossier, rows = self.rows[dossier_id], self.members.get(dossier_id, [])
            period = longest(
                [dossier.retention]
                + [self.table.period(r.doc_type, r.retention, r.rule_code) for r in rows]
            )
            day = None
            if dossier.status == "closed":
                dates = [r.out_of_force_on for r in rows]
                known = all(r.has_life is not None for r in rows) and None not in dates
                out_of_force = max(dates) if period == "hhl" and rows and known else None
                day = due_on(period, dossier.end_date or dossier.closed_at.date(), out_of_force)
            found = self._found[dossier_id] = (period, day, dossier.code)
        return found


DUE_BATCH = 1000  # records a query of the due list reads (by primary key), with their dossiers
_YEARS = tuple(p for p in RETENTION_PERIODS if p.isdigit())  # the periods counted in years
_UNKNOWN = "?"  # a rule code the table lacks: the record is read, and refused as before


def _year_of(on, otherwise=None):
    return (
        extract("year", on)
        if otherwise is None
        else case((on.is_not(None), extract("year", on)), else_=extract("year", otherwise))
    )


def _old_enough(period, basis_year, today: date):
    """SQL: a period in years that may have run out by ``today`` from a basis in
    ``basis_year`` (a year of slack over ``due_on``: the exact day is computed in Python)."""
    return or_(*(and_(period == p, basis_year <= today.year - int(p)) for p in _YEARS))


def _may_be_due(table: _Table, today: date):
    """The due list's filter in SQL, looser than ``due_on`` and never stricter: the records
    whose period (their own, their rule's, their type's; their dossier's planned one, which
    their documents can only lengthen) could have run out, so that a page does not read and
    date the whole archive to find the few that are due."""
    life = DocumentLifecycle

    def mapped(mapping: dict[str, str], value, otherwise):
        return case(mapping, value=value, else_=otherwise) if mapping else otherwise

    period = case(
        (and_(life.retention.is_not(None), life.retention != ""), life.retention),
        (
            and_(life.rule_code.is_not(None), life.rule_code != ""),
            mapped(table.by_code, life.rule_code, literal(_UNKNOWN)),
        ),
        else_=mapped(table.by_type, Document.doc_type, null()),
    )
    alone = and_(
        DossierMember.dossier_id.is_(None),
        or_(
            period == _UNKNOWN,
            and_(period == "hhl", life.out_of_force_on.is_not(None)),
            _old_enough(period, _year_of(Document.issued, Document.filed_at), today),
        ),
    )
    in_dossier = and_(
        Dossier.status == "closed",
        or_(
            Dossier.retention.not_in((*_YEARS, "vv")),  # hết hiệu lực, or unknown: read
            _old_enough(Dossier.retention, _year_of(Dossier.end_date, Dossier.closed_at), today),
        ),
    )
    return or_(alone, and_(DossierMember.dossier_id.is_not(None), in_dossier))


def due(
    inst: Instance,
    ctx: Context,
    today: date | None = None,
    after: int = 0,
    limit: int | None = None,
) -> list[Due]:
    """Active records the person may see whose disposal day has come (held ones flagged), in
    filing order: the first ``limit`` due records filed after record ``after`` (all: none)."""
    return _due(inst, ctx, today, after, limit, limit)


def due_page(
    inst: Instance, ctx: Context, after: int, size: int, today: date | None = None
) -> Window[Due]:
    """A page of the due list: ``size`` due records filed after record ``after``, and whether
    another follows; the audit entry lists the page's own, the ones shown."""
    return Window.cut(_due(inst, ctx, today, after, Window.reading(size), size), size)


def _due(
    inst: Instance,
    ctx: Context,
    today: date | None,
    after: int,
    wanted: int | None,
    audited: int | None,
) -> list[Due]:
    """Up to ``wanted`` due records after ``after``; the audit entry lists the first
    ``audited``.

    Set queries, not one schedule per record: the records with their lifecycle and dossier
    columns read in batches along the primary key (a page stops reading once it is full), the
    dossiers of each batch with their members, the retention table, the holds and the person's
    grants once each; the dates are computed from them as ``schedule`` computes them for one
    record. The number of statements does not grow with the archive, only with the batches a
    page reads. The read scope narrows the query itself (a unit's archivist reads a quarter of
    a four-unit archive, not all of it), ``admits`` checks each row again, and a page's batch is
    sized to the page (the filter is close: most rows it lets through are due)."""
    today = today or date.today()
    with UnitOfWork(inst, ctx) as uow:
        session = uow.session
        uow.require(Action.DUE_LIST, None, may_manage_records(ctx.principal))
        scope = scope_of(session, ctx)
        if scope is None or scope.empty:
            uow.audit(Action.DUE_LIST, "allowed", None, {"on": today.isoformat(), "ids": []})
            return []
        held = held_ids(session)
        table = _Table(session)
        dossiers = _Dossiers(session, table)
        out: list[Due] = []
        records = (
            select(
                Document.id,
                Document.doc_type,
                Document.level,
                Document.unit_id,
                Document.secrecy_pending,
                Document.filed_by,
                Document.issued,
                Document.filed_at,
                DocumentLifecycle.retention,
                DocumentLifecycle.rule_code,
                DocumentLifecycle.out_of_force_on,
                DossierMember.dossier_id,
            )
            .outerjoin(DocumentLifecycle, DocumentLifecycle.document_id == Document.id)
            .outerjoin(DossierMember, DossierMember.document_id == Document.id)
            .outerjoin(Dossier, Dossier.id == DossierMember.dossier_id)
            .where(*scope_clauses(scope), _may_be_due(table, today))
            .order_by(Document.id)
            .limit(DUE_BATCH if wanted is None else min(DUE_BATCH, 2 * wanted))
        )
        while wanted is None or len(out) < wanted:  # batch by batch along the primary key
            batch = session.execute(records.where(Document.id > after)).all()
            if not batch:
                break
            after = batch[-1].id
            dossiers.load({doc.dossier_id for doc in batch if doc.dossier_id is not None})
            for doc in batch:
                if wanted is not None and len(out) >= wanted:
                    break
                if not admits(scope, doc):
                    continue
                if doc.dossier_id is not None:
                    period, day, code = dossiers.schedule(doc.dossier_id)
                else:
                    period = table.period(doc.doc_type, doc.retention, doc.rule_code)
                    basis = doc.issued or doc.filed_at.date()
                    day, code = due_on(period, basis, doc.out_of_force_on), None
                if day is not None and day <= today:
                    out.append(
                        Due(
                            doc.id,
                            doc.doc_type,
                            doc.level,
                            doc.unit_id,
                            code,
                            period,
                            day,
                            doc.id in held,
                        )
                    )
        uow.audit(
            Action.DUE_LIST,
            "allowed",
            None,
            {"on": today.isoformat(), "ids": [d.document_id for d in out[:audited]]},
        )
    return out
