"""Faults of the machine rather than of a person: a full disk, a database out of reach. Each is
recognised wherever it surfaces (an ``OSError``, SQLite's "database or disk is full",
PostgreSQL's disk-full state, wrapped by SQLAlchemy or not) and explained in both languages with
what to do, so that commands, pages and the ingest worker say the same plain thing.
"""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from security.errors import KhoError

MiB = 1024 * 1024
DEFAULT_MIN_FREE_MB = 512  # under this, `kho check` and the administrator's page warn
_DISK_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
_DISK_FULL_WORDS = ("database or disk is full", "no space left on device", "could not extend file")


class DiskFull(KhoError):
    code = "disk_full"


class DatabaseUnreachable(KhoError):
    code = "database_unreachable"


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    stack = [exc]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        stack += [current.__cause__, current.__context__, getattr(current, "orig", None)]


def is_disk_full(exc: BaseException) -> bool:
    for cause in _chain(exc):
        if isinstance(cause, DiskFull):
            return True
        if isinstance(cause, OSError) and cause.errno in _DISK_FULL_ERRNOS:
            return True
        if getattr(cause, "sqlstate", None) == "53100":  # PostgreSQL disk_full
            return True
        if type(cause).__module__.startswith(("sqlite3", "psycopg")):
            text = str(cause).lower()
            if any(words in text for words in _DISK_FULL_WORDS):
                return True
    return False


def _is_unreachable(exc: BaseException) -> bool:
    for cause in _chain(exc):
        if type(cause).__name__ == "OperationalError" and "connection" in str(cause).lower():
            return type(cause).__module__.startswith(("psycopg", "sqlalchemy"))
    return False


def free_bytes(path: Path) -> int | None:
    """Free space for unprivileged writers on the filesystem holding ``path``."""
    for candidate in (path, *path.parents):
        try:
            st = os.statvfs(candidate)
        except OSError:
            continue
        return st.f_bavail * st.f_frsize
    return None


def disk_full(home: Path) -> DiskFull:
    free = free_bytes(home)
    room = f"{free // MiB} MB" if free is not None else "?"
    return DiskFull(
        f"Ổ đĩa đầy (còn {room} trống tại {home}); không có gì được lưu dở. Hãy giải phóng chỗ "
        "(xóa bản sao lưu cũ, tệp tạm, nhật ký cũ) hoặc mở rộng ổ đĩa; Kho tự tiếp tục khi có "
        "chỗ. Nếu cơ sở dữ liệu là PostgreSQL, xem cả ổ đĩa của máy chủ cơ sở dữ liệu.",
        f"The disk is full ({room} free at {home}); nothing was kept half-stored. Free space "
        "(old backups, temporary files, old logs) or enlarge the disk; Kho carries on by itself "
        "once there is room. With PostgreSQL, check the database server's disk too.",
    )


def explain(exc: BaseException, home: Path) -> KhoError | None:
    """A two-language explanation of a machine fault, or None for anything else."""
    if isinstance(exc, KhoError):
        return exc
    if is_disk_full(exc):
        return disk_full(home)
    if _is_unreachable(exc):
        return DatabaseUnreachable(
            "Không kết nối được cơ sở dữ liệu: kiểm tra máy chủ PostgreSQL đang chạy và "
            "KHO_DATABASE_URL.",
            "Cannot reach the database: check that the PostgreSQL server is running and "
            "KHO_DATABASE_URL.",
        )
    return None


@dataclass(frozen=True)
class Space:
    what: str  # "instance", "blobs", "index", "database"
    path: Path
    free: int
    low: bool


def min_free_bytes() -> int:
    try:
        return int(float(os.environ.get("KHO_MIN_FREE_MB", DEFAULT_MIN_FREE_MB)) * MiB)
    except ValueError:
        return DEFAULT_MIN_FREE_MB * MiB


def space(places: dict[str, Path], minimum: int | None = None) -> list[Space]:
    """Free space where the instance writes, one line per filesystem."""
    minimum = min_free_bytes() if minimum is None else minimum
    out: list[Space] = []
    seen: set[int] = set()
    for what, path in places.items():
        existing = next((p for p in (path, *path.parents) if p.exists()), None)
        if existing is None:
            continue
        device = existing.stat().st_dev
        if device in seen:
            continue
        seen.add(device)
        free = shutil.disk_usage(existing).free
        out.append(Space(what, path, free, free < minimum))
    return out


def space_warnings(places: dict[str, Path], minimum: int | None = None) -> list[str]:
    """Lines for `kho check` and the administrator's page when free space runs low."""
    return [
        f"Sắp hết chỗ trống: còn {s.free // MiB} MB tại {s.path} ({s.what}); hãy giải phóng chỗ "
        f"trước khi đầy. / Low disk space: {s.free // MiB} MB free at {s.path} ({s.what}); "
        "free some before it fills up."
        for s in space(places, minimum)
        if s.low
    ]


def not_recorded(home: Path, found_vi: str, found_en: str) -> DiskFull:
    """A check that read everything it had to but could not record itself in the audit log."""
    full = disk_full(home)
    return DiskFull(
        f"{found_vi}; nhưng lần kiểm tra này chưa ghi được vào nhật ký. {full.vi}",
        f"{found_en}; but this check could not be recorded in the audit log. {full.en}",
    )
