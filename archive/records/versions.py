"""A new file for the same record: a new version of its objects, earlier versions kept.

The record stays one record (same id, dossier, retention, audit trail); its original, text and
access copy each get the next version number, encrypted under fresh data keys with the version
in the binding, so an old ciphertext cannot be passed off as the new one. Readers take the
highest version (``records.object_of``); earlier versions remain readable through
``open_version`` and are listed by ``versions``.

The archive does not extract text (that is ingest's work, and archive must not import ingest):
the caller passes the new text and, when the record has a sanitized access copy, the new one —
a stale access copy next to a new original would hand people the wrong document.

Order of work as in ``records.file_record``: blobs first and durable, then one transaction with
the object rows, the re-sealed description (new file name), a history version, a PREMIS event
and the audit entry; on failure the new blobs are deleted.
"""

from __future__ import annotations

import io
import json

from archive import __version__, access, audit, events, history, holds, records
from archive.instance import Instance
from archive.models import Document, RecordEvent, StoredObject
from archive.records import _binding
from security.actor import Context
from security.crypto.keys import new_data_key
from security.crypto.stream import encrypt_bytes
from security.errors import NotFound, Refused
from security.policy.records import may_edit


def _deny(inst: Instance, session, ctx: Context, doc_id: int, reason: str) -> None:
    audit.record(session, inst.keyring, ctx, "file_version", "denied", doc_id, {"reason": reason})
    session.commit()


def _check(inst: Instance, ctx: Context, doc_id: int, has_access_copy: bool) -> dict:
    """Policy, holds and state; each refusal is committed to the audit log before raising.

    Returns the next version number of each object kind (computed again under the unique
    constraint when the rows are inserted).
    """
    who = ctx.principal
    with inst.sessions() as session:
        doc = session.get(Document, doc_id)
        if doc is not None and holds.is_held(session, doc_id):
            _deny(inst, session, ctx, doc_id, "legal hold")
            holds.ensure_not_held(session, doc_id)
        if (
            doc is None
            or who is None
            or doc.status != "active"
            or not access.decide(session, who, doc).allowed
        ):
            _deny(inst, session, ctx, doc_id, "not readable")
            raise NotFound(f"Không tìm thấy văn bản số {doc_id}.", f"Document {doc_id} not found.")
        decision = may_edit(who, doc.level, doc.unit_id)
        if not decision.allowed:
            _deny(inst, session, ctx, doc_id, decision.reason)
            raise Refused(
                "Bạn không được thêm phiên bản tệp cho văn bản này.",
                f"You may not add a file version to this record ({decision.reason}).",
            )
        live = [o for o in doc.objects if o.shredded_at is None]
        if any(o.shredded_at is not None for o in doc.objects) or not live:
            _deny(inst, session, ctx, doc_id, "destroyed")
            raise Refused(f"Văn bản số {doc_id} đã bị tiêu hủy.", f"Record {doc_id} was destroyed.")
        if any(o.kind == "access" for o in live) and not has_access_copy:
            _deny(inst, session, ctx, doc_id, "access copy missing")
            raise Refused(
                "Văn bản có bản sao để đọc: hãy nộp kèm bản sao đã làm sạch của tệp mới.",
                "The record has a sanitized access copy: give the new file's access copy too.",
            )
        return {
            kind: 1 + max((o.version for o in doc.objects if o.kind == kind), default=0)
            for kind in ("original", "text", "access")
        }


