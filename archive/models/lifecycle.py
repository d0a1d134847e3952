"""Tables of the records' life: fonds, file plan and dossiers, retention, holds, disposal,
registers, protection periods and description history.

They sit beside ``documents`` (link tables keyed by ``document_id``) instead of adding columns to
it, so the records model stays as it is. What could reveal content is sealed like a record's
description (see archive/core/sealing.py): dossier titles, register details, history snapshots,
the reasons people type for holds and disposal proposals.
Codes, dates, counts and levels stay in clear because lists and filters need them.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from archive.models.base import Base, Sealed, SealedText, utcnow
from security.vocabulary import Level


class Fonds(Base):
    """A phông lưu trữ: all records of one body (the current Tỉnh ủy, a predecessor)."""

    __tablename__ = "fonds"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    start_year: Mapped[int | None] = mapped_column(Integer)
    end_year: Mapped[int | None] = mapped_column(Integer)  # closed fonds (merged, dissolved)
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("fonds.id"))


class RetentionRule(Base):
    """One line of the retention table: a series of records and how long it is kept."""

    __tablename__ = "retention_rules"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    doc_type: Mapped[str | None] = mapped_column(String(16), index=True)  # default for a type
    period: Mapped[str] = mapped_column(String(8))  # vv, 70, 20, 10, 5, hhl
    basis: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Dossier(Sealed, Base):
    """A hồ sơ of the yearly file plan: planned, then open, then closed with its totals.

    The title is sealed (a dossier title can be as telling as a document's subject);
    ``level`` is the highest level of its documents and bounds who sees it.
    """

    __tablename__ = "dossiers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    fonds_id: Mapped[int | None] = mapped_column(ForeignKey("fonds.id"))
    rule_code: Mapped[str | None] = mapped_column(String(32))
    retention: Mapped[str] = mapped_column(String(8))  # planned, raised by its documents
    level: Mapped[str] = mapped_column(String(16), default=Level.THUONG)
    status: Mapped[str] = mapped_column(String(16), default="planned")  # open, closed
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    doc_count: Mapped[int] = mapped_column(Integer, default=0)
    page_count: Mapped[int] = mapped_column(Integer, default=0)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DossierMember(Base):
    """A document belongs to at most one dossier (primary key on the document)."""

    __tablename__ = "dossier_members"
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DocumentLifecycle(Base):
    """Per-record lifecycle facts: fonds, retention series, end of force, protection period."""

    __tablename__ = "document_lifecycle"
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    fonds_id: Mapped[int | None] = mapped_column(ForeignKey("fonds.id"), index=True)
    rule_code: Mapped[str | None] = mapped_column(String(32))
    retention: Mapped[str | None] = mapped_column(String(8))  # overrides the rule
    out_of_force_on: Mapped[date | None] = mapped_column(Date)  # for "hết hiệu lực"
    classified_on: Mapped[date | None] = mapped_column(Date)
    protection_until: Mapped[date | None] = mapped_column(Date)  # None: the statutory period
    destroyed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LegalHold(SealedText, Base):
    """A freeze on a record or a whole dossier: no disposal, no modification until released."""

    __tablename__ = "legal_holds"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"), index=True)
    placed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    placed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    released_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DisposalProposal(SealedText, Base):
    __tablename__ = "disposal_proposals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="proposed")  # approved, executed
    executed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    executed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DisposalItem(Base):
    __tablename__ = "disposal_items"
    proposal_id: Mapped[int] = mapped_column(ForeignKey("disposal_proposals.id"), primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    pages: Mapped[int | None] = mapped_column(Integer)  # when proposed (None: before 0017)


class DisposalApproval(Base):
    """One council member's vote; the primary key makes a second vote by the same person fail."""

    __tablename__ = "disposal_approvals"
    proposal_id: Mapped[int] = mapped_column(ForeignKey("disposal_proposals.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DestructionRecord(Base):
    """What was destroyed, when, by whom, under which decision: kept for ever."""

    __tablename__ = "destruction_records"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), unique=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("disposal_proposals.id"))
    destroyed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    destroyed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    objects: Mapped[int] = mapped_column(Integer)
    summary: Mapped[dict] = mapped_column(JSON, default=dict)  # type, level, dates, retention


class Register(Base):
    """A register (sổ đăng ký): incoming (đến) or outgoing (đi), numbered per year."""

    __tablename__ = "registers"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # incoming | outgoing
    name: Mapped[str] = mapped_column(String(200))


class RegisterCounter(Base):
    """The last number given in a register for a year; locked by every numbering."""

    __tablename__ = "register_counters"
    register: Mapped[str] = mapped_column(ForeignKey("registers.code"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class RegisterEntry(Sealed, Base):
    """One line of a register. Dates, level and unit are clear; everything else is sealed."""

    __tablename__ = "register_entries"
    __table_args__ = (
        UniqueConstraint("register", "year", "number"),
        # a year of every register with its records: the statistics; the lines they open one
        # by one (paper-only: no record; incoming without a fingerprint) through an index
        Index("ix_register_entries_year_document", "year", "document_id"),
        Index("ix_register_entries_register_year_sender", "register", "year", "sender_mac"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    register: Mapped[str] = mapped_column(ForeignKey("registers.code"))
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    entry_date: Mapped[date] = mapped_column(Date)  # arrival date (đến) or issue date (đi)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    level: Mapped[str] = mapped_column(String(16))  # for entries of paper-only documents
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    entered_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    entered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Keyed fingerprint of the sealed sender (archive/core/grouping.py): the statistics count
    # incoming lines by sender in SQL. "" no sender; NULL not computed yet (a line from before
    # 0024, until ``grouping.backfill``).
    sender_mac: Mapped[str | None] = mapped_column(String(64))


class RegisterTally(Base):
    """Lines of active records counted per year, month, register kind, type, unit, level and
    ``pending_filer`` (0, or the filer of a record whose secrecy is pending): kept by triggers
    in the transaction that changes a line or its record (archive/core/tallies.py, 0026)."""

    __tablename__ = "register_tallies"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    doc_type: Mapped[str] = mapped_column(String(16), primary_key=True)  # "" none
    unit_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    level: Mapped[str] = mapped_column(String(16), primary_key=True)
    pending_filer: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class SenderTally(Base):
    """Incoming lines of active records counted per year, unit, level, ``pending_filer`` and
    sender fingerprint, with the lowest line id of each (one line opened for the name)."""

    __tablename__ = "sender_tallies"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    level: Mapped[str] = mapped_column(String(16), primary_key=True)
    pending_filer: Mapped[int] = mapped_column(Integer, primary_key=True)
    sender: Mapped[str] = mapped_column(String(64), primary_key=True)  # "" none named
    n: Mapped[int] = mapped_column(Integer)
    first_entry: Mapped[int | None] = mapped_column(Integer)


class DescriptionVersion(Sealed, Base):
    """A sealed snapshot of a record's description after a change (who, when); consecutive
    snapshots give the old and new values without ever storing them in clear."""

    __tablename__ = "description_versions"
    __table_args__ = (UniqueConstraint("document_id", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(Integer)
    username: Mapped[str | None] = mapped_column(String(64))
    # before 0015 the reason was kept here in clear; now it is in the sealed snapshot
    legacy_reason: Mapped[str] = mapped_column("reason", String(500), default="")
