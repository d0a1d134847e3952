"""Fonds, the yearly file plan and dossiers: planned, opened, filled, closed.

A dossier's title is sealed (archive.core.sealing); its level is the highest level of its documents
and, with its unit, decides who sees it at all. Counts, dates and the level are recomputed from
the members at every change, so they can never drift from what the dossier holds.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.accounts import accounts
from archive.audit.actions import Action
from archive.core import sealing
from archive.core.events import Change
from archive.core.instance import Instance
from archive.core.uow import UnitOfWork
from archive.lifecycle.retention import check_period, dossier_period
from archive.models import Document, Dossier, DossierMember, Fonds, Unit, queries, utcnow
from archive.models.queries import (
    dossier_by_code,
    held_ids,
    member_ids,
)
from archive.records import reading
from archive.records.gate import admits, admits_row, scope_of
from security.actor import Context
from security.errors import NotFound, Refused
from security.policy.lifecycle import may_manage_records
from security.vocabulary import LEVELS, Level, level_rank

# -- fonds -----------------------------------------------------------------------------------------


def add_fonds(
    inst: Instance,
    ctx: Context,
    code: str,
    name: str,
    start_year: int | None = None,
    end_year: int | None = None,
    successor: str | None = None,
) -> int:
    """A body's fonds; a predecessor (merged or dissolved body) names its successor."""
    with UnitOfWork(inst, ctx) as uow:
        session = uow.session
        uow.require(Action.FONDS, None, may_manage_records(ctx.principal))
        if session.execute(select(Fonds).where(Fonds.code == code)).scalar():
            raise Refused(f"Phông {code} đã có.", f"Fonds {code} exists.")
        after = fonds_by_code(session, successor).id if successor else None
        row = Fonds(
            code=code, name=name, start_year=start_year, end_year=end_year, successor_id=after
        )
        session.add(row)
        session.flush()
        uow.audit(Action.FONDS, "ok", row.id, {"code": code})
        return row.id


def fonds_by_code(session: Session, code: str) -> Fonds:
    row = session.execute(select(Fonds).where(Fonds.code == code)).scalar()
    if row is None:
        raise NotFound(f"Không có phông {code}.", f"No fonds {code}.")
    return row


def list_fonds(inst: Instance) -> list[dict]:
    with inst.sessions() as session:
        rows = session.execute(select(Fonds).order_by(Fonds.code)).scalars()
        names = {f.id: f.code for f in session.execute(select(Fonds)).scalars()}
        return [
            {
                "code": f.code,
                "name": f.name,
                "years": [f.start_year, f.end_year],
                "successor": names.get(f.successor_id),
            }
            for f in rows
        ]


def assign_fonds(inst: Instance, ctx: Context, doc_ids: list[int], code: str) -> None:
    with UnitOfWork(inst, ctx) as uow:
        session = uow.session
        fonds = fonds_by_code(session, code)
        for doc_id in doc_ids:
            doc = queries.lifecycle_document(session, doc_id)
            uow.require(
                Action.FONDS_ASSIGN,
                doc_id,
                may_manage_records(ctx.principal, doc.level),
            )
            queries.lifecycle_of(session, doc_id).fonds_id = fonds.id
        uow.audit(Action.FONDS_ASSIGN, "ok", None, {"fonds": code, "ids": doc_ids})


# -- the file plan -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DossierView:
    id: int
    code: str
    title: str
    year: int
    unit: str
    retention: str | None
    level: str
    status: str
    start_date: date | None
    end_date: date | None
    doc_count: int
    page_count: int

    def as_dict(self) -> dict:
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in vars(self).items()}


