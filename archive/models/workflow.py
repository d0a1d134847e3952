"""Assignments of incoming documents (theo dõi, đôn đốc giải quyết văn bản đến): who handles
a registered incoming document, by when, and how it ended.

The instruction (ý kiến chỉ đạo) is free text a person typed: sealed per row like the other
typed reasons (``Sealed``: its own data key, bound to the row's uid). Units, people, times,
status and the reply's id stay in clear: lists, reminders and statistics filter on them and
they reveal no content.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from archive.models.base import Base, Sealed, utcnow


class AssignmentStatus:
    ASSIGNED = "assigned"  # giao, not started
    IN_PROGRESS = "in_progress"  # đang xử lý
    DONE = "done"  # đã xử lý xong
    OPEN = (ASSIGNED, IN_PROGRESS)


class Assignment(Sealed, Base):
    """One incoming document given to a unit (and maybe one person) to handle by a deadline."""

    __tablename__ = "assignments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    assigned_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )  # a year of assignments: the statistics (migration 0022)
    # Hạn xử lý (UTC); None: no deadline. ``deadline_source``: "person" or "document" (the
    # time of a HỎA TỐC HẸN GIỜ mark read from the document).
    deadline: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    deadline_source: Mapped[str] = mapped_column(String(16), default="person")
    status: Mapped[str] = mapped_column(String(16), default=AssignmentStatus.ASSIGNED, index=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    started_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    done_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The outgoing document that answers it (văn bản trả lời), when there is one.
    reply_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
