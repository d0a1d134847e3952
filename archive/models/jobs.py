"""Files waiting for the ingest worker (web uploads)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from archive.models.base import Base, utcnow


class IngestJob(Base):
    """A file waiting for the ingest worker (web uploads). Its bytes wait encrypted in the blob
    store under their own data key; the row tells the uploader how far it got."""

    __tablename__ = "ingest_jobs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # queued → running → done, or failed (an error, or a file that stopped its worker each time);
    # a long scan: running → pages (its pages OCR'd as OcrPageJob) → queued → running → done
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
    # status, id, codes and field names; never free text (a reason may quote the file)
    result: Mapped[dict] = mapped_column(JSON, default=dict)
    kind: Mapped[str] = mapped_column(String(16), default="upload", server_default="upload")
    # an API deposit's declared values (sealed: metadata) and the outcome's free text (reason,
    # warnings), sealed under keys derived from the job's data key (``ingest.doors.jobs``)
    sealed_request: Mapped[bytes | None] = mapped_column(LargeBinary)
    sealed_outcome: Mapped[bytes | None] = mapped_column(LargeBinary)
    worker: Mapped[str | None] = mapped_column(String(64))  # the IngestWorker running it
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class IngestWorker(Base):
    """A running `kho worker`: it beats (``seen_at``) every few seconds, working or idle, so a
    job whose worker stopped beating is taken over within seconds, and the upload page can say
    that nobody is there to file the queue."""

    __tablename__ = "ingest_workers"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)  # host:pid:random
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class OcrPageJob(Base):
    """One page of a queued scan, OCR'd on its own so that several workers (and every core of
    one machine) work on one long document (``ingest.doors.pages``). Its text is sealed under
    the upload's data key; the rows go when the document is filed."""

    __tablename__ = "ocr_page_jobs"
    __table_args__ = (UniqueConstraint("job_id", "page"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("ingest_jobs.id"), index=True)
    page: Mapped[int] = mapped_column(Integer)  # 0-based
    # queued → running → done
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    worker: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sealed_text: Mapped[bytes | None] = mapped_column(LargeBinary)  # None: left to the filing
    seconds: Mapped[float | None] = mapped_column(Float)  # OCR time of the page
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
