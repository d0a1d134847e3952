"""The words Kho stores and decides on, declared once: secrecy levels, urgencies, roles and
retention periods, each a ``StrEnum`` whose values are the strings kept in the database (so a
member compares, hashes and serializes as its string), with the names people read.

The tuples (``LEVELS`` …) hold the plain strings in order, for choices and ranking.
"""

from __future__ import annotations

from enum import StrEnum


class Level(StrEnum):
    """Độ mật, lowest first: every reader's clearance is one of these too."""

    THUONG = "thuong"
    MAT = "mat"
    TOI_MAT = "toi_mat"
    TUYET_MAT = "tuyet_mat"


class Urgency(StrEnum):
    """Độ khẩn."""

    THUONG = "thuong"
    KHAN = "khan"
    THUONG_KHAN = "thuong_khan"
    HOA_TOC = "hoa_toc"
    HOA_TOC_HEN_GIO = "hoa_toc_hen_gio"


class Role(StrEnum):
    ADMIN = "admin"
    ARCHIVIST = "archivist"  # văn thư - lưu trữ
    READER = "reader"
    AUDITOR = "auditor"
    SECURITY_OFFICER = "security_officer"


class RetentionPeriod(StrEnum):
    """Thời hạn bảo quản: permanent (vĩnh viễn), years, or until no longer in force (hết hiệu
    lực)."""

    PERMANENT = "vv"
    YEARS_70 = "70"
    YEARS_20 = "20"
    YEARS_10 = "10"
    YEARS_5 = "5"
    UNTIL_OUT_OF_FORCE = "hhl"


LEVELS: tuple[str, ...] = tuple(level.value for level in Level)
URGENCIES: tuple[str, ...] = tuple(urgency.value for urgency in Urgency)
ROLES: tuple[str, ...] = tuple(role.value for role in Role)
RETENTION_PERIODS: tuple[str, ...] = tuple(period.value for period in RetentionPeriod)

LEVEL_NAMES: dict[str, str] = {
    Level.THUONG: "Thường",
    Level.MAT: "Mật",
    Level.TOI_MAT: "Tối mật",
    Level.TUYET_MAT: "Tuyệt mật",
}
URGENCY_NAMES: dict[str, str] = {
    Urgency.THUONG: "Thường",
    Urgency.KHAN: "Khẩn",
    Urgency.THUONG_KHAN: "Thượng khẩn",
    Urgency.HOA_TOC: "Hỏa tốc",
    Urgency.HOA_TOC_HEN_GIO: "Hỏa tốc hẹn giờ",
}
ROLE_NAMES: dict[str, str] = {
    Role.ADMIN: "Quản trị",
    Role.ARCHIVIST: "Văn thư - lưu trữ",
    Role.READER: "Cán bộ",
    Role.AUDITOR: "Giám sát nhật ký",
    Role.SECURITY_OFFICER: "Bảo mật",
}


def level_rank(level: str) -> int:
    try:
        return LEVELS.index(level)
    except ValueError:
        raise ValueError(f"unknown secrecy level {level!r}; use {', '.join(LEVELS)}") from None


def retention_rank(period: str) -> int:
    """Longer is larger; "hết hiệu lực" is below every fixed period (it may end any day)."""
    if period not in RETENTION_PERIODS:
        raise ValueError(f"unknown retention {period!r}; use {', '.join(RETENTION_PERIODS)}")
    special = {RetentionPeriod.PERMANENT: 10_000, RetentionPeriod.UNTIL_OUT_OF_FORCE: 0}
    return special[period] if period in special else int(period)
