"""The encrypted blob store: its interface, the local directory behind it, and the choice of one.

A blob is a STREAM ciphertext (security.crypto.stream) named by a random id. Names are random so
that a name tells nothing about its content (a plain hash would let anyone confirm a guessed
document).
Stores only ever see ciphertexts and never keys: ``put`` encrypts on the way in, readers decrypt
what ``open`` returns. A blob becomes visible under its name only when all its bytes are durable;
a crash leaves at most a partial write, which ``kho check`` lists and removes.

Two stores implement :class:`BlobStore`: :class:`LocalBlobStore`, a directory (the embedded
default, ``$KHO_HOME/blobs``), and ``archive.core.s3store.S3BlobStore``, a bucket of any
S3-compatible object storage. ``archive.core.instance.open_store`` picks one from the
configuration (``KHO_BLOBS``).
"""

from __future__ import annotations

import hashlib
import io
import os
import queue
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from security.crypto.stream import encrypt_stream

PART_SUFFIX = ".part"
BLOB_NAME = re.compile(r"[0-9a-f]{32}")
COPY_CHUNK = 1 << 20
PUTS_AT_ONCE = 4  # blobs of one record written side by side (``BlobStore.put_all``)
# Threads writing blobs for ``put_all``, shared by every caller of the process: enough for the
# blobs of a few records filed at once (a batch's threads) to sync side by side.
PUT_THREADS = 12
_put_pool: ThreadPoolExecutor | None = None
_put_pool_lock = threading.Lock()


def _puts() -> ThreadPoolExecutor:
    """The process's pool of blob writers, made on first use. A pool per call cost a record
    the start of three threads (each ``Thread.start`` waits for the new thread to take the
    GIL: milliseconds while a batch's threads keep it busy, issue 20). Its threads are
    idle between records and end with the process (``concurrent.futures`` joins them at
    exit); a forked child makes its own (the parent's threads do not exist there)."""
    global _put_pool
    with _put_pool_lock:
        if _put_pool is None:
            _put_pool = ThreadPoolExecutor(PUT_THREADS, "kho-blob-put")
        return _put_pool


def _forget_put_pool() -> None:
    global _put_pool, _put_pool_lock
    _put_pool, _put_pool_lock = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_put_pool)


@dataclass(frozen=True)
class BlobWritten:
    name: str
    size: int  # plaintext bytes (for a copied ciphertext: ciphertext bytes)
    ciphertext_sha256: str


@dataclass(frozen=True)
class Partial:
    """An interrupted write: a ``.part`` file, or an S3 multipart upload never completed."""

    label: str  # what ``kho check`` prints
    modified: float  # seconds since the epoch, on the store's clock
    handle: object  # what the store needs to discard it


def check_name(name: str) -> str:
    if not BLOB_NAME.fullmatch(name):
        raise ValueError(f"invalid blob name {name!r}")
    return name


def new_name() -> str:
    return secrets.token_hex(16)


