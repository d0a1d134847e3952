"""Fixity: is every stored object still exactly what was written?

Shallow checks compare each ciphertext's SHA-256 with the one recorded at filing (no key needed,
fast). Deep checks unwrap every data key and authenticate every segment and every sealed
description, which also catches swapped wrapped keys and ciphertexts moved between records.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select

from archive.audit.actions import Action
from archive.core import bindings
from archive.core.instance import Instance
from archive.core.uow import UnitOfWork
from archive.models import Document, StoredObject
from archive.records import reading
from security.actor import Context
from security.crypto.stream import IntegrityError, decrypt_segments


@dataclass(frozen=True)
class Damage:
    document_id: int
    part: str
    blob: str | None
    problem: str

    def __str__(self) -> str:
        where = f" blob {self.blob}" if self.blob else ""
        return f"document {self.document_id}: {self.part}{where}: {self.problem}"


class _Hashing:
    """Hashes what is read through it, so a deep check reads each object once."""

    def __init__(self, src) -> None:
        self.src = src
        self.digest = hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        data = self.src.read(n)
        self.digest.update(data)
        return data

    def drain(self) -> str:
        while self.read(1 << 20):
            pass
        return self.digest.hexdigest()


def check_object(inst: Instance, doc: Document, obj: StoredObject, deep: bool) -> str | None:
    """What is wrong with one object, or None (one read of the object, deep or not)."""
    problem = None
    try:
        with inst.blobs.open(obj.blob) as fh:
            reader = _Hashing(fh)
            if deep:
                binding = bindings.object(doc, obj)
                try:
                    key = inst.keyring.unwrap(obj.kek_version, obj.wrapped_key, binding)
                    for _ in decrypt_segments(key, reader, binding):
                        pass
                except IntegrityError as exc:
                    problem = f"does not authenticate ({exc})"
            digest = reader.drain()
    except FileNotFoundError:
        return "blob is missing"
    if digest != obj.ciphertext_sha256:
        return "ciphertext changed in the store (SHA-256 differs from the one recorded)"
    return problem


def _documents(inst: Instance) -> Iterator[Document]:
    with inst.sessions() as session:
        for doc in session.execute(select(Document).order_by(Document.id)).unique().scalars():
            doc.objects  # noqa: B018 - load before leaving the session
            yield doc


def verify(inst: Instance, ctx: Context, deep: bool = False) -> tuple[int, list[Damage]]:
    """Check every live object (and, deep, every sealed description); record a fixity event."""
    checked, damage = 0, []
    for doc in _documents(inst):
        for obj in doc.objects:
            if obj.shredded_at is not None:
                continue
            checked += 1
            problem = check_object(inst, doc, obj, deep)
            if problem:
                damage.append(Damage(doc.id, obj.kind, obj.blob, problem))
        if deep:
            try:
                reading.unseal_meta(inst, doc)
            except IntegrityError as exc:
                damage.append(Damage(doc.id, "description", None, f"does not authenticate ({exc})"))
    with UnitOfWork(inst, ctx) as uow:
        uow.audit(
            Action.FIXITY,
            "damaged" if damage else "ok",
            None,
            {
                "deep": deep,
                "objects": checked,
                "store": inst.blobs.location,
                "damage": [str(d) for d in damage[:100]],
            },
        )
    return checked, damage
