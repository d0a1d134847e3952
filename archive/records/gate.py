"""THE GATE. Every read of a record by a person passes here: one policy decision, one audit entry.

Web pages, the command line, search results, dossier and register lists, previews, stamped
copies, file versions, histories and transfers all call these functions; nothing else decides
whether a person may read a record (an import contract keeps ``security.policy.reading`` for this
module alone). A denial and a missing record look the same from outside (``NotFound``), and the
denial is committed to the audit log before the error is raised (``UnitOfWork.refuse``).

- ``admit``: one record, for one purpose (the action and detail written into its entry);
- ``decide`` / ``may_read_now``: the decision alone, for services that act on a record a person
  must be able to read (editing, registering, reviewing) and audit their own action;
- ``scope_of`` / ``admits`` / ``visible`` / ``scope_clauses``: the read scope, applied to lists
  and counts and handed to search;
- ``view_document``, ``read_document`` (``read_document_and_file``), ``open_content``,
  ``open_for_preview``, ``open_header``, ``open_traced_copy``, ``list_documents``, ``admit_hits``
  (with snippets), ``admit_listed``: the reads people do.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import or_, select, true
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.elements import ColumnElement

from archive.audit.actions import Action
from archive.core.instance import Instance
from archive.core.uow import UnitOfWork
from archive.models import Document, RecordStatus, utcnow
from archive.records import grants, reading
from security.actor import Context, Principal
from security.errors import NotFound
from security.policy.decision import Decision
from security.policy.reading import ReadScope, may_read, read_scope
from security.vocabulary import LEVELS


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
    # A search hit's text around the words searched for (search.snippets), made in memory for
    # this page from the text of the admitted record; never stored.
    snippet: tuple | None = None

    @property
    def previewable(self) -> bool:
        """Pages can be drawn for PDFs, and for files whose access copy is a PDF (Office
        files printed by LibreOffice) (ingest.delivery.preview)."""
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


def _view(inst: Instance, doc: Document, snippet: tuple | None = None) -> DocumentView:
    meta = reading.unseal_meta(inst, doc)
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
        snippet=snippet,
    )


_MAIN_FIELDS = frozenset({"number", "issuer", "subject", "filename"})


def decide(session: Session, who: Principal, doc: Document) -> Decision:
    """May this person read this record now: the policy's decision from the row's facts
    (level, unit, shares and live grants, and whether its secrecy is pending), for an active
    record. Every check of one record goes through here, so none can leave a fact out."""
    if doc.status != RecordStatus.ACTIVE:
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


def may_read_now(session: Session, ctx: Context, doc: Document | None) -> Decision:
    """``decide`` for a context that may have no principal and a record that may not exist."""
    if doc is None:
        return Decision(False, "no such document")
    if ctx.principal is None:
        return Decision(False, "nobody")
    return decide(session, ctx.principal, doc)


def admits(scope: ReadScope | None, doc: Document) -> bool:
    """The read scope applied to one row (lists filtered in Python use this)."""
    return scope is not None and scope.admits(
        doc.level, doc.unit_id, doc.id, pending=doc.secrecy_pending, filed_by=doc.filed_by
    )


def admits_row(scope: ReadScope | None, level: str, unit_id: int | None) -> bool:
    """The scope applied to what is not a record row (a dossier, a paper-only register entry):
    its level and unit; nothing of it is held back."""
    return scope is not None and scope.admits(level, unit_id, None, pending=False, filed_by=None)


def not_found(doc_id: int) -> NotFound:
    return NotFound(f"Không tìm thấy văn bản số {doc_id}.", f"Document {doc_id} not found.")


def admit(
    inst: Instance, ctx: Context, doc_id: int, action: Action, detail: dict | None = None
) -> Document:
    """Decide and record one read; on denial the audit entry is committed before ``NotFound``
    is raised. Returns the row with its objects loaded."""
    with UnitOfWork(inst, ctx) as uow:
        doc = uow.session.get(Document, doc_id)
        decision = may_read_now(uow.session, ctx, doc)
        if not decision.allowed:
            raise uow.refuse(action, doc_id, decision.reason, not_found(doc_id), detail)
        doc.objects  # load while the session is open  # noqa: B018
        uow.audit(action, "allowed", doc_id, detail)
    return doc


def view_document(inst: Instance, ctx: Context, doc_id: int) -> DocumentView:
    return _view(inst, admit(inst, ctx, doc_id, Action.VIEW))


def read_document(inst: Instance, ctx: Context, doc_id: int) -> tuple[DocumentView, str]:
    """Description and full text, as the document page shows them: one decision, one entry."""
    doc = admit(inst, ctx, doc_id, Action.READ)
    return _view(inst, doc), reading.read_text(inst, doc)


def read_document_and_file(
    inst: Instance, ctx: Context, doc_id: int
) -> tuple[DocumentView, str, Content | None]:
    """The document page's read: description, full text and the served file (to count the pages
    the reader can page through; None when it cannot be previewed): one decision, one entry."""
    doc = admit(inst, ctx, doc_id, Action.READ)
    view = _view(inst, doc)
    content = _content(inst, doc, _served_kind(doc)) if view.previewable else None
    return view, reading.read_text(inst, doc), content


def _content(inst: Instance, doc: Document, kind: str, version: int | None = None) -> Content:
    """The file of an admitted record: the object of ``kind`` (its latest version, or
    ``version``)."""
    if version is None:
        obj = reading.object_of(doc, kind)
    else:
        obj = next((o for o in doc.objects if o.kind == kind and o.version == version), None)
        if obj is None:
            raise NotFound(
                f"Văn bản số {doc.id} không có phiên bản {version}.",
                f"Document {doc.id} has no {kind} version {version}.",
            )
    name = reading.unseal_meta(inst, doc).get("filename") or f"{doc.id}"
    if version is None:  # x.docx is served as x.pdf when its PDF access copy is what is served
        name = reading.served_name(name, reading.object_of(doc, "original"), obj)
    return Content(name, obj.media_type, obj.size, reading.stream_object(inst, doc, obj))


def _served_kind(doc: Document, original: bool = False) -> str:
    """The sanitized access copy when there is one, unless the original is asked for."""
    kinds = {o.kind for o in doc.objects if o.shredded_at is None}
    return "access" if "access" in kinds and not original else "original"


def open_content(inst: Instance, ctx: Context, doc_id: int, original: bool = False) -> Content:
    """The file people download: the sanitized access copy when there is one. The original
    bitstream (kept as evidence, active content and all) only when asked for explicitly."""
    doc = admit(inst, ctx, doc_id, Action.DOWNLOAD_ORIGINAL if original else Action.DOWNLOAD)
    return _content(inst, doc, _served_kind(doc, original))


def open_version(
    inst: Instance, ctx: Context, doc_id: int, version: int, kind: str = "original"
) -> Content:
    """An earlier (or the current) version of a record's file: one decision, one audit entry."""
    doc = admit(inst, ctx, doc_id, Action.DOWNLOAD_ORIGINAL, {"kind": kind, "version": version})
    return _content(inst, doc, kind, version)


