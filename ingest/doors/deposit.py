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
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from archive.audit.actions import Action
from archive.core.instance import Instance
from archive.core.uow import UnitOfWork
from archive.models import ApiDeposit, Document, aware, utcnow
from archive.records import gate
from ingest import pipeline
from security.actor import Context
from security.errors import KhoError

STALE_AFTER = timedelta(minutes=10)
WAIT_FOR_FIRST = 120.0  # seconds a retry waits for the attempt that holds its key
_POLL = 0.2
KEPT = ("stored", "duplicate", "quarantined")  # outcomes a key remembers


class KeyConflict(KhoError):
    """The key is held by an attempt still running (retry later) or names another request."""

    code = "conflict"


class Rejected(KhoError):
    """The pipeline refused the file (its reason, both languages); nothing was stored."""

    code = "rejected"


@dataclass(frozen=True)
class Deposit:
    """The answer to a deposit (ids and codes only)."""

    status: str  # stored | duplicate | quarantined
    id: int | None = None
    review: list[str] = field(default_factory=list)
    secrecy_pending: bool = False
    disagreed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    replayed: bool = False

    def remembered(self) -> dict:
        return {
            "status": self.status,
            "id": self.id,
            "review": self.review,
            "secrecy_pending": self.secrecy_pending,
            "disagreed": self.disagreed,
        }


def _request_mac(inst: Instance, data: bytes, filename: str, declared: dict, unit: str | None):
    described = json.dumps([filename, declared, unit], sort_keys=True, default=str).encode()
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


def _visible_id(inst: Instance, ctx: Context, doc_id: int | None) -> int | None:
    """A duplicate names the record already filed only if the depositor may read it."""
    if doc_id is None:
        return None
    with inst.sessions() as session:
        allowed = gate.may_read_now(session, ctx, session.get(Document, doc_id)).allowed
    return doc_id if allowed else None


def _file(inst, ctx, data, filename, declared, unit_code) -> Deposit:
    result = pipeline.ingest_bytes(
        inst,
        ctx,
        data,
        filename,
        unit_code,
        declared.get("level"),
        declared={k: v for k, v in declared.items() if k != "level" or v},
    )
    if result.status not in KEPT:
        vi, _, en = (result.reason or "").partition(" / ")
        raise Rejected(vi or "Không nộp được tệp này.", en or vi or "The file was not filed.")
    record_id = result.id
    if result.status == "duplicate":
        record_id = _visible_id(inst, ctx, result.id)
    return Deposit(
        result.status,
        record_id,
        list(result.review),
        result.secrecy_pending,
        list(result.disagreed),
        list(result.warnings),
    )


def _replay(inst: Instance, ctx: Context, row: ApiDeposit) -> Deposit:
    answer = dict(row.answer)
    with UnitOfWork(inst, ctx) as uow:
        uow.audit(Action.INGEST, "replayed", answer.get("id"), {"status": answer.get("status")})
    return Deposit(**answer, replayed=True)


def deposit(
    inst: Instance,
    ctx: Context,
    data: bytes,
    filename: str,
    declared: dict | None = None,
    key: str | None = None,
    unit_code: str | None = None,
) -> Deposit:
    """File ``data`` as the caller (``ctx``) with what the sender declared; with ``key``, at
    most once: a repeat gets the first answer (``replayed``)."""
    declared = {k: v for k, v in (declared or {}).items() if v not in (None, "")}
    if not key:
        return _file(inst, ctx, data, filename, declared, unit_code)
    user_id = ctx.principal.user_id
    key_mac = inst.keyring.content_mac(b"kho/api/idempotency\0" + key.encode())
    request_mac = _request_mac(inst, data, filename, declared, unit_code)
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
        answer = _file(inst, ctx, data, filename, declared, unit_code)
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
