"""Disposal (tiêu hủy): proposal by an archivist, approval by two distinct council members who
are not the proposer, then destruction by crypto-shredding.

Each step re-checks holds and the schedule, so a hold placed after the approval still stops the
execution. Destruction of one record is one transaction: its data keys deleted
(``filing.shred_in``, a ``shred`` audit entry), the record marked destroyed, the destruction
record and a ``dispose`` audit entry; then its blobs are removed. The sealed description stays
as the stub. An interrupted execution is simply run again: destroyed records are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from archive.audit import log
from archive.audit.actions import Action
from archive.core import sealing
from archive.core.events import Change
from archive.core.instance import Instance
from archive.core.uow import UnitOfWork
from archive.lifecycle.retention import schedule
from archive.models import (
    DescriptionVersion,
    DestructionRecord,
    DisposalApproval,
    DisposalItem,
    DisposalProposal,
    DossierMember,
    RecordStatus,
    User,
    queries,
    utcnow,
)
from archive.models.queries import held_ids
from archive.records import filing
from security.actor import Context
from security.errors import NotFound, Refused
from security.policy.decision import Decision
from security.policy.lifecycle import (
    approved,
    may_approve_disposal,
    may_execute_disposal,
    may_propose_disposal,
)


def _ids_of(session: Session, doc_ids: list[int] | None, dossier_code: str | None) -> list[int]:
    from archive.models.queries import dossier_by_code, member_ids

    ids = list(doc_ids or [])
    if dossier_code:
        ids += member_ids(session, dossier_by_code(session, dossier_code).id)
    if not ids:
        raise Refused("Chưa chọn văn bản nào.", "No documents named.")
    return sorted(set(ids))


def _check_items(
    uow: UnitOfWork, action: Action, pid: int | None, ids: list[int], today: date
) -> None:
    """Every record exists, is active, is due and is not held; else a recorded refusal."""
    session = uow.session
    held = held_ids(session)
    for doc_id in ids:
        doc = queries.lifecycle_document(session, doc_id)
        problem = None
        if doc.status != RecordStatus.ACTIVE:
            problem = f"record {doc_id} is {doc.status}"
        elif doc_id in held:
            problem = f"record {doc_id} is under a legal hold"
        else:
            day = schedule(session, doc)[1]
            if day is None or day > today:
                problem = f"record {doc_id} is not due for disposal"
        if problem:
            uow.require(
                action,
                pid,
                Decision(False, problem),
                f"Không tiêu hủy được văn bản {doc_id} (phong tỏa, chưa đến hạn hoặc đã hủy).",
                {"document": doc_id},
            )


def propose(
    inst: Instance,
    ctx: Context,
    reason: str,
    doc_ids: list[int] | None = None,
    dossier_code: str | None = None,
    today: date | None = None,
) -> int:
    today = today or date.today()
    reason = " ".join(reason.split())
    if len(reason) < 10:
        raise Refused("Hãy ghi rõ lý do (ít nhất 10 ký tự).", "Give a reason (10+ characters).")
    with UnitOfWork(inst, ctx) as uow:
        session = uow.session
        ids = _checked_for_proposal(uow, doc_ids, dossier_code, today)
        proposal = DisposalProposal(proposed_by=ctx.principal.user_id)
        sealing.seal_reason(inst, proposal, reason[:500])
        session.add(proposal)
        session.flush()
        pages = {doc_id: _pages(inst, session, doc_id) for doc_id in ids}
        for doc_id in ids:
            session.add(
                DisposalItem(proposal_id=proposal.id, document_id=doc_id, pages=pages[doc_id])
            )
        uow.audit(
            Action.DISPOSE_PROPOSE,
            "ok",
            None,
            {"proposal": proposal.id, "ids": ids, "pages": sum(pages.values())},
            sealed={"reason": reason[:500]},
        )
        return proposal.id


def _checked_for_proposal(
    uow: UnitOfWork, doc_ids: list[int] | None, dossier_code: str | None, today: date
) -> list[int]:
    """The records named, once the proposer may propose every one of them and each is due,
    active and not held (a refusal is recorded otherwise)."""
    session = uow.session
    ids = _ids_of(session, doc_ids, dossier_code)
    levels = [queries.lifecycle_document(session, i).level for i in ids]
    uow.require(Action.DISPOSE_PROPOSE, None, may_propose_disposal(uow.ctx.principal, levels))
    _check_items(uow, Action.DISPOSE_PROPOSE, None, ids, today)
    return ids


def _pages(inst: Instance, session: Session, doc_id: int) -> int:
    """A record's pages: as counted when it joined its dossier, else from its original (read in
    memory by the system, within the proposal's audited step)."""
    from archive.lifecycle.plan import page_count

    member = session.get(DossierMember, doc_id)
    if member is not None and member.pages:
        return member.pages
    return page_count(inst, queries.lifecycle_document(session, doc_id))


