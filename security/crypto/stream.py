"""Streaming authenticated encryption of whole objects (documents, texts, index files).

The construction is STREAM (Hoang, Reyhanitabar, Rogaway, Vizár 2015) as used by age, with
AES-256-GCM instead of ChaCha20-Poly1305: the plaintext is cut into fixed-size segments and
segment *i* is sealed under the nonce ``i`` (11 bytes, big-endian) followed by a flag byte that is
1 only on the last segment. Reordering, dropping, truncating or appending segments therefore
fails authentication. Every object has a fresh random data key, so nonces never repeat under a key.

The associated data of every segment is the header followed by the caller's *binding* (which
record, which object kind, which version), so a ciphertext moved to another object fails too.
The byte format is described in ``docs/storage-format.md``.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from security.errors import KhoError

MAGIC = b"KHOS"
FORMAT_VERSION = 1
DEFAULT_SEGMENT_SIZE = 1024 * 1024
TAG_SIZE = 16
_HEADER = struct.Struct(">4sBI")  # magic, format version, segment size
HEADER_SIZE = _HEADER.size


class IntegrityError(KhoError):
    """A ciphertext failed authentication: it was altered, truncated, moved or the key is wrong."""

    code = "integrity"

    def __init__(self, detail: str) -> None:
        super().__init__(
            f"Dữ liệu lưu trữ không xác thực được ({detail}): báo quản trị khôi phục bản sao.",
            f"Stored data failed authentication ({detail}): restore it from backup.",
        )


def _nonce(index: int, last: bool) -> bytes:
    if index >= 1 << 88:
        raise OverflowError("too many segments")
    return index.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def _header(segment_size: int) -> bytes:
    return _HEADER.pack(MAGIC, FORMAT_VERSION, segment_size)


def _parse_header(raw: bytes) -> int:
    if len(raw) != HEADER_SIZE:
        raise IntegrityError("ciphertext shorter than its header")
    magic, version, segment_size = _HEADER.unpack(raw)
    if magic != MAGIC or version != FORMAT_VERSION or not 1024 <= segment_size <= 1 << 24:
        raise IntegrityError("not a Kho ciphertext or unknown format version")
    return segment_size


def _read_full(src: BinaryIO, size: int) -> bytes:
    """Read exactly ``size`` bytes unless the stream ends first (pipes return short reads)."""
    parts = []
    while size > 0:
        chunk = src.read(size)
        if not chunk:
            break
        parts.append(chunk)
        size -= len(chunk)
    return b"".join(parts)


def encrypt_stream(
    key: bytes,
    src: BinaryIO,
    dst: BinaryIO,
    binding: bytes,
    segment_size: int = DEFAULT_SEGMENT_SIZE,
) -> int:
    """Encrypt ``src`` into ``dst`` segment by segment; returns the plaintext length.

    Memory stays at about two segments whatever the size of the input: one segment is read ahead
    so that the last one can be flagged.
    """
    aead = AESGCM(key)
    header = _header(segment_size)
    aad = header + binding
    dst.write(header)
    total = 0
    index = 0
    current = _read_full(src, segment_size)
    while True:
        following = _read_full(src, segment_size) if len(current) == segment_size else b""
        last = not following
        dst.write(aead.encrypt(_nonce(index, last), current, aad))
        total += len(current)
        if last:
            return total
        current = following
        index += 1


def decrypt_segments(key: bytes, src: BinaryIO, binding: bytes) -> Iterator[bytes]:
    """Yield authenticated plaintext segments of ``src``.

    A consumer that must not act on partial plaintext (a download, a file written for a user)
    collects everything before releasing it: :func:`decrypt_bytes` and
    :func:`decrypt_to_file` do exactly that.
    """
    aead = AESGCM(key)
    header = _read_full(src, HEADER_SIZE)
    segment_size = _parse_header(header)
    aad = header + binding
    sealed_size = segment_size + TAG_SIZE
    index = 0
    current = _read_full(src, sealed_size)
    while True:
        following = _read_full(src, sealed_size) if len(current) == sealed_size else b""
        last = not following
        if len(current) < TAG_SIZE:
            raise IntegrityError("ciphertext truncated")
        try:
            yield aead.decrypt(_nonce(index, last), current, aad)
        except InvalidTag:
            raise IntegrityError(f"segment {index} failed authentication") from None
        if last:
            return
        current = following
        index += 1


def encrypt_bytes(
    key: bytes, plaintext: bytes, binding: bytes, segment_size: int = DEFAULT_SEGMENT_SIZE
) -> bytes:
    out = io.BytesIO()
    encrypt_stream(key, io.BytesIO(plaintext), out, binding, segment_size)
    return out.getvalue()


def decrypt_bytes(key: bytes, ciphertext: bytes | BinaryIO, binding: bytes) -> bytes:
    """Decrypt a whole object into memory; raises before returning anything if any part fails."""
    src = io.BytesIO(ciphertext) if isinstance(ciphertext, (bytes, bytearray)) else ciphertext
    return b"".join(decrypt_segments(key, src, binding))


class SegmentCipher:
    """Random access to one STREAM ciphertext: segment *i* decrypted alone, when it is needed.

    For objects read in small pieces (index files: a term's entry, a block of postings), so
    that opening one does not mean decrypting all of it. ``header`` is the ciphertext's first
    ``HEADER_SIZE`` bytes and ``body_length`` the length of everything after them. Each segment
    is authenticated on its own, flagged last or not by its position, so a truncated, reordered
    or swapped segment still fails; nothing is returned unauthenticated.
    """

    def __init__(self, key: bytes, header: bytes, binding: bytes, body_length: int) -> None:
        self.segment_size = _parse_header(header)
        self._aead = AESGCM(key)
        self._aad = header + binding
        self.sealed_size = self.segment_size + TAG_SIZE
        self.count = max(1, -(-body_length // self.sealed_size))
        self.plaintext_length = body_length - self.count * TAG_SIZE
        if self.plaintext_length < 0:
            raise IntegrityError("ciphertext truncated")

    def extent(self, index: int) -> tuple[int, int]:
        """(offset after the header, length) of sealed segment ``index``."""
        return index * self.sealed_size, self.sealed_size

    def decrypt(self, index: int, sealed: bytes) -> bytes:
        if not 0 <= index < self.count or len(sealed) < TAG_SIZE:
            raise IntegrityError("ciphertext truncated")
        try:
            return self._aead.decrypt(_nonce(index, index == self.count - 1), sealed, self._aad)
        except InvalidTag:
            raise IntegrityError(f"segment {index} failed authentication") from None


def plaintext_length(ciphertext_length: int, segment_size: int) -> int:
    """Plaintext size of a well-formed ciphertext, computed without decrypting it."""
    body = ciphertext_length - HEADER_SIZE
    segments = max(1, -(-body // (segment_size + TAG_SIZE)))
    return body - segments * TAG_SIZE
