"""The declarative base every table registers on, the clock, and the sealed-row columns."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Integer, LargeBinary, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive UTC, PostgreSQL zoned values: compare them as zoned UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


class Base(DeclarativeBase):
    pass


class Sealed:
    """Columns of a JSON object sealed under its own data key (archive.core.sealing)."""

    uid: Mapped[str] = mapped_column(String(32), unique=True)
    kek_version: Mapped[int] = mapped_column(Integer, index=True)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
