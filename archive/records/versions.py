"""A new file for the same record: a new version of its objects, earlier versions kept.

The record stays one record (same id, dossier, retention, audit trail); its original, text and
access copy each get the next version number, encrypted under fresh data keys with the version
in the binding, so an old ciphertext cannot be passed off as the new one. Readers take the
highest version (``reading.object_of``); earlier versions remain readable through
``open_version`` and are listed by ``versions``.

The archive does not extract text (that is ingest's work, and archive must not import ingest):
the caller passes the new text and, when the record has a sanitized access copy, the new one —
a stale access copy next to a new original would hand people the wrong document.

Order of work as in ``filing.file_record``: blobs first and durable, then one transaction with
the object rows, the re-sealed description (new file name), a history version, a PREMIS event
and the audit entry; on failure the new blobs are deleted.
"""

from __future__ import annotations

import io

from archive import __version__
from archive.audit.actions import Action
from archive.core import bindings
from archive.core.events import Change
from archive.core.instance import Instance
from archive.core.uow import UnitOfWork
from archive.models import Document, RecordEvent, StoredObject, queries
from archive.records import gate, history, reading
from security.actor import Context
from security.crypto.keys import new_data_key
from security.errors import KhoError, Refused
from security.policy.records import may_edit


def _next_versions(uow: UnitOfWork, doc_id: int, has_access_copy: bool) -> dict:
    """Policy, holds and state; each refusal is committed to the audit log before raising.

    Returns the next version number of each object kind (computed again under the unique
    constraint when the rows are inserted).
    """
    doc = uow.session.get(Document, doc_id)

    def refuse(reason: str, error: KhoError) -> KhoError:
        return uow.refuse(Action.FILE_VERSION, doc_id, reason, error)

    if doc is not None and queries.is_held(uow.session, doc_id):
        raise refuse("legal hold", queries.held_error(doc_id))
    if not gate.may_read_now(uow.session, uow.ctx, doc).allowed:
        raise refuse("not readable", gate.not_found(doc_id))
    decision = may_edit(uow.ctx.principal, doc.level, doc.unit_id)
    if not decision.allowed:
        raise refuse(
            decision.reason,
            Refused(
                "Bạn không được thêm phiên bản tệp cho văn bản này.",
                f"You may not add a file version to this record ({decision.reason}).",
            ),
        )
    live = [o for o in doc.objects if o.shredded_at is None]
    if any(o.shredded_at is not None for o in doc.objects) or not live:
        raise refuse(
            "destroyed",
            Refused(f"Văn bản số {doc_id} đã bị tiêu hủy.", f"Record {doc_id} was destroyed."),
        )
    if any(o.kind == "access" for o in live) and not has_access_copy:
        raise refuse(
            "access copy missing",
            Refused(
                "Văn bản có bản sao để đọc: hãy nộp kèm bản sao đã làm sạch của tệp mới.",
                "The record has a sanitized access copy: give the new file's access copy too.",
            ),
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
    with UnitOfWork(inst, ctx) as check:
        nxt = _next_versions(check, doc_id, access_copy is not None)
        uid = check.session.get(Document, doc_id).uid
    parts = [("original", media_type, data), ("text", "text/plain; charset=utf-8", text.encode())]
    if access_copy is not None:
        parts.append(("access", media_type, access_copy))  # as filing.file_record
    written = []
    try:
        for kind, kind_media, payload in parts:
            key = new_data_key()
            where = bindings.record(uid, kind, nxt[kind])
            blob = inst.blobs.put(key, io.BytesIO(payload), where)
            written.append((kind, kind_media, blob, *inst.keyring.wrap(key, where)))
        with UnitOfWork(inst, ctx) as uow:
            session = uow.session
            doc = session.get(Document, doc_id)
            before = history.snapshot(inst, doc)
            previous = reading.object_of(doc, "original")
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
            uow.audit(
                Action.FILE_VERSION,
                "ok",
                doc_id,
                versions={kind: nxt[kind] for kind, *_ in written},
                media_type=media_type,
                sealed={"reason": reason} if reason else None,
            )
            uow.changed(doc_id, Change.TEXT)  # the index follows the new text
    except BaseException:
        for _kind, _media, blob, _v, _w in written:
            inst.blobs.delete(blob.name)
        raise
    return nxt["original"]


def _reseal_filename(inst: Instance, doc: Document, filename: str) -> None:
    """The file name is part of the sealed description: re-seal under a fresh key if it changed."""
    meta = reading.unseal_meta(inst, doc)
    if meta.get("filename") != filename:
        reading.reseal_meta(inst, doc, {**meta, "filename": filename})


def versions(inst: Instance, ctx: Context, doc_id: int) -> list[dict]:
    """The stored objects of a record by kind and version (no content), through the gate."""
    doc = gate.admit(inst, ctx, doc_id, Action.VERSIONS)
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
