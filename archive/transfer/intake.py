"""A transfer bag back in: validated with the bagit library first (a changed byte fails),
decrypted, every file checked against the SHA-256 listed in ``transfer.json``, then each record
filed again with ``filing.file_record`` (the original's SHA-256 equals the one in the bag)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import bagit

from archive.accounts import accounts
from archive.audit.actions import Action
from archive.core.instance import Instance
from archive.core.uow import UnitOfWork
from archive.models import Document, RecordStatus, Unit, queries
from archive.records import filing, quarantine, reading
from security.actor import Context
from security.crypto.envelope import (
    ENCRYPTED_SUFFIX,
    FORMAT,
    TransferError,
    file_binding,
    open_sealed,
)
from security.crypto.stream import IntegrityError
from security.policy.decision import Decision
from security.policy.records import may_file


@dataclass
class ImportReport:
    bag_id: str
    dossier: str
    mode: str
    documents: list[dict] = field(default_factory=list)  # source_id, id, status, sha256


def _reject(inst: Instance, ctx: Context, reason: str, vi: str, en: str) -> TransferError:
    with UnitOfWork(inst, ctx) as uow:
        uow.audit(Action.TRANSFER_IMPORT, "rejected", None, {"reason": reason})
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
    inst: Instance, ctx: Context, bag_dir: Path, private: bytes | None
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
    ctx: Context,
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
            with UnitOfWork(inst, ctx) as uow:
                uow.require(Action.TRANSFER_IMPORT, None, decision)
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
    with UnitOfWork(inst, ctx) as uow:
        uow.audit(
            Action.TRANSFER_IMPORT,
            "done",
            None,
            {"bag": report.bag_id, "dossier": report.dossier, "ids": new_ids},
        )
    return report


def _file_again(inst, ctx, payload: _Bag, entry: dict, body: dict, unit: Unit, report) -> dict:
    original = payload.file(entry, "original")
    sha = hashlib.sha256(original).hexdigest()
    out = {"source_id": entry["source_id"], "sha256": sha}
    content_mac = inst.keyring.content_mac(original)
    with inst.sessions() as session:
        # An import is the operator's act on a whole bag, not a person's upload: a record with
        # these bytes anywhere in Kho makes the bag's entry a duplicate.
        found = queries.find_by_content(session, content_mac)
    if found:
        return {**out, "id": found[0].id, "status": "duplicate"}
    desc = body["description"]
    new = filing.NewRecord(
        content=original,
        media_type=entry["original"]["media_type"],
        text=(payload.file(entry, "text") or b"").decode(),
        fields={k: desc.get(k) for k in (*filing.SEALED_FIELDS, *_CODED)},
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
        status=(
            RecordStatus.QUARANTINED
            if desc["level"] == quarantine.NOT_DIGITIZED
            else RecordStatus.ACTIVE
        ),
    )
    doc = filing.file_record(inst, ctx, new, content_mac)
    with inst.sessions() as session:  # the stored original reads back to the bag's checksum
        doc = session.get(Document, doc.id)
        again = reading.read_object(inst, doc, reading.object_of(doc, "original"))
    if hashlib.sha256(again).hexdigest() != sha:
        raise TransferError("Lưu lại sai mã băm.", f"Record {doc.id} does not read back equal.")
    return {
        **out,
        "id": doc.id,
        "status": new.status if new.status != RecordStatus.ACTIVE else "stored",
    }


_CODED = ("kind", "doc_type", "level", "urgency", "date")
