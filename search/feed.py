"""Feeding the index from the archive: after filing, and a full rebuild (``kho reindex``).

This is a system reader of record text (not a person's read), so it bypasses the gate and writes
its own audit entry for a rebuild.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy import select

from archive import audit, records
from archive.instance import Instance
from archive.models import Document
from search import index


def _entry(inst: Instance, doc: Document) -> index.IndexEntry:
    meta = records.unseal_meta(inst, doc)
    words = "\n".join(
        filter(
            None,
            [
                meta.get("number"),
                meta.get("issuer"),
                meta.get("subject"),
                records.read_text(inst, doc),
            ],
        )
    )
    return index.IndexEntry(
        doc.id, doc.level, doc.unit_id, doc.doc_type, doc.issued.year if doc.issued else None, words
    )


def _entries(inst: Instance, ids: Iterable[int] | None) -> Iterator[index.IndexEntry]:
    with inst.sessions() as session:
        stmt = select(Document).order_by(Document.id)
        if ids is not None:
            stmt = stmt.where(Document.id.in_(list(ids)))
        for doc in session.execute(stmt).unique().scalars():
            doc.objects  # noqa: B018 - load before leaving the session
            yield _entry(inst, doc)


def index_documents(inst: Instance, ids: Iterable[int]) -> int:
    return index.add(inst.index_dir, inst.keyring.index_key, _entries(inst, ids))


def reindex(inst: Instance, ctx: audit.Context) -> int:
    count = index.rebuild(inst.index_dir, inst.keyring.index_key, _entries(inst, None))
    with inst.sessions.begin() as session:
        audit.record(
            session, inst.keyring.audit_key, ctx, "reindex", "done", None, {"documents": count}
        )
    return count


def missing_from_index(inst: Instance) -> tuple[set[int], set[int]]:
    """(records not in the index, index entries without a record): what ``kho check`` repairs."""
    with inst.sessions() as session:
        in_db = set(session.execute(select(Document.id)).scalars())
    in_index = index.indexed_ids(inst.index_dir, inst.keyring.index_key)
    return in_db - in_index, in_index - in_db
