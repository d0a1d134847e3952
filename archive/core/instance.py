"""One Kho instance: where its data lives and the handles every service needs.

Built once per process (by the web app factory or the command line) from plain settings, so the
services below never read configuration themselves.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from archive.audit import log
from archive.core.blobstore import BlobStore, LocalBlobStore
from archive.core.db import make_engine, make_session_factory
from archive.core.limits import Limits
from security.crypto import keyfile
from security.crypto.keyfile import KeySource
from security.crypto.keys import Keyring, new_data_key
from security.errors import KhoError


@dataclass
class Instance:
    home: Path
    database_url: str
    key_file: Path
    blobs_location: str | None = None  # KHO_BLOBS: None for $KHO_HOME/blobs, or s3://bucket/prefix
    s3_endpoint: str | None = None  # KHO_S3_ENDPOINT
    limits: Limits = field(default_factory=Limits)  # against hostile files, for every door
    _keys: tuple[Keyring, KeySource] | None = field(default=None, init=False, repr=False)
    _keys_stamp: tuple | None = field(default=None, init=False, repr=False)
    # The keyring a thread holds steady for one short read (``steady_keyring``).
    _steady: threading.local = field(
        default_factory=threading.local, init=False, repr=False, compare=False
    )

    @classmethod
    def from_settings(
        cls,
        home: str | Path,
        database_url: str | None = None,
        key_file: str | Path | None = None,
        blobs: str | None = None,
        s3_endpoint: str | None = None,
        limits: Limits | None = None,
    ) -> Instance:
        home = Path(home).resolve()
        return cls(
            home=home,
            database_url=database_url or f"sqlite:///{home / 'kho.sqlite3'}",
            key_file=Path(key_file).resolve() if key_file else home / "keys" / "kho.key",
            blobs_location=blobs or None,
            s3_endpoint=s3_endpoint or None,
            limits=limits or Limits(),
        )

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @property
    def places(self) -> dict[str, Path]:
        """Where this instance writes (for free-space checks): home, blobs, index, database."""
        out = {"instance": self.home, "index": self.index_dir}
        if not self.blobs_location:
            out["blobs"] = self.home / "blobs"
        elif self.blobs_location.startswith("/"):  # object storage has no disk of ours
            out["blobs"] = Path(self.blobs_location)
        if self.database_url.startswith("sqlite:///"):
            out["database"] = Path(self.database_url.removeprefix("sqlite:///")).parent
        return out

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.database_url)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        factory = make_session_factory(self.engine)
        log.guard(factory, lambda: self.keyring)
        return factory

    @cached_property
    def read_record_sessions(self) -> sessionmaker[Session]:
        """Sessions whose transactions record only a read (a search's or a list's audit entry, a
        session's idle clock): the commit frees the write lock, then waits for a sync of the WAL
        shared with the other commits of that moment (``archive.core.db``, ``lazy_sync``)."""
        factory = make_session_factory(self.engine, lazy_sync=True)
        log.guard(factory, lambda: self.keyring)
        return factory

    @cached_property
    def read_sessions(self) -> sessionmaker[Session]:
        """Sessions that only read: on SQLite they neither take nor wait for the write lock
        (pollers, status pages); a write in one fails."""
        return make_session_factory(self.engine, read_only=True)

    def _key_file_stamp(self) -> tuple | None:
        if os.environ.get(keyfile.ENV_KEYRING):
            return None
        try:
            st = self.key_file.stat()
        except FileNotFoundError:
            return ("missing",)
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    @property
    def keyring(self) -> Keyring:
        """The keyring, re-read whenever the key file changed on disk.

        A rotation or retirement by ``kho keys`` in another process is picked up at the next
        use, so no server keeps wrapping new data keys under a KEK that was retired.
        """
        steady = getattr(self._steady, "ring", None)
        if steady is not None:
            return steady
        stamp = self._key_file_stamp()
        if self._keys is None or stamp != self._keys_stamp:
            known = self._keys[1].passphrase if self._keys else None
            self._keys = keyfile.load(self.key_file, passphrase=known)
            self._keys_stamp = stamp
        return self._keys[0]

    @contextmanager
    def steady_keyring(self) -> Iterator[Keyring]:
        """Within the block, this thread's reads of ``keyring`` give the one read at its start:
        a search page unwraps some forty keys, and each look at the key file is a system call
        (in a loaded worker, the interpreter's lock given up and waited for again). For a short
        read only: a key file changed meanwhile is seen by the next block."""
        if getattr(self._steady, "ring", None) is not None:  # nested: the outer block's
            yield self._steady.ring
            return
        self._steady.ring = self.keyring
        try:
            yield self._steady.ring
        finally:
            self._steady.ring = None

    @property
    def key_source(self) -> KeySource:
        self.keyring  # noqa: B018 - loads the source with the ring
        return self._keys[1]

    def signing_key(self) -> bytes:
        """The keyring's audit checkpoint key, added to an older key file on first use."""
        if self.keyring.signing_key is None:
            self.keyring.signing_key = new_data_key()
            self.save_keyring()
        return self.keyring.signing_key

    def adopt_keyring(self, ring: Keyring, source: KeySource) -> None:
        """Write a new keyring and keep it (a sealed one's passphrase is not asked again)."""
        keyfile.save(ring, source)
        self._keys = (ring, source)
        self._keys_stamp = self._key_file_stamp()

    def save_keyring(self) -> None:
        keyfile.save(self._keys[0], self._keys[1])
        self._keys_stamp = self._key_file_stamp()

    @cached_property
    def blobs(self) -> BlobStore:
        return open_store(self.blobs_location, self.home, self.s3_endpoint)

    def dispose(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()


def open_store(location: str | None, home: Path, s3_endpoint: str | None = None) -> BlobStore:
    """The store named by ``KHO_BLOBS``: nothing for ``$KHO_HOME/blobs``, an absolute path for
    another folder, ``s3://bucket/prefix`` for object storage (at ``KHO_S3_ENDPOINT``, or AWS)."""
    if not location:
        return LocalBlobStore(Path(home) / "blobs")
    if location.startswith("s3://"):
        from archive.core.s3store import S3BlobStore  # boto3 is loaded only when it is used

        return S3BlobStore.from_url(location, s3_endpoint)
    if location.startswith("/"):
        return LocalBlobStore(Path(location))
    raise KhoError(
        f"KHO_BLOBS={location!r} không hợp lệ: dùng s3://bucket/tiền-tố hoặc đường dẫn tuyệt đối.",
        f"KHO_BLOBS={location!r} is not valid: use s3://bucket/prefix or an absolute path.",
    )
