"""Units and accounts, their server-side login sessions and failed logins."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from archive.models.base import Base, utcnow


class Unit(Base):
    """An organizational unit (a board of the committee office): the first boundary of access."""

    __tablename__ = "units"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(32))
    clearance: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    is_unit_head: Mapped[bool] = mapped_column(default=False)
    # A service account: a system (an e-office server, a scanning station) with a unit and a
    # clearance like a person, created by an administrator; it has no usable password (a
    # random one nobody is shown) and acts only through the API tokens made for it.
    service: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Second factor: the TOTP secret sealed under the keyring (never in clear), and the last
    # time step accepted, so a code cannot be replayed.
    totp_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_kek_version: Mapped[int | None] = mapped_column(Integer)
    totp_last_step: Mapped[int] = mapped_column(BigInteger, default=0)
    # Set by an administrator's reset: the next login must choose a new password first.
    must_change_password: Mapped[bool] = mapped_column(default=False)
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    unit: Mapped[Unit | None] = relationship(lazy="joined")


class WebSession(Base):
    """A server-side login session: the cookie only names it, so logout and revocation are real."""

    __tablename__ = "web_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    authenticated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_reason: Mapped[str | None] = mapped_column(String(32))
    address: Mapped[str | None] = mapped_column(String(64))


class LoginFailure(Base):
    """A failed login (password, code, or current password when changing it): the back-off per
    account-and-address pair counts the pair's rows not yet ``cleared`` (by a success from that
    address or an administrator's unlock); the account's rate over a day counts them all."""

    __tablename__ = "login_failures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), default="", index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    cleared: Mapped[bool] = mapped_column(default=False)


class PendingLogin(Base):
    """A login half-way: the password was right, the second factor is next. Kept here (the
    cookie carries only a random token, stored by hash), used once, and short-lived."""

    __tablename__ = "pending_logins"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    address: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ClearanceRequest(Base):
    """A raise of an account's clearance to TỐI MẬT or above, waiting for a security officer
    (a second person) to approve it; the account keeps its old clearance until then."""

    __tablename__ = "clearance_requests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    from_level: Mapped[str] = mapped_column(String(16))
    to_level: Mapped[str] = mapped_column(String(16))
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), default="requested", index=True)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
