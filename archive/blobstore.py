"""The encrypted blob store: ciphertexts on disk, named by random ids, written atomically.

Names are random so that a file name tells nothing about its content (a plain hash would let
anyone confirm a guessed document). A blob becomes visible under its final name only after its
bytes and the directory entry are on disk: a crash leaves at most a ``.part`` file, which
``kho check`` lists and removes.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from security.stream import encrypt_stream

PART_SUFFIX = ".part"


@dataclass(frozen=True)
class BlobWritten:
    name: str
    size: int  # plaintext bytes
    ciphertext_sha256: str


class _HashingWriter:
    """Pass-through file wrapper that hashes what is written (fixity without a second read)."""

    def __init__(self, fh: BinaryIO) -> None:
        self.fh = fh
        self.digest = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        return self.fh.write(data)


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
                writer = _HashingWriter(fh)
                size = encrypt_stream(key, src, writer, binding)  # type: ignore[arg-type]
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
