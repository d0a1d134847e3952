"""A Whoosh storage whose files are encrypted at rest and whose temporary files stay in memory.

The index holds the words of secret documents, so it must be as closed as the blob store. Whoosh
writes each index file once and reads it back whole or in pieces; here a file is collected in
memory while Whoosh writes it, sealed when Whoosh closes it (fresh data key, wrapped by the
instance's index key, STREAM-encrypted) and written atomically; opening a file decrypts it into a
memory buffer. Whoosh's scratch storage for merging runs is a RamStorage, never a folder.
"""

from __future__ import annotations

import io
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from whoosh.filedb.filestore import FileStorage, RamStorage
from whoosh.filedb.structfile import BufferFile, StructFile

from security import stream

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


class EncryptedStorage(FileStorage):
    supports_mmap = False

    def __init__(self, path: str | Path, index_key: bytes, readonly: bool = False) -> None:
        super().__init__(str(path), supports_mmap=False, readonly=readonly)
        self._key = index_key

    def create_file(self, name: str, excl: bool = False, mode: str = "wb", **kwargs) -> StructFile:
        if self.readonly:
            raise OSError("index storage is read-only")
        path = self._fpath(name)
        if excl and os.path.exists(path):
            raise FileExistsError(path)

        def write_sealed(sfile: StructFile) -> None:
            self._write_atomically(path, seal(self._key, sfile.file.getvalue()))

        return StructFile(io.BytesIO(), name=name, onclose=write_sealed)

    def open_file(self, name: str, **kwargs) -> StructFile:
        with open(self._fpath(name), "rb") as fh:
            plain = unseal(self._key, fh.read())
        return BufferFile(memoryview(plain), name=name, **kwargs)

    def file_length(self, name: str) -> int:
        """Whoosh asks for lengths to locate footers: answer in plaintext bytes."""
        size = os.path.getsize(self._fpath(name))
        return stream.plaintext_length(size - _PREFIX, _SEGMENT)

    def temp_storage(self, name: str | None = None) -> RamStorage:
        return RamStorage()

    @staticmethod
    def _write_atomically(path: str, data: bytes) -> None:
        tmp = f"{path}.{secrets.token_hex(4)}.part"
        with open(tmp, "xb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        dir_fd = os.open(os.path.dirname(path), os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
