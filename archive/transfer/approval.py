"""The administrator's approval of one decrypted transfer of a dossier: the approval is an audit
entry (by an administrator, for this dossier, under a reference) and is used up by the export
that cites it."""

from __future__ import annotations

from sqlalchemy import select

from archive.audit.actions import Action
from archive.core.instance import Instance
from archive.core.uow import UnitOfWork
from archive.models import AuditEntry, queries
from security.actor import Context
from security.errors import Refused
from security.policy.lifecycle import may_approve_plain_transfer
from security.vocabulary import Role


def approve_plain(inst: Instance, ctx: Context, code: str, reference: str) -> int:
    """An administrator approves ONE decrypted transfer of a dossier, under a reference
    (the decision's number); the approval is the audit entry itself. Returns its number."""
    reference = " ".join(reference.split())
    if len(reference) < 3:
        raise Refused("Hãy ghi số quyết định phê duyệt.", "Give the approval's reference.")
    with UnitOfWork(inst, ctx) as uow:
        session = uow.session
        row = queries.dossier_by_code(session, code)
        decision = may_approve_plain_transfer(ctx.principal)
        uow.require(Action.TRANSFER_APPROVAL, row.id, decision)
        entry = uow.audit(
            Action.TRANSFER_APPROVAL,
            "approved",
            row.id,
            {"code": code, "reference": reference},
        )
        return entry.seq


def problem(session, dossier_id: int, reference: str | None) -> str | None:
    """Why ``reference`` does not approve a plain export of this dossier (None: it does)."""
    if not reference:
        return "a decrypted transfer needs an administrator's approval"
    rows = session.execute(
        select(AuditEntry).where(
            AuditEntry.object_id == dossier_id,
            AuditEntry.action.in_(("transfer_approval", "transfer_export")),
        )
    ).scalars()
    approved = used = False
    for entry in rows:
        if entry.detail.get("reference") != reference and entry.detail.get("approval") != reference:
            continue
        if entry.action == "transfer_approval" and entry.outcome == "approved":
            approved = approved or entry.role == Role.ADMIN
        if entry.action == "transfer_export" and entry.outcome == "done":
            used = True
    if not approved:
        return "no administrator's approval with this reference for this dossier"
    return "this approval was already used" if used else None
