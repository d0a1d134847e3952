"""The description history of a record: every change kept as a sealed version.

Each change (a corrected field, a level change, a new file) becomes one ``DescriptionVersion``
row: who and when in clear (the audit log says as much), the changed field names with their OLD
and NEW values sealed under the row's own fresh data key (archive.core.sealing), because an old
subject or number is as secret as the current one. The sealed JSON names the record's uid and
the version number, and reading checks both: a snapshot copied onto another record or version
number is refused, not shown. Key rotation re-wraps these keys with the other lifecycle rows
(``DescriptionVersion`` is in ``sealing.SEALED_MODELS``).

Writers (``snapshot`` before, ``record_change`` after) run inside the caller's transaction, so a
version exists exactly when the change was committed. ``history`` reads through the gate.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.audit import log
from archive.audit.actions import Action
from archive.core import sealing
from archive.core.instance import Instance
from archive.models import DescriptionVersion, Document
from archive.records import filing, gate, reading
from security.actor import Context
from security.crypto.stream import IntegrityError

# Coded fields are columns of ``documents``; the others live in the sealed description.
CODED = ("doc_type", "urgency", "level", "date")


def snapshot(inst: Instance, doc: Document) -> dict:
    """The description as a flat dict (coded columns and unsealed fields), for diffing."""
    meta = reading.unseal_meta(inst, doc)
    flat = {name: meta.get(name) for name in filing.SEALED_FIELDS}
    flat.update(
        doc_type=doc.doc_type,
        urgency=doc.urgency,
        level=doc.level,
        date=doc.issued.isoformat() if doc.issued else None,
        secrecy_pending=doc.secrecy_pending,
    )
    return flat


def diff(before: dict, after: dict) -> tuple[list[str], dict, dict]:
    """Changed field names (sorted) with their old and new values."""
    names = sorted(n for n in before.keys() | after.keys() if before.get(n) != after.get(n))
    return names, {n: before.get(n) for n in names}, {n: after.get(n) for n in names}


def _next_version(session: Session, doc_id: int) -> int:
    last = session.execute(
        select(func.max(DescriptionVersion.version)).where(DescriptionVersion.document_id == doc_id)
    ).scalar()
    return (last or 0) + 1


def record_change(
    session: Session,
    inst: Instance,
    ctx: Context,
    doc: Document,
    before: dict,
    reason: str | None = None,
    kind: str = "edit",
    after: dict | None = None,
) -> int | None:
    """Add a version for what changed between ``before`` and now; None when nothing did.

    Concurrent changes of one record race for the same number: the unique constraint on
    (document, version) makes the later transaction fail instead of forking the history.
    """
    after = snapshot(inst, doc) if after is None else after
    names, old, new = diff(before, after)
    if not names:
        return None
    version = _next_version(session, doc.id)
    who = ctx.principal
    row = DescriptionVersion(
        document_id=doc.id,
        version=version,
        user_id=who.user_id if who else None,
        username=who.username if who else None,
    )
    data = {"record": doc.uid, "version": version, "kind": kind, "fields": names}
    data["reason"] = (reason or "")[:500]
    sealing.seal(inst, row, {**data, "old": old, "new": new})
    session.add(row)
    session.flush()
    return version


def _unseal_checked(inst: Instance, doc: Document, row: DescriptionVersion) -> dict:
    data = sealing.unseal(inst, row)
    if data.get("record") != doc.uid or data.get("version") != row.version:
        raise IntegrityError(f"history version {row.version} does not belong to this record")
    return data


def history(inst: Instance, ctx: Context, doc_id: int) -> list[dict]:
    """Every version of a record's description, oldest first: one decision, one audit entry."""
    doc = gate.admit(inst, ctx, doc_id, Action.HISTORY)
    with inst.sessions() as session:
        rows = list(
            session.execute(
                select(DescriptionVersion)
                .where(DescriptionVersion.document_id == doc_id)
                .order_by(DescriptionVersion.version)
            ).scalars()
        )
    out = []
    for row in rows:
        data = _unseal_checked(inst, doc, row)
        out.append(
            {
                "version": row.version,
                "at": log.stamp(row.at),
                "user": row.username,
                "reason": data.get("reason", row.legacy_reason),
                "kind": data.get("kind", "edit"),
                "fields": data["fields"],
                "old": data["old"],
                "new": data["new"],
            }
        )
    return out