class BlobStore(Protocol):
    """What the archive needs of a blob store; every method is safe to call from many threads.

    ``put`` returns only once the blob is durable and complete under its name, so the row that
    refers to it can be committed next (blob first, row second). ``open`` raises
    FileNotFoundError for a blob that is not there, whatever the store. Implementations
    subclass this to inherit ``sha256``, ``names`` and ``is_empty``, built on the others.
    """

    location: str  # where the blobs are, for people: a folder, or s3://bucket/prefix

    def create(self) -> None:
        """Make the store ready (the folder, the bucket); a clear error if it cannot be."""

    def _write(self, name: str, fill: Callable[[HashingSink], int]) -> BlobWritten:
        """Write what ``fill`` puts into the sink as blob ``name``, visible only once complete
        and durable (each store's own way: a renamed file, a completed multipart upload)."""

    def put(self, key: bytes, src: BinaryIO, binding: bytes) -> BlobWritten:
        """Encrypt ``src`` under ``key`` into a new blob, with memory bounded whatever its size."""
        return self._write(new_name(), lambda w: encrypt_stream(key, src, w, binding))  # type: ignore[arg-type]

    def put_all(self, items: Sequence[tuple[bytes, bytes, bytes]]) -> list[BlobWritten]:
        """Encrypt several objects held in memory, ``(key, data, binding)``, into new blobs
        written side by side; all durable when this returns, or none kept (those written are
        removed, the first error raised). A record's original, text and access copy are small:
        their cost is the disk's syncs, and syncs made at the same time share the file system's
        journal commit (three files synced side by side took a fraction of three in a row);
        object storage uploads them in parallel."""
        if len(items) < 2:
            return [self.put(key, io.BytesIO(data), binding) for key, data, binding in items]
        pool = _puts()
        futures = []
        for start in range(0, len(items), PUTS_AT_ONCE):
            futures += [
                pool.submit(self.put, key, io.BytesIO(data), binding)
                for key, data, binding in items[start : start + PUTS_AT_ONCE]
            ]
            wait(futures)
        written, errors = [], []
        for future in futures:
            try:
                written.append(future.result())
            except BaseException as exc:  # the first is raised below, once all are done
                errors.append(exc)
        if errors:
            for blob in written:
                self.delete(blob.name)
            raise errors[0]
        return written

    def put_ciphertext(self, name: str, src: BinaryIO) -> BlobWritten:
        """Store an existing ciphertext verbatim under its name (restoring a backup)."""
        return self._write(check_name(name), lambda w: copy_into(src, w))

    def open(self, name: str) -> BinaryIO:
        """The ciphertext, as a stream to read in order."""

    def read(self, name: str) -> bytes:
        """The whole ciphertext in memory (a small object: a text, a description)."""
        with self.open(name) as fh:
            return fh.read()

    def exists(self, name: str) -> bool: ...

    def delete(self, name: str) -> None:
        """Remove a blob; removing one that is not there is not an error."""

    def sha256(self, name: str) -> str:
        """SHA-256 of the ciphertext as stored (fixity without keys)."""
        with self.open(name) as fh:
            return ciphertext_sha256(fh)

    def names(self) -> Iterator[str]:
        """Every complete blob's name."""
        return (name for name, _modified in self.listing())

    def listing(self) -> Iterator[tuple[str, float]]:
        """Every complete blob with the time it was written, on the store's clock."""

    def partial_writes(self) -> Iterator[Partial]: ...

    def discard(self, partial: Partial) -> None: ...

    def clock(self) -> float:
        """The store's current time, against which ``listing`` times are compared."""

    def is_empty(self) -> bool:
        """No blob and no partial write (a restore only goes into an empty store)."""
        return next(self.listing(), None) is None and next(self.partial_writes(), None) is None


def ciphertext_sha256(src: BinaryIO) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: src.read(COPY_CHUNK), b""):
        digest.update(chunk)
    return digest.hexdigest()


