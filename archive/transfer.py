"""A dossier out of Kho as a BagIt bag, and back in (byte format: docs/transfer-format.md).

A bag leaves the instance's protection, so it is built only from reads through the gate (one
``export`` audit entry per record) and is, by default, encrypted file by file to the recipient
archive's X25519 key: the bag's SHA-256 manifests then cover ciphertexts, and nothing of the
content, description or audit extract is readable without the recipient's private key. A
decrypted bag (for the historical archive) needs an administrator's approval recorded in the
audit log beforehand (``approve_plain``), is single-use, and is refused inside KHO_HOME: it is
plaintext by design, written where the operator asked, never inside the instance.

Import validates the bag with the bagit library first (a changed byte fails), decrypts, checks
every file against the SHA-256 listed in ``transfer.json``, and files the records again with
``records.file_record``: the original's SHA-256 in the new instance equals the one in the bag.
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
import xml.etree.ElementTree as ET  # writing only, never parsing
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import bagit
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import or_, select

from archive import access, accounts, audit, dossiers, events, records
from archive.instance import Instance
from archive.lifecycle_base import require
from archive.lifecycle_models import DossierMember
from archive.models import AuditEntry, Document, RecordEvent, Unit
from security import keyfile
from security.audit import GENESIS
from security.errors import KhoError, Refused
from security.lifecycle_policy import may_approve_plain_transfer
from security.policy import LEVEL_NAMES, Decision, may_export, may_file
from security.stream import IntegrityError, decrypt_bytes, encrypt_stream

FORMAT = "kho-transfer-1"
FILE_MAGIC = b"KHOX\x01"
ENCRYPTED_SUFFIX = ".enc"
HKDF_INFO = b"kho-transfer-1/file-key"
# object_id names a record in these actions (elsewhere it may be a user, a dossier, …), so the
# audit extract is an allow-list: reads through the gate, changes and lifecycle steps.
RECORD_ACTIONS = frozenset(
    {"ingest", "view", "read", "download", "download_original", "preview", "page", "trace"}
    | {"edit", "secrecy_change", "history", "versions", "file_version", "ocr", "export"}
    | {"share", "grant_request", "grant_approve", "grant_refuse", "review_confirm"}
    | {"quarantine_release", "retention", "protection_extend", "register_add", "hold"}
    | {"shred", "dispose"}
)
DOSSIER_ACTIONS = frozenset(
    {"fileplan", "dossier_add", "dossier_remove", "dossier_close", "dossier_view"}
    | {"transfer_approval", "transfer_export"}
)
_BAGGING = threading.Lock()  # bagit.make_bag changes the process's working directory


class TransferError(KhoError):
    code = "transfer"


# -- encryption to a recipient ------------------------------------------------------------------


def _file_key(shared: bytes, ephemeral_public: bytes, recipient_public: bytes) -> bytes:
    hkdf = HKDF(hashes.SHA256(), 32, ephemeral_public + recipient_public, HKDF_INFO)
    return hkdf.derive(shared)


def file_binding(bag_id: str, rel: str) -> bytes:
    """Ties a ciphertext to its bag and its path in ``data/`` (without the suffix)."""
    return f"{FORMAT}/{bag_id}/{rel}".encode()


def seal_to(
    recipient_public: bytes,
    src: BinaryIO,
    dst: BinaryIO,
    binding: bytes,
    ephemeral_private: bytes | None = None,
) -> None:
    """``KHOX|01|ephemeral public key (32)|STREAM``; a fresh ephemeral key per file (the
    ``ephemeral_private`` argument exists for the documented test vector only)."""
    eph = (
        X25519PrivateKey.from_private_bytes(ephemeral_private)
        if ephemeral_private
        else X25519PrivateKey.generate()
    )
    eph_public = eph.public_key().public_bytes_raw()
    shared = eph.exchange(X25519PublicKey.from_public_bytes(recipient_public))
    dst.write(FILE_MAGIC + eph_public)
    encrypt_stream(_file_key(shared, eph_public, recipient_public), src, dst, binding)


def open_sealed(recipient_private: bytes, sealed: bytes, binding: bytes) -> bytes:
    """Decrypt a file of a bag; raises IntegrityError (nothing returned) if anything is off."""
    head = len(FILE_MAGIC)
    if sealed[:head] != FILE_MAGIC or len(sealed) < head + 32:
        raise TransferError("Tệp trong gói không đúng định dạng.", "Not a Kho transfer file.")
    eph_public = sealed[head : head + 32]
    private = X25519PrivateKey.from_private_bytes(recipient_private)
    mine = private.public_key().public_bytes_raw()
    shared = private.exchange(X25519PublicKey.from_public_bytes(eph_public))
    return decrypt_bytes(_file_key(shared, eph_public, mine), sealed[head + 32 :], binding)


def generate_keypair(prefix: Path) -> tuple[Path, Path]:
    """A recipient archive's pair: ``PREFIX.key`` (PKCS#8 PEM, 0600) and ``PREFIX.pub``."""
    private = X25519PrivateKey.generate()
    key_path, pub_path = Path(f"{prefix}.key"), Path(f"{prefix}.pub")
    if key_path.exists() or pub_path.exists():
        raise TransferError(f"{key_path} đã có.", f"{key_path} or {pub_path} exists already.")
    keyfile.write_private(
        key_path,
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )
    pub_path.write_bytes(
        private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return key_path, pub_path


def load_public_key(path: Path) -> bytes:
    try:
        key = serialization.load_pem_public_key(Path(path).read_bytes())
    except ValueError:
        key = None
    if not isinstance(key, X25519PublicKey):
        raise TransferError("Khóa không phải X25519.", f"{path} is not an X25519 public key.")
    return key.public_bytes_raw()


def load_private_key(path: Path) -> bytes:
    path = Path(path)
    if path.stat().st_mode & 0o077:
        raise TransferError(
            f"Tệp khóa {path} có quyền quá rộng: chmod 600.", f"{path} is readable by others."
        )
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError):
        key = None
    if not isinstance(key, X25519PrivateKey):
        raise TransferError("Khóa không phải X25519.", f"{path} is not an X25519 private key.")
    return key.private_bytes_raw()


