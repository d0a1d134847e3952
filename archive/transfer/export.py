"""A dossier out of Kho as a BagIt bag (byte format: docs/transfer-format.md; the way back in is
``archive.transfer.intake``).

A bag leaves the instance's protection, so it is built only from reads through the gate (one
``export`` audit entry per record) and is, by default, encrypted file by file to the recipient
archive's X25519 key: the bag's SHA-256 manifests then cover ciphertexts, and nothing of the
content, description or audit extract is readable without the recipient's private key. A
decrypted bag (for the historical archive) needs an administrator's approval recorded in the
audit log beforehand (``approve_plain``), is single-use, and is refused inside KHO_HOME: it is
plaintext by design, written where the operator asked, never inside the instance.

Files of an encrypted bag are sealed by ``security.crypto.envelope``. Import validates the bag
with the bagit library first (a changed byte fails), decrypts, checks every file against the
SHA-256 listed in ``transfer.json``, and files the records again with ``filing.file_record``:
the original's SHA-256 in the new instance equals the one in the bag.
"""

from __future__ import annotations

import hashlib
import io
import json
import mimetypes
import os
import secrets
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import bagit
from sqlalchemy import or_, select

from archive.audit import log
from archive.audit.actions import ON_DOSSIERS, ON_RECORDS, Action
from archive.core.instance import Instance
from archive.core.uow import UnitOfWork
from archive.lifecycle import plan
from archive.models import AuditEntry, Document, DossierMember, RecordEvent, Unit, queries
from archive.records import filing, gate, reading
from archive.transfer import approval, metadata
from security.actor import Context
from security.crypto.audit_chain import GENESIS
from security.crypto.envelope import (
    ENCRYPTED_SUFFIX,
    FORMAT,
    TransferError,
    file_binding,
    fingerprint,
    seal_to,
)
from security.errors import Refused
from security.policy.decision import Decision
from security.policy.lifecycle import may_export
from security.vocabulary import Level

_BAGGING = threading.Lock()  # bagit.make_bag changes the process's working directory


@dataclass
class ExportReport:
    path: Path
    bag_id: str
    mode: str
    documents: list[dict] = field(default_factory=list)  # source id, sha256 of the original
    files: int = 0


class _Writer:
    """Writes payload files into the staging folder, in clear or sealed to the recipient."""

    def __init__(self, root: Path, bag_id: str, recipient: bytes | None) -> None:
        self.root, self.bag_id, self.recipient, self.count = root, bag_id, recipient, 0

    def put(self, rel: str, chunks: Iterator[bytes] | bytes) -> dict:
        digest, size = hashlib.sha256(), 0
        chunks = iter([chunks]) if isinstance(chunks, bytes) else chunks
        name = rel + (ENCRYPTED_SUFFIX if self.recipient else "")
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)

        def counted() -> Iterator[bytes]:
            nonlocal size
            for chunk in chunks:
                digest.update(chunk)
                size += len(chunk)
                yield chunk

        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            if self.recipient:
                src = _ChunkReader(counted())
                seal_to(self.recipient, src, fh, file_binding(self.bag_id, rel))
            else:
                for chunk in counted():
                    fh.write(chunk)
        self.count += 1
        return {"path": name, "sha256": digest.hexdigest(), "size": size}


