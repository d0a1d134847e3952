"""Feeding the index from the archive: records brought up to date (what ``search.follower``
calls for the changes it reads from the log) and a full rebuild.

This is a system reader of record text (not a person's read), so it bypasses the gate and writes
its own audit entry for a rebuild. Only active records are indexed: a destroyed record (its text
key shredded) must not be findable once its content is gone, and a quarantined one is readable
by nobody, so even its count must not show.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from archive.audit.actions import Action
from archive.core.instance import Instance
from archive.core.uow import UnitOfWork
from archive.models import Document, Dossier, DossierMember, RecordStatus, StoredObject, queries
from archive.records import reading
from search.index import segments, store
from security.actor import Context


def _indexable(doc: Document) -> bool:
    if getattr(doc, "status", RecordStatus.ACTIVE) != RecordStatus.ACTIVE:
        return False
    texts = [o for o in doc.objects if o.kind == "text"]
    return bool(texts) and reading.object_of(doc, "text").shredded_at is None


def _entry(inst: Instance, doc: Document, dossier: str | None = None) -> store.IndexEntry:
    return _entry_of(inst, doc, reading.object_of(doc, "text"), dossier)


def _entry_of(inst: Instance, doc, text_object, dossier: str | None) -> store.IndexEntry:
    """The index entry of a record (``doc`` and ``text_object``: rows or objects with the
    columns of Document and StoredObject), its description and text unsealed."""
    meta = reading.unseal_meta(inst, doc)
    words = "\n".join(
        filter(
            None,
            [
                meta.get("number"),
                meta.get("issuer"),
                meta.get("subject"),
                reading.read_object(inst, doc, text_object).decode(),
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
    with inst.read_sessions() as session:
        stmt = select(Document).order_by(Document.id)
        if ids is not None:
            stmt = stmt.where(Document.id.in_(list(ids)))
        for doc in session.execute(stmt).unique().scalars():
            doc.objects  # noqa: B018 - load before leaving the session
            yield doc, queries.code_of(session, doc.id)


REFRESH_READERS = 8  # records read at once when the follower applies many changes


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
        live = [(doc, code) for doc, code in _documents(inst, sorted(gone)) if _indexable(doc)]
        gone.difference_update(doc.id for doc, _ in live)
        if len(live) < 2:
            yield from (_entry(inst, doc, code) for doc, code in live)
            return
        # Reading a record is a round trip to the blob store (object storage: tens of ms);
        # a node catching up with many changes reads several at once, a few in memory at a time.
        with ThreadPoolExecutor(REFRESH_READERS) as pool:
            for start in range(0, len(live), REFRESH_READERS * 4):
                chunk = live[start : start + REFRESH_READERS * 4]
                yield from pool.map(lambda pair: _entry(inst, *pair), chunk)

    return store.update(inst.index_dir, inst.keyring.index_key, entries(), gone)


REINDEX_READ = 500  # records read per database round trip during a rebuild


def _live_ids(inst: Instance) -> list[int]:
    """Records that belong in the index: active, with a text whose key still exists."""
    latest = (
        select(StoredObject.document_id, func.max(StoredObject.version).label("version"))
        .where(StoredObject.kind == "text")
        .group_by(StoredObject.document_id)
        .subquery()
    )
    stmt = (
        select(Document.id)
        .join(latest, latest.c.document_id == Document.id)
        .join(
            StoredObject,
            (StoredObject.document_id == Document.id)
            & (StoredObject.kind == "text")
            & (StoredObject.version == latest.c.version),
        )
        .where(Document.status == RecordStatus.ACTIVE, StoredObject.shredded_at.is_(None))
        .order_by(Document.id)
    )
    with inst.read_sessions() as session:
        return list(session.execute(stmt).scalars())


class _Rebuilt:
    """The entries of a slice of the archive, read in a worker process of the rebuild: a few
    hundred rows per query (short transactions: SQLite's writers are not held up), records
    unsealed and texts decrypted there, on that process's core."""

    def __init__(self, inst: Instance, ids: list[int]) -> None:
        self.inst, self.ids = inst, ids

    def __call__(self) -> Iterator[store.IndexEntry]:
        for start in range(0, len(self.ids), REINDEX_READ):
            chunk = self.ids[start : start + REINDEX_READ]
            docs, texts, codes = self._rows(chunk)
            for doc in docs:
                text = texts.get(doc.id)
                live = doc.status == RecordStatus.ACTIVE and text is not None
                if live and text.shredded_at is None:
                    yield _entry_of(self.inst, doc, text, codes.get(doc.id))

    def _rows(self, chunk: list[int]) -> tuple[list, dict, dict]:
        with self.inst.read_sessions() as session:
            docs = session.execute(
                select(*Document.__table__.c).where(Document.id.in_(chunk)).order_by(Document.id)
            ).all()
            texts: dict = {}
            for obj in session.execute(
                select(*StoredObject.__table__.c).where(
                    StoredObject.document_id.in_(chunk), StoredObject.kind == "text"
                )
            ):
                if obj.document_id not in texts or obj.version > texts[obj.document_id].version:
                    texts[obj.document_id] = obj
            codes = dict(
                session.execute(
                    select(DossierMember.document_id, Dossier.code)
                    .join(Dossier, Dossier.id == DossierMember.dossier_id)
                    .where(DossierMember.document_id.in_(chunk))
                ).all()
            )
        return docs, texts, codes


def reindex(inst: Instance, ctx: Context, workers: int | None = None) -> int:
    """Rebuild the index from the database with every core (``workers`` processes); call it
    through ``search.follower.rebuild``, which holds the node's apply lock and sets the index's
    position in the change log."""
    ids = _live_ids(inst)
    workers = workers or segments.cpu_count()
    size = segments.batch_size(len(ids), workers)
    batches = [_Rebuilt(inst, ids[i : i + size]) for i in range(0, len(ids), size)] or [
        _Rebuilt(inst, [])
    ]
    inst.keyring  # noqa: B018 - loaded before the workers fork

    def fresh_connections() -> None:
        inst.engine.dispose(close=False)  # the parent's pooled connections stay the parent's

    count = segments.rebuild(
        inst.index_dir,
        inst.keyring.index_key,
        batches,
        workers,
        setup=fresh_connections,
    )
    with UnitOfWork(inst, ctx) as uow:
        uow.audit(Action.REINDEX, "done", None, documents=count)
    return count


def missing_from_index(inst: Instance) -> tuple[set[int], set[int]]:
    """(records not in the index, index entries without a live record). Destroyed and inactive
    records are not live, so a stale entry for one is reported. ``kho check`` leaves out the
    records the follower has yet to apply (``search.follower.status``): the rest is damage."""
    live = set(_live_ids(inst))
    in_index = store.indexed_ids(inst.index_dir, inst.keyring.index_key)
    return live - in_index, in_index - live
