"""The unit of work: one person's action is one transaction, with its audit entries inside it and
the records it changed announced after the commit.

    with UnitOfWork(inst, ctx) as uow:
        doc = uow.session.get(Document, doc_id)
        if not decision.allowed:
            raise uow.refuse(Action.EDIT, doc_id, decision.reason, Refused(...))
        ...  # change rows
        uow.audit(Action.EDIT, "ok", doc_id, changed=[...])
        uow.changed(doc_id, Change.DESCRIBED)
    # committed; the index has been told

- ``audit`` appends to the hash-chained log in this transaction: the entry is committed with the
  action it describes, or not at all.
- ``refuse`` records a denial and commits it at once, dropping whatever the unit had done, so a
  refused attempt is never lost with the rolled-back work; the caller raises the error returned.
  ``require`` does it for a policy decision that said no.
- ``changed`` notes a record changed. The changes are appended to the durable change log
  (``archive.core.changelog``: sequence, record, kind) inside the transaction, so a committed
  change is always logged and a rolled-back one never is; they are also published
  (``archive.core.events``) after the commit, a nudge for the index of this process to catch
  up at once (``publish=False``: the caller nudges, a batch once a second). What follows the
  log never depends on the nudge.
- Leaving the block by an exception rolls everything back.
"""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.orm import Session

from archive.audit import log
from archive.audit.actions import Action
from archive.core import changelog, events
from archive.core.events import Change, RecordChange
from archive.core.instance import Instance
from archive.models import AuditEntry
from security.actor import Context
from security.errors import KhoError, Refused
from security.policy.decision import Decision


class UnitOfWork:
    def __init__(
        self, inst: Instance, ctx: Context, *, publish: bool = True, read_record: bool = False
    ) -> None:
        self.inst = inst
        self.ctx = ctx
        # read_record: the unit only records a read (its audit entry): its commit frees the
        # write lock before the sync, then waits for it (``Instance.read_record_sessions``).
        self.session: Session = (inst.read_record_sessions if read_record else inst.sessions)()
        self.changes: list[RecordChange] = []
        self.published: tuple[RecordChange, ...] = ()
        self._publish = publish

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc_type is None:
                self.commit()
            else:
                self.session.rollback()
        finally:
            self.session.close()

    def audit(
        self,
        action: Action,
        outcome: str,
        object_id: int | None = None,
        detail: dict | None = None,
        *,
        actor: Context | None = None,
        sealed: dict | None = None,
        **more,
    ) -> AuditEntry:
        """An audit entry of this unit's action, in its transaction (``actor``: when the entry is
        about someone else than the unit's context, e.g. the account a login attempt named;
        ``sealed``: free text people typed, a query or a reason, kept sealed in the entry)."""
        return log.record(
            self.session,
            self.inst.keyring,
            actor or self.ctx,
            action,
            outcome,
            object_id,
            {**(detail or {}), **more},
            sealed,
        )

    def refuse(
        self,
        action: Action,
        object_id: int | None,
        reason: str,
        error: KhoError,
        detail: dict | None = None,
    ) -> KhoError:
        """Record a denial and commit it now (the unit's other work is dropped); returns
        ``error`` for the caller to raise."""
        self.session.rollback()
        self.changes.clear()
        self.audit(action, "denied", object_id, {**(detail or {}), "reason": reason})
        self.session.commit()
        return error

    def require(
        self,
        action: Action,
        object_id: int | None,
        decision: Decision,
        vi: str = "Bạn không có quyền làm việc này.",
        detail: dict | None = None,
    ) -> None:
        """Go on if the policy allowed it; else refuse (audited, committed) with ``Refused``."""
        if not decision.allowed:
            error = Refused(vi, f"Refused: {decision.reason}.")
            raise self.refuse(action, object_id, decision.reason, error, detail)

    def changed(self, record_id: int, kind: Change) -> None:
        """Note that a record changed: logged in this transaction, announced after the commit."""
        self.changes.append(RecordChange(record_id, kind))

    def commit(self) -> None:
        """Commit what was done so far and announce the records it changed (a unit may commit
        more than once, e.g. a long job in steps)."""
        self._write_changes()
        self.session.commit()
        changes, self.changes = tuple(self.changes), []
        self.published += changes
        if self._publish:
            events.publish(self.inst, changes)

    def _write_changes(self) -> None:
        """Inside the transaction, before the commit: the changes of this unit appended to the
        durable, ordered change log, so that what follows the log can never miss a committed
        change (nor see one that was rolled back)."""
        changelog.append(self.session, self.changes)


def refused(
    inst: Instance,
    ctx: Context,
    action: Action,
    reason: str,
    error: KhoError,
    detail: dict | None = None,
) -> KhoError:
    """A request refused before any work: the denial recorded in a unit of its own (a view's
    ``requires``, a page one may not see); returns ``error`` for the caller to raise."""
    with UnitOfWork(inst, ctx) as uow:
        return uow.refuse(action, None, reason, error, detail)