# -- reads of the file for a purpose the plain download does not cover ----------------------------
# A page preview and a traced (stamped) copy are reads of the file like a download: one decision,
# one audit entry committed first. What differs is the action and the detail written into that
# entry: the page previewed, or the random trace id printed on the copy, so an auditor can map a
# leaked copy back to the person and the moment it was handed out.


@dataclass(frozen=True)
class TracedCopy:
    """A file handed to one person, with what the stamp on it must say."""

    content: Content
    trace_id: str
    level: str
    at: datetime
    doc_id: int
    text: str | None = None  # the record's text, when the file is neither a PDF nor an image


def new_trace_id() -> str:
    """Short enough to read aloud from a photocopy, random enough never to repeat (64 bits)."""
    raw = secrets.token_hex(8).upper()
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:12]}-{raw[12:]}"


def open_for_preview(inst: Instance, ctx: Context, doc_id: int, page: int) -> TracedCopy:
    """The file whose page is rendered on screen: audited as ``preview`` with the page and
    the trace id the watermark on the image carries."""
    trace_id = new_trace_id()
    at = utcnow()
    doc = admit(inst, ctx, doc_id, Action.PREVIEW, {"page": page, "trace": trace_id})
    return TracedCopy(_content(inst, doc, _served_kind(doc)), trace_id, doc.level, at, doc.id)