def fingerprint(public: bytes) -> str:
    return hashlib.sha256(public).hexdigest()


# -- approval of a decrypted transfer -----------------------------------------------------------


def approve_plain(inst: Instance, ctx: audit.Context, code: str, reference: str) -> int:
    """An administrator approves ONE decrypted transfer of a dossier, under a reference
    (the decision's number); the approval is the audit entry itself. Returns its number."""
    reference = " ".join(reference.split())
    if len(reference) < 3:
        raise Refused("Hãy ghi số quyết định phê duyệt.", "Give the approval's reference.")
    with inst.sessions.begin() as session:
        row = dossiers.dossier_by_code(session, code)
        decision = may_approve_plain_transfer(ctx.principal)
        require(session, inst, ctx, "transfer_approval", row.id, decision)
        entry = audit.record(
            session,
            inst.keyring,
            ctx,
            "transfer_approval",
            "approved",
            row.id,
            {"code": code, "reference": reference},
        )
        return entry.seq


def _approval_problem(session, dossier_id: int, reference: str | None) -> str | None:
    """Why ``reference`` does not approve a plain export of this dossier (None: it does)."""
    if not reference:
        return "a decrypted transfer needs an administrator's approval"
    rows = session.execute(
        select(AuditEntry).where(
            AuditEntry.object_id == dossier_id,
            AuditEntry.action.in_(("transfer_approval", "transfer_export")),
        )
    ).scalars()
    approved = used = False
    for entry in rows:
        if entry.detail.get("reference") != reference and entry.detail.get("approval") != reference:
            continue
        if entry.action == "transfer_approval" and entry.outcome == "approved":
            approved = approved or entry.role == "admin"
        if entry.action == "transfer_export" and entry.outcome == "done":
            used = True
    if not approved:
        return "no administrator's approval with this reference for this dossier"
    return "this approval was already used" if used else None


