"""API tokens and the idempotency keys of API deposits (archive.accounts.tokens, web.api)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from archive.models.base import Base, utcnow


class ApiToken(Base):
    """A personal API token: its SHA-256 only (``security.identity.tokens``), its scopes
    (comma-separated codes), its life and its last use. Revoked tokens stay, for the audit."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by: Mapped[str | None] = mapped_column(String(64))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_address: Mapped[str | None] = mapped_column(String(64))

    @property
    def scope_list(self) -> tuple[str, ...]:
        return tuple(s for s in self.scopes.split(",") if s)


class ApiDeposit(Base):
    """One deposit's idempotency key (hashed: it is the client's free text) and what it gave:
    a retry with the same key gets the same answer instead of filing twice. ``state`` is
    ``running`` while the first attempt files, ``done`` after; the answer holds ids and codes
    only, never the document's description."""

    __tablename__ = "api_deposits"
    __table_args__ = (UniqueConstraint("user_id", "key_digest"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key_digest: Mapped[str] = mapped_column(String(64))
    request_digest: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="running")
    answer: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ApiRateCount(Base):
    """Calls counted per key (a token, an address's failed authentications) and per fixed
    window of time: the API's rate limits, shared by every server process and node that uses
    this database (``web.api.throttle``). Old windows are deleted as new ones start."""

    __tablename__ = "api_rate_counts"
    key: Mapped[str] = mapped_column(String(96), primary_key=True)
    window: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
