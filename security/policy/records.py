"""Acts on one record besides reading it: filing, describing, changing its level, sharing,
need-to-know grants, confirming a review, uploading."""

from __future__ import annotations

from security.actor import Principal
from security.policy.decision import Decision
from security.vocabulary import Role, level_rank


def may_file(who: Principal, level: str) -> Decision:
    """Archivists file documents, and never above their own clearance."""
    if who.role != Role.ARCHIVIST:
        return Decision(False, f"role {who.role} does not file documents")
    if level_rank(level) > level_rank(who.clearance):
        return Decision(False, "document level above the archivist's clearance")
    return Decision(True, "archivist within clearance")


def may_edit(who: Principal, level: str, unit_id: int | None) -> Decision:
    """Archivists describe the records of their own unit within their clearance."""
    if who.role != Role.ARCHIVIST:
        return Decision(False, f"role {who.role} does not edit records")
    if level_rank(level) > level_rank(who.clearance):
        return Decision(False, "clearance below document level")
    if unit_id != who.unit_id:
        return Decision(False, "document belongs to another unit")
    return Decision(True, "archivist of the unit")


def may_change_level(
    who: Principal, old: str, new: str, unit_id: int | None, pending: bool = False
) -> Decision:
    """Raising is an archivist's call (up to their clearance); lowering needs a security officer
    or an administrator cleared for the old level, with a reason (checked by the caller).

    Setting the level of a record whose secrecy is pending (``pending``) is the same act with
    the same rules; a security officer may also confirm or raise it, since the record waits
    for a person with authority over secrecy and may have no archivist but its filer.
    """
    if level_rank(new) > level_rank(who.clearance) or level_rank(old) > level_rank(who.clearance):
        return Decision(False, "level above the person's clearance")
    if level_rank(new) >= level_rank(old):
        if pending and who.role == Role.SECURITY_OFFICER:
            return Decision(True, "pending level set by a security officer")
        return may_edit(who, old, unit_id)
    if who.role in (Role.SECURITY_OFFICER, Role.ADMIN):
        return Decision(True, f"lowered by {who.role}")
    return Decision(False, "lowering a level needs a security officer or administrator")


def may_decide_grant(
    who: Principal, is_unit_head: bool, level: str, unit_id: int | None, requester_id: int
) -> Decision:
    """Need-to-know grants are approved by a security officer or the head of the record's unit,
    never by the requester, and never above the approver's own clearance."""
    if who.user_id == requester_id:
        return Decision(False, "nobody approves their own request")
    if level_rank(level) > level_rank(who.clearance):
        return Decision(False, "clearance below document level")
    if who.role == Role.SECURITY_OFFICER or (is_unit_head and who.unit_id == unit_id):
        return Decision(True, "security officer or head of the unit")
    return Decision(False, "only a security officer or the unit head approves")


def may_share(who: Principal, level: str, unit_id: int | None, pending: bool) -> Decision:
    """The unit's archivist, or a security officer cleared for the level, shares a record with
    another unit; nobody shares a record whose secrecy is pending until its level is set."""
    if pending:
        return Decision(False, "secrecy pending: set the level first")
    if who.role == Role.SECURITY_OFFICER and level_rank(level) <= level_rank(who.clearance):
        return Decision(True, "security officer within clearance")
    return may_edit(who, level, unit_id)


def may_review(who: Principal) -> Decision:
    """Archivists confirm what the classifier read; security officers set the level of records
    held back because their secrecy could not be read."""
    if who.role in (Role.ARCHIVIST, Role.SECURITY_OFFICER):
        return Decision(True, f"role {who.role}")
    return Decision(False, f"role {who.role} does not review records")


def reviews_level_only(who: Principal) -> bool:
    """A security officer's part of a review is the level alone (held-back records only)."""
    return who.role == Role.SECURITY_OFFICER


def may_upload(who: Principal) -> Decision:
    """Uploading is filing: archivists (the level is checked when the file has been read)."""
    if who.role == Role.ARCHIVIST:
        return Decision(True, "archivist")
    return Decision(False, f"role {who.role} does not file documents")
