"""The records model. Columns in clear hold only what filtering needs and reveals no content.

Everything descriptive about a document (number, issuer, subject, place, file name) is sealed in
``Document.sealed_meta`` under the document's own data key: even the title of a secret
document never sits in the database in clear.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from archive.models.base import Base, SealedText, utcnow
from archive.models.people import Unit
from security.vocabulary import Urgency


class RecordStatus(StrEnum):
    ACTIVE = "active"
    QUARANTINED = "quarantined"  # TUYỆT MẬT waiting for an administrator's release
    DESTROYED = "destroyed"  # disposed of: only the sealed description is left


class Document(Base):
    """A record. ``uid`` is random and binds every ciphertext of the record to it."""

    __tablename__ = "documents"
    # lists, newest first; on PostgreSQL (issued DESC NULLS LAST, id DESC): migration 0022
    __table_args__ = (Index("ix_documents_issued_id", "issued", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str | None] = mapped_column(String(16))
    doc_type: Mapped[str | None] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(16))
    urgency: Mapped[str] = mapped_column(String(24), default=Urgency.THUONG)
    issued: Mapped[date | None] = mapped_column(Date)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    filed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    filed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Not unique: a second unit files its own copy of the same incoming document.
    content_mac: Mapped[str] = mapped_column(String(64), index=True)
    # Keyed fingerprint of (number, issuer): warns of a second file for the same document
    # without letting anyone confirm a guessed number.
    number_mac: Mapped[str | None] = mapped_column(String(64), index=True)
    # Keyed fingerprint of the sealed issuer (archive/core/grouping.py), kept with every
    # (re-)seal of the description: the statistics count a register's incoming lines by sender
    # in SQL. "" no issuer; NULL not computed yet (before 0024, until ``grouping.backfill``).
    issuer_mac: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=RecordStatus.ACTIVE)
    needs_ocr: Mapped[bool] = mapped_column(default=False)
    # The classifier was unsure of a field, or found a secrecy mark: an archivist confirms.
    needs_review: Mapped[bool] = mapped_column(default=False, index=True)
    # Chờ xác định độ mật: the reader could not tell the secrecy level with confidence, so the
    # record is hidden from everyone but its filer and security officers (security.policy)
    # until a person sets the level. Set at filing or by a later reading; cleared only by a
    # person (archive.editing).
    secrecy_pending: Mapped[bool] = mapped_column(default=False, index=True)
    meta_kek_version: Mapped[int] = mapped_column(Integer, index=True)
    meta_wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    sealed_meta: Mapped[bytes] = mapped_column(LargeBinary)
    unit: Mapped[Unit] = relationship(lazy="joined")
    objects: Mapped[list[StoredObject]] = relationship(back_populates="document")


class StoredObject(Base):
    """One encrypted blob of a record (the original file, its text), with its wrapped data key."""

    __tablename__ = "stored_objects"
    __table_args__ = (UniqueConstraint("document_id", "kind", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    kind: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer, default=1)
    blob: Mapped[str] = mapped_column(String(64), unique=True)
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    ciphertext_sha256: Mapped[str] = mapped_column(String(64))
    kek_version: Mapped[int] = mapped_column(Integer, index=True)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    shredded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    document: Mapped[Document] = relationship(back_populates="objects")


class RecordEvent(Base):
    """A PREMIS-style event in a record's life: what happened, by whom, with what, how it went."""

    __tablename__ = "record_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    event: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(String(1000), default="")
    agent: Mapped[str] = mapped_column(String(100))  # person (username) and software version
    seconds: Mapped[float] = mapped_column(default=0.0)


class DocumentShare(Base):
    """A record shared with another unit (clearance still applies)."""

    __tablename__ = "document_shares"
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)


class Grant(SealedText, Base):
    """Time-limited need-to-know access to one record, requested and then approved or refused."""

    __tablename__ = "grants"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="requested")  # approved, refused
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