def open_header(
    inst: Instance, ctx: Context, doc_id: int
) -> tuple[Content, tuple[float, float, float, float] | None]:
    """The file whose page-1 header is cropped for the review page, with the zone where the
    header was read (None when unknown): one read, audited as ``preview`` of the header."""
    doc = admit(inst, ctx, doc_id, Action.PREVIEW, {"page": 0, "part": "header"})
    zone = reading.unseal_meta(inst, doc).get("header_zone")
    return _content(inst, doc, _served_kind(doc)), tuple(zone) if zone else None


def open_traced_copy(inst: Instance, ctx: Context, doc_id: int) -> TracedCopy:
    """The file for a download, with a fresh trace id recorded in the download's entry; with
    the record's text when the file is neither a PDF nor an image (a Word or text file is
    handed out as a PDF access copy made from it)."""
    trace_id = new_trace_id()
    at = utcnow()
    doc = admit(inst, ctx, doc_id, Action.DOWNLOAD, {"trace": trace_id})
    content = _content(inst, doc, _served_kind(doc))
    printable = content.media_type == "application/pdf" or content.media_type.startswith("image/")
    text = None if printable else reading.read_text(inst, doc)
    return TracedCopy(content, trace_id, doc.level, at, doc.id, text)


# -- lists -----------------------------------------------------------------------------------------


def pending_clause(scope: ReadScope) -> ColumnElement[bool]:
    """The scope's rule for records whose secrecy is pending, as a SQL condition."""
    if scope.all_pending:
        return true()
    if scope.pending_filer is None:
        return Document.secrecy_pending.is_(False)
    return or_(Document.secrecy_pending.is_(False), Document.filed_by == scope.pending_filer)


def pending_filer_clause(scope: ReadScope, column: ColumnElement[int]) -> ColumnElement[bool]:
    """The same rule on a count's ``pending_filer`` column (0: not pending, else the filer of
    the records counted: ``archive.core.tallies``)."""
    if scope.all_pending:
        return true()
    if scope.pending_filer is None:
        return column == 0
    return or_(column == 0, column == scope.pending_filer)


def scope_clauses(scope: ReadScope) -> tuple[ColumnElement[bool], ...]:
    """The read scope as SQL conditions on ``documents`` (active records only): the one filter
    of lists and of counts (the office's statistics), so nothing is counted that is not shown.
    A caller checks ``scope.empty`` first (an empty scope admits nothing)."""
    return (
        *reach_clauses(scope),
        Document.status == RecordStatus.ACTIVE,
        pending_clause(scope),
    )


def reach_clauses(scope: ReadScope) -> tuple[ColumnElement[bool], ...]:
    """The units, shared records and levels of the scope as SQL conditions on ``documents``,
    whatever the records' status: what a list of records kept after disposal (a register)
    narrows its query with before ``admits`` decides row by row."""
    return (
        or_(Document.unit_id.in_(scope.unit_ids), Document.id.in_(scope.document_ids)),
        Document.level.in_(LEVELS[: scope.max_level + 1]),
    )


def visible(
    session: Session,
    scope: ReadScope | None,
    ids: Iterable[int] | None,
    limit: int,
    needing_review: bool = False,
    pending_only: bool = False,
    with_objects: bool = False,
) -> list[Document]:
    """Records the scope admits, bounded by the scope in the query itself.

    For the review queue (``needing_review``) records whose secrecy is pending come first.
    ``with_objects``: their stored objects loaded in the same read (one query for all, not one
    per record: a search page's snippets read twenty texts)."""
    if scope is None or scope.empty:
        return []
    stmt = select(Document).where(*scope_clauses(scope))
    if with_objects:
        stmt = stmt.options(selectinload(Document.objects))
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