class HashingSink:
    """Feeds ciphertext to ``sink`` in a second thread while the next segment is encrypted.

    Encryption, SHA-256 and the disk each run near 0.6–1.7 GiB/s here; overlapping the sink (the
    disk, or uploads to object storage) and the hash with encryption keeps large files near the
    speed of the slowest. hashlib, file writes and sockets release the GIL. The queue holds at
    most a few segments, so memory stays bounded.

    The first ``INLINE_BYTES`` are hashed and written in the caller's thread, and the second
    thread is started only for what comes after: most blobs (a record's original, text and
    access copy) are one segment, with nothing to overlap, and starting a thread for each cost a
    record milliseconds in a busy batch (``Thread.start`` waits until the new thread gets the
    GIL; issue 20).
    """

    INLINE_BYTES = 2 << 20  # a 1 MiB segment with its header and tag, and then some

    def __init__(self, sink: Callable[[bytes], object], depth: int = 4) -> None:
        self.sink = sink
        self.digest = hashlib.sha256()
        self._depth = depth
        self._inline = 0
        self._queue: queue.Queue[bytes | None] | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def _drain(self) -> None:
        assert self._queue is not None
        while (chunk := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self.digest.update(chunk)
                    self.sink(chunk)
                except BaseException as exc:  # reported to the producer in close()
                    self._error = exc

    def write(self, data: bytes) -> int:
        if self._error is not None:
            raise self._error
        if self._queue is None and self._inline + len(data) <= self.INLINE_BYTES:
            self._inline += len(data)
            self.digest.update(data)
            self.sink(data)
            return len(data)
        if self._queue is None:  # a large blob: from here on, the sink overlaps encryption
            self._queue = queue.Queue(maxsize=self._depth)
            self._thread = threading.Thread(target=self._drain, daemon=True)
            self._thread.start()
        self._queue.put(data)
        return len(data)

    def close(self) -> None:
        if self._thread is not None:  # a large blob: its sink thread ends after the queue
            assert self._queue is not None
            self._queue.put(None)
            self._thread.join()
        if self._error is not None:
            raise self._error


def copy_into(src: BinaryIO, dst: HashingSink) -> int:
    """Feed an existing ciphertext through a sink (restoring a backup); returns its length."""
    total = 0
    for chunk in iter(lambda: src.read(COPY_CHUNK), b""):
        total += dst.write(chunk)
    return total


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


READ_AT_ONCE = 1 << 20  # bytes asked of one read() of a whole blob


class LocalBlobStore(BlobStore):
    """Blobs in a directory: ``xx/<32 hex>``, written to ``.part``, fsynced, renamed."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.location = str(self.root)

    def create(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)

    def path(self, name: str) -> Path:
        return self.root / check_name(name)[:2] / name

    def _write(self, name: str, fill: Callable[[HashingSink], int]) -> BlobWritten:
        final = self.path(name)
        final.parent.mkdir(exist_ok=True, mode=0o700)
        part = final.with_name(name + PART_SUFFIX)
        try:
            with open(part, "xb") as fh:
                writer = HashingSink(fh.write)
                try:
                    size = fill(writer)
                finally:
                    writer.close()
                fh.flush()
                os.fsync(fh.fileno())
            os.rename(part, final)
            _fsync_dir(final.parent)
        except BaseException:
            part.unlink(missing_ok=True)
            raise
        return BlobWritten(name, size, writer.digest.hexdigest())

    def open(self, name: str) -> BinaryIO:
        return open(self.path(name), "rb")

    def read(self, name: str) -> bytes:
        """Four system calls (open, read, read to the end, close) where a buffered file makes
        eight: a search page reads twenty texts, and in a loaded web worker every system call
        gives up the interpreter's lock and waits to get it back."""
        fd = os.open(self.path(name), os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        try:
            parts = []
            while chunk := os.read(fd, READ_AT_ONCE):
                parts.append(chunk)
            return b"".join(parts)
        finally:
            os.close(fd)

    def exists(self, name: str) -> bool:
        return self.path(name).is_file()

    def delete(self, name: str) -> None:
        self.path(name).unlink(missing_ok=True)

    def listing(self) -> Iterator[tuple[str, float]]:
        for sub in sorted(p for p in self.root.glob("??") if p.is_dir()):
            for entry in sorted(sub.iterdir()):
                if BLOB_NAME.fullmatch(entry.name):
                    try:
                        yield entry.name, entry.stat().st_mtime
                    except FileNotFoundError:  # deleted meanwhile
                        continue

    def partial_writes(self) -> Iterator[Partial]:
        for path in sorted(self.root.glob(f"??/*{PART_SUFFIX}")):
            try:
                modified = path.stat().st_mtime
            except FileNotFoundError:  # completed or removed meanwhile
                continue
            yield Partial(str(path.relative_to(self.root)), modified, path)

    def discard(self, partial: Partial) -> None:
        Path(partial.handle).unlink(missing_ok=True)

    def clock(self) -> float:
        return time.time()


def copy_out(store: BlobStore, name: str, dest: Path) -> str:
    """Copy a blob's ciphertext to a file (backups); returns its SHA-256."""
    digest = hashlib.sha256()
    with store.open(name) as src, open(dest, "xb") as out:
        for chunk in iter(lambda: src.read(COPY_CHUNK), b""):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()
