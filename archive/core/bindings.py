"""Bindings: the associated data that ties each ciphertext and each wrapped key to the one
thing it belongs to (a record's part and version, a queued upload), so that a ciphertext moved
elsewhere fails to authenticate instead of being read as something else."""

from __future__ import annotations

from archive.models import Document, StoredObject


def record(uid: str, part: str, version: int = 1) -> bytes:
    """A record's part (``original``, ``text``, ``access``, ``meta``, …) at a version."""
    return f"kho/{uid}/{part}/v{version}".encode()


def object(doc: Document, obj: StoredObject) -> bytes:
    return record(doc.uid, obj.kind, obj.version)


def meta(doc: Document) -> bytes:
    return record(doc.uid, "meta")


def job(uid: str, part: str) -> bytes:
    """A queued upload's ciphertexts (``file``, ``name``)."""
    return f"kho/job/{uid}/{part}".encode()


def incident(ref: str) -> bytes:
    """An incident's details in the error log (``kho incident``)."""
    return f"kho/incident/{ref}".encode()
