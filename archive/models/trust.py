"""Tables of the trust store for digital signatures (ký số): trusted roots, imported CRLs, and
the store's version number, which goes into every validation report.

Root certificates and CRLs are public PKI data, published by their CAs, not document content:
they are kept in clear so that the store can be listed and audited without the keyring.
A removed root stays as a row (``removed_at``): reports name the version they were made under,
and the rows say what that version held.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from archive.models.base import Base, utcnow


class TrustAnchor(Base):
    """A root (or other anchor) certificate the office trusts for signatures."""

    __tablename__ = "trust_anchors"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(500))
    not_before: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    not_after: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    der: Mapped[bytes] = mapped_column(LargeBinary)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    added_by: Mapped[str | None] = mapped_column(String(64))
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    removed_by: Mapped[str | None] = mapped_column(String(64))


class TrustCrl(Base):
    """A certificate revocation list imported from a file (Kho never fetches one)."""

    __tablename__ = "trust_crls"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    issuer: Mapped[str] = mapped_column(String(500))
    this_update: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    next_update: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    entries: Mapped[int] = mapped_column(Integer, default=0)
    der: Mapped[bytes] = mapped_column(LargeBinary)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    imported_by: Mapped[str | None] = mapped_column(String(64))


class TrustStoreState(Base):
    """One row: the store's version, raised by every change (add, remove, CRL import)."""

    __tablename__ = "trust_store_state"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
