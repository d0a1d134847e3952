"""Keyed fingerprints of sealed values that pages count by, so the counting happens in SQL.

The statistics of a year count incoming documents by sender (the register line's "nơi gửi",
else the record's issuer). Both are sealed, so counting them meant opening every incoming line
of the year. Each row now also keeps a keyed MAC of the value as the statistics compare it
(whitespace folded): rows with the same sender share a fingerprint, ``GROUP BY`` counts them,
and only one row per sender is opened to show its name. The key is the keyring's MAC key
(``Keyring.group_mac``), so a fingerprint confirms no guessed name without the key; it only
says which rows share a sender, which the counts show anyway.

``""`` marks a row with no such value; NULL a row written before migration 0024, which the
statistics open the old way until ``backfill`` has filled it.
"""

from __future__ import annotations

import json

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from archive.core import bindings, sealing
from archive.core.instance import Instance
from archive.models import Document, RegisterEntry
from security.crypto.keys import Keyring
from security.crypto.stream import decrypt_bytes

NONE = ""  # the row has no value to group by
BATCH = 2000  # rows filled per transaction by ``backfill``


def folded(value: str) -> str:
    """The value as the statistics compare and show it: runs of whitespace as one space."""
    return " ".join(value.split())


def issuer_mac(ring: Keyring, value: str | None) -> str:
    """The fingerprint of a sender or issuer (``NONE`` when there is none)."""
    return ring.group_mac("issuer", folded(value)) if value else NONE


def unfilled(session: Session) -> int:
    """How many rows still lack their fingerprint (register lines and records written before
    0024 that ``backfill`` has not reached): the statistics open those one by one, so ``kho
    check`` reports them and ``kho check --repair`` fills them."""
    lines = select(func.count()).where(RegisterEntry.sender_mac.is_(None))
    records = select(func.count()).where(Document.issuer_mac.is_(None))
    return session.execute(lines).scalar_one() + session.execute(records).scalar_one()


def backfill(inst: Instance) -> int:
    """Fill the fingerprints of rows written before 0024 (the senders of register lines, the
    issuers of records), a batch per transaction; returns how many rows were filled."""
    ring = inst.keyring
    filled = 0
    lines = select(
        RegisterEntry.id,
        RegisterEntry.uid,
        RegisterEntry.kek_version,
        RegisterEntry.wrapped_key,
        RegisterEntry.sealed,
    ).where(RegisterEntry.sender_mac.is_(None))
    records = select(
        Document.id,
        Document.uid,
        Document.meta_kek_version,
        Document.meta_wrapped_key,
        Document.sealed_meta,
    ).where(Document.issuer_mac.is_(None))
    for table, query, value in (
        (RegisterEntry, lines, lambda row: _sender(ring, row)),
        (Document, records, lambda row: _issuer(ring, row)),
    ):
        column = "sender_mac" if table is RegisterEntry else "issuer_mac"
        while True:
            with inst.sessions.begin() as session:
                rows = session.execute(query.order_by(table.id).limit(BATCH)).all()
                if not rows:
                    break
                session.execute(
                    update(table),
                    [{"id": row.id, column: issuer_mac(ring, value(row))} for row in rows],
                )
                filled += len(rows)
    return filled


def _sender(ring: Keyring, row) -> str | None:
    return sealing.unseal_columns(ring, RegisterEntry.__tablename__, row).get("sender")


def _issuer(ring: Keyring, row) -> str | None:
    where = bindings.record(row.uid, "meta")
    key = ring.unwrap(row.meta_kek_version, row.meta_wrapped_key, where)
    return json.loads(decrypt_bytes(key, row.sealed_meta, where)).get("issuer")
