"""One Kho instance: where its data lives and the handles every service needs.

Built once per process (by the web app factory or the command line) from plain settings, so the
services below never read configuration themselves.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from archive.blobstore import BlobStore, open_store
from archive.db import make_engine, make_session_factory
from security import keyfile
from security.keyfile import KeySource
from security.keys import Keyring


@dataclass
class Instance:
    home: Path
    database_url: str
    key_file: Path
    blobs_location: str | None = None  # KHO_BLOBS: None for $KHO_HOME/blobs, or s3://bucket/prefix
    s3_endpoint: str | None = None  # KHO_S3_ENDPOINT
    _keys: tuple[Keyring, KeySource] | None = field(default=None, init=False, repr=False)
    _keys_stamp: tuple | None = field(default=None, init=False, repr=False)

    @classmethod
    def from_settings(
        cls,
        home: str | Path,
        database_url: str | None = None,
        key_file: str | Path | None = None,
        blobs: str | None = None,
        s3_endpoint: str | None = None,
    ) -> Instance:
        home = Path(home).resolve()
        return cls(
            home=home,
            database_url=database_url or f"sqlite:///{home / 'kho.sqlite3'}",
            key_file=Path(key_file).resolve() if key_file else home / "keys" / "kho.key",
            blobs_location=blobs or None,
            s3_endpoint=s3_endpoint or None,
        )

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.database_url)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        factory = make_session_factory(self.engine)
        event.listen(factory, "after_rollback", self._record_tamper_attempt)
        return factory

    def _record_tamper_attempt(self, session: Session) -> None:
        """An attempt to edit or delete audit entries was refused: record it, after the rollback."""
        seqs = session.info.pop("audit_tamper_attempt", None)
        if seqs is None:
            return
        from archive import audit

        with self.sessions.begin() as log_session:
            audit.record(
                log_session,
                self.keyring,
                audit.Context(None, "system"),
                "audit_tamper",
                "denied",
                None,
                {"entries": seqs},
            )

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
        stamp = self._key_file_stamp()
        if self._keys is None or stamp != self._keys_stamp:
            known = self._keys[1].passphrase if self._keys else None
            self._keys = keyfile.load(self.key_file, passphrase=known)
            self._keys_stamp = stamp
        return self._keys[0]

    @property
    def key_source(self) -> KeySource:
        self.keyring  # noqa: B018 - loads the source with the ring
        return self._keys[1]

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
