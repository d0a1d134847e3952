"""Snapshots of a node's search index in the blob store (object storage in a cluster), so a new
or wiped node restores the latest one and applies only the change log after it, instead of
reading and decrypting every record again.

A snapshot is the index folder as it stands at a position of the change log: its files, each
already sealed under the index key (``search.index.storage``), and its sealed position, packed
in a tar stream that is sealed again as a whole on its way into the store (``BlobStore.put``:
STREAM under a fresh data key, memory bounded whatever the index's size). The data key is kept
in the ``index_snapshots`` row sealed under the index key as an index file is
(``security.crypto.wrapped``), so the store and the database together still hold nothing
readable without the key file; every node has the same key file, so any node restores any
node's snapshot.

Publishing never holds up the node's follower for the upload: under the node's apply lock the
index files are hard-linked into a staging folder beside the index (the files never change once
written, so the links are a consistent copy of one generation and its position); the lock is
released and the staging folder is packed and uploaded; the row is committed after the blob
(blob first, row second: a crash leaves an orphan blob that ``kho check`` removes). Older
snapshots beyond ``KEEP`` are removed, row first, then blob.

Restoring (called by ``search.follower`` under the apply lock when the index does not follow
the log) unpacks the latest snapshot of this log into a folder beside the index, checks that its
position opens and matches the row and that the index opens, then swaps it in. Anything wrong
(no snapshot, a missing or altered blob, another key) is logged and answered ``None``: the
follower then rebuilds from the records as before. Never silently wrong: a snapshot that does
not authenticate is never used.
"""

from __future__ import annotations

import io
import logging
import os
import secrets
import shutil
import socket
import tarfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, select

from archive.core import changelog
from archive.core.instance import Instance
from archive.models import IndexSnapshot, aware, utcnow
from search.index import position, store
from search.index.position import Position
from security.crypto.keys import new_data_key
from security.crypto.stream import decrypt_segments
from security.crypto.wrapped import seal, unseal

log = logging.getLogger(__name__)
KEEP = 2  # snapshots kept; older ones are removed when a new one is published
PRUNE_AFTER_SECONDS = 600.0  # but none younger than this: a node may be restoring it
# A node publishes when the log has moved this many changes past the latest snapshot, or when
# it has moved at all and the latest snapshot is this old (``due``).
EVERY_CHANGES = int(os.environ.get("KHO_INDEX_SNAPSHOT_CHANGES", "2000"))
EVERY_SECONDS = float(os.environ.get("KHO_INDEX_SNAPSHOT_SECONDS", "3600"))
_PIPE_CHUNK = 1 << 20


def enabled(inst: Instance) -> bool:
    """Whether the Follower publishes snapshots: ``KHO_INDEX_SNAPSHOTS=1`` or ``0``; by default
    when the blobs are on object storage (a cluster: nodes come and go), not on a single
    machine's disk, where a snapshot would only double the index's footprint."""
    chosen = os.environ.get("KHO_INDEX_SNAPSHOTS", "").strip()
    if chosen:
        return chosen not in ("0", "no", "false")
    return (inst.blobs_location or "").startswith("s3://")


def binding(uid: str) -> bytes:
    return f"kho/index-snapshot/{uid}".encode()


@dataclass(frozen=True)
class Published:
    uid: str
    seq: int
    size: int
    files: int


def node_name() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}"


# -- publishing ---------------------------------------------------------------------------


def stage(inst: Instance) -> tuple[Path, Position] | None:
    """Hard-link the index's files and position into a staging folder beside the index; call
    it under the node's apply lock. ``None`` when the index has no position (nothing to
    publish)."""
    key = inst.keyring.index_key
    pos = position.read(inst.index_dir, key)
    if pos is None:
        return None
    staging = inst.index_dir.with_name(f"{inst.index_dir.name}.snap-{secrets.token_hex(4)}")
    staging.mkdir(mode=0o700)
    try:
        for entry in os.scandir(inst.index_dir):
            if entry.is_file() and not entry.name.endswith((".part", ".lock")):
                os.link(entry.path, staging / entry.name)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return staging, pos


