"""Deposits from other systems (the API): one file with what the sender knows of it, filed by
the one pipeline, at most once per idempotency key.

A client that timed out does not know whether its deposit was filed; it retries with the same
``Idempotency-Key`` and gets the first attempt's answer instead of a second record. The key is
claimed by inserting a row (unique per account and key) before any work, so of ten concurrent
retries one files and the others wait for its answer. The row keeps keyed MACs of the key and
of the request (never their text) and the answer's ids and codes (never the description). A
key reused for a different file is refused. A rejected file frees its key (the same retry is
refused the same way: ``Rejected``); an attempt that crashed frees it too, or goes stale after
``STALE_AFTER``.

A file larger than the caller's threshold (``KHO_API_ASYNC_BYTES``) is not filed while the
client waits: it becomes an ingest job (``ingest.doors.jobs``: its bytes and what was declared
sealed, filed by ``kho worker`` with the same function, ``ingest.doors.deposited``) and the
answer is the job to poll (``Queued``). The key then remembers the job, so a retry gets the
same job, never a second one.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from archive.audit.actions import Action
from archive.core import uow as units
from archive.core.instance import Instance
from archive.core.uow import UnitOfWork
from archive.models import ApiDeposit, Document, aware, utcnow
from archive.records import gate
from ingest.doors import jobs
from ingest.doors.deposited import Deposit, Placement, Rejected, check_placement, file_declared
from security.actor import Context
from security.errors import KhoError, NotFound

__all__ = ["Deposit", "KeyConflict", "Placement", "Queued", "Rejected", "deposit", "job_view"]

STALE_AFTER = timedelta(minutes=10)
WAIT_FOR_FIRST = 120.0  # seconds a retry waits for the attempt that holds its key
_POLL = 0.2


class KeyConflict(KhoError):
    """The key is held by an attempt still running (retry later) or names another request."""

    code = "conflict"


@dataclass(frozen=True)
class Queued:
    """A large deposit's answer: the ingest job that will file it (poll it: ``job_view``)."""

    job: int
    replayed: bool = False

    def remembered(self) -> dict:
        return {"job": self.job}


def _request_mac(inst: Instance, data: bytes, filename: str, declared: dict, unit, placement):
    described = json.dumps(
        [filename, declared, unit, placement.as_json()], sort_keys=True, default=str
    ).encode()
    return inst.keyring.content_mac(inst.keyring.content_mac(data).encode() + described)


def _claim(inst: Instance, user_id: int, key_mac: str, request_mac: str) -> ApiDeposit | None:
    """Take the key (None) or return the row of the attempt that holds it."""
    with inst.sessions() as session:
        try:
            session.add(ApiDeposit(user_id=user_id, key_digest=key_mac, request_digest=request_mac))
            session.commit()
            return None
        except IntegrityError:
            session.rollback()
        return session.execute(
            select(ApiDeposit).where(
                ApiDeposit.user_id == user_id, ApiDeposit.key_digest == key_mac
            )
        ).scalar_one_or_none()


def _release(inst: Instance, user_id: int, key_mac: str) -> None:
    with inst.sessions.begin() as session:
        session.execute(
            delete(ApiDeposit).where(
                ApiDeposit.user_id == user_id, ApiDeposit.key_digest == key_mac
            )
        )


def _replay(inst: Instance, ctx: Context, row: ApiDeposit) -> Deposit | Queued:
    answer = dict(row.answer)
    with UnitOfWork(inst, ctx) as uow:
        if "job" in answer:
            uow.audit(Action.INGEST, "replayed", None, {"job": answer["job"]})
            return Queued(answer["job"], replayed=True)
        uow.audit(Action.INGEST, "replayed", answer.get("id"), {"status": answer.get("status")})
    return Deposit(**answer, replayed=True)


def _attempt(inst, ctx, data, filename, declared, unit_code, placement, queue) -> Deposit | Queued:
    if not queue:
        return file_declared(inst, ctx, data, filename, declared, unit_code, placement)
    request = {
        "declared": declared,
        "unit": unit_code,
        "placement": placement.as_json(),
        "token": ctx.token_id,
    }
    job = jobs.submit(
        inst, ctx, data, filename, unit_code, declared.get("level") or None, request=request
    )
    return Queued(job)


