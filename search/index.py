"""The search index: schema, the writer, and rebuilding from the archive.

The index is derived data. It holds words, never stored text (only the record id is stored), it
is encrypted at rest (search.storage) and ``rebuild`` recreates it from the database at any time.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.fields import ID, NUMERIC, TEXT, Schema
from whoosh.index import Index

from search.analysis import exact_analyzer, folded_analyzer
from search.storage import EncryptedStorage

WRITE_LOCK_TIMEOUT = 30.0


def schema() -> Schema:
    return Schema(
        id=ID(stored=True, unique=True),
        level=ID,
        unit=ID,
        doc_type=ID,
        year=NUMERIC(bits=16),
        exact=TEXT(analyzer=exact_analyzer(), phrase=True),
        folded=TEXT(analyzer=folded_analyzer(), phrase=True),
    )


@dataclass(frozen=True)
class IndexEntry:
    """What the index learns of a record: its access facets and its words."""

    id: int
    level: str
    unit_id: int
    doc_type: str | None
    year: int | None
    words: str  # number, issuer, subject and full text, joined


def _storage(path: Path, key: bytes) -> EncryptedStorage:
    return EncryptedStorage(path, key)


def create(path: Path, key: bytes) -> None:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    _storage(path, key).create_index(schema())


def open_index(path: Path, key: bytes) -> Index:
    storage = _storage(path, key)
    if not whoosh_index.exists(storage):
        create(path, key)
    return storage.open_index()


def _fields(entry: IndexEntry) -> dict:
    fields = {
        "id": str(entry.id),
        "level": entry.level,
        "unit": str(entry.unit_id),
        "exact": entry.words,
        "folded": entry.words,
    }
    if entry.doc_type:
        fields["doc_type"] = entry.doc_type
    if entry.year:
        fields["year"] = entry.year
    return fields


def add(path: Path, key: bytes, entries: Iterable[IndexEntry]) -> int:
    """Add or replace records; one commit for the batch. Whoosh's lock keeps one writer."""
    ix = open_index(path, key)
    count = 0
    with ix.writer(timeout=WRITE_LOCK_TIMEOUT) as writer:
        for entry in entries:
            writer.update_document(**_fields(entry))
            count += 1
    return count


def remove(path: Path, key: bytes, ids: Iterable[int]) -> None:
    ix = open_index(path, key)
    with ix.writer(timeout=WRITE_LOCK_TIMEOUT) as writer:
        for doc_id in ids:
            writer.delete_by_term("id", str(doc_id))


def indexed_ids(path: Path, key: bytes) -> set[int]:
    ix = open_index(path, key)
    with ix.searcher() as searcher:
        return {int(fields["id"]) for fields in searcher.all_stored_fields()}


def rebuild(path: Path, key: bytes, entries: Iterable[IndexEntry]) -> int:
    """Build a fresh index beside the old one and swap it in, so readers never see it empty."""
    fresh = path.with_name(path.name + ".new")
    shutil.rmtree(fresh, ignore_errors=True)
    create(fresh, key)
    count = add(fresh, key, entries)
    old = path.with_name(path.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if path.exists():
        path.rename(old)
    fresh.rename(path)
    shutil.rmtree(old, ignore_errors=True)
    return count