def add_file_version(
    inst: Instance,
    ctx: Context,
    doc_id: int,
    data: bytes,
    filename: str,
    media_type: str,
    text: str,
    access_copy: bytes | None = None,
    reason: str | None = None,
    needs_ocr: bool = False,
) -> int:
    """File ``data`` as the next version of record ``doc_id``; returns the original's version."""
    nxt = _check(inst, ctx, doc_id, access_copy is not None)
    with inst.sessions() as session:
        uid = session.get(Document, doc_id).uid
    parts = [("original", media_type, data), ("text", "text/plain; charset=utf-8", text.encode())]
    if access_copy is not None:
        parts.append(("access", media_type, access_copy))  # as records.file_record
    written = []
    try:
        for kind, kind_media, payload in parts:
            key = new_data_key()
            where = _binding(uid, kind, nxt[kind])
            blob = inst.blobs.put(key, io.BytesIO(payload), where)
            written.append((kind, kind_media, blob, *inst.keyring.wrap(key, where)))
        with inst.sessions.begin() as session:
            doc = session.get(Document, doc_id)
            before = history.snapshot(inst, doc)
            previous = records.object_of(doc, "original")
            for kind, kind_media, blob, kek_version, wrapped in written:
                session.add(
                    StoredObject(
                        document_id=doc_id,
                        kind=kind,
                        version=nxt[kind],
                        blob=blob.name,
                        media_type=kind_media,
                        size=blob.size,
                        ciphertext_sha256=blob.ciphertext_sha256,
                        kek_version=kek_version,
                        wrapped_key=wrapped,
                    )
                )
            _reseal_filename(inst, doc, filename)
            doc.needs_ocr = needs_ocr
            after = {**history.snapshot(inst, doc), "original": nxt["original"]}
            after["media_type"] = media_type
            before.update(original=previous.version, media_type=previous.media_type)
            history.record_change(session, inst, ctx, doc, before, reason, "file", after)
            agent = f"{ctx.principal.username} / kho {__version__}"
            session.add(
                RecordEvent(
                    document_id=doc_id,
                    agent=agent,
                    event="version/new-file",
                    outcome="success",
                    detail=f"original v{nxt['original']}, {len(written)} objects",
                )
            )
            audit.record(
                session,
                inst.keyring,
                ctx,
                "file_version",
                "ok",
                doc_id,
                {
                    "versions": {kind: nxt[kind] for kind, *_ in written},
                    "media_type": media_type,
                    **({"reason": reason} if reason else {}),
                },
            )
    except BaseException:
        for _kind, _media, blob, _v, _w in written:
            inst.blobs.delete(blob.name)
        raise
    events.record_changed.send(inst, doc_id=doc_id)  # the index follows the new text
    return nxt["original"]


def _reseal_filename(inst: Instance, doc: Document, filename: str) -> None:
    """The file name is part of the sealed description: re-seal under a fresh key if it changed."""
    meta = records.unseal_meta(inst, doc)
    if meta.get("filename") == filename:
        return
    meta["filename"] = filename
    key = new_data_key()  # never re-use a STREAM key for a new plaintext
    where = records.meta_binding(doc)
    doc.sealed_meta = encrypt_bytes(key, json.dumps(meta, ensure_ascii=False).encode(), where)
    doc.meta_kek_version, doc.meta_wrapped_key = inst.keyring.wrap(key, where)


def versions(inst: Instance, ctx: Context, doc_id: int) -> list[dict]:
    """The stored objects of a record by kind and version (no content), through the gate."""
    doc = access._admit(inst, ctx, doc_id, "versions")
    return [
        {
            "kind": o.kind,
            "version": o.version,
            "media_type": o.media_type,
            "size": o.size,
            "destroyed": o.shredded_at is not None,
        }
        for o in sorted(doc.objects, key=lambda o: (o.kind, o.version))
    ]


def open_version(
    inst: Instance, ctx: Context, doc_id: int, version: int, kind: str = "original"
) -> access.Content:
    """An earlier (or the current) version of a record's file: one decision, one audit entry."""
    doc = access._admit(inst, ctx, doc_id, "download_original", {"kind": kind, "version": version})
    obj = next((o for o in doc.objects if o.kind == kind and o.version == version), None)
    if obj is None:
        raise NotFound(
            f"Văn bản số {doc_id} không có phiên bản {version}.",
            f"Document {doc_id} has no {kind} version {version}.",
        )
    meta = records.unseal_meta(inst, doc)
    return access.Content(
        meta.get("filename") or f"{doc.id}",
        obj.media_type,
        obj.size,
        records.stream_object(inst, doc, obj),
    )
