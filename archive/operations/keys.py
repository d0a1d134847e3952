"""Key operations on the archive: rotation, retirement, status, escrow export.

Rotation adds a KEK version to the key file first (so the new KEK is durable before any data key
depends on it), then re-wraps every data key in batches, each batch its own transaction.
Ciphertexts are never touched. A crash part-way leaves some keys under the old KEK and some
under the new; both are in the key file, so everything stays readable, and ``--resume``
finishes the job. Retirement refuses while any key is still wrapped by that version.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from archive.accounts.sessions import totp_binding
from archive.audit.actions import Action
from archive.core import bindings, sealing
from archive.core.instance import Instance
from archive.core.uow import UnitOfWork
from archive.models import Document, IngestJob, StoredObject, User
from security.actor import Context
from security.crypto import keyfile
from security.crypto.keys import Keyring, KeyringError
from security.errors import NotFound
from security.policy.administration import may_administer

BATCH = 500


@dataclass(frozen=True)
class KeyStatus:
    current: int
    source: str
    keys_per_version: dict[int, int]  # data keys (objects and descriptions) wrapped by each KEK


def status(inst: Instance, full_path: bool = True) -> KeyStatus:
    counts = dict.fromkeys(inst.keyring.keks, 0)
    with inst.sessions() as session:
        for column, model in (
            (StoredObject.kek_version, StoredObject),
            (Document.meta_kek_version, Document),
        ):
            rows = session.execute(select(column, func.count()).select_from(model).group_by(column))
            for version, count in rows:
                if version:  # 0: shredded, no key left
                    counts[version] = counts.get(version, 0) + count
        for column in (User.totp_kek_version, IngestJob.kek_version):
            rows = session.execute(
                select(column, func.count()).where(column.is_not(None)).group_by(column)
            )
            for version, count in rows:
                counts[version] = counts.get(version, 0) + count
        for version, count in sealing.keys_per_version(session).items():
            counts[version] = counts.get(version, 0) + count
    return KeyStatus(inst.keyring.current, inst.key_source.describe(full_path), counts)


def _stale_objects(session, current: int) -> list[tuple[StoredObject, Document]]:
    stmt = (
        select(StoredObject, Document)
        .join(Document, StoredObject.document_id == Document.id)
        .where(StoredObject.kek_version != current, StoredObject.kek_version != 0)
        .order_by(StoredObject.id)
        .limit(BATCH)
    )
    return [tuple(row) for row in session.execute(stmt)]


def _stale_documents(session, current: int) -> list[Document]:
    stmt = (
        select(Document)
        .where(Document.meta_kek_version != current)
        .order_by(Document.id)
        .limit(BATCH)
    )
    return list(session.execute(stmt).unique().scalars())


def _rewrap_others(session, ring: Keyring) -> int:
    """Second-factor secrets and ingest jobs (queued files, sealed outcomes) are wrapped by
    the KEK too."""
    done = 0
    users = (
        select(User)
        .where(User.totp_kek_version.is_not(None), User.totp_kek_version != ring.current)
        .limit(BATCH)
    )
    for user in session.execute(users).unique().scalars():
        binding = totp_binding(user)
        secret = ring.unwrap(user.totp_kek_version, user.totp_sealed, binding)
        user.totp_kek_version, user.totp_sealed = ring.wrap(secret, binding)
        done += 1
    queued = (
        select(IngestJob)
        .where(IngestJob.kek_version != ring.current)  # sealed names and outcomes stay
        .limit(BATCH)
    )
    for job in session.execute(queued).scalars():
        binding = bindings.job(job.uid, "file")
        key = ring.unwrap(job.kek_version, job.wrapped_key, binding)
        job.kek_version, job.wrapped_key = ring.wrap(key, binding)
        done += 1
    return done


def _rewrap_batches(inst: Instance) -> Iterator[int]:
    """Re-wrap up to BATCH keys per transaction until none is left on an older KEK."""
    ring = inst.keyring
    while True:
        with inst.sessions.begin() as session:
            done = 0
            for obj, doc in _stale_objects(session, ring.current):
                binding = bindings.object(doc, obj)
                key = ring.unwrap(obj.kek_version, obj.wrapped_key, binding)
                obj.kek_version, obj.wrapped_key = ring.wrap(key, binding)
                done += 1
            for doc in _stale_documents(session, ring.current):
                binding = bindings.meta(doc)
                key = ring.unwrap(doc.meta_kek_version, doc.meta_wrapped_key, binding)
                doc.meta_kek_version, doc.meta_wrapped_key = ring.wrap(key, binding)
                done += 1
            done += _rewrap_others(session, ring)
            done += sealing.rewrap_stale(session, ring, BATCH)
        if not done:
            return
        yield done


def rotate(inst: Instance, ctx: Context, resume: bool = False) -> tuple[int, int]:
    """Make a new KEK current (unless resuming) and re-wrap every data key under it."""
    ring = inst.keyring
    if not resume:
        ring.rotate()
        inst.save_keyring()
    with UnitOfWork(inst, ctx) as uow:
        uow.audit(Action.KEY_ROTATE, "started", None, {"version": ring.current, "resume": resume})
    rewrapped = sum(_rewrap_batches(inst))
    with UnitOfWork(inst, ctx) as uow:
        uow.audit(
            Action.KEY_ROTATE, "done", None, {"version": ring.current, "rewrapped": rewrapped}
        )
    return ring.current, rewrapped


def retire(inst: Instance, ctx: Context, version: int) -> None:
    """Remove an old KEK from the key file, only when no data key depends on it any more."""

    def still_used() -> int:
        return status(inst).keys_per_version.get(version, 0)

    if version in inst.keyring.keks and still_used():
        with UnitOfWork(inst, ctx) as uow:
            uow.audit(
                Action.KEY_RETIRE,
                "denied",
                None,
                {"version": version, "still_used": still_used()},
            )
        raise KeyringError(
            f"Khóa phiên bản {version} vẫn đang bảo vệ {still_used()} khóa dữ liệu: "
            "chạy `kho keys rotate --resume` trước.",
            f"KEK version {version} still wraps {still_used()} data keys: "
            "run `kho keys rotate --resume` first.",
        )
    removed = inst.keyring.keks.get(version)
    inst.keyring.retire(version)
    inst.save_keyring()
    if still_used():  # a process that had not yet seen the rotation wrapped under it: undo
        inst.keyring.keks[version] = removed
        inst.save_keyring()
        raise KeyringError(
            f"Khóa phiên bản {version} vừa được dùng lại; thử lại sau.",
            f"KEK version {version} was used meanwhile; it was kept. Try again later.",
        )
    with UnitOfWork(inst, ctx) as uow:
        uow.audit(Action.KEY_RETIRE, "done", None, {"version": version})


def export_sealed(inst: Instance, ctx: Context, target: Path, passphrase: str) -> None:
    """Write a passphrase-sealed copy of the keyring for escrow (kept apart from the data)."""
    keyfile.write_private(target, keyfile.seal(inst.keyring, passphrase))
    with UnitOfWork(inst, ctx) as uow:
        uow.audit(
            Action.KEY_EXPORT,
            "done",
            None,
            {"target": str(target)},
        )


def status_for(inst: Instance, ctx: Context) -> KeyStatus:
    """``status`` for the administrator's page: decided by policy, a refusal audited; the key
    file named without its folder (a page never shows where the keys lie)."""
    with UnitOfWork(inst, ctx) as uow:
        decision = may_administer(ctx.principal) if ctx.principal else None
        if decision is not None and not decision.allowed:
            missing = NotFound("Không tìm thấy trang này.", "Not found.")
            raise uow.refuse(Action.ADMIN_READ, None, decision.reason, missing, {"what": "keys"})
    return status(inst, full_path=False)
