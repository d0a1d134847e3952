"""Sealing small JSON descriptions of lifecycle rows (dossier titles, register details, history
snapshots) and the reasons people type (holds, disposal proposals, access requests, the
instructions of assignments) the way a record's description is sealed.

Each row has its own random ``uid`` in the binding and every (re-)seal takes a FRESH data key:
a STREAM key is never used for a second plaintext, and a ciphertext moved to another row or
table fails to authenticate. Key rotation must re-wrap these keys too: ``rewrap_stale``.
"""

from __future__ import annotations

import json
import secrets
import sqlite3

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.core.instance import Instance
from archive.models import (
    Assignment,
    DescriptionVersion,
    DisposalProposal,
    Dossier,
    Grant,
    LegalHold,
    RegisterEntry,
)
from security.crypto.keys import Keyring, new_data_key
from security.crypto.stream import decrypt_bytes, encrypt_bytes

# table name → model, for bindings and rotation
SEALED_MODELS = {
    m.__tablename__: m
    for m in (
        Dossier,
        RegisterEntry,
        DescriptionVersion,
        LegalHold,
        DisposalProposal,
        Grant,
        Assignment,
    )
}
# rows whose only sealed content is a typed reason (``SealedText``); before 0015 it was clear
REASON_MODELS = (LegalHold, DisposalProposal, Grant)


def binding(row) -> bytes:
    return f"kho/{row.__tablename__}/{row.uid}/sealed".encode()


def seal(inst: Instance, row, data: dict) -> None:
    """(Re-)seal ``data`` into the row under a fresh data key."""
    if not getattr(row, "uid", None):
        row.uid = secrets.token_hex(16)
    key = new_data_key()
    where = binding(row)
    row.sealed = encrypt_bytes(key, json.dumps(data, ensure_ascii=False).encode(), where)
    row.kek_version, row.wrapped_key = inst.keyring.wrap(key, where)


def unseal(inst: Instance, row) -> dict:
    where = binding(row)
    key = inst.keyring.unwrap(row.kek_version, row.wrapped_key, where)
    return json.loads(decrypt_bytes(key, row.sealed, where))


def unseal_columns(ring: Keyring, table: str, row) -> dict:
    """``unseal`` for a row read as columns (uid, kek_version, wrapped_key, sealed) of
    ``table``, with a keyring read once by the caller: lists that open thousands of rows."""
    where = f"kho/{table}/{row.uid}/sealed".encode()
    key = ring.unwrap(row.kek_version, row.wrapped_key, where)
    return json.loads(decrypt_bytes(key, row.sealed, where))


def seal_reason(inst: Instance, row, reason: str) -> None:
    """Seal the reason a person typed into a ``SealedText`` row; nothing of it stays clear."""
    seal(inst, row, {"reason": reason})
    row.legacy_reason = ""


def reason(inst: Instance, row) -> str:
    """The typed reason of a ``SealedText`` row (a row not yet sealed still shows its clear one)."""
    if row.sealed is None:
        return row.legacy_reason
    return unseal(inst, row).get("reason", "")


def _clear_reason_rows(session: Session) -> list:
    rows = []
    for model in (*REASON_MODELS, DescriptionVersion):
        rows += session.execute(select(model).where(model.legacy_reason != "")).scalars().all()
    return rows


def clear_reasons(session: Session) -> int:
    """For ``kho check``: typed reasons still in clear (rows written before migration 0015)."""
    return len(_clear_reason_rows(session))


def seal_clear_reasons(inst: Instance) -> int:
    """For ``kho check --repair``: seal the reasons rows written before 0015 keep in clear and
    blank the clear column; one transaction, so a crash leaves every row either way."""
    with inst.sessions() as session, session.begin():
        rows = _clear_reason_rows(session)
        for row in rows:
            if isinstance(row, DescriptionVersion):
                if row.kek_version == 0:  # shredded record: no key, the reason goes with it
                    row.legacy_reason = ""
                    continue
                seal(inst, row, {**unseal(inst, row), "reason": row.legacy_reason})
                row.legacy_reason = ""
            else:
                seal_reason(inst, row, row.legacy_reason)
    if rows and inst.engine.dialect.name == "sqlite":
        scrub_sqlite(inst)
    return len(rows)


def scrub_sqlite(inst: Instance) -> None:
    """Blanked values linger in SQLite's free space and its WAL: rebuild the file and empty
    the WAL so the clear reasons are gone from disk, not only from the rows."""
    conn = sqlite3.connect(inst.engine.url.database, isolation_level=None)  # no BEGIN around
    try:
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def rewrap_stale(session: Session, ring: Keyring, limit: int = 500) -> int:
    """Re-wrap up to ``limit`` keys of lifecycle rows still under an older KEK (key rotation)."""
    done = 0
    for model in SEALED_MODELS.values():
        stmt = (  # 0: shredded (history of a destroyed record), no key left to re-wrap
            select(model)  # (NULL: a reason not sealed yet, never matches)
            .where(model.kek_version != ring.current, model.kek_version != 0)
            .limit(limit - done)
        )
        for row in session.execute(stmt).scalars():
            key = ring.unwrap(row.kek_version, row.wrapped_key, binding(row))
            row.kek_version, row.wrapped_key = ring.wrap(key, binding(row))
            done += 1
        if done >= limit:
            break
    return done


def keys_per_version(session: Session) -> dict[int, int]:
    """For ``kho keys status`` and ``retire``: data keys of lifecycle rows by KEK version."""
    from sqlalchemy import func

    counts: dict[int, int] = {}
    for model in SEALED_MODELS.values():
        rows = session.execute(
            select(model.kek_version, func.count())
            .where(model.kek_version.is_not(None))
            .group_by(model.kek_version)
        )
        for version, count in rows:
            counts[version] = counts.get(version, 0) + count
    return counts
