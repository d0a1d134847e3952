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
    """The set of records a principal may read, as bounds a query can apply directly."""

    max_level: int  # -1: nothing
    unit_ids: frozenset[int]

    def admits(self, level: str, unit_id: int | None) -> bool:
        return level_rank(level) <= self.max_level and unit_id in self.unit_ids

    @property
    def empty(self) -> bool:
        return self.max_level < 0 or not self.unit_ids


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str


def read_scope(who: Principal) -> ReadScope:
    """Clearance bounds the level; the unit bounds the rest (grants and sharing come later)."""
    if who.role not in _READING_ROLES or who.unit_id is None:
        return ReadScope(-1, frozenset())
    return ReadScope(level_rank(who.clearance), frozenset({who.unit_id}))


def may_read(who: Principal, level: str, unit_id: int | None) -> Decision:
    if who.role not in _READING_ROLES:
        return Decision(False, f"role {who.role} does not read documents")
    if level_rank(level) > level_rank(who.clearance):
        return Decision(False, "clearance below document level")
    if not read_scope(who).admits(level, unit_id):
        return Decision(False, "document belongs to another unit")
    return Decision(True, "clearance and unit")


def may_file(who: Principal, level: str) -> Decision:
    """Archivists file documents, and never above their own clearance."""
    if who.role != "archivist":
        return Decision(False, f"role {who.role} does not file documents")
    if level_rank(level) > level_rank(who.clearance):
        return Decision(False, "document level above the archivist's clearance")
    return Decision(True, "archivist within clearance")