class _PipeReader(io.RawIOBase):
    """The read end of an OS pipe as a file for ``BlobStore.put``; a writer thread packs."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = os.read(self.fd, len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        """Closing the read end stops the packer (a broken pipe) if the upload failed."""
        if not self.closed:
            os.close(self.fd)
        super().close()


def _pack_into(staging: Path, fd: int, failure: list) -> None:
    try:
        with (
            os.fdopen(fd, "wb", buffering=_PIPE_CHUNK) as out,
            tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as tar,
        ):
            for path in sorted(staging.iterdir()):
                info = tar.gettarinfo(str(path), arcname=path.name)
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                info.mtime = 0
                with open(path, "rb") as fh:
                    tar.addfile(info, fh)
    except BaseException as exc:  # reported by upload(); the reader sees the pipe close
        failure.append(exc)


def upload(inst: Instance, staging: Path, pos: Position) -> Published:
    """Pack ``staging`` into a sealed blob, commit its row, prune old snapshots; the staging
    folder is removed whatever happens."""
    uid = secrets.token_hex(16)
    data_key = new_data_key()
    try:
        read_fd, write_fd = os.pipe()
        failure: list = []
        packer = threading.Thread(target=_pack_into, args=(staging, write_fd, failure))
        packer.start()
        try:
            with io.BufferedReader(_PipeReader(read_fd), _PIPE_CHUNK) as src:
                written = inst.blobs.put(data_key, src, binding(uid))
        finally:
            packer.join()  # the read end is closed: a packer still writing stops
        if failure:
            inst.blobs.delete(written.name)
            raise failure[0]
        files = sum(1 for _ in staging.iterdir())
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    try:
        with inst.sessions.begin() as session:
            session.add(
                IndexSnapshot(
                    uid=uid,
                    blob=written.name,
                    sealed_key=seal(inst.keyring.index_key, data_key),
                    seq=pos.seq,
                    log_id=pos.log_id,
                    size=written.size,
                    node=node_name(),
                )
            )
    except BaseException:
        inst.blobs.delete(written.name)
        raise
    prune(inst)
    return Published(uid, pos.seq, written.size, files)


def prune(inst: Instance, keep: int = KEEP, spare_seconds: float = PRUNE_AFTER_SECONDS) -> int:
    """Remove all but the ``keep`` latest snapshots, sparing any younger than
    ``spare_seconds`` (another node may be restoring it right now): rows first, then their
    blobs (a crash in between leaves orphan blobs for ``kho check``)."""
    with inst.sessions.begin() as session:
        rows = session.execute(
            select(IndexSnapshot).order_by(IndexSnapshot.seq.desc(), IndexSnapshot.id.desc())
        ).scalars()
        now = utcnow()
        old = [
            row
            for row in list(rows)[keep:]
            if (now - aware(row.created_at)).total_seconds() >= spare_seconds
        ]
        blobs = [row.blob for row in old]
        if old:
            session.execute(delete(IndexSnapshot).where(IndexSnapshot.id.in_([r.id for r in old])))
    for name in blobs:
        inst.blobs.delete(name)
    return len(blobs)


def latest(inst: Instance, head: changelog.Head) -> IndexSnapshot | None:
    """The newest snapshot of this log at or before its head."""
    with inst.sessions() as session:
        return session.execute(
            select(IndexSnapshot)
            .where(IndexSnapshot.log_id == head.log_id, IndexSnapshot.seq <= head.seq)
            .order_by(IndexSnapshot.seq.desc(), IndexSnapshot.id.desc())
            .limit(1)
        ).scalar_one_or_none()


def due(inst: Instance, pos: Position | None) -> bool:
    """Whether this node should publish its index at ``pos`` now: no snapshot of this log yet,
    or the log moved ``EVERY_CHANGES`` past the latest, or moved at all and it is older than
    ``EVERY_SECONDS``. Another node may publish at the same moment: two snapshots, harmless."""
    if pos is None or pos.seq == 0:
        return False
    newest = latest(inst, changelog.Head(pos.seq, pos.log_id))
    if newest is None:
        return True
    if pos.seq - newest.seq >= EVERY_CHANGES:
        return True
    age = (utcnow() - aware(newest.created_at)).total_seconds()
    return pos.seq > newest.seq and age >= EVERY_SECONDS


# -- restoring ----------------------------------------------------------------------------


class _Plain(io.RawIOBase):
    """Authenticated plaintext segments as a stream for ``tarfile`` (read in order once)."""

    def __init__(self, segments: Iterator[bytes]) -> None:
        self.segments, self.buffer = segments, b""

    def readable(self) -> bool:
        return True

    def readinto(self, out) -> int:
        while not self.buffer:
            chunk = next(self.segments, None)
            if chunk is None:
                return 0
            self.buffer = chunk
        n = min(len(out), len(self.buffer))
        out[:n] = self.buffer[:n]
        self.buffer = self.buffer[n:]
        return n


def _unpack(src, into: Path) -> int:
    count = 0
    with tarfile.open(fileobj=src, mode="r|") as tar:
        for member in tar:
            name = member.name
            if not member.isfile() or "/" in name or name.startswith("."):
                raise ValueError(f"unexpected member {name!r} in an index snapshot")
            with tar.extractfile(member) as fh, open(into / name, "xb") as out:
                shutil.copyfileobj(fh, out, _PIPE_CHUNK)
                out.flush()
                os.fsync(out.fileno())
            count += 1
    return count


def restore(inst: Instance, head: changelog.Head) -> Position | None:
    """Put the latest snapshot of this log in place of the index (call it under the node's
    apply lock); returns its position, or ``None`` when there is none that opens."""
    row = latest(inst, head)
    if row is None:
        return None
    clear_leftovers(inst)
    key = inst.keyring.index_key
    fresh = inst.index_dir.with_name(f"{inst.index_dir.name}.restore-{secrets.token_hex(4)}")
    began = time.monotonic()
    try:
        fresh.mkdir(mode=0o700, parents=True)
        data_key = unseal(key, row.sealed_key)
        with inst.blobs.open(row.blob) as sealed:
            plain = io.BufferedReader(_Plain(decrypt_segments(data_key, sealed, binding(row.uid))))
            files = _unpack(plain, fresh)
        pos = position.read(fresh, key)
        if pos != Position(row.seq, row.log_id):
            raise ValueError(f"snapshot position {pos} differs from its row ({row.seq})")
        store.open_index(fresh, key).doc_count()  # its table of contents and segments open
    except Exception:
        shutil.rmtree(fresh, ignore_errors=True)
        log.exception("index snapshot %s (change %s) could not be restored", row.uid, row.seq)
        return None
    old = inst.index_dir.with_name(inst.index_dir.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if inst.index_dir.exists():
        inst.index_dir.rename(old)
    fresh.rename(inst.index_dir)
    shutil.rmtree(old, ignore_errors=True)
    log.warning(
        "index restored from snapshot %s at change %s (%s files, %.1f s); applying the log",
        row.uid,
        row.seq,
        files,
        time.monotonic() - began,
    )
    return pos


def clear_leftovers(inst: Instance, older_than: float = 3600.0) -> None:
    """Staging and restore folders a killed process left beside the index (hard links and
    ciphertexts only); a staging folder younger than ``older_than`` may be an upload going on
    in another process of this node, which runs outside the apply lock."""
    name = inst.index_dir.name
    for path in inst.index_dir.parent.glob(f"{name}.restore-*"):
        shutil.rmtree(path, ignore_errors=True)
    for path in inst.index_dir.parent.glob(f"{name}.snap-*"):
        try:
            old = time.time() - path.stat().st_mtime > older_than
        except FileNotFoundError:
            continue
        if old:
            shutil.rmtree(path, ignore_errors=True)
