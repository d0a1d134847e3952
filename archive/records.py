"""Filing a record and unsealing its parts.

Order of work when filing: the encrypted blobs are written and made durable first, then the
database row and its audit entry are committed in one transaction. A crash between the two leaves
only unreferenced blobs, which ``kho check`` finds and removes; a record never points at a blob
that is not on disk.

The readers here (``unseal_meta``, ``read_object``) have no policy in them: user-facing code
reaches them only through ``archive.access`` (the gate); system tasks (reindexing, fixity) call
them directly and write their own audit entry.
"""

from __future__ import annotations

import io
import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive import __version__, audit
from archive.instance import Instance
from archive.models import Document, RecordEvent, StoredObject, Unit, utcnow
from security.errors import KhoError
from security.keys import new_data_key
from security.policy import LEVELS
from security.stream import decrypt_bytes, decrypt_segments, encrypt_bytes

# Objects up to this size are decrypted in one pass in memory; larger ones are streamed twice.
IN_MEMORY_LIMIT = 16 * 1024 * 1024


class Destroyed(KhoError):
    code = "destroyed"


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
    status: str = "active"
    needs_ocr: bool = False
    number_mac: str | None = None
    needs_review: bool = False
    sealed_extra: dict = field(default_factory=dict)  # evidence lines, review items, suggestions
    secrecy_pending: bool = False  # chờ xác định độ mật: held back until a person sets the level
    extra_objects: tuple[tuple[str, str, bytes], ...] = ()  # (kind, media type, bytes): reports


def _binding(uid: str, part: str, version: int = 1) -> bytes:
    return f"kho/{uid}/{part}/v{version}".encode()


def job_binding(uid: str, part: str) -> bytes:
    """Binding of a queued upload's ciphertexts (``file``, ``name``) to its job."""
    return f"kho/job/{uid}/{part}".encode()


def find_by_content(session: Session, content_mac: str) -> Document | None:
    return session.execute(
        select(Document).where(Document.content_mac == content_mac)
    ).scalar_one_or_none()


