"""Reading: which records a person may read, as one scope that the gate applies to a single
record, to lists and (as bounds) to the search index.

Only the gate (``archive.records.gate``) applies it (an import contract keeps it so): a read
decided anywhere else could forget a fact (a grant, a held-back record).
"""

from __future__ import annotations

from dataclasses import dataclass

from security.actor import Principal
from security.policy.decision import Decision
from security.vocabulary import Role, level_rank

# Roles whose members read documents; administrators and auditors never do by their role alone.
READING_ROLES = frozenset({Role.ARCHIVIST, Role.READER, Role.SECURITY_OFFICER})


@dataclass(frozen=True)
class ReadScope:
    """The records a principal may read, as bounds a query can apply directly.

    A record is inside when its level is at most ``max_level`` and it belongs to one of
    ``unit_ids`` or is one of ``document_ids`` (shared with the principal's unit, or granted to
    the principal for a time). Clearance bounds every path: a grant never lifts it.

    A record whose secrecy is pending (chờ xác định độ mật: the reader could not tell its level
    with confidence) is inside only for the archivist who filed it (``pending_filer``) or, with
    ``all_pending``, a security officer, and then still only within the bounds above: pending
    never widens what anyone reads. The defaults keep every pending record out.
    """

    max_level: int  # -1: nothing
    unit_ids: frozenset[int]
    document_ids: frozenset[int] = frozenset()
    pending_filer: int | None = None
    all_pending: bool = False

    def admits(
        self,
        level: str,
        unit_id: int | None,
        doc_id: int | None = None,
        *,
        pending: bool,
        filed_by: int | None,
    ) -> bool:
        """``pending`` and ``filed_by`` are required: no caller may forget a held-back record."""
        if pending and not self.sees_pending(filed_by):
            return False
        return level_rank(level) <= self.max_level and (
            unit_id in self.unit_ids or doc_id in self.document_ids
        )

    def sees_pending(self, filed_by: int | None) -> bool:
        return self.all_pending or (filed_by is not None and filed_by == self.pending_filer)

    @property
    def empty(self) -> bool:
        return self.max_level < 0 or not (self.unit_ids or self.document_ids)


def read_scope(who: Principal, extra_ids: frozenset[int] = frozenset()) -> ReadScope:
    """Clearance bounds the level; the unit, shares and grants (``extra_ids``) bound the rest;
    records whose secrecy is pending stay with their filer and the security officers."""
    if who.role not in READING_ROLES:
        return ReadScope(-1, frozenset())
    units = frozenset({who.unit_id}) if who.unit_id is not None else frozenset()
    return ReadScope(
        level_rank(who.clearance),
        units,
        extra_ids,
        pending_filer=who.user_id if who.role == Role.ARCHIVIST else None,
        all_pending=who.role == Role.SECURITY_OFFICER,
    )


def may_read(
    who: Principal,
    level: str,
    unit_id: int | None,
    doc_id: int | None = None,
    extra_ids: frozenset[int] = frozenset(),
    *,
    pending: bool,
    filed_by: int | None,
) -> Decision:
    if who.role not in READING_ROLES:
        return Decision(False, f"role {who.role} does not read documents")
    if level_rank(level) > level_rank(who.clearance):
        return Decision(False, "clearance below document level")
    scope = read_scope(who, extra_ids)
    if pending and not scope.sees_pending(filed_by):
        return Decision(False, "secrecy pending: only its filer and security officers")
    if not scope.admits(level, unit_id, doc_id, pending=pending, filed_by=filed_by):
        return Decision(False, "document belongs to another unit")
    if unit_id != who.unit_id:
        return Decision(True, "shared with the unit or granted")
    return Decision(True, "clearance and unit")
