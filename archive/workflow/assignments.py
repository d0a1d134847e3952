"""Incoming documents from arrival to done (Nghị định 30: theo dõi, đôn đốc giải quyết văn
bản đến): assign a registered incoming document to a unit and maybe a person, with an
instruction (ý kiến chỉ đạo) and a deadline (hạn xử lý); the handler marks it in progress and
done, optionally with the outgoing reply, which links the two registers.

Rules (``security.policy.workflow`` decides who; the gate decides every read):
- whoever assigns must be able to read the record, and so must the handler: an assignment to a
  person who may not read it is refused (audited), or, when asked, an access request is raised
  for them (``archive.records.grants``: the same request a reader makes, decided by the same
  approvers) and the assignment waits for a new attempt once it is approved;
- a unit without a person named must hold the record (its own, or shared with it);
- a HỎA TỐC HẸN GIỜ record sets the deadline from the time read on it, unless a person gives
  an earlier one;
- every step is one unit of work with its audit entry on the record (``Action.ASSIGN*``), and
  the lists pass the gate (``admit_listed``), so a handler never sees what they may not read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from archive.accounts import accounts
from archive.audit.actions import Action
from archive.core import sealing
from archive.core.instance import Instance
from archive.core.uow import UnitOfWork
from archive.models import (
    Assignment,
    AssignmentStatus,
    Document,
    DocumentShare,
    Grant,
    Register,
    RegisterEntry,
    Unit,
    User,
    aware,
    utcnow,
)
from archive.records import gate, grants, reading
from archive.records.gate import DocumentView
from security.actor import Context
from security.errors import NotFound, Refused
from security.policy.workflow import may_assign, may_handle, may_track
from security.vocabulary import Urgency, level_rank

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
DUE_SOON = timedelta(days=2)  # "sắp đến hạn": within two days
MAX_INSTRUCTION = 2000


class AccessRequested(Refused):
    """The handler may not read the record yet: a request was raised for them."""

    code = "access_requested"

    def __init__(self, grant_id: int) -> None:
        super().__init__(
            f"Người xử lý chưa được phép xem văn bản này. Đã gửi yêu cầu cấp quyền xem (số "
            f"{grant_id}); hãy giao lại khi yêu cầu được duyệt.",
            f"The handler may not read this document yet. An access request was raised for "
            f"them (number {grant_id}); assign it again once it is approved.",
        )
        self.grant_id = grant_id


@dataclass(frozen=True)
class Task:
    """One assignment as people see it (``doc``: the record's description, when the viewer's
    list passed the gate with it)."""

    id: int
    document_id: int
    unit: str
    unit_name: str
    handler: str | None
    handler_name: str | None
    assigned_by: str
    assigned_at: datetime
    deadline: datetime | None
    deadline_source: str
    status: str
    started_at: datetime | None
    done_at: datetime | None
    reply_id: int | None
    instruction: str
    doc: DocumentView | None = None

    @property
    def open(self) -> bool:
        return self.status in AssignmentStatus.OPEN

    def overdue(self, now: datetime | None = None) -> bool:
        """Past its deadline and not done, or done after it."""
        if self.deadline is None:
            return False
        end = self.done_at if self.done_at is not None else (now or utcnow())
        return end > self.deadline

    def due_soon(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        return self.open and self.deadline is not None and now <= self.deadline <= now + DUE_SOON


# -- deadlines ---------------------------------------------------------------------------------


def end_of_day(day: date) -> datetime:
    """A deadline given as a day: the end of that day in Vietnam, as UTC."""
    return datetime.combine(day, time(23, 59), LOCAL).astimezone(UTC)


def document_deadline(urgency: str, meta: dict) -> datetime | None:
    """The time of a HỎA TỐC HẸN GIỜ mark as the reader found it (``deadline``, local ISO)."""
    if urgency != Urgency.HOA_TOC_HEN_GIO or not meta.get("deadline"):
        return None
    try:
        local = datetime.fromisoformat(meta["deadline"])
    except (TypeError, ValueError):
        return None
    if local.tzinfo is None:
        local = local.replace(tzinfo=LOCAL)
    return local.astimezone(UTC)


def choose_deadline(
    given: date | None, from_document: datetime | None, now: datetime
) -> tuple[datetime | None, str]:
    """The document's time wins unless a person gives an earlier day; a day already past is
    refused (the document's own time may be past: the record came late, and it shows overdue)."""
    if given is not None and end_of_day(given) < now:
        raise Refused(
            "Hạn xử lý đã qua: chọn hôm nay hoặc một ngày sau.",
            "That deadline has passed: choose today or a later day.",
        )
    person = end_of_day(given) if given is not None else None
    if from_document is not None and (person is None or from_document <= person):
        return from_document, "document"
    return person, "person"


# -- acts -------------------------------------------------------------------------------------


def _incoming_entry(session: Session, doc_id: int) -> RegisterEntry | None:
    return session.execute(
        select(RegisterEntry)
        .join(Register, Register.code == RegisterEntry.register)
        .where(RegisterEntry.document_id == doc_id, Register.kind == "incoming")
        .order_by(RegisterEntry.id)
        .limit(1)
    ).scalar_one_or_none()


def _outgoing_entry(session: Session, doc_id: int) -> RegisterEntry | None:
    return session.execute(
        select(RegisterEntry)
        .join(Register, Register.code == RegisterEntry.register)
        .where(RegisterEntry.document_id == doc_id, Register.kind == "outgoing")
        .limit(1)
    ).scalar_one_or_none()


def _waiting_request(session: Session, user_id: int, doc_id: int) -> int | None:
    """A request for this person and record still waiting (asked again: not asked twice)."""
    return session.execute(
        select(Grant.id).where(
            Grant.user_id == user_id, Grant.document_id == doc_id, Grant.status == "requested"
        )
    ).scalar()


def _unit_holds(session: Session, doc: Document, unit: Unit) -> bool:
    return doc.unit_id == unit.id or session.get(DocumentShare, (doc.id, unit.id)) is not None


def _assign_decision(session: Session, who, doc: Document):
    """The one decision on who may assign a record: `assign` applies it, `may_offer` asks it."""
    me = session.get(User, who.user_id)
    return may_assign(who, me is not None and me.is_unit_head, doc.level, doc.unit_id)


def may_offer(inst: Instance, ctx: Context, doc_id: int) -> bool:
    """Whether a page offers "Giao xử lý": `assign`'s own decision, asked without an audit
    entry because only a button hangs on it (the page asking has read the record through the
    gate, audited; a submit decides again and audits)."""
    if ctx.principal is None:
        return False
    with inst.read_sessions() as session:
        doc = session.get(Document, doc_id)
        return doc is not None and _assign_decision(session, ctx.principal, doc).allowed


def assign(
    inst: Instance,
    ctx: Context,
    doc_id: int,
    *,
    unit_code: str | None = None,
    handler: str | None = None,
    instruction: str = "",
    deadline: date | None = None,
    ask_access: bool = False,
) -> int:
    """Assign a registered incoming record; returns the assignment's number. Raises
    ``AccessRequested`` after recording the refusal and the request when the handler may not
    read the record and ``ask_access`` was given."""
    who = ctx.principal
    instruction = instruction.strip()[:MAX_INSTRUCTION]
    requested: int | None = None
    with UnitOfWork(inst, ctx) as uow:
        session = uow.session
        doc = session.get(Document, doc_id)
        if not gate.may_read_now(session, ctx, doc).allowed:
            raise uow.refuse(Action.ASSIGN, doc_id, "not readable", gate.not_found(doc_id))
        uow.require(
            Action.ASSIGN,
            doc_id,
            _assign_decision(session, who, doc),
            "Chỉ văn thư hoặc lãnh đạo đơn vị giao xử lý văn bản.",
        )

        def refuse(reason: str, vi: str, en: str) -> Refused:
            return uow.refuse(Action.ASSIGN, doc_id, reason, Refused(vi, en))

        if _incoming_entry(session, doc_id) is None:
            raise refuse(
                "not in an incoming register",
                "Văn bản chưa vào sổ văn bản đến: vào sổ trước rồi giao xử lý.",
                "This document is not in an incoming register: register it first.",
            )
        person = accounts.find_user(session, handler.strip()) if handler else None
        if handler and (person is None or not person.active or person.service):
            raise refuse(
                "no such handler",
                f"Không có người dùng {handler!r}.",
                f"No user {handler!r}.",
            )
        if unit_code:
            unit = session.execute(
                select(Unit).where(Unit.code == unit_code.strip().upper())
            ).scalar_one_or_none()
        else:
            unit = person.unit if person is not None else None
        if unit is None:
            raise refuse(
                "no such unit",
                "Hãy chọn đơn vị xử lý.",
                "Choose the unit that handles it.",
            )
        if person is not None and person.unit_id != unit.id:
            raise refuse(
                "handler not in the unit",
                f"{person.username} không thuộc đơn vị {unit.code}.",
                f"{person.username} is not in unit {unit.code}.",
            )
        if person is not None:
            decision = gate.decide(session, accounts.principal_of(person), doc)
            grantable = (
                not doc.secrecy_pending
                and level_rank(doc.level) <= level_rank(person.clearance)
                and person.role in ("reader", "archivist", "security_officer")
            )
            if not decision.allowed and not (ask_access and grantable):
                raise refuse(
                    f"handler may not read: {decision.reason}",
                    f"{person.username} không được phép xem văn bản này nên không giao được.",
                    f"{person.username} may not read this document, so it cannot be assigned.",
                )
            if not decision.allowed:
                requested = _waiting_request(session, person.id, doc_id)
                if requested is None:
                    why = "Được giao xử lý văn bản đến" + (
                        f": {instruction}" if instruction else ""
                    )
                    requested = grants.ask_for(
                        uow,
                        person.id,
                        doc_id,
                        why,
                        handler=person.username,
                        on_behalf_of=who.username,
                    )
                uow.audit(
                    Action.ASSIGN,
                    "denied",
                    doc_id,
                    reason=f"handler may not read: {decision.reason}",
                    handler=person.username,
                    grant=requested,
                )
        elif not _unit_holds(session, doc, unit):
            raise refuse(
                "unit does not hold the record",
                f"Đơn vị {unit.code} chưa có văn bản này: chia sẻ văn bản với đơn vị hoặc "
                "giao cho một người cụ thể.",
                f"Unit {unit.code} does not hold this document: share it with the unit or "
                "assign it to a person.",
            )
        if requested is None:
            meta = reading.unseal_meta(inst, doc)
            when, source = choose_deadline(deadline, document_deadline(doc.urgency, meta), utcnow())
            row = Assignment(
                document_id=doc_id,
                unit_id=unit.id,
                handler_id=person.id if person else None,
                assigned_by=who.user_id,
                deadline=when,
                deadline_source=source,
                status=AssignmentStatus.ASSIGNED,
            )
            sealing.seal(inst, row, {"instruction": instruction})
            session.add(row)
            session.flush()
            uow.audit(
                Action.ASSIGN,
                "ok",
                doc_id,
                assignment=row.id,
                unit=unit.code,
                handler=person.username if person else None,
                deadline=when.isoformat() if when else None,
                deadline_source=source,
            )
            assigned = row.id
    if requested is not None:
        raise AccessRequested(requested)
    return assigned


def _acting_on(uow: UnitOfWork, action: Action, assignment_id: int) -> tuple[Assignment, User]:
    """The assignment this person may act on now (the handler, the unit, the assigner or the
    unit head, and able to read the record), else one audited answer: not found."""
    session = uow.session
    row = session.get(Assignment, assignment_id)
    doc = session.get(Document, row.document_id) if row is not None else None
    me = session.get(User, uow.ctx.principal.user_id)
    reason = None
    if row is None:
        reason = "no such assignment"
    elif not gate.may_read_now(session, uow.ctx, doc).allowed:
        reason = "record not readable"
    else:
        decision = may_handle(
            uow.ctx.principal, row.handler_id, row.unit_id, row.assigned_by, me.is_unit_head
        )
        reason = None if decision.allowed else decision.reason
    if reason is not None:
        raise uow.refuse(
            action,
            doc.id if doc is not None else None,
            reason,
            NotFound(
                f"Không có việc số {assignment_id} giao cho bạn.",
                f"No assignment {assignment_id} for you.",
            ),
            {"assignment": assignment_id},
        )
    return row, me


def start(inst: Instance, ctx: Context, assignment_id: int) -> None:
    """Đang xử lý: the handler (or, with nobody named, the member of the unit who takes it)."""
    with UnitOfWork(inst, ctx) as uow:
        row, me = _acting_on(uow, Action.ASSIGN_START, assignment_id)
        if row.status != AssignmentStatus.ASSIGNED:
            raise uow.refuse(
                Action.ASSIGN_START,
                row.document_id,
                f"status is {row.status}",
                Refused("Việc này đã bắt đầu hoặc đã xong.", "Already started or done."),
                {"assignment": assignment_id},
            )
        row.status = AssignmentStatus.IN_PROGRESS
        row.started_at, row.started_by = utcnow(), me.id
        if row.handler_id is None and me.unit_id == row.unit_id:
            row.handler_id = me.id  # taken by this member of the unit
        uow.audit(Action.ASSIGN_START, "ok", row.document_id, assignment=assignment_id)


def finish(inst: Instance, ctx: Context, assignment_id: int, reply_id: int | None = None) -> None:
    """Đã xử lý xong, optionally with the outgoing reply: it must be registered in an outgoing
    register and readable by the person closing, and the two records then point at each other
    (each gets an audit entry, so both histories show the link)."""
    with UnitOfWork(inst, ctx) as uow:
        session = uow.session
        row, me = _acting_on(uow, Action.ASSIGN_DONE, assignment_id)
        detail = {"assignment": assignment_id}
        if row.status not in AssignmentStatus.OPEN:
            raise uow.refuse(
                Action.ASSIGN_DONE,
                row.document_id,
                f"status is {row.status}",
                Refused("Việc này đã xong.", "Already done."),
                detail,
            )
        if reply_id is not None:
            reply = session.get(Document, reply_id)
            if reply_id == row.document_id or not gate.may_read_now(session, ctx, reply).allowed:
                raise uow.refuse(
                    Action.ASSIGN_DONE, reply_id, "reply not readable", gate.not_found(reply_id)
                )
            if _outgoing_entry(session, reply_id) is None:
                raise uow.refuse(
                    Action.ASSIGN_DONE,
                    row.document_id,
                    "reply not in an outgoing register",
                    Refused(
                        f"Văn bản {reply_id} chưa vào sổ văn bản đi: vào sổ trước rồi ghi là "
                        "văn bản trả lời.",
                        f"Document {reply_id} is not in an outgoing register: register it first.",
                    ),
                    {**detail, "reply": reply_id},
                )
        now = utcnow()
        row.status = AssignmentStatus.DONE
        row.done_at, row.done_by, row.reply_id = now, me.id, reply_id
        if row.started_at is None:
            row.started_at, row.started_by = now, me.id
        late = row.deadline is not None and now > aware(row.deadline)
        uow.audit(Action.ASSIGN_DONE, "ok", row.document_id, reply=reply_id, late=late, **detail)
        if reply_id is not None:
            uow.audit(Action.ASSIGN_DONE, "ok", reply_id, replies_to=row.document_id, **detail)


# -- lists ------------------------------------------------------------------------------------


def _task(inst: Instance, row: Assignment, names: dict, doc: DocumentView | None) -> Task:
    handler = names["users"].get(row.handler_id)
    unit = names["units"].get(row.unit_id)
    return Task(
        id=row.id,
        document_id=row.document_id,
        unit=unit.code if unit else "",
        unit_name=unit.name if unit else "",
        handler=handler.username if handler else None,
        handler_name=(handler.full_name or handler.username) if handler else None,
        assigned_by=names["users"][row.assigned_by].username,
        assigned_at=aware(row.assigned_at),
        deadline=aware(row.deadline),
        deadline_source=row.deadline_source,
        status=row.status,
        started_at=aware(row.started_at),
        done_at=aware(row.done_at),
        reply_id=row.reply_id,
        instruction=sealing.unseal(inst, row).get("instruction", ""),
        doc=doc,
    )


def _names(session: Session, rows: list[Assignment]) -> dict:
    user_ids = {r.handler_id for r in rows} | {r.assigned_by for r in rows}
    users = session.execute(select(User).where(User.id.in_(user_ids - {None}))).scalars()
    units = session.execute(select(Unit).where(Unit.id.in_({r.unit_id for r in rows}))).scalars()
    return {"users": {u.id: u for u in users}, "units": {u.id: u for u in units}}


def _through_gate(inst: Instance, ctx: Context, rows: list[Assignment], detail: dict) -> list[Task]:
    """The assignments whose records the person may read, each with its description: one
    gate decision for the list and one audit entry naming the records shown."""
    ids = list(dict.fromkeys(r.document_id for r in rows))
    views = {v.id: v for v in gate.admit_listed(inst, ctx, ids, Action.ASSIGN_LIST, detail)}
    with inst.sessions() as session:
        names = _names(session, rows)
    return [_task(inst, r, names, views[r.document_id]) for r in rows if r.document_id in views]


def _by_deadline(stmt):
    return stmt.order_by(Assignment.deadline.is_(None), Assignment.deadline, Assignment.id)


def my_tasks(inst: Instance, ctx: Context, limit: int = 100) -> list[Task]:
    """Văn bản cần xử lý: open assignments of this person, and of their unit with nobody
    named; soonest deadline first."""
    who = ctx.principal
    if who is None:
        return []
    with inst.sessions() as session:
        rows = list(
            session.execute(
                _by_deadline(
                    select(Assignment).where(
                        Assignment.status.in_(AssignmentStatus.OPEN),
                        or_(
                            Assignment.handler_id == who.user_id,
                            (Assignment.handler_id.is_(None)) & (Assignment.unit_id == who.unit_id),
                        ),
                    )
                ).limit(limit)
            ).scalars()
        )
    if not rows:
        return []
    return _through_gate(inst, ctx, rows, {"list": "mine"})


@dataclass(frozen=True)
class Tracking:
    overdue: list[Task]
    due_soon: list[Task]
    other: list[Task]


def tracking(inst: Instance, ctx: Context, limit: int = 500) -> Tracking:
    """For the office head and the văn thư: every open assignment on a record they may read,
    as overdue, due soon and the rest (refused for others, audited)."""
    with UnitOfWork(inst, ctx) as uow:
        me = uow.session.get(User, ctx.principal.user_id) if ctx.principal else None
        decision = may_track(ctx.principal, me.is_unit_head) if me else None
        if decision is None or not decision.allowed:
            raise uow.refuse(
                Action.ASSIGN_LIST,
                None,
                decision.reason if decision else "nobody",
                NotFound("Không tìm thấy trang này.", "Not found."),
                {"list": "tracking"},
            )
        scope = gate.scope_of(uow.session, ctx)
        rows = []
        if scope is not None and not scope.empty:
            rows = list(
                uow.session.execute(
                    _by_deadline(
                        select(Assignment)
                        .join(Document, Document.id == Assignment.document_id)
                        .where(Assignment.status.in_(AssignmentStatus.OPEN))
                        .where(*gate.scope_clauses(scope))
                    ).limit(limit)
                ).scalars()
            )
    tasks = _through_gate(inst, ctx, rows, {"list": "tracking"}) if rows else []
    now = utcnow()
    overdue = [t for t in tasks if t.overdue(now)]
    soon = [t for t in tasks if t.due_soon(now)]
    other = [t for t in tasks if not t.overdue(now) and not t.due_soon(now)]
    return Tracking(overdue, soon, other)


@dataclass(frozen=True)
class Progress:
    """What the document page shows of a record's handling: its assignments, and the links
    between incoming records and their replies (``replies``: records answering this one;
    ``answers``: records this one answers), described only when the viewer may read them."""

    tasks: list[Task]
    replies: list[tuple[int, DocumentView | None]]
    answers: list[tuple[int, DocumentView | None]]


def progress(inst: Instance, ctx: Context, admitted: DocumentView) -> Progress:
    """The handling of a record the gate has just admitted for this person: its description
    (``admitted``, which only the gate hands out) is the proof, and that read's audit entry
    covers the page. Linked records pass the gate themselves (one more entry, when any)."""
    doc_id = admitted.id
    with inst.sessions() as session:
        rows = list(
            session.execute(
                select(Assignment).where(Assignment.document_id == doc_id).order_by(Assignment.id)
            ).scalars()
        )
        answering = list(
            session.execute(
                select(Assignment.document_id).where(Assignment.reply_id == doc_id).distinct()
            ).scalars()
        )
        names = _names(session, rows) if rows else {"users": {}, "units": {}}
    tasks = [_task(inst, r, names, None) for r in rows]
    reply_ids = list(dict.fromkeys(t.reply_id for t in tasks if t.reply_id))
    linked = reply_ids + [i for i in answering if i not in reply_ids]
    views = {}
    if linked:
        shown = gate.admit_listed(inst, ctx, linked, Action.LIST, {"linked_to": doc_id})
        views = {v.id: v for v in shown}
    return Progress(
        tasks,
        [(i, views.get(i)) for i in reply_ids],
        [(i, views.get(i)) for i in answering],
    )


def reply_links(inst: Instance, ctx: Context, doc_ids: list[int]) -> dict[int, list[DocumentView]]:
    """For the registers: each listed record's counterpart (its reply, or the incoming record it
    answers) that the person may read, through the gate in one entry."""
    if not doc_ids:
        return {}
    with inst.sessions() as session:
        pairs = session.execute(
            select(Assignment.document_id, Assignment.reply_id).where(
                Assignment.reply_id.is_not(None),
                or_(Assignment.document_id.in_(doc_ids), Assignment.reply_id.in_(doc_ids)),
            )
        ).all()
    if not pairs:
        return {}
    wanted = set(doc_ids)
    links: dict[int, list[int]] = {}
    for incoming, reply in pairs:
        if incoming in wanted:
            links.setdefault(incoming, []).append(reply)
        if reply in wanted:
            links.setdefault(reply, []).append(incoming)
    others = sorted({i for ids in links.values() for i in ids})
    views = {
        v.id: v for v in gate.admit_listed(inst, ctx, others, Action.LIST, {"register_links": True})
    }
    return {k: [views[i] for i in ids if i in views] for k, ids in links.items()}


def choices(inst: Instance) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]]]:
    """The assignment form's choices: units (code, name) and the people who read documents
    (username, name, unit code): names and units only, nothing of any record."""
    with inst.sessions() as session:
        units = [
            (u.code, u.name) for u in session.execute(select(Unit).order_by(Unit.code)).scalars()
        ]
        people = [
            (u.username, u.full_name or u.username, u.unit.code if u.unit else "")
            for u in session.execute(
                select(User)
                .where(User.active.is_(True), User.service.is_(False))
                .where(User.role.in_(("reader", "archivist", "security_officer")))
                .order_by(User.unit_id, User.username)
            ).scalars()
        ]
    return units, people
