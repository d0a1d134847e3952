"""One blob sealed under its own data key, the key wrapped by a long-lived key beside it: the
format of encrypted index files (``search.index.storage``).

``KHOI | nonce (12) | wrapped data key (48) | STREAM body``. The data key is fresh for every
file, so the index key never encrypts content itself and a STREAM key never seals twice.
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


def seal(index_key: bytes, plaintext: bytes) -> bytes:
    data_key = secrets.token_bytes(32)
    nonce = secrets.token_bytes(_NONCE)
    wrapped = AESGCM(index_key).encrypt(nonce, data_key, _BINDING)
    body = stream.encrypt_bytes(data_key, plaintext, _BINDING, _SEGMENT)
    return _MAGIC + nonce + wrapped + body


def unseal(index_key: bytes, sealed: bytes) -> bytes:
    if sealed[: len(_MAGIC)] != _MAGIC:
        raise stream.IntegrityError("not an encrypted index file")
    nonce = sealed[len(_MAGIC) : len(_MAGIC) + _NONCE]
    wrapped = sealed[len(_MAGIC) + _NONCE : _PREFIX]
    try:
        data_key = AESGCM(index_key).decrypt(nonce, wrapped, _BINDING)
    except InvalidTag:
        raise stream.IntegrityError("index file key failed authentication") from None
    return stream.decrypt_bytes(data_key, sealed[_PREFIX:], _BINDING)


def plaintext_length(sealed_length: int) -> int:
    """Plaintext size of a well-formed sealed file, computed without decrypting it."""
    return stream.plaintext_length(sealed_length - _PREFIX, _SEGMENT)
