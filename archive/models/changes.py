"""The change log of records: one ordered row per change, written with the change
(``archive.core.changelog``); what is derived from the records (each node's search index)
follows it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from archive.models.base import Base, utcnow


class ChangeLogEntry(Base):
    """Append-only. ``seq`` is gapless and commits in its own order (the head row is locked by
    every writer until its commit), so a follower that has seen ``seq`` has seen every row
    before it. No foreign key: the log outlives nothing it names, and is never rewritten."""

    __tablename__ = "change_log"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    record_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ChangeHead(Base):
    """A single row: the last sequence number given and the log's identity (``log_id``, random,
    made once), so an index can tell a log it has never followed (another database, a restore
    from an older backup) from the one it knows."""

    __tablename__ = "change_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    log_id: Mapped[str] = mapped_column(String(32))


class IndexSnapshot(Base):
    """A node's search index at a position of the change log, kept in the blob store, so a new
    or wiped node restores it and applies only the log after it instead of rebuilding from
    every record (``search.snapshot``). The blob is the index's files (each already sealed under
    the index key) packed and sealed again as a whole under a fresh data key; ``sealed_key`` is
    that data key sealed under the index key, as an index file is: nothing here is readable
    without the key file, and the row tells only a position and a size."""

    __tablename__ = "index_snapshots"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    blob: Mapped[str] = mapped_column(String(64))
    sealed_key: Mapped[bytes] = mapped_column(LargeBinary)
    seq: Mapped[int] = mapped_column(BigInteger, index=True)
    log_id: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(BigInteger)  # bytes of the blob's plaintext (sealed files)
    node: Mapped[str] = mapped_column(String(64))  # host:pid that published it
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
