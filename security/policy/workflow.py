"""Who handles incoming documents (theo dõi, đôn đốc giải quyết văn bản đến): pure decisions.

Decisions taken here:
- The văn thư (an archivist) and the head of the record's unit (chánh văn phòng, trưởng ban)
  assign a registered incoming document, within their clearance; whoever assigns must be able
  to read the record (checked by the caller through the gate), and so must the handler.
- The handler marks it in progress or done; with no handler named, any member of the assigned
  unit who may read the record takes it. The assigner and the unit head may close it too.
- Tracking lists (overdue, due soon) and the office's statistics are for archivists, security
  officers and unit heads; what they count is trimmed by the gate's read scope.
"""

from __future__ import annotations

from security.actor import Principal
from security.policy.decision import Decision
from security.vocabulary import Role, level_rank

TRACKING_ROLES = frozenset({Role.ARCHIVIST, Role.SECURITY_OFFICER})


def may_assign(who: Principal, is_unit_head: bool, level: str, unit_id: int | None) -> Decision:
    if level_rank(level) > level_rank(who.clearance):
        return Decision(False, "clearance below document level")
    if who.role == Role.ARCHIVIST:
        return Decision(True, "archivist within clearance")
    if is_unit_head and who.unit_id == unit_id and who.role != Role.AUDITOR:
        return Decision(True, "head of the record's unit")
    return Decision(False, "only the archivist or the head of the unit assigns documents")


def may_handle(
    who: Principal,
    handler_id: int | None,
    unit_id: int,
    assigned_by: int,
    is_unit_head: bool,
) -> Decision:
    """Marking an assignment in progress or done (the caller checks the reading too)."""
    if handler_id is not None and who.user_id == handler_id:
        return Decision(True, "the handler")
    if handler_id is None and who.unit_id == unit_id and who.role != Role.AUDITOR:
        return Decision(True, "a member of the assigned unit")
    if who.user_id == assigned_by:
        return Decision(True, "the person who assigned it")
    if is_unit_head and who.unit_id == unit_id:
        return Decision(True, "head of the assigned unit")
    return Decision(False, "not the handler of this document")


def may_track(who: Principal, is_unit_head: bool) -> Decision:
    """Overdue and due-soon lists, and the office's statistics."""
    if who.role in TRACKING_ROLES:
        return Decision(True, f"role {who.role}")
    if is_unit_head and who.role == Role.READER:
        return Decision(True, "unit head")
    return Decision(False, "tracking is for archivists, security officers and unit heads")