def file_record(inst: Instance, ctx: audit.Context, new: NewRecord, content_mac: str) -> Document:
    """Store blobs, then commit the row with its ingest audit entry; returns the committed row."""
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
    try:
        for kind, media_type, data in parts:
            key = new_data_key()
            blob = inst.blobs.put(key, io.BytesIO(data), _binding(uid, kind))
            version, wrapped = keyring.wrap(key, _binding(uid, kind))
            written.append((kind, media_type, blob, version, wrapped))
        meta_key = new_data_key()
        meta = {name: new.fields.get(name) for name in SEALED_FIELDS if name != "filename"}
        meta["filename"] = new.filename
        if new.access_media_type and new.access_media_type != new.media_type:
            meta["access_media_type"] = new.access_media_type  # e.g. a PDF printed from a DOCX
        meta.update(new.sealed_extra)
        sealed = encrypt_bytes(
            meta_key, json.dumps(meta, ensure_ascii=False).encode(), _binding(uid, "meta")
        )
        meta_version, meta_wrapped = keyring.wrap(meta_key, _binding(uid, "meta"))
        with inst.sessions.begin() as session:
            doc = Document(
                uid=uid,
                kind=new.fields.get("kind"),
                doc_type=new.fields.get("doc_type"),
                level=new.fields.get("level") or "thuong",
                urgency=new.fields.get("urgency") or "thuong",
                issued=_parse_date(new.fields.get("date")),
                unit_id=new.unit.id,
                filed_by=ctx.principal.user_id,
                content_mac=content_mac,
                number_mac=new.number_mac,
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
            audit.record(
                session,
                keyring,
                ctx,
                "ingest",
                "stored" if new.status == "active" else new.status,
                doc.id,
                {
                    "level": doc.level,
                    "doc_type": doc.doc_type,
                    **({"secrecy_pending": True} if new.secrecy_pending else {}),
                },
            )
        return doc
    except BaseException:
        for _kind, _media, blob, _v, _w in written:
            inst.blobs.delete(blob.name)
        raise


def _parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def unseal_meta(inst: Instance, doc: Document) -> dict:
    binding = meta_binding(doc)
    key = inst.keyring.unwrap(doc.meta_kek_version, doc.meta_wrapped_key, binding)
    return json.loads(decrypt_bytes(key, doc.sealed_meta, binding))


def reduce_to_stub(inst: Instance, doc: Document) -> None:
    """Keep of a destroyed record only its description: the source lines the classifier quoted
    from the text, and the suggestions, are dropped; re-sealed under a fresh key."""
    meta = unseal_meta(inst, doc)
    reseal_meta(inst, doc, {name: meta.get(name) for name in SEALED_FIELDS})


def served_name(filename: str, original: StoredObject, served: StoredObject) -> str:
    """The file name of what is served: ``x.docx`` becomes ``x.pdf`` when the PDF access copy
    printed from it is what the person gets."""
    if served.media_type == original.media_type or served.media_type != "application/pdf":
        return filename
    stem = filename.rsplit(".", 1)[0] if "." in filename else filename
    return f"{stem}.pdf"


def object_of(doc: Document, kind: str) -> StoredObject:
    return max((o for o in doc.objects if o.kind == kind), key=lambda o: o.version)


def object_binding(doc: Document, obj: StoredObject) -> bytes:
    return _binding(doc.uid, obj.kind, obj.version)


def meta_binding(doc: Document) -> bytes:
    return _binding(doc.uid, "meta")


def _object_key(inst: Instance, doc: Document, obj: StoredObject) -> bytes:
    if obj.shredded_at is not None:
        raise Destroyed(
            f"Văn bản số {doc.id} đã bị tiêu hủy ({obj.kind}).",
            f"Document {doc.id} was destroyed: its {obj.kind} key no longer exists.",
        )
    return inst.keyring.unwrap(obj.kek_version, obj.wrapped_key, object_binding(doc, obj))


def read_object(inst: Instance, doc: Document, obj: StoredObject) -> bytes:
    """Decrypt one object into memory; raises IntegrityError without returning partial bytes."""
    key = _object_key(inst, doc, obj)
    with inst.blobs.open(obj.blob) as fh:
        return decrypt_bytes(key, fh, object_binding(doc, obj))


def stream_object(inst: Instance, doc: Document, obj: StoredObject) -> Iterator[bytes]:
    """Plaintext segments of an object, with memory bounded whatever its size.

    Nothing is released before the whole ciphertext has authenticated: a large object is read
    twice, once to check every tag and once to yield (no plaintext is ever parked on disk).
    Small objects are simply decrypted in memory.
    """
    key = _object_key(inst, doc, obj)
    binding = object_binding(doc, obj)
    if obj.size <= IN_MEMORY_LIMIT:
        yield read_object(inst, doc, obj)
        return
    with inst.blobs.open(obj.blob) as fh:
        for _ in decrypt_segments(key, fh, binding):
            pass
    with inst.blobs.open(obj.blob) as fh:
        yield from decrypt_segments(key, fh, binding)


def read_text(inst: Instance, doc: Document) -> str:
    return read_object(inst, doc, object_of(doc, "text")).decode()


def replace_text(
    inst: Instance,
    ctx: audit.Context,
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
    state, never clear it (only a person does, through ``archive.editing``). ``sealed_extra``
    (the new reading's evidence and review items) is merged into the sealed description.
    """
    from archive.holds import ensure_not_held  # holds build on records: imported late

    with inst.sessions() as session:
        ensure_not_held(session, doc_id)
        doc = session.get(Document, doc_id)
        version = 1 + max(o.version for o in doc.objects if o.kind == "text")
        uid = doc.uid
    key = new_data_key()
    blob = inst.blobs.put(key, io.BytesIO(text.encode()), _binding(uid, "text", version))
    try:
        kek_version, wrapped = inst.keyring.wrap(key, _binding(uid, "text", version))
        agent = f"{ctx.principal.username if ctx.principal else 'system'} / kho {__version__}"
        with inst.sessions.begin() as session:
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
                reseal_meta(inst, doc, {**unseal_meta(inst, doc), **sealed_extra})
            doc.needs_ocr = False
            for event in events:
                session.add(RecordEvent(document_id=doc_id, agent=agent, **event))
            audit.record(session, inst.keyring, ctx, "ocr", "done", doc_id, detail)
    except BaseException:
        inst.blobs.delete(blob.name)
        raise


def reseal_meta(inst: Instance, doc: Document, meta: dict) -> None:
    """Seal a changed description under a fresh data key (a STREAM key never seals twice)."""
    key = new_data_key()
    binding = meta_binding(doc)
    doc.sealed_meta = encrypt_bytes(key, json.dumps(meta, ensure_ascii=False).encode(), binding)
    doc.meta_kek_version, doc.meta_wrapped_key = inst.keyring.wrap(key, binding)


def shred(inst: Instance, ctx: audit.Context, doc_id: int, reason: str) -> int:
    """Crypto-shredding: delete the data keys of a record's content, then its blobs.

    Once the keys are gone (committed with the audit entry) the ciphertexts are noise; the blobs
    are removed afterwards as housekeeping. The sealed description stays as the record's stub.
    Returns the number of objects destroyed.
    """
    with inst.sessions.begin() as session:
        objects = list(
            session.execute(
                select(StoredObject).where(
                    StoredObject.document_id == doc_id, StoredObject.shredded_at.is_(None)
                )
            ).scalars()
        )
        for obj in objects:
            obj.wrapped_key, obj.kek_version, obj.shredded_at = b"", 0, utcnow()
        audit.record(
            session,
            inst.keyring,
            ctx,
            "shred",
            "done",
            doc_id,
            {"objects": [o.kind for o in objects], "reason": reason},
        )
        blobs = [o.blob for o in objects]
    for name in blobs:
        inst.blobs.delete(name)
    return len(blobs)