@dataclass(frozen=True)
class Item:
    """One record of a disposal list as the council judges it: codes, dates and counts, never
    its description."""

    document_id: int
    doc_type: str | None
    level: str
    issued: date | None
    retention: str | None
    due_on: date | None
    dossier: str | None
    pages: int | None
    held: bool
    status: str


@dataclass(frozen=True)
class Listing:
    """What a disposal list will destroy, for the previews ("12 records, 340 pages")."""

    items: list[Item]

    @property
    def records(self) -> int:
        return len(self.items)

    @property
    def pages(self) -> int:
        return sum(i.pages or 0 for i in self.items)

    @property
    def dossiers(self) -> int:
        return len({i.dossier for i in self.items if i.dossier})

    @property
    def remaining(self) -> Listing:
        """The records still to destroy (an interrupted execution left the others done)."""
        return Listing([i for i in self.items if i.status == RecordStatus.ACTIVE])


def _listing(session: Session, pages: dict[int, int | None]) -> Listing:
    held = held_ids(session)
    items = []
    for doc_id, count in pages.items():
        doc = queries.lifecycle_document(session, doc_id)
        period, day, code = schedule(session, doc)
        items.append(
            Item(
                doc_id,
                doc.doc_type,
                doc.level,
                doc.issued,
                period,
                day,
                code,
                count,
                doc_id in held,
                doc.status,
            )
        )
    return Listing(items)


def preview(
    inst: Instance,
    ctx: Context,
    doc_ids: list[int] | None = None,
    dossier_code: str | None = None,
    today: date | None = None,
) -> Listing:
    """What proposing these records would put before the council, under the same checks as
    ``propose`` (refusals recorded); the preview itself is audited with the ids and pages."""
    today = today or date.today()
    with UnitOfWork(inst, ctx) as uow:
        session = uow.session
        ids = _checked_for_proposal(uow, doc_ids, dossier_code, today)
        listing = _listing(session, {i: _pages(inst, session, i) for i in ids})
        uow.audit(
            Action.DISPOSE_PROPOSE,
            "preview",
            None,
            {"ids": ids, "pages": listing.pages},
        )
        return listing


def _proposal(session: Session, pid: int) -> DisposalProposal:
    row = session.get(DisposalProposal, pid)
    if row is None:
        raise NotFound(f"Không có đề nghị tiêu hủy số {pid}.", f"No disposal proposal {pid}.")
    return row


def _items(session: Session, pid: int) -> list[int]:
    return list(
        session.execute(
            select(DisposalItem.document_id)
            .where(DisposalItem.proposal_id == pid)
            .order_by(DisposalItem.document_id)
        ).scalars()
    )


def _approvals(session: Session, pid: int) -> list[tuple[int, str]]:
    rows = session.execute(
        select(DisposalApproval.user_id, DisposalApproval.role).where(
            DisposalApproval.proposal_id == pid
        )
    )
    return [tuple(r) for r in rows]


def approve(inst: Instance, ctx: Context, pid: int, today: date | None = None) -> str:
    """A council member's approval; returns the proposal's status afterwards."""
    today = today or date.today()
    with UnitOfWork(inst, ctx) as uow:
        session = uow.session
        proposal = _proposal(session, pid)
        if proposal.status != "proposed":
            raise Refused(
                f"Đề nghị {pid} không chờ duyệt.", f"Proposal {pid} is {proposal.status}."
            )
        votes = _approvals(session, pid)
        decision = may_approve_disposal(
            ctx.principal, proposal.proposed_by, {uid for uid, _ in votes}
        )
        uow.require(
            Action.DISPOSE_APPROVE,
            None,
            decision,
            "Bạn không được duyệt đề nghị này.",
        )
        _check_items(uow, Action.DISPOSE_APPROVE, pid, _items(session, pid), today)
        session.add(
            DisposalApproval(
                proposal_id=pid, user_id=ctx.principal.user_id, role=ctx.principal.role
            )
        )
        votes.append((ctx.principal.user_id, ctx.principal.role))
        if approved(proposal.proposed_by, votes):
            proposal.status = "approved"
        uow.audit(
            Action.DISPOSE_APPROVE,
            "ok",
            None,
            {"proposal": pid, "approvals": len(votes), "status": proposal.status},
        )
        return proposal.status


