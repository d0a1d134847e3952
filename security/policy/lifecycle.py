"""Who may act on the life of records (file plan, holds, disposal, registers, declassification,
transfer): pure decisions, like the rest of security.policy, so CLI, web and tests share one
rule.

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

from security.actor import Principal
from security.policy.decision import Decision
from security.policy.reading import may_read
from security.vocabulary import Level, Role, level_rank

# Luật Bảo vệ bí mật nhà nước 2018, art. 19: protection periods from the classification date.
PROTECTION_YEARS: dict[str, int] = {Level.MAT: 10, Level.TOI_MAT: 20, Level.TUYET_MAT: 30}
COUNCIL_ROLES = frozenset({Role.SECURITY_OFFICER, Role.ADMIN})
APPROVALS_NEEDED = 2


def _within_clearance(who: Principal, level: str) -> bool:
    return level_rank(level) <= level_rank(who.clearance)


def may_manage_records(who: Principal, level: str = Level.THUONG) -> Decision:
    """File plan, dossiers, retention of a record: archivists within their clearance."""
    if who.role != Role.ARCHIVIST:
        return Decision(False, f"role {who.role} does not manage records")
    if not _within_clearance(who, level):
        return Decision(False, "clearance below the level")
    return Decision(True, "archivist within clearance")


def may_edit_retention_table(who: Principal) -> Decision:
    """The retention table is the archive's data, kept by its administrator (DOMAIN.md)."""
    if who.role == Role.ADMIN:
        return Decision(True, "administrator")
    return Decision(False, "only an administrator edits the retention table")


def may_see_schedules(who: Principal) -> Decision:
    """The retention table and the disposal lists (ids, types, dates, pages and votes, never
    content) are for those who propose, approve or carry out disposals."""
    if who.role in (Role.ARCHIVIST, *COUNCIL_ROLES):
        return Decision(True, f"role {who.role}")
    return Decision(False, f"role {who.role} takes no part in appraisal or disposal")


def may_hold(who: Principal) -> Decision:
    if who.role in COUNCIL_ROLES:
        return Decision(True, f"role {who.role}")
    return Decision(False, "legal holds are placed by security officers and administrators")


def may_propose_disposal(who: Principal, levels: list[str]) -> Decision:
    if who.role != Role.ARCHIVIST:
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
    if who.role in (Role.ARCHIVIST, Role.ADMIN):
        return Decision(True, f"role {who.role}")
    return Decision(False, "disposals are carried out by archivists or administrators")


def may_register(who: Principal, level: str) -> Decision:
    """Registering a document in the incoming/outgoing register is the văn thư's job."""
    if who.role != Role.ARCHIVIST:
        return Decision(False, f"role {who.role} does not keep registers")
    if not _within_clearance(who, level):
        return Decision(False, "clearance below the level")
    return Decision(True, "archivist within clearance")


def may_extend_protection(who: Principal, level: str) -> Decision:
    if who.role not in (Role.SECURITY_OFFICER, Role.ADMIN):
        return Decision(False, "protection periods are extended by security officers")
    if not _within_clearance(who, level):
        return Decision(False, "clearance below the level")
    return Decision(True, f"role {who.role}")


def may_approve_plain_transfer(who: Principal) -> Decision:
    """Decrypted bags leave Kho's protection: an administrator approves (and it is audited)."""
    if who.role == Role.ADMIN:
        return Decision(True, "administrator")
    return Decision(False, "only an administrator approves a decrypted transfer")


def may_export(
    who: Principal,
    level: str,
    unit_id: int | None,
    doc_id: int | None = None,
    extra_ids: frozenset[int] = frozenset(),
    *,
    pending: bool,
    filed_by: int | None,
) -> Decision:
    """Export (transfer, BagIt) is for archivists and security officers who may read the record;
    a record whose secrecy is pending is never exported."""
    if who.role not in (Role.ARCHIVIST, Role.SECURITY_OFFICER):
        return Decision(False, f"role {who.role} does not export")
    if pending:
        return Decision(False, "secrecy pending: set the level first")
    return may_read(who, level, unit_id, doc_id, extra_ids, pending=pending, filed_by=filed_by)
