"""Who may do what to which record: the single decision point used by web, CLI and search.

Everything here is pure: it decides from facts (the principal, a record's level and unit) and never
touches the database, so the same rule serves a page view, a command and the search filter.
"""

from __future__ import annotations

from dataclasses import dataclass

LEVELS: tuple[str, ...] = ("thuong", "mat", "toi_mat", "tuyet_mat")
LEVEL_NAMES: dict[str, str] = {
    "thuong": "Thường",
    "mat": "Mật",
    "toi_mat": "Tối mật",
    "tuyet_mat": "Tuyệt mật",
}
URGENCIES: tuple[str, ...] = ("thuong", "khan", "thuong_khan", "hoa_toc", "hoa_toc_hen_gio")
URGENCY_NAMES: dict[str, str] = {
    "thuong": "Thường",
    "khan": "Khẩn",
    "thuong_khan": "Thượng khẩn",
    "hoa_toc": "Hỏa tốc",
    "hoa_toc_hen_gio": "Hỏa tốc hẹn giờ",
}
ROLES: tuple[str, ...] = ("admin", "archivist", "reader", "auditor", "security_officer")
ROLE_NAMES: dict[str, str] = {
    "admin": "Quản trị",
    "archivist": "Văn thư - lưu trữ",
    "reader": "Cán bộ",
    "auditor": "Kiểm tra",
    "security_officer": "Bảo mật",
}
# Roles whose members read documents; administrators and auditors never do by their role alone.
_READING_ROLES = frozenset({"archivist", "reader", "security_officer"})


def level_rank(level: str) -> int:
    try:
        return LEVELS.index(level)
    except ValueError:
        raise ValueError(f"unknown secrecy level {level!r}; use {', '.join(LEVELS)}") from None


@dataclass(frozen=True)
class Principal:
    """The acting person as policy sees them (built from the account at the edge)."""

    user_id: int
    username: str
    role: str
    clearance: str
    unit_id: int | None


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


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str


def read_scope(who: Principal, extra_ids: frozenset[int] = frozenset()) -> ReadScope:
    """Clearance bounds the level; the unit, shares and grants (``extra_ids``) bound the rest;
    records whose secrecy is pending stay with their filer and the security officers."""
    if who.role not in _READING_ROLES:
        return ReadScope(-1, frozenset())
    units = frozenset({who.unit_id}) if who.unit_id is not None else frozenset()
    return ReadScope(
        level_rank(who.clearance),
        units,
        extra_ids,
        pending_filer=who.user_id if who.role == "archivist" else None,
        all_pending=who.role == "security_officer",
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
    if who.role not in _READING_ROLES:
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


def may_edit(who: Principal, level: str, unit_id: int | None) -> Decision:
    """Archivists describe the records of their own unit within their clearance."""
    if who.role != "archivist":
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
        if pending and who.role == "security_officer":
            return Decision(True, "pending level set by a security officer")
        return may_edit(who, old, unit_id)
    if who.role in ("security_officer", "admin"):
        return Decision(True, f"lowered by {who.role}")
    return Decision(False, "lowering a level needs a security officer or administrator")


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
    if who.role not in ("archivist", "security_officer"):
        return Decision(False, f"role {who.role} does not export")
    if pending:
        return Decision(False, "secrecy pending: set the level first")
    return may_read(who, level, unit_id, doc_id, extra_ids, pending=pending, filed_by=filed_by)


def may_decide_grant(
    who: Principal, is_unit_head: bool, level: str, unit_id: int | None, requester_id: int
) -> Decision:
    """Need-to-know grants are approved by a security officer or the head of the record's unit,
    never by the requester, and never above the approver's own clearance."""
    if who.user_id == requester_id:
        return Decision(False, "nobody approves their own request")
    if level_rank(level) > level_rank(who.clearance):
        return Decision(False, "clearance below document level")
    if who.role == "security_officer" or (is_unit_head and who.unit_id == unit_id):
        return Decision(True, "security officer or head of the unit")
    return Decision(False, "only a security officer or the unit head approves")


def may_file(who: Principal, level: str) -> Decision:
    """Archivists file documents, and never above their own clearance."""
    if who.role != "archivist":
        return Decision(False, f"role {who.role} does not file documents")
    if level_rank(level) > level_rank(who.clearance):
        return Decision(False, "document level above the archivist's clearance")
    return Decision(True, "archivist within clearance")


def may_read_audit(who: Principal) -> Decision:
    """The inspection committee (auditors) and security officers read the log; nobody else."""
    if who.role in ("auditor", "security_officer"):
        return Decision(True, f"role {who.role}")
    return Decision(False, f"role {who.role} does not read the audit log")


def requires_second_factor(who: Principal) -> bool:
    """Administrators, auditors and anyone cleared TỐI MẬT or above log in with a second factor."""
    return who.role in ("admin", "auditor") or level_rank(who.clearance) >= level_rank("toi_mat")


def may_manage_trust(who: Principal) -> Decision:
    """The trust store for digital signatures (root certificates, CRLs) is the administrator's
    and the security officer's: it decides which signatures Kho calls valid."""
    if who.role in ("admin", "security_officer"):
        return Decision(True, f"role {who.role}")
    return Decision(False, f"role {who.role} does not manage the trust store")