def execute(inst: Instance, ctx: Context, pid: int, today: date | None = None) -> list[int]:
    """Destroy every record of an approved proposal; returns their ids."""
    today = today or date.today()
    with UnitOfWork(inst, ctx) as uow:
        session = uow.session
        proposal = _proposal(session, pid)
        uow.require(Action.DISPOSE_EXECUTE, None, may_execute_disposal(ctx.principal))
        votes = _approvals(session, pid)
        if proposal.status != "approved" or not approved(proposal.proposed_by, votes):
            uow.require(
                Action.DISPOSE_EXECUTE,
                None,
                Decision(False, f"proposal {pid} is {proposal.status}, not approved by two"),
                "Đề nghị chưa được hai thành viên hội đồng duyệt.",
                {"proposal": pid},
            )
        ids = _items(session, pid)
        pending = [i for i in ids if queries.lifecycle_document(session, i).status == "active"]
        _check_items(uow, Action.DISPOSE_EXECUTE, pid, pending, today)
        approvers = [session.get(User, uid).username for uid, _ in votes]
    for doc_id in pending:
        with UnitOfWork(inst, ctx) as uow:
            blobs = filing.shred_in(uow, doc_id, f"disposal proposal {pid}")
            _mark_destroyed(uow, pid, doc_id, len(blobs), approvers)
            uow.changed(doc_id, Change.DESTROYED)
        for name in blobs:  # the keys are gone (committed): what is left is noise
            inst.blobs.delete(name)
    with UnitOfWork(inst, ctx) as uow:
        session = uow.session
        proposal = _proposal(session, pid)
        proposal.status, proposal.executed_at = "executed", utcnow()
        proposal.executed_by = ctx.principal.user_id
        uow.audit(
            Action.DISPOSE_EXECUTE,
            "done",
            None,
            {"proposal": pid, "ids": ids, "approvers": approvers},
        )
    return ids


def _mark_destroyed(
    uow: UnitOfWork, pid: int, doc_id: int, objects: int, approvers: list[str]
) -> None:
    session, inst, ctx = uow.session, uow.inst, uow.ctx
    doc = queries.lifecycle_document(session, doc_id)
    period, day, code = schedule(session, doc)
    filing.reduce_to_stub(inst, doc)  # drop source lines and suggestions from the stub
    session.execute(  # earlier descriptions go with the record: their keys are deleted
        update(DescriptionVersion)
        .where(DescriptionVersion.document_id == doc_id)
        .values(kek_version=0, wrapped_key=b"", legacy_reason="")
    )
    doc.status = RecordStatus.DESTROYED
    now = utcnow()
    queries.lifecycle_of(session, doc_id).destroyed_at = now
    summary = {
        "doc_type": doc.doc_type,
        "level": doc.level,
        "issued": doc.issued.isoformat() if doc.issued else None,
        "retention": period,
        "due_on": day.isoformat() if day else None,
        "dossier": code,
        "approvers": approvers,
    }
    session.add(
        DestructionRecord(
            document_id=doc_id,
            proposal_id=pid,
            destroyed_by=ctx.principal.user_id,
            destroyed_at=now,
            objects=objects,
            summary=summary,
        )
    )
    uow.audit(
        Action.DISPOSE,
        "destroyed",
        doc_id,
        {"proposal": pid, "objects": objects, **summary},
    )


def proposals(inst: Instance) -> list[dict]:
    """Proposals with their items and votes (ids and codes only: no descriptions)."""
    with inst.sessions() as session:
        rows = session.execute(select(DisposalProposal).order_by(DisposalProposal.id)).scalars()
        return [
            {
                "proposal": p.id,
                "status": p.status,
                "proposed_by": session.get(User, p.proposed_by).username,
                "reason": sealing.reason(inst, p),
                "ids": _items(session, p.id),
                "approvals": [
                    session.get(User, uid).username for uid, _ in _approvals(session, p.id)
                ],
            }
            for p in rows
        ]


@dataclass(frozen=True)
class Proposal:
    """One proposal as its pages show it: who proposed it and why, its list, its votes."""

    id: int
    status: str
    proposed_by: str
    proposed_by_id: int
    proposed_at: datetime
    reason: str
    listing: Listing
    approvals: list[tuple[int, str]]  # (user id, username)
    executed_by: str | None
    executed_at: datetime | None

    @property
    def approver_ids(self) -> set[int]:
        return {uid for uid, _name in self.approvals}


def proposal(inst: Instance, pid: int) -> Proposal:
    """A proposal with its records' codes, dates and pages (no descriptions)."""
    with inst.sessions() as session:
        row = _proposal(session, pid)
        pages = dict(
            session.execute(
                select(DisposalItem.document_id, DisposalItem.pages)
                .where(DisposalItem.proposal_id == pid)
                .order_by(DisposalItem.document_id)
            ).all()
        )
        votes = [(uid, session.get(User, uid).username) for uid, _ in _approvals(session, pid)]
        executor = session.get(User, row.executed_by) if row.executed_by else None
        return Proposal(
            row.id,
            row.status,
            session.get(User, row.proposed_by).username,
            row.proposed_by,
            row.proposed_at,
            sealing.reason(inst, row),
            _listing(session, pages),
            votes,
            executor.username if executor else None,
            row.executed_at,
        )


def destruction_records(inst: Instance, pid: int | None = None) -> list[dict]:
    """The destruction records (biên bản hủy), all or those of one proposal."""
    with inst.sessions() as session:
        query = select(DestructionRecord).order_by(DestructionRecord.id)
        if pid is not None:
            query = query.where(DestructionRecord.proposal_id == pid)
        rows = session.execute(query).scalars()
        return [
            {
                "document_id": r.document_id,
                "proposal": r.proposal_id,
                "destroyed_at": log.stamp(r.destroyed_at),
                "objects": r.objects,
                **r.summary,
            }
            for r in rows
        ]