def plan(
    inst: Instance,
    ctx: Context,
    year: int,
    code: str,
    title: str,
    retention: str,
    unit_code: str | None = None,
    rule_code: str | None = None,
    fonds_code: str | None = None,
) -> int:
    """A line of the year's file plan (danh mục hồ sơ): a planned dossier."""
    check_period(retention)
    who = ctx.principal
    with UnitOfWork(inst, ctx) as uow:
        session = uow.session
        uow.require(Action.FILEPLAN, None, may_manage_records(who))
        if session.execute(select(Dossier).where(Dossier.code == code)).scalar():
            raise Refused(f"Mã hồ sơ {code} đã dùng.", f"Dossier code {code} is taken.")
        unit = (
            accounts.get_or_create_unit(session, unit_code.upper())
            if unit_code
            else session.get(Unit, who.unit_id)
        )
        row = Dossier(
            code=code,
            year=year,
            unit_id=unit.id,
            retention=retention,
            rule_code=rule_code,
            fonds_id=fonds_by_code(session, fonds_code).id if fonds_code else None,
            level=Level.THUONG,
            status="planned",
            doc_count=0,
            page_count=0,
        )
        sealing.seal(inst, row, {"title": title})
        session.add(row)
        session.flush()
        uow.audit(
            Action.FILEPLAN,
            "ok",
            row.id,
            {"code": code, "year": year, "retention": retention},
        )
        return row.id


def _visible_dossier(session: Session, ctx: Context, row: Dossier) -> bool:
    scope = scope_of(session, ctx)
    return admits_row(scope, row.level, row.unit_id)


def _held_back(session: Session, ctx: Context, dossier_id: int) -> dict[int, int]:
    """Members whose secrecy became pending after they were filed in the dossier (a later
    reading) and that this person may not see: id → pages. They are left out of the ids and
    the totals shown, so a dossier never reveals them."""
    rows = session.execute(
        select(Document, DossierMember.pages)
        .join(DossierMember, DossierMember.document_id == Document.id)
        .where(DossierMember.dossier_id == dossier_id, Document.secrecy_pending.is_(True))
    ).all()
    scope = scope_of(session, ctx)
    return {doc.id: pages for doc, pages in rows if not admits(scope, doc)}


def _view(
    inst: Instance, session: Session, row: Dossier, ctx: Context | None = None
) -> DossierView:
    hidden = _held_back(session, ctx, row.id) if ctx is not None else {}
    return DossierView(
        row.id,
        row.code,
        sealing.unseal(inst, row).get("title", ""),
        row.year,
        session.get(Unit, row.unit_id).code,
        dossier_period(session, row),
        row.level,
        row.status,
        row.start_date,
        row.end_date,
        row.doc_count - len(hidden),
        row.page_count - sum(hidden.values()),
    )


def file_plan(inst: Instance, ctx: Context, year: int) -> list[DossierView]:
    """The year's dossiers this person may see, titles unsealed; one audit entry."""
    with UnitOfWork(inst, ctx) as uow:
        session = uow.session
        rows = session.execute(
            select(Dossier).where(Dossier.year == year).order_by(Dossier.code)
        ).scalars()
        out = [_view(inst, session, r, ctx) for r in rows if _visible_dossier(session, ctx, r)]
        uow.audit(
            Action.FILEPLAN_LIST,
            "allowed",
            None,
            {"year": year, "dossiers": [v.id for v in out]},
        )
    return out


def show(inst: Instance, ctx: Context, code: str) -> tuple[DossierView, list[int]]:
    """A dossier and the ids of its documents, in order (hidden when out of scope)."""
    with UnitOfWork(inst, ctx) as uow:
        session = uow.session
        row = session.execute(select(Dossier).where(Dossier.code == code)).scalar()
        if row is None or not _visible_dossier(session, ctx, row):
            raise uow.refuse(
                Action.DOSSIER_VIEW,
                None,
                "not found or out of scope",
                NotFound(f"Không có hồ sơ {code}.", f"No dossier {code}."),
                {"code": code},
            )
        view = _view(inst, session, row, ctx)
        hidden = _held_back(session, ctx, row.id)
        ids = [i for i in member_ids(session, row.id) if i not in hidden]
        uow.audit(Action.DOSSIER_VIEW, "allowed", row.id, {"ids": ids})
    return view, ids


# -- filling and closing ---------------------------------------------------------------------------


def page_count(inst: Instance, doc: Document) -> int:
    """Pages of the original (a system read in memory, audited by the caller); 1 if unknown."""
    originals = [o for o in doc.objects if o.kind == "original" and o.shredded_at is None]
    if not originals or originals[0].media_type != "application/pdf":
        return 1
    import pikepdf

    try:
        data = reading.read_object(inst, doc, reading.object_of(doc, "original"))
        with pikepdf.open(io.BytesIO(data)) as pdf:
            return len(pdf.pages)
    except Exception:  # a count is never a reason to refuse
        return 1


