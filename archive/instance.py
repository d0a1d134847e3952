"""One Kho instance: where its data lives and the handles every service needs.

Built once per process (by the web app factory or the command line) from plain settings, so the
services below never read configuration themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from archive.blobstore import BlobStore
from archive.db import make_engine, make_session_factory
from security.keys import Keyring


@dataclass
class Instance:
    home: Path
    database_url: str
    key_file: Path

    @classmethod
    def from_settings(
        cls, home: str | Path, database_url: str | None = None, key_file: str | Path | None = None
    ) -> Instance:
        home = Path(home).resolve()
        return cls(
            home=home,
            database_url=database_url or f"sqlite:///{home / 'kho.sqlite3'}",
            key_file=Path(key_file).resolve() if key_file else home / "keys" / "kho.key",
        )

    @property
    def blob_dir(self) -> Path:
        return self.home / "blobs"

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.database_url)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return make_session_factory(self.engine)

    @cached_property
    def keyring(self) -> Keyring:
        return Keyring.load(self.key_file)

    @cached_property
    def blobs(self) -> BlobStore:
        return BlobStore(self.blob_dir)

    def dispose(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()
