"""A Whoosh storage whose files are encrypted at rest and whose temporary files stay in memory.

The index holds the words of secret documents, so it must be as closed as the blob store. Whoosh
writes each index file once and reads it back whole or in pieces; here a file is collected in
memory while Whoosh writes it, sealed when Whoosh closes it (``security.crypto.wrapped``: a
fresh data key wrapped by the instance's index key, STREAM-encrypted) and written atomically;
opening a file decrypts it into a memory buffer. Whoosh's scratch storage for merging runs is a
RamStorage, never a folder.

Index files are immutable once written (a commit writes new segment files and a new table of
contents), so a decrypted file is kept in a per-process memory cache keyed by the file's identity
on disk (inode, size, modification time): a reader reopened after a commit decrypts only the new
segment. The cache lives in RAM only and is bounded (``CACHE_BYTES``, least recently used out).
"""

from __future__ import annotations

import io
import os
import secrets
import threading
from collections import OrderedDict
from pathlib import Path

from whoosh.filedb.filestore import FileStorage, RamStorage
from whoosh.filedb.structfile import BufferFile, StructFile

from security.crypto.wrapped import plaintext_length, seal, unseal

CACHE_BYTES = 1 << 30  # decrypted index files kept in memory, per process


class _PlainCache:
    """Decrypted index files by identity on disk; least recently used evicted past a budget."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self._files: OrderedDict[tuple, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: tuple) -> bytes | None:
        with self._lock:
            data = self._files.get(key)
            if data is not None:
                self._files.move_to_end(key)
            return data

    def put(self, key: tuple, data: bytes) -> None:
        with self._lock:
            if key in self._files or len(data) > self.budget:
                return
            self._files[key] = data
            self._size += len(data)
            while self._size > self.budget:
                _, old = self._files.popitem(last=False)
                self._size -= len(old)

    def clear(self) -> None:
        with self._lock:
            self._files.clear()
            self._size = 0


PLAIN_CACHE = _PlainCache(CACHE_BYTES)


class _RamFile(io.BytesIO):
    """A scratch file that lands in its RAM storage when closed, however it is closed."""

    def __init__(self, files: dict, name: str) -> None:
        super().__init__()
        self._files, self._name = files, name

    def close(self) -> None:
        if not self.closed:
            self._files[self._name] = self.getvalue()
        super().close()


class _RamScratch(RamStorage):
    """Whoosh's scratch storage for sort runs, in memory only.

    Whoosh's own RamStorage keeps a file only when its StructFile wrapper is closed, but the
    indexing pool writes its sort runs through ``raw_file()`` and closes that: with RamStorage
    as scratch, any batch larger than the pool's memory limit fails at commit ("NameError:
    ….run"). Here the raw file itself stores its content on close.
    """

    def create_file(self, name: str, **kwargs) -> StructFile:
        return StructFile(_RamFile(self.files, name), name=name)


class EncryptedStorage(FileStorage):
    """Whoosh's file storage with every file sealed on close and unsealed (cached) on open."""

    supports_mmap = False

    def __init__(
        self, path: str | Path, index_key: bytes, readonly: bool = False, cache: bool = True
    ) -> None:
        super().__init__(str(path), supports_mmap=False, readonly=readonly)
        self._key = index_key
        self._cache = PLAIN_CACHE if cache else None

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
            st = os.fstat(fh.fileno())
            # the key's hash keeps two instances in one process (tests) from sharing entries
            ident = (hash(self._key), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
            plain = self._cache.get(ident) if self._cache else None
            if plain is None:
                plain = unseal(self._key, fh.read())
                if self._cache:
                    self._cache.put(ident, plain)
        return BufferFile(memoryview(plain), name=name, **kwargs)

    def file_length(self, name: str) -> int:
        """Whoosh asks for lengths to locate footers: answer in plaintext bytes."""
        size = os.path.getsize(self._fpath(name))
        return plaintext_length(size)

    def temp_storage(self, name: str | None = None) -> RamStorage:
        return _RamScratch()

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
