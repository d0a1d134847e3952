"""The records model. Columns in clear hold only what filtering needs and reveals no content.

Everything descriptive about a document (number, issuer, subject, place, file name) is sealed in
``Document.sealed_meta`` under the document's own data key: even the title of a secret
document never sits in the database in clear.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


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
    # Second factor: the TOTP secret sealed under the keyring (never in clear), and the last
    # time step accepted, so a code cannot be replayed.
    totp_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_kek_version: Mapped[int | None] = mapped_column(Integer)
    totp_last_step: Mapped[int] = mapped_column(BigInteger, default=0)
    # Back-off: consecutive failures and the time before which no attempt is even checked.
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
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
    """Failed logins by source address, for the per-address rate limit across processes."""

    __tablename__ = "login_failures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class DocumentShare(Base):
    """A record shared with another unit (clearance still applies)."""

    __tablename__ = "document_shares"
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)


class Grant(Base):
    """Time-limited need-to-know access to one record, requested and then approved or refused."""

    __tablename__ = "grants"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    reason: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default="requested")  # approved, refused
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Document(Base):
    """A record. ``uid`` is random and binds every ciphertext of the record to it."""

    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str | None] = mapped_column(String(16))
    doc_type: Mapped[str | None] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(16))
    urgency: Mapped[str] = mapped_column(String(24), default="thuong")
    issued: Mapped[date | None] = mapped_column(Date)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    filed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    filed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    content_mac: Mapped[str] = mapped_column(String(64), unique=True)
    # Keyed fingerprint of (number, issuer): warns of a second file for the same document
    # without letting anyone confirm a guessed number.
    number_mac: Mapped[str | None] = mapped_column(String(64), index=True)
    # active | quarantined (TUYỆT MẬT waiting for an administrator's approval)
    status: Mapped[str] = mapped_column(String(16), default="active")
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


class AuditEntry(Base):
    """Append-only. ``hash`` chains each entry to the previous one (checkable by anyone, offline);
    ``mac`` is a keyed MAC of ``hash`` that only the keyring's holder can compute."""

    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    user_id: Mapped[int | None] = mapped_column(Integer)
    username: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[str | None] = mapped_column(String(32))
    unit: Mapped[str | None] = mapped_column(String(32))
    address: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(16))
    object_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    hash: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """A single row locked by every append, so concurrent writers cannot fork the chain."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    hash: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64))


class AuditCheckpoint(Base):
    """An Ed25519 signature over (entry count, head hash, time), exportable and kept elsewhere."""

    __tablename__ = "audit_checkpoints"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    head_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    signature: Mapped[str] = mapped_column(String(128))


class IngestJob(Base):
    """A file waiting for the ingest worker (web uploads). Its bytes wait encrypted in the blob
    store under their own data key; the row tells the uploader how far it got."""

    __tablename__ = "ingest_jobs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    submitted_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    blob: Mapped[str | None] = mapped_column(String(64))
    kek_version: Mapped[int] = mapped_column(Integer)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    sealed_name: Mapped[bytes] = mapped_column(LargeBinary)  # the file name, sealed like metadata
    unit_code: Mapped[str | None] = mapped_column(String(32))
    declared_level: Mapped[str | None] = mapped_column(String(16))
    result: Mapped[dict] = mapped_column(JSON, default=dict)  # status, id, reason (no content)


# Lifecycle and trust-store tables register on Base.
from archive import lifecycle_models, signature_models  # noqa: E402,F401
