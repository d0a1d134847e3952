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


class SealedText:
    """The same columns for rows whose only free text (a typed reason) is sealed: empty on
    rows filed before 0015 until ``kho check --repair`` seals their clear ``legacy_reason``."""

    uid: Mapped[str | None] = mapped_column(String(32), unique=True)
    kek_version: Mapped[int | None] = mapped_column(Integer, index=True)
    wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The column that held the reason in clear before 0015: blank once sealed.
    legacy_reason: Mapped[str] = mapped_column("reason", String(500), default="")