class _ChunkReader(io.RawIOBase):
    """A file-like view of an iterator of byte chunks (for encrypt_stream)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks, self.rest = chunks, b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self.rest:
            self.rest = next(self.chunks, None)
            if self.rest is None:
                self.rest = b""
                return 0
        n = min(len(buffer), len(self.rest))
        buffer[:n], self.rest = self.rest[:n], self.rest[n:]
        return n


def _extension(media_type: str) -> str:
    return mimetypes.guess_extension(media_type.split(";")[0].strip()) or ".bin"


def _check_dest(inst: Instance, dest: Path) -> Path:
    dest = Path(dest).resolve()
    if dest == inst.home or inst.home in dest.parents:
        raise TransferError(
            "Không được ghi gói chuyển giao vào trong thư mục của kho.",
            f"A transfer bag is never written inside KHO_HOME ({inst.home}).",
        )
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise TransferError(f"{dest} đã có và không trống.", f"{dest} exists and is not empty.")
    return dest


def export_dossier(
    inst: Instance,
    ctx: Context,
    code: str,
    dest: Path,
    recipient_public_key: bytes | None = None,
    plain_approval: str | None = None,
) -> ExportReport:
    """Write dossier ``code`` as a bag at ``dest``: encrypted to the recipient's key, or in clear
    under an administrator's (single-use) approval. Nothing partial is left on failure."""
    dest = _check_dest(inst, dest)
    mode = "encrypted" if recipient_public_key else "plain"
    if recipient_public_key is not None and len(recipient_public_key) != 32:
        raise TransferError("Khóa người nhận không hợp lệ.", "The recipient key is not X25519.")
    who = ctx.principal
    with UnitOfWork(inst, ctx) as uow:
        session = uow.session
        row = queries.dossier_by_code(session, code)
        detail = {"code": code, "mode": mode}
        role = (
            may_export(who, Level.THUONG, who.unit_id, pending=False, filed_by=None)
            if who
            else None
        )
        uow.require(Action.TRANSFER_EXPORT, row.id, role or Decision(False, "nobody"))
        held_back = session.execute(
            select(DossierMember.document_id)
            .join(Document, Document.id == DossierMember.document_id)
            .where(DossierMember.dossier_id == row.id, Document.secrecy_pending.is_(True))
        ).first()
        if held_back is not None:  # a transfer is the whole dossier or nothing
            uow.require(
                Action.TRANSFER_EXPORT,
                row.id,
                Decision(False, "a member's secrecy is pending"),
                "Hồ sơ có văn bản chưa được xác định độ mật: hãy xác định độ mật trước khi "
                "chuyển giao.",
            )
        problem = (
            None if recipient_public_key else approval.problem(session, row.id, plain_approval)
        )
        if problem:
            raise uow.refuse(
                Action.TRANSFER_EXPORT,
                row.id,
                problem,
                Refused(
                    "Chuyển giao không mã hóa cần phê duyệt của quản trị (--approval).",
                    f"Refused: {problem}; use --recipient-key, or --plain --approval REF.",
                ),
                {**detail, "approval": plain_approval},
            )
        dossier_id = row.id
    view, ids = plan.show(inst, ctx, code)
    docs = [gate.admit(inst, ctx, i, Action.EXPORT, detail) for i in ids]
    bag_id = secrets.token_hex(16)
    staging = dest.parent / f".{dest.name}.part-{secrets.token_hex(4)}"
    staging.mkdir(mode=0o700, parents=True)
    report = ExportReport(dest, bag_id, mode)
    try:
        writer = _Writer(staging, bag_id, recipient_public_key)
        listing = [_export_one(inst, writer, doc, n, view) for n, doc in enumerate(docs, 1)]
        writer.put("audit.jsonl", _audit_extract(inst, ids, dossier_id))
        manifest = {
            "format": FORMAT,
            "bag_id": bag_id,
            "mode": mode,
            "dossier": view.as_dict(),
            "documents": listing,
        }
        writer.put("transfer.json", json.dumps(manifest, ensure_ascii=False, indent=1).encode())
        info = {
            "Source-Organization": "Kho",
            "External-Identifier": code,
            "External-Description": f"Kho dossier {code}, {len(docs)} records ({mode})",
            "Kho-Transfer-Format": FORMAT,
            "Kho-Transfer-Id": bag_id,
            "Kho-Transfer-Mode": mode,
        }
        if recipient_public_key:
            info["Kho-Recipient-Key-SHA256"] = fingerprint(recipient_public_key)
        else:
            info["Kho-Approval"] = plain_approval
        with _BAGGING:
            bagit.make_bag(str(staging), info, checksums=["sha256"])
        if dest.exists():
            dest.rmdir()
        staging.rename(dest)
        report.files = writer.count
        report.documents = [
            {"id": d["source_id"], "sha256": d["original"]["sha256"]} for d in listing
        ]
        manifest_sha = hashlib.sha256((dest / "manifest-sha256.txt").read_bytes()).hexdigest()
        with UnitOfWork(inst, ctx) as uow:
            session = uow.session
            uow.audit(
                Action.TRANSFER_EXPORT,
                "done",
                dossier_id,
                {
                    **detail,
                    "ids": ids,
                    "bag": bag_id,
                    "manifest_sha256": manifest_sha,
                    **(
                        {"recipient": fingerprint(recipient_public_key)}
                        if recipient_public_key
                        else {"approval": plain_approval}
                    ),
                },
            )
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if dest.exists() and (dest / "bagit.txt").exists():
            shutil.rmtree(dest, ignore_errors=True)
        raise
    return report