def deposit(
    inst: Instance,
    ctx: Context,
    data: bytes,
    filename: str,
    declared: dict | None = None,
    key: str | None = None,
    unit_code: str | None = None,
    placement: Placement = Placement(),  # noqa: B008 - frozen, empty
    queue: bool = False,
) -> Deposit | Queued:
    """File ``data`` as the caller (``ctx``) with what the sender declared, and place it in
    the declared dossier and register; with ``queue``, hand it to the ingest worker and answer
    with the job. With ``key``, at most once: a repeat gets the first answer (``replayed``)."""
    declared = {k: v for k, v in (declared or {}).items() if v not in (None, "")}
    if placement:
        check_placement(inst, ctx, placement, declared.get("level"))
    attempt = (inst, ctx, data, filename, declared, unit_code, placement, queue)
    if not key:
        return _attempt(*attempt)
    user_id = ctx.principal.user_id
    key_mac = inst.keyring.content_mac(b"kho/api/idempotency\0" + key.encode())
    request_mac = _request_mac(inst, data, filename, declared, unit_code, placement)
    deadline = time.monotonic() + WAIT_FOR_FIRST
    while True:
        held = _claim(inst, user_id, key_mac, request_mac)
        if held is None:
            break
        if held.request_digest != request_mac:
            raise KeyConflict(
                "Khóa Idempotency-Key này đã dùng cho một yêu cầu khác: dùng khóa mới.",
                "This Idempotency-Key was used for a different request: use a new key.",
            )
        if held.state == "done":
            return _replay(inst, ctx, held)
        if utcnow() - aware(held.created_at) > STALE_AFTER:
            _release(inst, user_id, key_mac)  # its attempt died: take the key over
        elif time.monotonic() > deadline:
            raise KeyConflict(
                "Lần gửi trước với khóa này vẫn đang xử lý: thử lại sau ít phút.",
                "The first attempt with this key is still being filed: retry in a few minutes.",
            )
        time.sleep(_POLL)
    try:
        answer = _attempt(*attempt)
    except BaseException:  # a rejected file or a crash: the key is free for the retry
        _release(inst, user_id, key_mac)
        raise
    with inst.sessions.begin() as session:
        row = session.execute(
            select(ApiDeposit).where(
                ApiDeposit.user_id == user_id, ApiDeposit.key_digest == key_mac
            )
        ).scalar_one()
        row.state, row.answer = "done", answer.remembered()
    return answer


def job_view(inst: Instance, ctx: Context, job_id: int, replayed: bool = False) -> dict:
    """A deposit job as its depositor sees it: state, and once done what it filed. Anybody
    else's job answers like a missing one, the refusal audited. The record's id is named only
    if the depositor may read the record now (the gate); every look is audited."""
    try:
        job, state, outcome = jobs.own_job(inst, ctx, job_id)
    except NotFound as missing:
        error = units.refused(
            inst, ctx, Action.UPLOAD, "not one's own job", missing, {"job": job_id}
        )
        raise error from None
    record_id = outcome.get("id")
    if record_id is not None:
        with inst.sessions() as session:
            doc = session.get(Document, record_id)
            if not gate.may_read_now(session, ctx, doc).allowed:
                record_id = None
    with UnitOfWork(inst, ctx) as uow:
        uow.audit(Action.UPLOAD, "status", record_id, {"job": job.id, "state": state})
    return {
        "job": job.id,
        "state": state,
        "status": outcome.get("status"),
        "id": record_id,
        "review": outcome.get("review") or [],
        "secrecy_pending": outcome.get("secrecy_pending"),
        "disagreed": outcome.get("disagreed") or [],
        "warnings": outcome.get("warnings") or [],
        "reason": outcome.get("reason"),
        "dossier": outcome.get("dossier"),
        "register_entry": outcome.get("register_entry"),
        "replayed": replayed,
    }
