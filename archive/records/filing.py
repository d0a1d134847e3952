"""Filing a record, a better text for it, and crypto-shredding it.

Order of work when filing: the encrypted blobs are written and made durable first, then the
database row and its audit entry are committed in one transaction. A crash between the two leaves
only unreferenced blobs, which ``kho check`` finds and removes; a record never points at a blob
that is not on disk.
"""

from __future__ import annotations

import io
import json
import secrets
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive import __version__
from archive.audit.actions import Action
from archive.core import bindings, grouping
from archive.core.events import Change
from archive.core.instance import Instance
from archive.core.uow import UnitOfWork
from archive.models import Document, RecordEvent, RecordStatus, StoredObject, Unit, queries, utcnow
from archive.records import gate, reading
from security.actor import Context
from security.crypto.keys import new_data_key
from security.crypto.stream import encrypt_bytes
from security.vocabulary import LEVELS, Level, Urgency

# Descriptive fields sealed with the record's metadata key (never stored in clear).
SEALED_FIELDS = (
    "number",
    "issuer",
    "subject",
    "place",
    "superior",
    "signer_authority",
    "signer_position",
    "signer_name",
    "recipients",
    "circulation",
    "deadline",
    "filename",
)


class AlreadyFiled(Exception):
    """The same bytes, visible to the person filing, were committed by someone else (another
    worker, another node) between the pipeline's duplicate check and this commit."""

    def __init__(self, document_id: int) -> None:
        super().__init__(f"already filed as document {document_id}")
        self.document_id = document_id


@dataclass(frozen=True)
class NewRecord:
    """What ingest hands over: the file, its text and the described fields."""

    content: bytes
    media_type: str
    text: str
    fields: dict  # kind, doc_type, number, issuer, date (ISO), subject, level, urgency, place
    filename: str
    unit: Unit
    access_copy: bytes | None = None  # sanitized copy people download (PDF); None: the original
    access_media_type: str | None = None  # the access copy's format when not the original's
    events: tuple[dict, ...] = ()  # PREMIS-style: event, outcome, detail, seconds, software
    status: str = RecordStatus.ACTIVE
    needs_ocr: bool = False
    number_mac: str | None = None
    needs_review: bool = False
    sealed_extra: dict = field(default_factory=dict)  # evidence lines, review items, suggestions
    secrecy_pending: bool = False  # chờ xác định độ mật: held back until a person sets the level
    extra_objects: tuple[tuple[str, str, bytes], ...] = ()  # (kind, media type, bytes): reports


