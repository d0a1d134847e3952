"""The declarative base every table registers on, the clock, and the sealed-row columns."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Integer, LargeBinary, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Sealed:
    """Columns of a JSON object sealed under its own data key (archive.core.sealing)."""

    uid: Mapped[str] = mapped_column(String(32), unique=True)
    kek_version: Mapped[int] = mapped_column(Integer, index=True)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
