"""Feeding the index from the archive: records brought up to date (what ``search.follower``
calls for the changes it reads from the log) and a full rebuild.

This is a system reader of record text (not a person's read), so it bypasses the gate and writes
its own audit entry for a rebuild. Only active records are indexed: a destroyed record (its text
key shredded) must not be findable once its content is gone, and a quarantined one is readable
by nobody, so even its count must not show.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy import select

from archive.audit.actions import Action
from archive.core.instance import Instance
from archive.core.uow import UnitOfWork
from archive.models import Document, RecordStatus, queries
from archive.records import reading
from search.index import store
from security.actor import Context


def _indexable(doc: Document) -> bool:
    if getattr(doc, "status", RecordStatus.ACTIVE) != RecordStatus.ACTIVE:
        return False
    texts = [o for o in doc.objects if o.kind == "text"]
    return bool(texts) and reading.object_of(doc, "text").shredded_at is None


def _entry(inst: Instance, doc: Document, dossier: str | None = None) -> store.IndexEntry:
    meta = reading.unseal_meta(inst, doc)
    words = "\n".join(
        filter(
            None,
            [
                meta.get("number"),
                meta.get("issuer"),
                meta.get("subject"),
                reading.read_text(inst, doc),
            ],
        )
    )
    return store.IndexEntry(
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
            yield doc, queries.code_of(session, doc.id)


def _entries(inst: Instance, ids: Iterable[int] | None) -> Iterator[store.IndexEntry]:
    for doc, dossier in _documents(inst, ids):
        if _indexable(doc):
            yield _entry(inst, doc, dossier)


def refresh(inst: Instance, ids: Iterable[int]) -> int:
    """Bring records up to date in the index as they are now: after filing, re-classification,
    a move to another unit or dossier, release from quarantine, destruction or deletion.
    Records gone, destroyed or not active are removed; the rest (re-)indexed, each record read
    once, in one index commit. Returns how many were indexed. Idempotent: the follower may
    apply a change twice after a crash. Searches see it on their next query.
    """
    gone = set(ids)
    if not gone:
        return 0

    def entries() -> Iterator[store.IndexEntry]:
        for doc, dossier in _documents(inst, sorted(gone)):
            if _indexable(doc):
                gone.discard(doc.id)
                yield _entry(inst, doc, dossier)

    return store.update(inst.index_dir, inst.keyring.index_key, entries(), gone)


def reindex(inst: Instance, ctx: Context) -> int:
    """Rebuild the index from the archive; call it through ``search.follower.rebuild``, which
    holds the node's apply lock and sets the index's position in the change log."""
    count = store.rebuild(inst.index_dir, inst.keyring.index_key, _entries(inst, None))
    with UnitOfWork(inst, ctx) as uow:
        uow.audit(Action.REINDEX, "done", None, documents=count)
    return count


def missing_from_index(inst: Instance) -> tuple[set[int], set[int]]:
    """(records not in the index, index entries without a live record). Destroyed and inactive
    records are not live, so a stale entry for one is reported. ``kho check`` leaves out the
    records the follower has yet to apply (``search.follower.status``): the rest is damage."""
    live = {doc.id for doc, _ in _documents(inst, None) if _indexable(doc)}
    in_index = store.indexed_ids(inst.index_dir, inst.keyring.index_key)
    return live - in_index, in_index - live