def file_record(
    inst: Instance, ctx: Context, new: NewRecord, content_mac: str, *, publish: bool = True
) -> Document:
    """Store blobs, then commit the row with its ingest audit entry; returns the committed row.

    An active record is announced as filed after the commit (the index follows); a batch passes
    ``publish=False`` and announces its records together."""
    keyring = inst.keyring
    uid = secrets.token_hex(16)
    parts = [
        ("original", new.media_type, new.content),
        ("text", "text/plain; charset=utf-8", new.text.encode()),
    ]
    if new.access_copy is not None:
        parts.append(("access", new.access_media_type or new.media_type, new.access_copy))
    parts.extend(new.extra_objects)
    written: list[tuple[str, str, object, int, bytes]] = []
    blobs: list = []
    try:
        keys = [new_data_key() for _ in parts]
        blobs = inst.blobs.put_all(
            [
                (key, data, bindings.record(uid, kind))
                for key, (kind, _, data) in zip(keys, parts, strict=True)
            ]
        )  # side by side: their syncs overlap; all durable before the row below
        for key, (kind, media_type, _), blob in zip(keys, parts, blobs, strict=True):
            version, wrapped = keyring.wrap(key, bindings.record(uid, kind))
            written.append((kind, media_type, blob, version, wrapped))
        meta_key = new_data_key()
        meta = {name: new.fields.get(name) for name in SEALED_FIELDS if name != "filename"}
        meta["filename"] = new.filename
        if new.access_media_type and new.access_media_type != new.media_type:
            meta["access_media_type"] = new.access_media_type  # e.g. a PDF printed from a DOCX
        meta.update(new.sealed_extra)
        sealed = encrypt_bytes(
            meta_key, json.dumps(meta, ensure_ascii=False).encode(), bindings.record(uid, "meta")
        )
        meta_version, meta_wrapped = keyring.wrap(meta_key, bindings.record(uid, "meta"))
        with UnitOfWork(inst, ctx, publish=publish) as uow:
            session = uow.session
            copy = _visible_copy(session, ctx, content_mac)
            if copy is not None:
                raise AlreadyFiled(copy)
            doc = Document(
                uid=uid,
                kind=new.fields.get("kind"),
                doc_type=new.fields.get("doc_type"),
                level=new.fields.get("level") or Level.THUONG,
                urgency=new.fields.get("urgency") or Urgency.THUONG,
                issued=_parse_date(new.fields.get("date")),
                unit_id=new.unit.id,
                filed_by=ctx.principal.user_id,
                content_mac=content_mac,
                number_mac=new.number_mac,
                issuer_mac=grouping.issuer_mac(keyring, meta.get("issuer")),
                status=new.status,
                needs_ocr=new.needs_ocr,
                needs_review=new.needs_review or new.secrecy_pending,
                secrecy_pending=new.secrecy_pending,
                meta_kek_version=meta_version,
                meta_wrapped_key=meta_wrapped,
                sealed_meta=sealed,
            )
            session.add(doc)
            session.flush()
            for kind, media_type, blob, version, wrapped in written:
                session.add(
                    StoredObject(
                        document_id=doc.id,
                        kind=kind,
                        version=1,
                        blob=blob.name,
                        media_type=media_type,
                        size=blob.size,
                        ciphertext_sha256=blob.ciphertext_sha256,
                        kek_version=version,
                        wrapped_key=wrapped,
                    )
                )
            agent = f"{ctx.principal.username if ctx.principal else 'system'} / kho {__version__}"
            for event in new.events:
                session.add(RecordEvent(document_id=doc.id, agent=agent, **event))
            session.add(
                RecordEvent(
                    document_id=doc.id,
                    agent=agent,
                    event="encryption/storage",
                    outcome="success",
                    detail=f"{len(written)} objects",
                )
            )
            uow.audit(
                Action.INGEST,
                "stored" if new.status == RecordStatus.ACTIVE else new.status,
                doc.id,
                level=doc.level,
                doc_type=doc.doc_type,
                **({"secrecy_pending": True} if new.secrecy_pending else {}),
            )
            if new.status == RecordStatus.ACTIVE:
                uow.changed(doc.id, Change.FILED)
        return doc
    except BaseException:
        for blob in blobs:
            inst.blobs.delete(blob.name)
        raise


