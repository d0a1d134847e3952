"""Correcting a record's description and changing its secrecy level, through the gate.

Who may do it is policy's decision (security.policy.records: may_edit, may_change_level). A person
who may not even read the record gets ``NotFound``; one who may read but not edit gets ``Refused``.
The audit entry names every changed field with old and new values for the coded fields; for the
sealed ones (number, issuer, subject, place) only the field names, because the audit log must not
become a copy of secret titles. The description is re-sealed under a fresh data key.

Setting the level of a record whose secrecy is pending (chờ xác định độ mật) is a level change
like any other (same rules, same ``secrecy_change`` audit action, a history version), even when
the person confirms the provisional level: it is the only way pending is cleared.
"""

from __future__ import annotations

from datetime import date

from archive.audit.actions import Action
from archive.core.events import Change
from archive.core.instance import Instance
from archive.core.uow import UnitOfWork
from archive.models import Document, RecordStatus, queries
from archive.records import gate, history, quarantine, reading
from security.actor import Context
from security.errors import Refused
from security.policy.records import may_change_level, may_edit
from security.vocabulary import LEVELS, URGENCIES

CODED = ("doc_type", "urgency", "date", "level")
SEALED = ("number", "issuer", "subject", "place")


def _validate(changes: dict) -> dict:
    unknown = set(changes) - set(CODED) - set(SEALED)
    if unknown:
        raise Refused(f"Không sửa được trường {sorted(unknown)}.", f"Unknown fields {unknown}.")
    if "level" in changes and changes["level"] not in LEVELS:
        raise Refused("Độ mật không hợp lệ.", f"Unknown level; use {LEVELS}.")
    if "urgency" in changes and changes["urgency"] not in URGENCIES:
        raise Refused("Độ khẩn không hợp lệ.", f"Unknown urgency; use {URGENCIES}.")
    if changes.get("date"):
        try:
            date.fromisoformat(changes["date"])
        except ValueError:
            raise Refused("Ngày phải có dạng YYYY-MM-DD.", "Dates are YYYY-MM-DD.") from None
    return changes


def edit_document(
    inst: Instance, ctx: Context, doc_id: int, changes: dict, reason: str | None = None
) -> None:
    changes = _validate(changes)
    with UnitOfWork(inst, ctx) as uow:
        edit_in(uow, doc_id, changes, reason)


def edit_in(uow: UnitOfWork, doc_id: int, changes: dict, reason: str | None = None) -> Document:
    """The edit inside the caller's unit of work (a review confirmation, a declassification):
    decided, applied, versioned and audited; refusals committed. Returns the changed row."""
    changes = _validate(changes)
    session, inst, who = uow.session, uow.inst, uow.ctx.principal
    doc = session.get(Document, doc_id)
    if doc is not None and queries.is_held(session, doc_id):  # frozen: no modification
        raise uow.refuse(Action.EDIT, doc_id, "legal hold", queries.held_error(doc_id))
    if not gate.may_read_now(session, uow.ctx, doc).allowed:
        raise uow.refuse(Action.EDIT, doc_id, "not readable", gate.not_found(doc_id))
    new_level = changes.get("level", doc.level)
    settles = doc.secrecy_pending and "level" in changes  # a person sets the pending level
    decision = (
        may_change_level(who, doc.level, new_level, doc.unit_id, doc.secrecy_pending)
        if new_level != doc.level or settles
        else may_edit(who, doc.level, doc.unit_id)
    )
    lowering = LEVELS.index(new_level) < LEVELS.index(doc.level)
    if decision.allowed and lowering and len((reason or "").strip()) < 10:
        decision = type(decision)(False, "lowering a level needs a reason")
    action = Action.SECRECY_CHANGE if new_level != doc.level or settles else Action.EDIT
    if not decision.allowed:
        raise uow.refuse(
            action,
            doc_id,
            decision.reason,
            Refused(
                "Bạn không được sửa văn bản này như vậy.",
                f"You may not make this change ({decision.reason}).",
            ),
        )
    before = history.snapshot(inst, doc)
    detail = _apply(inst, doc, changes)
    if settles:
        doc.secrecy_pending = False
        detail["changed"]["secrecy_pending"] = [True, False]
    if "level" in detail["changed"] and doc.level == quarantine.NOT_DIGITIZED:
        doc.status = (
            RecordStatus.QUARANTINED
        )  # as at filing: kept apart until an administrator releases
        detail["changed"]["status"] = [RecordStatus.ACTIVE, RecordStatus.QUARANTINED]
    history.record_change(session, inst, uow.ctx, doc, before, reason)  # old/new, sealed
    uow.audit(action, "ok", doc_id, detail, sealed={"reason": reason} if reason else None)
    uow.changed(doc_id, Change.DESCRIBED)
    return doc


def _apply(inst: Instance, doc: Document, changes: dict) -> dict:
    coded = {}
    for name in ("doc_type", "urgency", "level"):
        if name in changes and changes[name] != getattr(doc, name):
            coded[name] = [getattr(doc, name), changes[name]]
            setattr(doc, name, changes[name])
    if "date" in changes:
        new = date.fromisoformat(changes["date"]) if changes["date"] else None
        if new != doc.issued:
            coded["date"] = [
                doc.issued.isoformat() if doc.issued else None,
                new.isoformat() if new else None,
            ]
            doc.issued = new
    meta = reading.unseal_meta(inst, doc)
    sealed = [name for name in SEALED if name in changes and changes[name] != meta.get(name)]
    if sealed:
        meta.update({name: changes[name] for name in sealed})
        reading.reseal_meta(inst, doc, meta)
    return {"changed": coded, "sealed_fields": sealed}