def scope_of(session: Session, ctx: Context) -> ReadScope | None:
    """The principal's read scope now, shares and live grants included (search uses it too)."""
    who = ctx.principal
    if who is None:
        return None
    return read_scope(who, grants.extra_document_ids(session, who.user_id, who.unit_id))


def list_documents(
    inst: Instance,
    ctx: Context,
    limit: int = 200,
    needing_review: bool = False,
    pending_only: bool = False,
) -> list[DocumentView]:
    """What the person may read (or, for the review queue, what waits for confirmation, held-back
    records first; ``pending_only``: only records whose secrecy is pending)."""
    with UnitOfWork(inst, ctx) as uow:
        scope = scope_of(uow.session, ctx)
        docs = visible(uow.session, scope, None, limit, needing_review, pending_only)
        uow.audit(Action.LIST, "allowed", None, ids=[d.id for d in docs])
    return [_view(inst, d) for d in docs]


# A snippet maker: the record's text → what the result list shows of it (None: nothing).
Snippeter = Callable[[str], "tuple | None"]
MAX_SNIPPETS = 50  # texts read for snippets in one search, whatever page size is asked


def admit_hits(
    inst: Instance,
    ctx: Context,
    query: str,
    hit_ids: list[int],
    scope: ReadScope | None,
    snippet: Snippeter | None = None,
) -> list[DocumentView]:
    """Search results pass the gate too: re-checked one by one against the scope the search
    used, recorded with the query (sealed in the entry: a query is content). With ``snippet``,
    the text of each admitted hit (the first ``MAX_SNIPPETS``) is read in memory and cut into a
    snippet under the same decision; the entry names the hits whose text was read."""
    return admit_listed(
        inst, ctx, hit_ids, Action.SEARCH, {}, scope, sealed={"query": query}, snippet=snippet
    )


def admit_listed(
    inst: Instance,
    ctx: Context,
    ids: list[int],
    action: Action,
    detail: dict,
    scope: ReadScope | None = None,
    sealed: dict | None = None,
    snippet: Snippeter | None = None,
) -> list[DocumentView]:
    """Descriptions of the listed records the person may read, in the order given; one entry
    records the action and exactly which ids were shown. ``scope``: the one already computed
    for this request (a search), else it is computed here.

    The decision and the reading (rows, texts for snippets) happen in a read-only transaction,
    then the entry is written in a short one of its own: on SQLite a write transaction holds the
    one write lock of the database from its first statement, and every search of every worker
    would otherwise wait for the previous one's reads and decryptions. Nothing is shown unless
    its entry is committed and on disk (the views are made after it); the entry records a read
    only, so its commit releases the write lock before the disk's sync and then waits for a
    sync shared with the other commits of that moment (``read_record``; ``archive.core.db``)."""
    with inst.steady_keyring():  # one look at the key file for the page, not one per key
        with inst.read_sessions() as session:
            if scope is None:
                scope = scope_of(session, ctx)
            found = visible(session, scope, ids, len(ids) or 1, with_objects=snippet is not None)
        admitted = {d.id: d for d in found}
        ordered = [admitted[i] for i in ids if i in admitted]
        ids_shown = [d.id for d in ordered]
        snippets = _snippets(inst, ordered[:MAX_SNIPPETS], snippet) if snippet else {}
        if snippets:
            detail = {**detail, "snippets": sorted(snippets)}
        with UnitOfWork(inst, ctx, read_record=True) as uow:
            uow.audit(action, "allowed", None, {**detail, "ids": ids_shown}, sealed=sealed)
        return [_view(inst, d, snippets.get(d.id)) for d in ordered]


def _snippets(inst: Instance, docs: list[Document], snippet: Snippeter) -> dict[int, tuple]:
    """The snippet of each admitted record that has a text and a match in it."""
    made = {}
    for doc in docs:
        if not any(o.kind == "text" for o in doc.objects):
            continue
        cut = snippet(reading.read_text(inst, doc))
        if cut:
            made[doc.id] = cut
    return made
