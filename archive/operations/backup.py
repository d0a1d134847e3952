"""Backup and restore while Kho runs.

A backup is a folder:
  manifest.json   format, time, counts and the SHA-256 of every file below (no content)
  kho.sqlite3     the database: SQLite's online backup API (a consistent snapshot while others
                  write), or for PostgreSQL every table copied in one REPEATABLE READ snapshot
  blobs/xx/…      the encrypted blobs, copied after the snapshot (they never change once written),
                  from whichever store holds them (a folder, object storage): the same files
  keys.sealed     the keyring sealed under the backup passphrase (Argon2id + AES-256-GCM,
                  security.crypto.keyfile.seal): without the passphrase the rest is ciphertext
The index is not copied: it is derived, and rebuilt after a restore (``kho reindex``).

Restore goes into an empty KHO_HOME (any database URL, any blob store): the key file is written
(0600), the database copied or loaded row by row, the blobs checked against the manifest and
copied into the instance's store. A backup of a local instance restored with ``KHO_BLOBS`` set is
how an archive moves to object storage (and back).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import Engine

from archive.audit import log
from archive.audit.actions import Action
from archive.core import schema, tallies
from archive.core.blobstore import copy_out
from archive.core.instance import Instance
from archive.core.uow import UnitOfWork
from archive.models import Base, Document, User, utcnow
from archive.operations.bootstrap import write_instance_config
from security.actor import Context
from security.crypto import keyfile
from security.errors import KhoError

FORMAT = "kho-backup-1"
BLOBS = "blobs/"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _blob_file(name: str) -> str:
    """Where a blob goes in a backup: as in a local store under KHO_HOME."""
    return f"{BLOBS}{name[:2]}/{name}"


def _empty_dir(path: Path, what: str) -> None:
    if path.exists() and any(path.iterdir()):
        raise KhoError(f"{what} {path} phải trống.", f"{what} {path} must be empty.")
    path.mkdir(parents=True, exist_ok=True, mode=0o700)


def _copy_rows(src: Engine, dst: Engine, snapshot: bool) -> dict[str, int]:
    """Every table of the model, parents first; naive times are UTC (audit stamps stay equal).
    The statistics' tallies are derived: counted again from the copied lines."""
    counts = {}
    with src.connect() as reader, dst.begin() as writer:
        if snapshot:
            reader = reader.execution_options(isolation_level="REPEATABLE READ")
        with reader.begin():
            for table in Base.metadata.sorted_tables:
                writer.execute(table.delete())
            for table in Base.metadata.sorted_tables:
                if table.name in tallies.TABLES:
                    continue  # counted again below: the triggers count the lines as they land
                order = list(table.primary_key.columns)
                rows = [dict(r) for r in reader.execute(table.select().order_by(*order)).mappings()]
                for row in rows:
                    for name, value in row.items():
                        if isinstance(value, datetime) and value.tzinfo is None:
                            row[name] = value.replace(tzinfo=UTC)
                if rows:
                    writer.execute(table.insert(), rows)
                counts[table.name] = len(rows)
        for statement in tallies.fill_sql(dst.dialect.name):
            writer.execute(text(statement))
        if dst.dialect.name == "postgresql":
            _reset_sequences(writer)
    return counts


def _reset_sequences(conn) -> None:
    for table in Base.metadata.sorted_tables:
        pk = list(table.primary_key.columns)
        if len(pk) == 1 and pk[0].autoincrement is not False and pk[0].type.python_type is int:
            seq = conn.execute(
                text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": pk[0].name}
            ).scalar()
            if seq:
                top = conn.execute(select(func.max(pk[0])).select_from(table)).scalar()
                conn.execute(
                    text("SELECT setval(:s, :v, :c)"),
                    {"s": seq, "v": top or 1, "c": top is not None},
                )