def add(inst: Instance, ctx: Context, code: str, doc_ids: list[int]) -> None:
    """Put records into an open (or planned: it opens) dossier; one dossier per record."""
    with UnitOfWork(inst, ctx) as uow:
        session = uow.session
        row = dossier_by_code(session, code)
        if row.status == "closed":
            raise Refused(f"Hồ sơ {code} đã đóng.", f"Dossier {code} is closed.")
        held = held_ids(session)
        for doc_id in doc_ids:
            doc = queries.lifecycle_document(session, doc_id)
            uow.require(
                Action.DOSSIER_ADD,
                doc_id,
                may_manage_records(ctx.principal, doc.level),
            )
            if doc_id in held:
                raise Refused(f"Văn bản {doc_id} đang bị phong tỏa.", f"{doc_id} is on hold.")
            if session.get(DossierMember, doc_id) is not None:
                raise Refused(
                    f"Văn bản {doc_id} đã thuộc một hồ sơ.", f"{doc_id} is already in a dossier."
                )
            last = session.execute(
                select(func.max(DossierMember.ordinal)).where(DossierMember.dossier_id == row.id)
            ).scalar()
            session.add(
                DossierMember(
                    document_id=doc_id,
                    dossier_id=row.id,
                    ordinal=(last or 0) + 1,
                    pages=page_count(inst, doc),
                )
            )
            session.flush()
        row.status = "open"
        _recount(session, row)
        uow.audit(Action.DOSSIER_ADD, "ok", row.id, {"ids": doc_ids})
        for doc_id in doc_ids:  # `hoso:` in search follows at once
            uow.changed(doc_id, Change.DOSSIER)


def remove(inst: Instance, ctx: Context, code: str, doc_id: int) -> None:
    with UnitOfWork(inst, ctx) as uow:
        session = uow.session
        row = dossier_by_code(session, code)
        member = session.get(DossierMember, doc_id)
        if member is None or member.dossier_id != row.id or row.status == "closed":
            raise Refused("Không gỡ được văn bản này.", "Not in this open dossier.")
        doc = queries.lifecycle_document(session, doc_id)
        uow.require(
            Action.DOSSIER_REMOVE,
            doc_id,
            may_manage_records(ctx.principal, doc.level),
        )
        session.delete(member)
        session.flush()
        _recount(session, row)
        uow.audit(Action.DOSSIER_REMOVE, "ok", row.id, {"id": doc_id})
        uow.changed(doc_id, Change.DOSSIER)


def _recount(session: Session, row: Dossier) -> None:
    docs = session.execute(
        select(Document, DossierMember.pages)
        .join(DossierMember, DossierMember.document_id == Document.id)
        .where(DossierMember.dossier_id == row.id)
    ).all()
    days = [d.issued or d.filed_at.date() for d, _ in docs]
    row.doc_count = len(docs)
    row.page_count = sum(p for _, p in docs)
    row.start_date = min(days) if days else None
    row.end_date = max(days) if days else None
    row.level = max((d.level for d, _ in docs), key=level_rank, default=LEVELS[0])


def close(inst: Instance, ctx: Context, code: str) -> DossierView:
    """Close a dossier: totals and dates computed, retention starts at the end of its year."""
    with UnitOfWork(inst, ctx) as uow:
        session = uow.session
        row = dossier_by_code(session, code)
        uow.require(
            Action.DOSSIER_CLOSE,
            row.id,
            may_manage_records(ctx.principal, row.level),
        )
        if row.status == "closed":
            raise Refused(f"Hồ sơ {code} đã đóng.", f"Dossier {code} is already closed.")
        _recount(session, row)
        if row.doc_count == 0:
            raise Refused("Hồ sơ chưa có văn bản.", "An empty dossier cannot be closed.")
        row.status, row.closed_at = "closed", utcnow()
        uow.audit(
            Action.DOSSIER_CLOSE,
            "ok",
            row.id,
            {
                "documents": row.doc_count,
                "pages": row.page_count,
                "end_date": row.end_date.isoformat(),
            },
        )
        return _view(inst, session, row, ctx)
