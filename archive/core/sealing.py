"""Sealing small JSON descriptions of lifecycle rows (dossier titles, register details, history
snapshots) the way a record's description is sealed.

Each row has its own random ``uid`` in the binding and every (re-)seal takes a FRESH data key:
a STREAM key is never used for a second plaintext, and a ciphertext moved to another row or
table fails to authenticate. Key rotation must re-wrap these keys too: ``rewrap_stale``.
"""

from __future__ import annotations

import json
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.core.instance import Instance
from archive.models import DescriptionVersion, Dossier, RegisterEntry
from security.crypto.keys import Keyring, new_data_key
from security.crypto.stream import decrypt_bytes, encrypt_bytes

# table name → model, for bindings and rotation
SEALED_MODELS = {m.__tablename__: m for m in (Dossier, RegisterEntry, DescriptionVersion)}


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


def rewrap_stale(session: Session, ring: Keyring, limit: int = 500) -> int:
    """Re-wrap up to ``limit`` keys of lifecycle rows still under an older KEK (key rotation)."""
    done = 0
    for model in SEALED_MODELS.values():
        stmt = (  # 0: shredded (history of a destroyed record), no key left to re-wrap
            select(model)
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
        rows = session.execute(select(model.kek_version, func.count()).group_by(model.kek_version))
        for version, count in rows:
            counts[version] = counts.get(version, 0) + count
    return counts
