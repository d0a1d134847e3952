"""Unsealing a record's parts: its description and its objects, in memory.

The readers here have no policy in them: a person's read reaches them only through the gate
(``archive.records.gate``); system tasks (indexing, fixity, transfer after the gate) call them
directly and write their own audit entry.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from archive.core import bindings, grouping
from archive.core.instance import Instance
from archive.models import Document, StoredObject
from security.crypto.keys import new_data_key
from security.crypto.stream import decrypt_bytes, decrypt_segments, encrypt_bytes
from security.errors import KhoError

# Objects up to this size are decrypted in one pass in memory; larger ones are streamed twice.
IN_MEMORY_LIMIT = 16 * 1024 * 1024
READ_WHOLE_LIMIT = 256 * 1024  # objects up to this size read in one go by read_object


class Destroyed(KhoError):
    code = "destroyed"


def unseal_meta(inst: Instance, doc: Document) -> dict:
    binding = bindings.meta(doc)
    key = inst.keyring.unwrap(doc.meta_kek_version, doc.meta_wrapped_key, binding)
    return json.loads(decrypt_bytes(key, doc.sealed_meta, binding))


def reseal_meta(inst: Instance, doc: Document, meta: dict) -> None:
    """Seal a changed description under a fresh data key (a STREAM key never seals twice)."""
    key = new_data_key()
    binding = bindings.meta(doc)
    doc.sealed_meta = encrypt_bytes(key, json.dumps(meta, ensure_ascii=False).encode(), binding)
    doc.meta_kek_version, doc.meta_wrapped_key = inst.keyring.wrap(key, binding)
    doc.issuer_mac = grouping.issuer_mac(inst.keyring, meta.get("issuer"))


def object_of(doc: Document, kind: str) -> StoredObject:
    return max((o for o in doc.objects if o.kind == kind), key=lambda o: o.version)


def served_name(filename: str, original: StoredObject, served: StoredObject) -> str:
    """The file name of what is served: ``x.docx`` becomes ``x.pdf`` when the PDF access copy
    printed from it is what the person gets."""
    if served.media_type == original.media_type or served.media_type != "application/pdf":
        return filename
    stem = filename.rsplit(".", 1)[0] if "." in filename else filename
    return f"{stem}.pdf"


def _object_key(inst: Instance, doc: Document, obj: StoredObject) -> bytes:
    if obj.shredded_at is not None:
        raise Destroyed(
            f"Văn bản số {doc.id} đã bị tiêu hủy ({obj.kind}).",
            f"Document {doc.id} was destroyed: its {obj.kind} key no longer exists.",
        )
    return inst.keyring.unwrap(obj.kek_version, obj.wrapped_key, bindings.object(doc, obj))


def read_object(inst: Instance, doc: Document, obj: StoredObject) -> bytes:
    """Decrypt one object into memory; raises IntegrityError without returning partial bytes.

    A small object (a text for a snippet) is read in one go (``BlobStore.read``: few system
    calls, each of which gives up the interpreter's lock in a loaded web worker); a larger one
    is decrypted as it is read, segment by segment, which spares a buffer of its whole
    ciphertext (1 MiB objects loaded 12-16% slower read whole)."""
    key = _object_key(inst, doc, obj)
    binding = bindings.object(doc, obj)
    if obj.size <= READ_WHOLE_LIMIT:
        return decrypt_bytes(key, inst.blobs.read(obj.blob), binding)
    with inst.blobs.open(obj.blob) as fh:
        return decrypt_bytes(key, fh, binding)


def stream_object(inst: Instance, doc: Document, obj: StoredObject) -> Iterator[bytes]:
    """Plaintext segments of an object, with memory bounded whatever its size.

    Nothing is released before the whole ciphertext has authenticated: a large object is read
    twice, once to check every tag and once to yield (no plaintext is ever parked on disk).
    Small objects are simply decrypted in memory.
    """
    key = _object_key(inst, doc, obj)
    binding = bindings.object(doc, obj)
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
