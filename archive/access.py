"""THE GATE. Every read of a record by a person passes here: one policy decision, one audit entry.

Web pages, the command line and search results all call these functions; nothing else unseals a
record for a user. A denial and a missing record look the same from outside (``NotFound``), and
the denial is committed to the audit log before the error is raised.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import or_, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from archive import audit, grants, records
from archive.instance import Instance
from archive.models import Document
from security.errors import NotFound
from security.policy import LEVELS, Decision, Principal, ReadScope, may_read, read_scope


@dataclass(frozen=True)
class DocumentView:
    """What a person may see of a record's description."""

    id: int
    kind: str | None
    doc_type: str | None
    number: str | None
    issuer: str | None
    date: date | None
    subject: str | None
    level: str
    urgency: str
    unit: str
    filename: str
    filed_at: datetime
    needs_review: bool = False
    # Chờ xác định độ mật: ``level`` is provisional and the record is seen only by its filer
    # and security officers until a person sets the level.
    secrecy_pending: bool = False
    # The rest of the sealed description: superior body, signer, recipients, circulation notes,
    # deadline, filing suggestions, and (for the review page) the fields to check with the
    # source line of each.
    details: dict = field(default_factory=dict)

    @property
    def previewable(self) -> bool:
        """Pages can be drawn for PDFs, and for files whose access copy is a PDF (Office
        files printed by LibreOffice) (ingest.preview)."""
        return (
            self.filename.lower().endswith(".pdf")
            or self.details.get("access_media_type") == "application/pdf"
        )

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "doc_type": self.doc_type,
            "number": self.number,
            "issuer": self.issuer,
            "date": self.date.isoformat() if self.date else None,
            "subject": self.subject,
            "level": self.level,
            "urgency": self.urgency,
            "unit": self.unit,
            "filename": self.filename,
            "secrecy_pending": self.secrecy_pending,
        }


@dataclass(frozen=True)
class Content:
    """An original file, released segment by segment only after it authenticated whole."""

    filename: str
    media_type: str
    size: int
    chunks: Iterator[bytes]

    def read(self) -> bytes:
        return b"".join(self.chunks)


def _not_found(doc_id: int) -> NotFound:
    return NotFound(f"Không tìm thấy văn bản số {doc_id}.", f"Document {doc_id} not found.")


def _view(inst: Instance, doc: Document) -> DocumentView:
    meta = records.unseal_meta(inst, doc)
    return DocumentView(
        id=doc.id,
        kind=doc.kind,
        doc_type=doc.doc_type,
        number=meta.get("number"),
        issuer=meta.get("issuer"),
        date=doc.issued,
        subject=meta.get("subject"),
        level=doc.level,
        urgency=doc.urgency,
        unit=doc.unit.code,
        filename=meta.get("filename") or f"{doc.id}",
        filed_at=doc.filed_at,
        needs_review=doc.needs_review,
        secrecy_pending=doc.secrecy_pending,
        details={k: v for k, v in meta.items() if k not in _MAIN_FIELDS},
    )


_MAIN_FIELDS = frozenset({"number", "issuer", "subject", "filename"})


def decide(session: Session, who: Principal, doc: Document) -> Decision:
    """May this person read this record now: the policy's decision from the row's facts
    (level, unit, shares and live grants, and whether its secrecy is pending), for an active
    record. Every check of one record in ``archive`` goes through here, so none can leave a
    fact out."""
    if doc.status != "active":
        return Decision(False, f"record is {doc.status}")
    extra = grants.extra_document_ids(session, who.user_id, who.unit_id)
    return may_read(
        who,
        doc.level,
        doc.unit_id,
        doc.id,
        extra,
        pending=doc.secrecy_pending,
        filed_by=doc.filed_by,
    )


def admits(scope: ReadScope | None, doc: Document) -> bool:
    """The read scope applied to one row (lists filtered in Python use this)."""
    return scope is not None and scope.admits(
        doc.level, doc.unit_id, doc.id, pending=doc.secrecy_pending, filed_by=doc.filed_by
    )


def _admit(
    inst: Instance, ctx: audit.Context, doc_id: int, action: str, detail: dict | None = None
) -> Document:
    """Decide and record; on denial the audit entry is committed before ``NotFound`` is raised."""
    who = ctx.principal
    with inst.sessions() as session:
        doc = session.get(Document, doc_id)
        decision = decide(session, who, doc) if doc is not None and who is not None else None
        allowed = decision is not None and decision.allowed
        reason = decision.reason if decision else "no such document"
        audit.record(
            session,
            inst.keyring,
            ctx,
            action,
            "allowed" if allowed else "denied",
            doc_id,
            {**(detail or {}), **({} if allowed else {"reason": reason})},
        )
        if allowed:
            doc.objects  # load while the session is open  # noqa: B018
        session.commit()
    if not allowed:
        raise _not_found(doc_id)
    return doc


