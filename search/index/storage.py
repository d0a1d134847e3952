"""A Whoosh storage whose files are encrypted at rest, read block by block, and whose temporary
files stay in memory.

The index holds the words of secret documents, so it must be as closed as the blob store. Whoosh
writes each index file once; here a file is collected in memory while Whoosh writes it, sealed
when Whoosh closes it (``security.crypto.wrapped``: a fresh data key wrapped by the instance's
index key, STREAM-encrypted in 64 KiB segments) and written atomically. Whoosh's scratch storage
for sort runs is RAM, never a folder.

Reading never decrypts a file whole. Opening a file reads its wrapped key and its STREAM header;
a read of bytes ``[a, b)`` decrypts only the 64 KiB segments that hold them (each authenticated
on its own, see ``security.crypto.stream.SegmentCipher``). Decrypted blocks go to one bounded
cache per process (``BLOCKS``, least recently used out, shared by every thread and reader) keyed by
the file's identity: index files never change once written (a commit writes new segment files
and a new table of contents), so a block stays valid as long as its file exists, a reader
reopened after a commit finds the blocks of the unchanged segments already there, and a first
search in a new process decrypts only what it touches (a term's entry, its postings, the
segment summary's bitmaps) instead of the whole index.

Nothing decrypted ever reaches disk: blocks live in process memory only (each open file also
keeps its last block at hand, outside the budget: 64 KiB per open file).
"""

from __future__ import annotations

import io
import os
import pickle
import secrets
import threading
import weakref
from array import array
from collections import OrderedDict
from pathlib import Path

from whoosh.filedb.filestore import FileStorage, RamStorage
from whoosh.filedb.structfile import _SIZEMAP, StructFile
from whoosh.system import IS_LITTLE

from security.crypto import wrapped
from security.crypto.stream import SegmentCipher

CACHE_BYTES = int(os.environ.get("KHO_INDEX_CACHE_MB", "512")) * 1024 * 1024


