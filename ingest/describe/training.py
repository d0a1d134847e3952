"""The subject → dossier model, learned from the archive's own confirmed filings.

A filing counts as confirmed when an archivist put the record in a dossier and its description
is no longer waiting for review. Training reads the sealed subjects as a system task (one audit
entry, no person's read), and the model is stored like everything else: sealed under a fresh
data key wrapped by the keyring, written atomically to ``$KHO_HOME/models/series.kho``. A model
that no longer opens (a retired KEK, a damaged file) is ignored until the next ``retrain``.
"""

from __future__ import annotations

import logging
import os
import struct
from pathlib import Path

from sqlalchemy import select

from archive.audit.actions import Action
from archive.core.instance import Instance
from archive.core.uow import UnitOfWork
from archive.models import Document, Dossier, DossierMember, RecordStatus
from archive.records import reading
from ingest.describe.model import BINDING, Model, open_model, retrain, seal_model
from security.actor import Context
from security.crypto.keys import new_data_key
from security.crypto.stream import IntegrityError

log = logging.getLogger(__name__)
MODEL_FILE = Path("models") / "series.kho"
_MAGIC = b"KHOM"


def confirmed_filings(inst: Instance) -> list[tuple[str, str]]:
    """(subject, dossier code) of every active, reviewed record that sits in a dossier."""
    with inst.sessions() as session:
        rows = session.execute(
            select(Document, Dossier.code)
            .join(DossierMember, DossierMember.document_id == Document.id)
            .join(Dossier, Dossier.id == DossierMember.dossier_id)
            .where(Document.status == RecordStatus.ACTIVE, Document.needs_review.is_(False))
        ).all()
        return [(reading.unseal_meta(inst, doc).get("subject") or "", code) for doc, code in rows]


def retrain_and_store(inst: Instance, ctx: Context) -> int | None:
    """Train on the confirmed filings and replace the stored model; the number of examples,
    or None when there is not yet enough to learn from (fewer than two dossiers)."""
    pairs = confirmed_filings(inst)
    model = retrain(pairs)
    with UnitOfWork(inst, ctx) as uow:
        uow.audit(
            Action.MODEL_TRAIN,
            "done" if model else "not_enough",
            None,
            {"examples": len(pairs)},
        )
    if model is None:
        return None
    key = new_data_key()
    version, wrapped = inst.keyring.wrap(key, BINDING)
    body = _MAGIC + struct.pack(">IH", version, len(wrapped)) + wrapped + seal_model(model, key)
    target = inst.home / MODEL_FILE
    target.parent.mkdir(exist_ok=True, mode=0o700)
    tmp = target.with_name(target.name + ".part")
    with open(tmp, "wb") as fh:
        fh.write(body)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(target)
    return len(pairs)


_cache: dict[tuple[str, int], Model | None] = {}


def load(inst: Instance) -> Model | None:
    """The stored model, opened once per version of the file."""
    target = inst.home / MODEL_FILE
    if not target.exists():
        return None
    stamp = (str(target), target.stat().st_mtime_ns)
    if stamp not in _cache:
        _cache.clear()
        _cache[stamp] = _open(inst, target)
    return _cache[stamp]


def _open(inst: Instance, target: Path) -> Model | None:
    raw = target.read_bytes()
    try:
        if raw[:4] != _MAGIC:
            raise IntegrityError("not a Kho model file")
        version, size = struct.unpack(">IH", raw[4:10])
        key = inst.keyring.unwrap(version, raw[10 : 10 + size], BINDING)
        return open_model(raw[10 + size :], key)
    except (IntegrityError, struct.error, ValueError):
        log.warning("the stored filing model does not open; run `kho classify retrain`")
        return None
