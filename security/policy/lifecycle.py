"""Who may act on the life of records (file plan, holds, disposal, registers, declassification,
transfer): pure decisions, like security.policy, so CLI, web and tests share one rule.

Decisions taken here (see docs/lifecycle.md):
- Records managers are archivists: they keep the file plan, dossiers, registers, and propose
  disposals, always within their clearance.
- The disposal council (hội đồng xác định giá trị tài liệu) is made of security officers and
  administrators. A disposal needs TWO distinct council members, neither of them the proposer.
  Council members judge from ids, types, dates and retention, never from content, so their
  clearance does not bound their vote.
- Legal holds are placed and released by security officers and administrators (the people who
  answer to inspections), with a reason.
- Protection periods are extended by security officers (cleared for the level), like lowering.
- A decrypted transfer to the historical archive needs an administrator's approval.
"""

from __future__ import annotations

from security.policy import Decision, Principal, level_rank

# Retention periods (thời hạn bảo quản): "vv" is permanent (Vĩnh viễn), "hhl" lasts until the
# document is no longer in force (hết hiệu lực), the others are years.
RETENTION_PERIODS: tuple[str, ...] = ("vv", "70", "20", "10", "5", "hhl")
# Luật Bảo vệ bí mật nhà nước 2018, art. 19: protection periods from the classification date.
PROTECTION_YEARS: dict[str, int] = {"mat": 10, "toi_mat": 20, "tuyet_mat": 30}
COUNCIL_ROLES = frozenset({"security_officer", "admin"})
APPROVALS_NEEDED = 2


def retention_rank(period: str) -> int:
    """Longer is larger; "hết hiệu lực" is below every fixed period (it may end any day)."""
    if period not in RETENTION_PERIODS:
        raise ValueError(f"unknown retention {period!r}; use {', '.join(RETENTION_PERIODS)}")
    special = {"vv": 10_000, "hhl": 0}
    return special[period] if period in special else int(period)


def _within_clearance(who: Principal, level: str) -> bool:
    return level_rank(level) <= level_rank(who.clearance)


def may_manage_records(who: Principal, level: str = "thuong") -> Decision:
    """File plan, dossiers, retention of a record: archivists within their clearance."""
    if who.role != "archivist":
        return Decision(False, f"role {who.role} does not manage records")
    if not _within_clearance(who, level):
        return Decision(False, "clearance below the level")
    return Decision(True, "archivist within clearance")


def may_edit_retention_table(who: Principal) -> Decision:
    """The retention table is the archive's data, kept by its administrator (DOMAIN.md)."""
    if who.role == "admin":
        return Decision(True, "administrator")
    return Decision(False, "only an administrator edits the retention table")


def may_hold(who: Principal) -> Decision:
    if who.role in COUNCIL_ROLES:
        return Decision(True, f"role {who.role}")
    return Decision(False, "legal holds are placed by security officers and administrators")


def may_propose_disposal(who: Principal, levels: list[str]) -> Decision:
    if who.role != "archivist":
        return Decision(False, "only archivists propose disposals")
    if not all(_within_clearance(who, level) for level in levels):
        return Decision(False, "a record above the proposer's clearance")
    return Decision(True, "archivist within clearance")


def may_approve_disposal(who: Principal, proposer_id: int, approver_ids: set[int]) -> Decision:
    """A council member, not the proposer, who has not already approved this proposal."""
    if who.role not in COUNCIL_ROLES:
        return Decision(False, "only council members (security officers, administrators) approve")
    if who.user_id == proposer_id:
        return Decision(False, "nobody approves their own proposal")
    if who.user_id in approver_ids:
        return Decision(False, "already approved by this person")
    return Decision(True, "council member")


def approved(proposer_id: int, approvals: list[tuple[int, str]]) -> bool:
    """Enough distinct council approvals, none by the proposer (checked again at execution)."""
    valid = {uid for uid, role in approvals if uid != proposer_id and role in COUNCIL_ROLES}
    return len(valid) >= APPROVALS_NEEDED


def may_execute_disposal(who: Principal) -> Decision:
    if who.role in ("archivist", "admin"):
        return Decision(True, f"role {who.role}")
    return Decision(False, "disposals are carried out by archivists or administrators")


def may_register(who: Principal, level: str) -> Decision:
    """Registering a document in the incoming/outgoing register is the văn thư's job."""
    if who.role != "archivist":
        return Decision(False, f"role {who.role} does not keep registers")
    if not _within_clearance(who, level):
        return Decision(False, "clearance below the level")
    return Decision(True, "archivist within clearance")


def may_extend_protection(who: Principal, level: str) -> Decision:
    if who.role not in ("security_officer", "admin"):
        return Decision(False, "protection periods are extended by security officers")
    if not _within_clearance(who, level):
        return Decision(False, "clearance below the level")
    return Decision(True, f"role {who.role}")


def may_approve_plain_transfer(who: Principal) -> Decision:
    """Decrypted bags leave Kho's protection: an administrator approves (and it is audited)."""
    if who.role == "admin":
        return Decision(True, "administrator")
    return Decision(False, "only an administrator approves a decrypted transfer")