def backup(inst: Instance, ctx: Context, dest: Path, passphrase: str) -> dict:
    """Write a consistent backup of a running instance to the empty folder ``dest``."""
    dest = Path(dest)
    _empty_dir(dest, "Thư mục sao lưu / backup folder")
    started = datetime.now(UTC)
    sealed = keyfile.seal(inst.keyring, passphrase)  # refuses a short passphrase first
    db_path = dest / "kho.sqlite3"
    if inst.engine.dialect.name == "sqlite":
        source = sqlite3.connect(inst.engine.url.database)
        target = sqlite3.connect(db_path)
        try:
            with target:
                source.backup(target)
        finally:
            source.close()
            target.close()
    else:
        target_inst = Instance.from_settings(dest / ".schema", f"sqlite:///{db_path}")
        schema.upgrade(target_inst)
        _copy_rows(inst.engine, target_inst.engine, snapshot=True)
        target_inst.dispose()
        shutil.rmtree(dest / ".schema", ignore_errors=True)
    files = {"kho.sqlite3": _sha256(db_path)}
    for name in sorted(inst.blobs.names()):
        rel = _blob_file(name)
        out = dest / rel
        out.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            files[rel] = copy_out(inst.blobs, name, out)
        except FileNotFoundError:
            out.unlink(missing_ok=True)
            continue  # shredded after the snapshot
    keyfile.write_private(dest / "keys.sealed", sealed)
    manifest = {
        "format": FORMAT,
        "created": started.isoformat(),
        "database": inst.engine.dialect.name,
        "files": files,
        "keys": {"file": "keys.sealed", "sha256": hashlib.sha256(sealed).hexdigest()},
    }
    (dest / "manifest.json").write_text(json.dumps(manifest, indent=1))
    with UnitOfWork(inst, ctx) as uow:
        uow.audit(
            Action.BACKUP,
            "done",
            None,
            {"dest": str(dest), "files": len(files)},
        )
    return manifest


def restore(target: Instance, ctx: Context, src: Path, passphrase: str) -> dict:
    """Restore ``src`` into the empty instance ``target``; the index is rebuilt afterwards."""
    src = Path(src)
    try:
        manifest = json.loads((src / "manifest.json").read_text())
    except (OSError, ValueError):
        raise KhoError(f"{src} không phải bản sao lưu.", f"{src} is not a Kho backup.") from None
    if manifest.get("format") != FORMAT:
        raise KhoError("Định dạng sao lưu lạ.", f"Unknown backup format {manifest.get('format')}.")
    ring = keyfile.unseal((src / "keys.sealed").read_bytes(), passphrase, str(src))
    bad = [name for name, digest in manifest["files"].items() if _sha256(src / name) != digest]
    if bad:
        raise KhoError(
            f"Bản sao lưu hỏng ({len(bad)} tệp).", f"Damaged backup: {', '.join(bad[:5])}"
        )
    if target.key_file.exists() or (target.home / "kho.sqlite3").exists():
        raise KhoError(
            f"KHO_HOME {target.home} phải trống.", f"KHO_HOME {target.home} must be empty."
        )
    if not target.blobs.is_empty():
        raise KhoError(
            f"Kho tệp {target.blobs.location} phải trống.",
            f"The blob store {target.blobs.location} must be empty.",
        )
    if (
        target.engine.dialect.name != "sqlite"
        and schema.is_initialized(target)
        and _has_data(target)
    ):
        raise KhoError(
            "Cơ sở dữ liệu đích đã có dữ liệu.", "The target database already holds records."
        )
    target.home.mkdir(parents=True, exist_ok=True, mode=0o700)
    target.adopt_keyring(ring, keyfile.KeySource(target.key_file))
    write_instance_config(target.home, "kho restore")  # new secret: old sessions end
    target.blobs.create()
    for name in manifest["files"]:
        if name.startswith(BLOBS):
            with open(src / name, "rb") as fh:
                target.blobs.put_ciphertext(name.rsplit("/", 1)[1], fh)
    if target.engine.dialect.name == "sqlite" and target.engine.url.database:
        shutil.copyfile(src / "kho.sqlite3", target.engine.url.database)
        counts = {}
    else:
        schema.upgrade(target)
        source = create_engine(f"sqlite:///{src / 'kho.sqlite3'}")
        counts = _copy_rows(source, target.engine, snapshot=False)
        source.dispose()
    schema.upgrade(target)  # a backup of an older version is brought up to date
    with UnitOfWork(target, ctx) as uow:
        uow.audit(
            Action.RESTORE,
            "done",
            None,
            {"from": str(src), "created": manifest["created"], "at": log.stamp(utcnow())},
        )
    return {"files": len(manifest["files"]), "rows": counts, "created": manifest["created"]}


def _has_data(target: Instance) -> bool:
    """Any account or record: a restore never overwrites a database in use."""
    with target.engine.connect() as conn:
        for model in (User, Document):
            if conn.execute(select(func.count()).select_from(model)).scalar():
                return True
    return False