class BlockCache:
    """Decrypted blocks of index files by (file identity, block number), least recently used
    evicted past a byte budget. Thread-safe; blocks are immutable ``bytes``, so a block in use
    by a reader stays valid when it is evicted."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self._blocks: OrderedDict[tuple, bytes] = OrderedDict()
        self.size = 0
        self._lock = threading.Lock()

    def get(self, key: tuple) -> bytes | None:
        with self._lock:
            data = self._blocks.get(key)
            if data is not None:
                self._blocks.move_to_end(key)
            return data

    def put(self, key: tuple, data: bytes) -> None:
        with self._lock:
            if key in self._blocks:
                return
            self._blocks[key] = data
            self.size += len(data)
            while self.size > self.budget and self._blocks:
                _, old = self._blocks.popitem(last=False)
                self.size -= len(old)

    def clear(self) -> None:
        with self._lock:
            self._blocks.clear()
            self.size = 0


BLOCKS = BlockCache(CACHE_BYTES)


class _Sealed:
    """One sealed index file open for reading: its descriptor, its cipher, its last block.

    Shared by every reader of the file in the process (``_OPEN``); the descriptor closes when
    the last reader lets go, so a reader keeps working on a file a rebuild has since deleted.
    """

    def __init__(self, fd: int, ident: tuple, cipher: SegmentCipher, path: str) -> None:
        self.fd, self.ident, self.cipher, self.path = fd, ident, cipher, path
        self.length = cipher.plaintext_length
        self.block_size = cipher.segment_size
        self._last: tuple[int, bytes] = (-1, b"")

    def __del__(self) -> None:
        os.close(self.fd)

    def block(self, number: int) -> bytes:
        last = self._last
        if last[0] == number:
            return last[1]
        key = (self.ident, number)
        data = BLOCKS.get(key)
        if data is None:
            offset, length = self.cipher.extent(number)
            sealed = os.pread(self.fd, length, wrapped.HEADER_SIZE + offset)
            data = self.cipher.decrypt(number, sealed)
            BLOCKS.put(key, data)
        self._last = (number, data)
        return data

    def read(self, offset: int, size: int) -> bytes:
        """Plaintext bytes ``[offset, offset + size)`` (fewer at the end of the file)."""
        size = min(size, self.length - offset)
        if size <= 0:
            return b""
        number, start = divmod(offset, self.block_size)
        data = self.block(number)
        if start + size <= len(data):
            return data[start : start + size]
        parts = [data[start:]]
        got = len(parts[0])
        while got < size:
            number += 1
            data = self.block(number)
            parts.append(data[: size - got])
            got += len(parts[-1])
        return b"".join(parts)


_OPEN: weakref.WeakValueDictionary[tuple, _Sealed] = weakref.WeakValueDictionary()
_OPEN_LOCK = threading.Lock()


def _open_sealed(path: str, index_key: bytes) -> _Sealed:
    fd = os.open(path, os.O_RDONLY)
    try:
        st = os.fstat(fd)
        head = os.pread(fd, wrapped.HEADER_SIZE, 0)
        # the wrapped key is random per file written: with the inode it names this file's bytes
        ident = (st.st_dev, st.st_ino, head)
        with _OPEN_LOCK:
            found = _OPEN.get(ident)
        if found is not None:
            os.close(fd)
            return found
        cipher = wrapped.cipher(index_key, head, st.st_size)
    except BaseException:
        os.close(fd)
        raise
    sealed = _Sealed(fd, ident, cipher, path)
    with _OPEN_LOCK:
        return _OPEN.setdefault(ident, sealed)


class _Window(io.RawIOBase):
    """The raw file under a ``SealedFile``: a window of a sealed file with its own position."""

    def __init__(self, sealed: _Sealed, base: int, length: int) -> None:
        self.sealed, self.base, self.length, self.pos = sealed, base, length, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            size = self.length - self.pos
        size = min(size, self.length - self.pos)
        data = self.sealed.read(self.base + self.pos, size) if size > 0 else b""
        self.pos += len(data)
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        out = bytearray()
        while size is None or size < 0 or len(out) < size:
            chunk = self.read(256)
            if not chunk:
                break
            cut = chunk.find(b"\n")
            if cut >= 0:
                out += chunk[: cut + 1]
                self.pos -= len(chunk) - cut - 1
                break
            out += chunk
        return bytes(out)

    def seek(self, offset: int, whence: int = 0) -> int:
        base = (0, self.pos, self.length)[whence]
        self.pos = max(0, base + offset)
        return self.pos

    def tell(self) -> int:
        return self.pos


class SealedFile(StructFile):
    """What Whoosh reads an index file through: random access that decrypts only the blocks
    it touches. ``get`` (how Whoosh's tables and postings read) goes straight to the blocks."""

    def __init__(self, sealed: _Sealed, base: int, length: int, name: str | None = None) -> None:
        super().__init__(_Window(sealed, base, length), name=name)
        self._sealed, self._base, self._length = sealed, base, length

    def get(self, position: int, length: int) -> bytes:
        length = min(length, self._length - position)
        return self._sealed.read(self._base + position, length) if length > 0 else b""

    def get_array(self, position: int, typecode: str, length: int) -> array:
        out = array(typecode)
        out.frombytes(self.get(position, length * _SIZEMAP[typecode]))
        if IS_LITTLE:
            out.byteswap()
        return out

    def subset(self, position: int, length: int, name: str | None = None) -> SealedFile:
        return SealedFile(self._sealed, self._base + position, length, name or self._name)

    def read_pickle(self):
        """A pickle from the current position without a read call per opcode: unpickle from
        a slice, widened until the pickle fits, and move past what it used."""
        window = self.file
        start, remaining = window.pos, window.length - window.pos
        size = min(remaining, 512)
        while True:
            chunk = io.BytesIO(self.get(start, size))
            try:
                value = pickle.load(chunk)  # noqa: S301 - our own index files, authenticated
            except Exception:
                if size >= remaining:
                    raise
                size = min(remaining, size * 16)
                continue
            window.pos = start + chunk.tell()
            return value


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
    """Whoosh's file storage with every file sealed on close and read block by block."""

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
            self._write_atomically(path, wrapped.seal(self._key, sfile.file.getvalue()))

        return StructFile(io.BytesIO(), name=name, onclose=write_sealed)

    def open_file(self, name: str, **kwargs) -> SealedFile:
        sealed = _open_sealed(self._fpath(name), self._key)
        return SealedFile(sealed, 0, sealed.length, name=name)

    def file_length(self, name: str) -> int:
        """Whoosh asks for lengths to locate footers: answer in plaintext bytes."""
        size = os.path.getsize(self._fpath(name))
        return wrapped.plaintext_length(size)

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