def _export_one(inst: Instance, writer: _Writer, doc: Document, n: int, dossier) -> dict:
    base = f"documents/{n:04d}"
    live = {o.kind for o in doc.objects if o.shredded_at is None}
    files = {}
    for kind in ("original", "access", "text"):
        if kind not in live:
            continue
        obj = reading.object_of(doc, kind)
        ext = ".txt" if kind == "text" else _extension(obj.media_type)
        files[kind] = {
            **writer.put(f"{base}/{kind}{ext}", reading.stream_object(inst, doc, obj)),
            "media_type": obj.media_type,
            "version": obj.version,
        }
    for obj in sorted(
        (o for o in doc.objects if o.kind == "signatures" and o.shredded_at is None),
        key=lambda o: o.version,
    ):  # every signature validation report: the one made at ingest and each re-check
        files[f"signatures_v{obj.version}"] = {
            **writer.put(
                f"{base}/signatures-v{obj.version}.json", reading.stream_object(inst, doc, obj)
            ),
            "media_type": obj.media_type,
            "version": obj.version,
        }
    meta = reading.unseal_meta(inst, doc)
    with inst.sessions() as session:
        unit = session.get(Unit, doc.unit_id).code
        rows = session.execute(
            select(RecordEvent).where(RecordEvent.document_id == doc.id).order_by(RecordEvent.id)
        ).scalars()
        evts = [
            {
                "id": e.id,
                "at": log.stamp(e.at),
                "event": e.event,
                "outcome": e.outcome,
                "detail": e.detail,
                "agent": e.agent,
            }
            for e in rows
        ]
    description = {
        "kind": doc.kind,
        "doc_type": doc.doc_type,
        "level": doc.level,
        "urgency": doc.urgency,
        "date": doc.issued.isoformat() if doc.issued else None,
        "unit": unit,
        "filed_at": log.stamp(doc.filed_at),
        "dossier": dossier.code,
        **{name: meta.get(name) for name in filing.SEALED_FIELDS},
        "signatures": meta.get("signatures"),  # the latest check's summaries
    }
    body = {"source_id": doc.id, "description": description, "files": files}
    files["metadata"] = writer.put(
        f"{base}/metadata.json", json.dumps(body, ensure_ascii=False, indent=1).encode()
    )
    files["dublin_core"] = writer.put(f"{base}/dc.xml", metadata.dublin_core(description, doc))
    files["premis"] = writer.put(f"{base}/premis.xml", metadata.premis(files, evts))
    return {"source_id": doc.id, "dir": base, **files}


def _audit_extract(inst: Instance, ids: list[int], dossier_id: int) -> bytes:
    """Entries about these records and this dossier as JSON lines, each with its own hash and
    the previous entry's, so the recipient can recompute every link
    (security.crypto.audit_chain)."""
    with inst.sessions() as session:
        entries = list(
            session.execute(
                select(AuditEntry)
                .where(
                    or_(
                        AuditEntry.object_id.in_(ids) & AuditEntry.action.in_(ON_RECORDS),
                        (AuditEntry.object_id == dossier_id) & AuditEntry.action.in_(ON_DOSSIERS),
                    )
                )
                .order_by(AuditEntry.seq)
            ).scalars()
        )
        seqs = [e.seq - 1 for e in entries]
        stmt = select(AuditEntry.seq, AuditEntry.hash).where(AuditEntry.seq.in_(seqs))
        previous = {seq: value for seq, value in session.execute(stmt)}
        lines = [
            json.dumps(
                {
                    **log.payload_of(e),
                    "hash": e.hash,
                    "previous_hash": previous.get(e.seq - 1, GENESIS),
                },
                ensure_ascii=False,
            )
            for e in entries
        ]
    return ("\n".join(lines) + "\n").encode() if lines else b""