# -- export ------------------------------------------------------------------------------------


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
    ctx: audit.Context,
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
    with inst.sessions() as session:
        row = dossiers.dossier_by_code(session, code)
        detail = {"code": code, "mode": mode}
        role = may_export(who, "thuong", who.unit_id, pending=False, filed_by=None) if who else None
        require(session, inst, ctx, "transfer_export", row.id, role or Decision(False, "nobody"))
        held_back = session.execute(
            select(DossierMember.document_id)
            .join(Document, Document.id == DossierMember.document_id)
            .where(DossierMember.dossier_id == row.id, Document.secrecy_pending.is_(True))
        ).first()
        if held_back is not None:  # a transfer is the whole dossier or nothing
            require(
                session,
                inst,
                ctx,
                "transfer_export",
                row.id,
                Decision(False, "a member's secrecy is pending"),
                "Hồ sơ có văn bản chưa được xác định độ mật: hãy xác định độ mật trước khi "
                "chuyển giao.",
            )
        problem = (
            None if recipient_public_key else _approval_problem(session, row.id, plain_approval)
        )
        if problem:
            audit.record(
                session,
                inst.keyring,
                ctx,
                "transfer_export",
                "denied",
                row.id,
                {**detail, "approval": plain_approval, "reason": problem},
            )
            session.commit()
            raise Refused(
                "Chuyển giao không mã hóa cần phê duyệt của quản trị (--approval).",
                f"Refused: {problem}; use --recipient-key, or --plain --approval REF.",
            )
        dossier_id = row.id
    view, ids = dossiers.show(inst, ctx, code)
    docs = [access._admit(inst, ctx, i, "export", detail) for i in ids]
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
        with inst.sessions.begin() as session:
            audit.record(
                session,
                inst.keyring,
                ctx,
                "transfer_export",
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
        obj = records.object_of(doc, kind)
        ext = ".txt" if kind == "text" else _extension(obj.media_type)
        files[kind] = {
            **writer.put(f"{base}/{kind}{ext}", records.stream_object(inst, doc, obj)),
            "media_type": obj.media_type,
            "version": obj.version,
        }
    for obj in sorted(
        (o for o in doc.objects if o.kind == "signatures" and o.shredded_at is None),
        key=lambda o: o.version,
    ):  # every signature validation report: the one made at ingest and each re-check
        files[f"signatures_v{obj.version}"] = {
            **writer.put(
                f"{base}/signatures-v{obj.version}.json", records.stream_object(inst, doc, obj)
            ),
            "media_type": obj.media_type,
            "version": obj.version,
        }
    meta = records.unseal_meta(inst, doc)
    with inst.sessions() as session:
        unit = session.get(Unit, doc.unit_id).code
        rows = session.execute(
            select(RecordEvent).where(RecordEvent.document_id == doc.id).order_by(RecordEvent.id)
        ).scalars()
        evts = [
            {
                "id": e.id,
                "at": audit.stamp(e.at),
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
        "filed_at": audit.stamp(doc.filed_at),
        "dossier": dossier.code,
        **{name: meta.get(name) for name in records.SEALED_FIELDS},
        "signatures": meta.get("signatures"),  # the latest check's summaries
    }
    body = {"source_id": doc.id, "description": description, "files": files}
    files["metadata"] = writer.put(
        f"{base}/metadata.json", json.dumps(body, ensure_ascii=False, indent=1).encode()
    )
    files["dublin_core"] = writer.put(f"{base}/dc.xml", _dublin_core(description, doc))
    files["premis"] = writer.put(f"{base}/premis.xml", _premis(files, evts))
    return {"source_id": doc.id, "dir": base, **files}


def _audit_extract(inst: Instance, ids: list[int], dossier_id: int) -> bytes:
    """Entries about these records and this dossier as JSON lines, each with its own hash and
    the previous entry's, so the recipient can recompute every link (security.audit)."""
    with inst.sessions() as session:
        entries = list(
            session.execute(
                select(AuditEntry)
                .where(
                    or_(
                        AuditEntry.object_id.in_(ids) & AuditEntry.action.in_(RECORD_ACTIONS),
                        (AuditEntry.object_id == dossier_id)
                        & AuditEntry.action.in_(DOSSIER_ACTIONS),
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
                    **audit.payload_of(e),
                    "hash": e.hash,
                    "previous_hash": previous.get(e.seq - 1, GENESIS),
                },
                ensure_ascii=False,
            )
            for e in entries
        ]
    return ("\n".join(lines) + "\n").encode() if lines else b""


# -- Dublin Core and PREMIS --------------------------------------------------------------------

DC, DCTERMS, PREMIS = (
    "http://purl.org/dc/elements/1.1/",
    "http://purl.org/dc/terms/",
    "http://www.loc.gov/premis/v3",
)


def _xml(root: ET.Element) -> bytes:
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _dublin_core(description: dict, doc: Document) -> bytes:
    """Simple Dublin Core: number → identifier, subject → title, issuer → creator, …"""
    ET.register_namespace("dc", DC)
    ET.register_namespace("dcterms", DCTERMS)
    root = ET.Element("metadata")
    pairs = [
        ("identifier", description.get("number")),
        ("title", description.get("subject")),
        ("creator", description.get("issuer")),
        ("date", description.get("date")),
        ("type", description.get("doc_type")),
        ("coverage", description.get("place")),
        ("language", "vi"),
        ("rights", LEVEL_NAMES.get(doc.level, doc.level)),
        ("relation", description.get("dossier")),
        ("source", f"kho:{doc.id}"),
    ]
    for name, value in pairs:
        if value:
            ET.SubElement(root, f"{{{DC}}}{name}").text = str(value)
    return _xml(root)


def _premis(files: dict, evts: list[dict]) -> bytes:
    """PREMIS 3 objects (fixity, size, format) and the record's events (record_events)."""
    ET.register_namespace("premis", PREMIS)

    def sub(parent: ET.Element, name: str, text: str | None = None) -> ET.Element:
        node = ET.SubElement(parent, f"{{{PREMIS}}}{name}")
        if text is not None:
            node.text = text
        return node

    root = ET.Element(f"{{{PREMIS}}}premis", {"version": "3.0"})
    for kind, item in files.items():
        obj = sub(root, "object")
        ident = sub(obj, "objectIdentifier")
        sub(ident, "objectIdentifierType", "local")
        sub(ident, "objectIdentifierValue", item["path"].removesuffix(ENCRYPTED_SUFFIX))
        chars = sub(obj, "objectCharacteristics")
        fixity = sub(chars, "fixity")
        sub(fixity, "messageDigestAlgorithm", "SHA-256")
        sub(fixity, "messageDigest", item["sha256"])
        sub(chars, "size", str(item["size"]))
        fmt = sub(sub(chars, "format"), "formatDesignation")
        sub(fmt, "formatName", item.get("media_type", kind))
    for e in evts:
        node = sub(root, "event")
        ident = sub(node, "eventIdentifier")
        sub(ident, "eventIdentifierType", "local")
        sub(ident, "eventIdentifierValue", f"kho-event-{e['id']}")
        sub(node, "eventType", e["event"])
        sub(node, "eventDateTime", e["at"])
        sub(sub(node, "eventDetailInformation"), "eventDetail", e["detail"])
        sub(sub(node, "eventOutcomeInformation"), "eventOutcome", e["outcome"])
        agent = sub(node, "linkingAgentIdentifier")
        sub(agent, "linkingAgentIdentifierType", "local")
        sub(agent, "linkingAgentIdentifierValue", e["agent"])
    return _xml(root)


# -- import ------------------------------------------------------------------------------------


@dataclass
class ImportReport:
    bag_id: str
    dossier: str
    mode: str
    documents: list[dict] = field(default_factory=list)  # source_id, id, status, sha256


def _reject(inst: Instance, ctx: audit.Context, reason: str, vi: str, en: str) -> TransferError:
    with inst.sessions.begin() as session:
        audit.record(
            session, inst.keyring, ctx, "transfer_import", "rejected", None, {"reason": reason}
        )
    return TransferError(vi, en)


class _Bag:
    """A validated bag's payload, decrypted when needed and checked against transfer.json."""

    def __init__(self, root: Path, bag_id: str, private: bytes | None) -> None:
        self.root, self.bag_id, self.private = root, bag_id, private

    def read(self, rel: str, expected: dict | None = None) -> bytes:
        name = rel + (ENCRYPTED_SUFFIX if self.private else "")
        raw = (self.root / "data" / name).read_bytes()
        data = (
            open_sealed(self.private, raw, file_binding(self.bag_id, rel)) if self.private else raw
        )
        if expected is not None and hashlib.sha256(data).hexdigest() != expected["sha256"]:
            raise TransferError(f"{rel}: sai mã băm.", f"{rel}: SHA-256 differs from the bag's.")
        return data

    def file(self, entry: dict, kind: str) -> bytes | None:
        item = entry.get(kind)
        if item is None:
            return None
        return self.read(item["path"].removesuffix(ENCRYPTED_SUFFIX), item)


def _open_bag(
    inst: Instance, ctx: audit.Context, bag_dir: Path, private: bytes | None
) -> tuple[_Bag, dict]:
    try:
        bag = bagit.Bag(str(bag_dir))
        bag.validate()
    except bagit.BagError as exc:
        raise _reject(
            inst, ctx, "invalid bag", "Gói BagIt không hợp lệ.", f"Invalid BagIt bag: {exc}"
        ) from None
    info = bag.info
    if info.get("Kho-Transfer-Format") != FORMAT:
        raise _reject(inst, ctx, "format", "Không phải gói của Kho.", "Not a Kho transfer bag.")
    encrypted = info.get("Kho-Transfer-Mode") == "encrypted"
    if encrypted and private is None:
        raise TransferError("Gói đã mã hóa: cần --key.", "The bag is encrypted: give --key.")
    payload = _Bag(Path(bag_dir), info["Kho-Transfer-Id"], private if encrypted else None)
    try:
        manifest = json.loads(payload.read("transfer.json"))
    except (IntegrityError, TransferError, ValueError) as exc:
        raise _reject(
            inst, ctx, "undecryptable", "Không giải mã được gói.", f"Cannot open the bag: {exc}"
        ) from None
    return payload, manifest


def import_bag(
    inst: Instance,
    ctx: audit.Context,
    bag_dir: Path,
    recipient_private_key: bytes | None = None,
    unit_code: str | None = None,
) -> ImportReport:
    """Validate, decrypt, check every checksum, then file each record again (all or nothing
    for validity and policy; a record whose file is already here is reported as duplicate)."""
    payload, manifest = _open_bag(inst, ctx, Path(bag_dir), recipient_private_key)
    who = ctx.principal
    report = ImportReport(manifest["bag_id"], manifest["dossier"]["code"], manifest["mode"])
    entries = manifest["documents"]
    prepared = []
    for entry in entries:  # first pass: decrypt and check everything before filing anything
        try:
            body = json.loads(payload.file(entry, "metadata"))
            for kind in ("original", "access", "text"):
                payload.file(entry, kind)
        except (IntegrityError, TransferError, ValueError) as exc:
            raise _reject(
                inst, ctx, "checksum", "Gói bị thay đổi.", f"The bag was altered: {exc}"
            ) from None
        level = body["description"]["level"]
        decision = may_file(who, level) if who else Decision(False, "nobody")
        if not decision.allowed:
            with inst.sessions() as session:
                require(session, inst, ctx, "transfer_import", None, decision)
        prepared.append((entry, body))
    with inst.sessions() as session:
        unit = (
            accounts.get_or_create_unit(session, unit_code.upper())
            if unit_code
            else session.get(Unit, who.unit_id)
        )
        session.commit()
        session.expunge(unit)
    new_ids = []
    for entry, body in prepared:
        report.documents.append(_file_again(inst, ctx, payload, entry, body, unit, report))
        if report.documents[-1]["status"] == "stored":
            new_ids.append(report.documents[-1]["id"])
    with inst.sessions.begin() as session:
        audit.record(
            session,
            inst.keyring,
            ctx,
            "transfer_import",
            "done",
            None,
            {"bag": report.bag_id, "dossier": report.dossier, "ids": new_ids},
        )
    for doc_id in new_ids:
        events.record_changed.send(inst, doc_id=doc_id)  # the index follows
    return report


def _file_again(inst, ctx, payload: _Bag, entry: dict, body: dict, unit: Unit, report) -> dict:
    original = payload.file(entry, "original")
    sha = hashlib.sha256(original).hexdigest()
    out = {"source_id": entry["source_id"], "sha256": sha}
    content_mac = inst.keyring.content_mac(original)
    with inst.sessions() as session:
        existing = records.find_by_content(session, content_mac)
    if existing is not None:
        return {**out, "id": existing.id, "status": "duplicate"}
    desc = body["description"]
    new = records.NewRecord(
        content=original,
        media_type=entry["original"]["media_type"],
        text=(payload.file(entry, "text") or b"").decode(),
        fields={k: desc.get(k) for k in (*records.SEALED_FIELDS, *_CODED)},
        filename=desc.get("filename") or f"{entry['source_id']}",
        unit=unit,
        access_copy=payload.file(entry, "access"),
        access_media_type=(entry.get("access") or {}).get("media_type"),  # a PDF of a DOCX
        events=(
            {
                "event": "transfer/import",
                "outcome": "success",
                "detail": f"bag {report.bag_id}, dossier {report.dossier}, "
                f"source record {entry['source_id']}",
                "seconds": 0.0,
            },
        ),
        status="quarantined" if desc["level"] == "tuyet_mat" else "active",
    )
    doc = records.file_record(inst, ctx, new, content_mac)
    with inst.sessions() as session:  # the stored original reads back to the bag's checksum
        doc = session.get(Document, doc.id)
        again = records.read_object(inst, doc, records.object_of(doc, "original"))
    if hashlib.sha256(again).hexdigest() != sha:
        raise TransferError("Lưu lại sai mã băm.", f"Record {doc.id} does not read back equal.")
    return {**out, "id": doc.id, "status": new.status if new.status != "active" else "stored"}


_CODED = ("kind", "doc_type", "level", "urgency", "date")
