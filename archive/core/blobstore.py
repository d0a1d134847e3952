"""The encrypted blob store: ciphertexts on disk, named by random ids, written atomically.

Names are random so that a file name tells nothing about its content (a plain hash would let
anyone confirm a guessed document). A blob becomes visible under its final name only after its
bytes and the directory entry are on disk: a crash leaves at most a ``.part`` file, which
``kho check`` lists and removes.
"""

from __future__ import annotations

import hashlib
import os
import queue
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from security.crypto.stream import encrypt_stream

PART_SUFFIX = ".part"


@dataclass(frozen=True)
class BlobWritten:
    name: str
    size: int  # plaintext bytes
    ciphertext_sha256: str


class _BackgroundWriter:
    """Hashes and writes ciphertext segments in a second thread while the next one is encrypted.

    Encryption, SHA-256 and the disk each run near 0.6–1.7 GiB/s here; overlapping the disk and
    the hash with encryption is what keeps large files above the store's throughput target.
    hashlib and file writes release the GIL. The queue holds at most a few segments, so memory
    stays bounded.
    """

    def __init__(self, fh: BinaryIO, depth: int = 4) -> None:
        self.fh = fh
        self.digest = hashlib.sha256()
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        while (chunk := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self.digest.update(chunk)
                    self.fh.write(chunk)
                except BaseException as exc:  # reported to the producer in close()
                    self._error = exc

    def write(self, data: bytes) -> int:
        if self._error is not None:
            raise self._error
        self._queue.put(data)
        return len(data)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def create(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)

    def path(self, name: str) -> Path:
        if len(name) != 32 or not all(c in "0123456789abcdef" for c in name):
            raise ValueError(f"invalid blob name {name!r}")
        return self.root / name[:2] / name

    def put(self, key: bytes, src: BinaryIO, binding: bytes) -> BlobWritten:
        """Encrypt ``src`` under ``key`` into a new blob; durable when this returns."""
        name = secrets.token_hex(16)
        final = self.path(name)
        final.parent.mkdir(exist_ok=True, mode=0o700)
        part = final.with_name(name + PART_SUFFIX)
        try:
            with open(part, "xb") as fh:
                writer = _BackgroundWriter(fh)
                try:
                    size = encrypt_stream(key, src, writer, binding)  # type: ignore[arg-type]
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

    def delete(self, name: str) -> None:
        self.path(name).unlink(missing_ok=True)

    def sha256(self, name: str) -> str:
        digest = hashlib.sha256()
        with self.open(name) as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        return digest.hexdigest()

    def names(self) -> Iterator[str]:
        """Every complete blob on disk (for ``kho check``)."""
        for sub in sorted(self.root.glob("??")):
            for entry in sorted(sub.iterdir()):
                if not entry.name.endswith(PART_SUFFIX):
                    yield entry.name

    def leftovers(self) -> Iterator[Path]:
        """Partial writes interrupted by a crash."""
        yield from sorted(self.root.glob(f"??/*{PART_SUFFIX}"))