def view_document(inst: Instance, ctx: audit.Context, doc_id: int) -> DocumentView:
    return _view(inst, _admit(inst, ctx, doc_id, "view"))


def read_document(inst: Instance, ctx: audit.Context, doc_id: int) -> tuple[DocumentView, str]:
    """Description and full text, as the document page shows them: one decision, one entry."""
    doc = _admit(inst, ctx, doc_id, "read")
    return _view(inst, doc), records.read_text(inst, doc)


def open_content(
    inst: Instance, ctx: audit.Context, doc_id: int, original: bool = False
) -> Content:
    """The file people download: the sanitized access copy when there is one. The original
    bitstream (kept as evidence, active content and all) only when asked for explicitly."""
    doc = _admit(inst, ctx, doc_id, "download_original" if original else "download")
    kinds = {o.kind for o in doc.objects if o.shredded_at is None}
    obj = records.object_of(doc, "access" if "access" in kinds and not original else "original")
    meta = records.unseal_meta(inst, doc)
    name = meta.get("filename") or f"{doc.id}"
    return Content(
        records.served_name(name, records.object_of(doc, "original"), obj),
        obj.media_type,
        obj.size,
        records.stream_object(inst, doc, obj),
    )


def pending_clause(scope: ReadScope) -> ColumnElement[bool]:
    """The scope's rule for records whose secrecy is pending, as a SQL condition."""
    if scope.all_pending:
        return true()
    if scope.pending_filer is None:
        return Document.secrecy_pending.is_(False)
    return or_(Document.secrecy_pending.is_(False), Document.filed_by == scope.pending_filer)


def _visible(
    session: Session,
    ctx: audit.Context,
    ids: Iterable[int] | None,
    limit: int,
    needing_review: bool = False,
    pending_only: bool = False,
) -> list[Document]:
    """Records the principal may read, bounded by the policy's scope in the query itself.

    For the review queue (``needing_review``) records whose secrecy is pending come first."""
    scope = scope_of(session, ctx)
    if scope is None or scope.empty:
        return []
    stmt = select(Document).where(
        or_(Document.unit_id.in_(scope.unit_ids), Document.id.in_(scope.document_ids)),
        Document.level.in_(LEVELS[: scope.max_level + 1]),
        Document.status == "active",
        pending_clause(scope),
    )
    if ids is not None:
        stmt = stmt.where(Document.id.in_(list(ids)))
    order = [Document.issued.desc().nullslast(), Document.id.desc()]
    if needing_review:
        stmt = stmt.where(Document.needs_review.is_(True))
        order.insert(0, Document.secrecy_pending.desc())
    if pending_only:
        stmt = stmt.where(Document.secrecy_pending.is_(True))
    stmt = stmt.order_by(*order).limit(limit)
    return [d for d in session.execute(stmt).scalars() if admits(scope, d)]


def scope_of(session: Session, ctx: audit.Context) -> ReadScope | None:
    """The principal's read scope now, shares and live grants included (search uses it too)."""
    who = ctx.principal
    if who is None:
        return None
    return read_scope(who, grants.extra_document_ids(session, who.user_id, who.unit_id))


def list_documents(
    inst: Instance,
    ctx: audit.Context,
    limit: int = 200,
    needing_review: bool = False,
    pending_only: bool = False,
) -> list[DocumentView]:
    """What the person may read (or, for the review queue, what waits for confirmation, held-back
    records first; ``pending_only``: only records whose secrecy is pending)."""
    with inst.sessions() as session:
        docs = _visible(session, ctx, None, limit, needing_review, pending_only)
        audit.record(
            session,
            inst.keyring,
            ctx,
            "list",
            "allowed",
            None,
            {"ids": [d.id for d in docs]},
        )
        session.commit()
    return [_view(inst, d) for d in docs]


def admit_hits(
    inst: Instance, ctx: audit.Context, query: str, hit_ids: list[int]
) -> list[DocumentView]:
    """Search results pass the gate too: re-checked one by one, recorded with the query."""
    return admit_listed(inst, ctx, hit_ids, "search", {"query": query})


def admit_listed(
    inst: Instance, ctx: audit.Context, ids: list[int], action: str, detail: dict
) -> list[DocumentView]:
    """Descriptions of the listed records the person may read, in the order given; one entry
    records the action and exactly which ids were shown."""
    with inst.sessions() as session:
        admitted = {d.id: d for d in _visible(session, ctx, ids, len(ids) or 1)}
        ordered = [admitted[i] for i in ids if i in admitted]
        audit.record(
            session,
            inst.keyring,
            ctx,
            action,
            "allowed",
            None,
            {**detail, "ids": [d.id for d in ordered]},
        )
        session.commit()
    return [_view(inst, d) for d in ordered]
