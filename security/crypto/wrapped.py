"""One blob sealed under its own data key, the key wrapped by a long-lived key beside it: the
format of encrypted index files (``search.index.storage``).

``KHOI | nonce (12) | wrapped data key (48) | STREAM body``. The data key is fresh for every
file, so the index key never encrypts content itself and a STREAM key never seals twice.
A file is read whole (``unseal``) or segment by segment (``cipher``): segment *i* of the body
authenticates alone, so a reader decrypts only the 64 KiB segments it touches.
"""

from __future__ import annotations

import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from security.crypto import stream

_MAGIC = b"KHOI"
_NONCE = 12
_WRAPPED = 48  # 32-byte key + 16-byte tag
_PREFIX = len(_MAGIC) + _NONCE + _WRAPPED
_SEGMENT = 64 * 1024
_BINDING = b"kho/index-file"
HEADER_SIZE = _PREFIX + stream.HEADER_SIZE  # what precedes the first sealed segment


def seal(index_key: bytes, plaintext: bytes) -> bytes:
    data_key = secrets.token_bytes(32)
    nonce = secrets.token_bytes(_NONCE)
    wrapped = AESGCM(index_key).encrypt(nonce, data_key, _BINDING)
    body = stream.encrypt_bytes(data_key, plaintext, _BINDING, _SEGMENT)
    return _MAGIC + nonce + wrapped + body


def _data_key(index_key: bytes, head: bytes) -> bytes:
    if head[: len(_MAGIC)] != _MAGIC:
        raise stream.IntegrityError("not an encrypted index file")
    nonce = head[len(_MAGIC) : len(_MAGIC) + _NONCE]
    try:
        return AESGCM(index_key).decrypt(nonce, head[len(_MAGIC) + _NONCE : _PREFIX], _BINDING)
    except InvalidTag:
        raise stream.IntegrityError("index file key failed authentication") from None


def unseal(index_key: bytes, sealed: bytes) -> bytes:
    """A whole sealed file at once (tests and tools; readers go segment by segment)."""
    return stream.decrypt_bytes(_data_key(index_key, sealed), sealed[_PREFIX:], _BINDING)


def cipher(index_key: bytes, head: bytes, sealed_length: int) -> stream.SegmentCipher:
    """Random access to a sealed file of ``sealed_length`` bytes whose first ``HEADER_SIZE``
    bytes are ``head``: sealed segment *i* lies at ``HEADER_SIZE + cipher.extent(i)[0]``."""
    if len(head) < HEADER_SIZE:
        raise stream.IntegrityError("index file truncated")
    return stream.SegmentCipher(
        _data_key(index_key, head), head[_PREFIX:HEADER_SIZE], _BINDING, sealed_length - HEADER_SIZE
    )


def plaintext_length(sealed_length: int) -> int:
    """Plaintext size of a well-formed sealed file, computed without decrypting it."""
    return stream.plaintext_length(sealed_length - _PREFIX, _SEGMENT)