def _visible_copy(session: Session, ctx: Context, content_mac: str) -> int | None:
    """A record of these bytes the person may see, checked again inside the filing transaction
    and serialised with every other filing of the same bytes (SQLite: the transaction holds the
    write lock from its start; PostgreSQL: a transaction lock on the fingerprint). Two workers
    filing one upload twice at once make one record; a copy the person may not see is not one
    (another unit files its own copy of the same incoming document)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(int(content_mac[:15], 16))))
    copies = queries.find_by_content(session, content_mac)
    if not copies:  # the usual case: no scope to read (its shares and grants: a query)
        return None
    scope = gate.scope_of(session, ctx)
    return next((d.id for d in copies if gate.admits(scope, d)), None)


def _parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def reduce_to_stub(inst: Instance, doc: Document) -> None:
    """Keep of a destroyed record only its description: the source lines the classifier quoted
    from the text, and the suggestions, are dropped; re-sealed under a fresh key."""
    meta = reading.unseal_meta(inst, doc)
    reading.reseal_meta(inst, doc, {name: meta.get(name) for name in SEALED_FIELDS})


def replace_text(
    inst: Instance,
    ctx: Context,
    doc_id: int,
    text: str,
    events: tuple[dict, ...] = (),
    level: str | None = None,
    secrecy_pending: bool = False,
    sealed_extra: dict | None = None,
) -> None:
    """A better text for a record (after OCR): a new version of the text object, earlier kept.

    A later reading only ever tightens: ``level`` may only raise the record's level (the
    recognised header can reveal a mark) and ``secrecy_pending`` may only set the held-back
    state, never clear it (only a person does, through ``archive.records.editing``).
    ``sealed_extra`` (the new reading's evidence and review items) is merged into the sealed
    description.
    """
    with inst.sessions() as session:
        queries.ensure_not_held(session, doc_id)
        doc = session.get(Document, doc_id)
        version = 1 + max(o.version for o in doc.objects if o.kind == "text")
        uid = doc.uid
    key = new_data_key()
    blob = inst.blobs.put(key, io.BytesIO(text.encode()), bindings.record(uid, "text", version))
    try:
        kek_version, wrapped = inst.keyring.wrap(key, bindings.record(uid, "text", version))
        agent = f"{ctx.principal.username if ctx.principal else 'system'} / kho {__version__}"
        with UnitOfWork(inst, ctx) as uow:
            session = uow.session
            doc = session.get(Document, doc_id)
            session.add(
                StoredObject(
                    document_id=doc_id,
                    kind="text",
                    version=version,
                    blob=blob.name,
                    media_type="text/plain; charset=utf-8",
                    size=blob.size,
                    ciphertext_sha256=blob.ciphertext_sha256,
                    kek_version=kek_version,
                    wrapped_key=wrapped,
                )
            )
            raised = level is not None and LEVELS.index(level) > LEVELS.index(doc.level)
            detail = {"text_version": version}
            if raised:
                detail["level"] = [doc.level, level]
                doc.level = level
            if secrecy_pending and not doc.secrecy_pending:
                detail["secrecy_pending"] = [False, True]
                doc.secrecy_pending = doc.needs_review = True
            if sealed_extra:
                reading.reseal_meta(inst, doc, {**reading.unseal_meta(inst, doc), **sealed_extra})
            doc.needs_ocr = False
            for event in events:
                session.add(RecordEvent(document_id=doc_id, agent=agent, **event))
            uow.audit(Action.OCR, "done", doc_id, detail)
            uow.changed(doc_id, Change.TEXT)
    except BaseException:
        inst.blobs.delete(blob.name)
        raise


def shred_in(uow: UnitOfWork, doc_id: int, reason: str) -> list[str]:
    """Crypto-shredding, inside the caller's unit of work: the data keys of a record's content
    are deleted (committed with the audit entry, the ciphertexts are noise from then on); returns
    the blobs, which the caller removes after the commit as housekeeping. The sealed description
    stays as the record's stub."""
    objects = list(
        uow.session.execute(
            select(StoredObject).where(
                StoredObject.document_id == doc_id, StoredObject.shredded_at.is_(None)
            )
        ).scalars()
    )
    for obj in objects:
        obj.wrapped_key, obj.kek_version, obj.shredded_at = b"", 0, utcnow()
    uow.audit(Action.SHRED, "done", doc_id, objects=[o.kind for o in objects], reason=reason)
    uow.changed(doc_id, Change.DESTROYED)  # its words leave the index
    return [o.blob for o in objects]


def shred(inst: Instance, ctx: Context, doc_id: int, reason: str) -> int:
    """Crypto-shredding as an action of its own (``shred_in``, then the blobs removed);
    returns the number of objects destroyed. Disposal shreds inside its own unit of work."""
    with UnitOfWork(inst, ctx) as uow:
        blobs = shred_in(uow, doc_id, reason)
    for name in blobs:
        inst.blobs.delete(name)
    return len(blobs)
