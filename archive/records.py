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
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive import audit
from archive.instance import Instance
from archive.models import Document, StoredObject, Unit
from security.keys import new_data_key
from security.stream import decrypt_bytes, encrypt_bytes

# Descriptive fields sealed with the record's metadata key (never stored in clear).
SEALED_FIELDS = ("number", "issuer", "subject", "place", "filename")


@dataclass(frozen=True)
class NewRecord:
    """What ingest hands over: the file, its text and the described fields."""

    content: bytes
    media_type: str
    text: str
    fields: dict  # kind, doc_type, number, issuer, date (ISO), subject, level, urgency, place
    filename: str
    unit: Unit


def _binding(uid: str, part: str, version: int = 1) -> bytes:
    return f"kho/{uid}/{part}/v{version}".encode()


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
            audit.record(
                session,
                keyring.audit_key,
                ctx,
                "ingest",
                "stored",
                doc.id,
                {"level": doc.level, "doc_type": doc.doc_type},
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
    binding = _binding(doc.uid, "meta")
    key = inst.keyring.unwrap(doc.meta_kek_version, doc.meta_wrapped_key, binding)
    return json.loads(decrypt_bytes(key, doc.sealed_meta, binding))


def object_of(doc: Document, kind: str) -> StoredObject:
    return max((o for o in doc.objects if o.kind == kind), key=lambda o: o.version)


def read_object(inst: Instance, doc: Document, obj: StoredObject) -> bytes:
    """Decrypt one object into memory; raises IntegrityError without returning partial bytes."""
    binding = _binding(doc.uid, obj.kind, obj.version)
    key = inst.keyring.unwrap(obj.kek_version, obj.wrapped_key, binding)
    with inst.blobs.open(obj.blob) as fh:
        return decrypt_bytes(key, fh, binding)


def read_text(inst: Instance, doc: Document) -> str:
    return read_object(inst, doc, object_of(doc, "text")).decode()
