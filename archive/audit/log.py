"""Writing, verifying, checkpointing and exporting the audit log (links computed in
security.crypto.audit_chain).

``record`` adds an entry inside the caller's transaction (services write through their unit of
work, ``archive.core.uow``), so the entry is committed together with the action it describes, or
not at all. Entries are never updated or deleted by the product: the instance's sessions are
guarded (``guard``), and a refused attempt is itself recorded.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from archive.audit.actions import Action
from archive.models import AuditCheckpoint, AuditEntry, AuditHead, utcnow
from security.actor import Context
from security.crypto import audit_chain as chain
from security.crypto.keys import Keyring
from security.errors import KhoError

# A signed checkpoint is written automatically every this many entries.
CHECKPOINT_EVERY = 1000


def stamp(at: datetime) -> str:
    """One spelling of a time whatever the database returns (naive in SQLite, zoned in PG)."""
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at.isoformat(timespec="microseconds")


SEALED = "sealed"


def opened(keyring: Keyring, payload: dict) -> dict:
    """An entry's payload with its sealed free text opened into ``detail`` (for the auditors'
    pages and ``kho audit log``; exports keep the sealed form the chain covers)."""
    detail = payload.get("detail") or {}
    if SEALED not in detail:
        return payload
    rest = {k: v for k, v in detail.items() if k != SEALED}
    try:
        inner = chain.unseal_detail(keyring.audit_key, payload["seq"], detail[SEALED])
    except Exception:  # altered: kho audit verify names the entry
        inner = {"sealed": "unreadable"}
    return {**payload, "detail": {**rest, **inner}}


def payload_of(entry: AuditEntry) -> dict:
    return {
        "seq": entry.seq,
        "at": stamp(entry.at),
        "user_id": entry.user_id,
        "username": entry.username,
        "role": entry.role,
        "unit": entry.unit,
        "address": entry.address,
        "action": entry.action,
        "outcome": entry.outcome,
        "object_id": entry.object_id,
        "detail": entry.detail,
    }


def _head(session: Session) -> AuditHead:
    head = session.execute(select(AuditHead).with_for_update()).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1, seq=0, hash=chain.GENESIS, mac=chain.GENESIS)
        session.add(head)
    return head


def record(
    session: Session,
    keyring: Keyring,
    ctx: Context,
    action: str,
    outcome: str,
    object_id: int | None = None,
    detail: dict | None = None,
    sealed: dict | None = None,
) -> AuditEntry:
    """Append one entry. ``sealed``: free text (a search query, a reason a person typed) kept
    in the entry sealed (``detail["sealed"]``), never in clear; ``opened`` reads it back."""
    head = _head(session)
    detail = dict(detail or {})
    if sealed:
        detail[SEALED] = chain.seal_detail(keyring.audit_key, head.seq + 1, sealed)
    who = ctx.principal
    if ctx.token_id is not None:  # an API call: which token made it
        detail = {**(detail or {}), "token": ctx.token_id}
    entry = AuditEntry(
        seq=head.seq + 1,
        at=utcnow(),
        user_id=who.user_id if who else None,
        username=who.username if who else None,
        role=who.role if who else None,
        unit=ctx.unit_code,
        address=ctx.address,
        action=action,
        outcome=outcome,
        object_id=object_id,
        detail=detail,
    )
    payload = payload_of(entry)
    entry.hash = chain.chain_hash(head.hash, payload)
    entry.mac = chain.chain_mac(keyring.audit_key, head.mac, payload)
    head.seq, head.hash, head.mac = entry.seq, entry.hash, entry.mac
    session.add(entry)
    if keyring.signing_key and entry.seq % CHECKPOINT_EVERY == 0:
        _add_checkpoint(session, keyring.signing_key, entry)
    session.flush()
    return entry


def _add_checkpoint(session: Session, signing_key: bytes, entry: AuditEntry) -> AuditCheckpoint:
    at = stamp(utcnow())
    point = AuditCheckpoint(
        seq=entry.seq,
        head_hash=entry.hash,
        at=datetime.fromisoformat(at),
        signature=chain.sign_checkpoint(signing_key, entry.seq, entry.hash, at),
    )
    session.add(point)
    return point


def checkpoint(session: Session, signing_key: bytes) -> dict:
    """Sign the current head now; returns the checkpoint as exported (JSON-ready)."""
    head = _head(session)
    entry = session.get(AuditEntry, head.seq)
    if entry is None:
        raise KhoError("Nhật ký còn trống.", "The audit log is empty: nothing to sign yet.")
    point = session.get(AuditCheckpoint, entry.seq) or _add_checkpoint(session, signing_key, entry)
    session.flush()
    return checkpoint_json(point, chain.public_key_hex(signing_key))


def checkpoint_json(point: AuditCheckpoint, public_key: str) -> dict:
    return {
        "seq": point.seq,
        "head_hash": point.head_hash,
        "at": stamp(point.at),
        "signature": point.signature,
        "public_key": public_key,
    }


PAYLOAD_COLUMNS = (
    "seq",
    "at",
    "user_id",
    "username",
    "role",
    "unit",
    "address",
    "action",
    "outcome",
    "object_id",
    "detail",
)


def _links(session: Session, first: int = 1, last: int | None = None) -> Iterator[chain.Link]:
    """Rows as plain tuples (no ORM objects): verification of a million entries stays cheap."""
    columns = [getattr(AuditEntry, name) for name in PAYLOAD_COLUMNS]
    stmt = select(*columns, AuditEntry.hash, AuditEntry.mac).where(AuditEntry.seq >= first)
    if last is not None:
        stmt = stmt.where(AuditEntry.seq <= last)
    rows = session.execute(stmt.order_by(AuditEntry.seq).execution_options(yield_per=10000))
    for row in rows:
        payload = dict(zip(PAYLOAD_COLUMNS, row[:-2], strict=True))
        payload["at"] = stamp(payload["at"])
        yield chain.Link(payload["seq"], payload, row[-2], row[-1])


def verify(
    session: Session, audit_key: bytes, anchor: dict | None = None
) -> tuple[int, list[chain.ChainProblem]]:
    """Check the whole chain, the head row, and (optionally) an exported checkpoint.

    The checkpoint catches what the head row cannot: a tail cut off together with a rewritten
    head, by someone who had the keyring too.
    """
    count = 0

    def counted() -> Iterator[chain.Link]:
        nonlocal count
        for link in _links(session):
            count += 1
            yield link

    problems, last_hash, last_mac = chain.verify_chain(audit_key, counted())
    head = session.get(AuditHead, 1)
    last_seq = session.execute(select(AuditEntry.seq).order_by(AuditEntry.seq.desc())).scalar()
    if head is not None and (head.seq, head.hash, head.mac) != (last_seq or 0, last_hash, last_mac):
        problems.append(
            chain.ChainProblem(last_seq or 0, f"log ends at {last_seq or 0}, head says {head.seq}")
        )
    if anchor is not None:
        problems += _check_anchor(session, anchor)
    return count, problems


def _check_anchor(session: Session, anchor: dict) -> list[chain.ChainProblem]:
    seq = int(anchor["seq"])
    if not chain.checkpoint_is_valid(
        anchor["public_key"], seq, anchor["head_hash"], anchor["at"], anchor["signature"]
    ):
        return [chain.ChainProblem(seq, "the checkpoint's signature is not valid")]
    entry = session.get(AuditEntry, seq)
    if entry is None:
        return [chain.ChainProblem(seq, "log truncated: the checkpointed entry is gone")]
    if entry.hash != anchor["head_hash"]:
        return [chain.ChainProblem(seq, "log rewritten up to the checkpoint")]
    return []


def export(session: Session, signing_key: bytes, first: int, last: int, target: Path) -> dict:
    """Write entries first..last as JSON lines plus a manifest an offline script can check."""
    previous = session.get(AuditEntry, first - 1)
    digest = hashlib.sha256()
    count = 0
    with open(target, "w", encoding="utf-8") as fh:
        for link in _links(session, first, last):
            line = json.dumps({**link.payload, "hash": link.hash}, ensure_ascii=False) + "\n"
            fh.write(line)
            digest.update(line.encode())
            count += 1
    checkpoints = session.execute(
        select(AuditCheckpoint)
        .where(AuditCheckpoint.seq >= first, AuditCheckpoint.seq <= last)
        .order_by(AuditCheckpoint.seq)
    ).scalars()
    public = chain.public_key_hex(signing_key)
    manifest = {
        "format": "kho-audit-export-1",
        "first_seq": first,
        "last_seq": last,
        "count": count,
        "previous_hash": previous.hash if previous else chain.GENESIS,
        "entries_file": target.name,
        "entries_sha256": digest.hexdigest(),
        "checkpoints": [checkpoint_json(p, public) for p in checkpoints],
        "public_key": public,
    }
    manifest_path = target.with_name(target.name + ".manifest.json")
    manifest_path.write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
    return manifest


def seq_range(session: Session, since: datetime | None, until: datetime | None) -> tuple[int, int]:
    """First and last entry numbers of a period (whole log when open-ended)."""
    stmt = select(AuditEntry.seq)
    if since:
        stmt = stmt.where(AuditEntry.at >= since)
    if until:
        stmt = stmt.where(AuditEntry.at < until)
    first = session.execute(stmt.order_by(AuditEntry.seq)).scalar()
    last = session.execute(stmt.order_by(AuditEntry.seq.desc())).scalar()
    if first is None:
        raise EmptyRange("Không có mục nhật ký nào trong khoảng này.", "No audit entries in range.")
    return first, last


class EmptyRange(KhoError):
    """A period without entries: nothing to export (the API answers 404)."""

    code = "empty_range"


class AuditImmutable(KhoError):
    code = "audit_immutable"


def _refuse_audit_changes(session: Session, _flush_context, _instances) -> None:
    """No path in the product edits or deletes audit entries; an attempt fails here."""
    touched = [
        obj
        for obj in (*session.dirty, *session.deleted)
        if isinstance(obj, AuditEntry | AuditCheckpoint)
        and (obj in session.deleted or session.is_modified(obj))
    ]
    if touched:
        session.info["audit_tamper_attempt"] = [getattr(o, "seq", None) for o in touched]
        raise AuditImmutable(
            "Nhật ký chỉ được ghi thêm, không được sửa hay xóa.",
            "The audit log is append-only: entries cannot be edited or deleted.",
        )


def guard(factory: sessionmaker[Session], keyring: Callable[[], Keyring]) -> None:
    """Make the sessions of ``factory`` refuse to edit or delete audit entries, and record each
    refused attempt in a transaction of its own once the attempt was rolled back."""

    def record_attempt(session: Session) -> None:
        seqs = session.info.pop("audit_tamper_attempt", None)
        if seqs is None:
            return
        with factory.begin() as log_session:
            record(
                log_session,
                keyring(),
                Context(None, "system"),
                Action.AUDIT_TAMPER,
                "denied",
                None,
                {"entries": seqs},
            )

    event.listen(factory, "before_flush", _refuse_audit_changes)
    event.listen(factory, "after_rollback", record_attempt)
