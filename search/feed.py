"""Feeding the index from the archive: after filing, on a change, and a full rebuild.

This is a system reader of record text (not a person's read), so it bypasses the gate and writes
its own audit entry for a rebuild. Only active records are indexed: a destroyed record (its text
key shredded) must not be findable once its content is gone, and a quarantined one is readable
by nobody, so even its count must not show.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy import select

from archive import audit, dossiers, records
from archive.instance import Instance
from archive.models import Document
from search import index
from security.actor import Context


def _indexable(doc: Document) -> bool:
    if getattr(doc, "status", "active") != "active":
        return False
    texts = [o for o in doc.objects if o.kind == "text"]
    return bool(texts) and records.object_of(doc, "text").shredded_at is None


def _entry(inst: Instance, doc: Document, dossier: str | None = None) -> index.IndexEntry:
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
        doc.id,
        doc.level,
        doc.unit_id,
        doc.doc_type,
        doc.issued.year if doc.issued else None,
        words,
        number=meta.get("number"),
        issuer=meta.get("issuer"),
        issued=doc.issued,
        subject=meta.get("subject"),
        dossier=dossier,
        pending=doc.secrecy_pending,
        filed_by=doc.filed_by,
        signature=signature_words(meta),
    )


def signature_words(meta: dict) -> str | None:
    """``signed``, ``valid`` or ``invalid`` (anything else: broken, untrusted, unchecked) and
    the exact status, from the latest check sealed in the description."""
    status = (meta.get("signatures") or {}).get("status")
    if not status:
        return None
    return f"signed {'valid' if status == 'valid' else 'invalid'} {status}"


def _documents(inst: Instance, ids: Iterable[int] | None) -> Iterator[tuple[Document, str | None]]:
    """Records with their dossier code (``hoso:``)."""
    with inst.sessions() as session:
        stmt = select(Document).order_by(Document.id)
        if ids is not None:
            stmt = stmt.where(Document.id.in_(list(ids)))
        for doc in session.execute(stmt).unique().scalars():
            doc.objects  # noqa: B018 - load before leaving the session
            yield doc, dossiers.code_of(session, doc.id)


def _entries(inst: Instance, ids: Iterable[int] | None) -> Iterator[index.IndexEntry]:
    for doc, dossier in _documents(inst, ids):
        if _indexable(doc):
            yield _entry(inst, doc, dossier)


def refresh(inst: Instance, ids: Iterable[int]) -> int:
    """Bring records up to date in the index at once: after filing, re-classification, a move
    to another unit or dossier, release from quarantine, destruction or deletion. Records gone,
    destroyed or not active are removed; the rest (re-)indexed. Returns how many were indexed.

    Call it right after the change is committed; searches see it on their next query.
    """
    wanted = set(ids)
    live = [doc.id for doc, _ in _documents(inst, wanted) if _indexable(doc)]
    if wanted - set(live):
        index.remove(inst.index_dir, inst.keyring.index_key, wanted - set(live))
    if not live:
        return 0
    return index.add(inst.index_dir, inst.keyring.index_key, _entries(inst, live))


def reindex(inst: Instance, ctx: Context) -> int:
    count = index.rebuild(inst.index_dir, inst.keyring.index_key, _entries(inst, None))
    with inst.sessions.begin() as session:
        audit.record(session, inst.keyring, ctx, "reindex", "done", None, {"documents": count})
    return count


def missing_from_index(inst: Instance) -> tuple[set[int], set[int]]:
    """(records not in the index, index entries without a live record): what ``kho check``
    repairs. Destroyed and inactive records are not live, so a stale entry for one is reported."""
    live = {doc.id for doc, _ in _documents(inst, None) if _indexable(doc)}
    in_index = index.indexed_ids(inst.index_dir, inst.keyring.index_key)
    return live - in_index, in_index - live
