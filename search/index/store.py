"""The search index: schema, the writer, and rebuilding from the archive.

The index is derived data. It holds words, never stored text (only the record id is stored), it is
encrypted at rest (search.index.storage) and ``rebuild`` recreates it from the database at any time.
Whoosh's lock keeps one writer at a time; a commit writes new files and then a new table of contents
atomically, so a crash mid-commit leaves the previous generation readable.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.fields import COLUMN, ID, KEYWORD, NUMERIC, TEXT, Schema
from whoosh.index import Index
from whoosh.writing import IndexWriter

from search.index.analysis import exact_analyzer, fold, folded_analyzer, number_keys, unify_tones
from search.index.storage import EncryptedStorage

WRITE_LOCK_TIMEOUT = 30.0
BULK_LIMIT_MB = 256  # RAM for a rebuild's sort runs (they stay in RAM: see storage.temp_storage)


def schema() -> Schema:
    """Access facets (level, unit), filters and facets, and two analyses of the words."""
    return Schema(
        id=ID(stored=True, unique=True),
        level=ID(sortable=True),
        unit=ID(sortable=True),
        doc_type=ID,  # folded code: "kh", "qd", "qdi"
        type_name=COLUMN(),  # the code as written ("QĐ"), for its facet
        year=NUMERIC(bits=16, signed=False, sortable=True),
        date=NUMERIC(bits=32, signed=False, sortable=True),  # yyyymmdd
        issuer=TEXT(analyzer=folded_analyzer(), phrase=True),
        head=TEXT(analyzer=folded_analyzer(), phrase=False),  # number, issuer, subject: ranking
        issuer_name=COLUMN(),  # the issuer as written (NFC, one tone placement), for its facet
        number=KEYWORD(lowercase=False, commas=False),  # number keys: 117, 117kh, 117khtu
        dossier=ID,  # folded dossier code, for ``hoso:``
        pending=ID,  # "1" while the record's secrecy is pending (chờ xác định độ mật)
        filer=ID,  # who filed a pending record: the one archivist who still sees it
        signature=KEYWORD,  # "signed valid" / "signed invalid revoked", for ``kyso:``
        exact=TEXT(analyzer=exact_analyzer(), phrase=False),  # phrases run on ``folded``
        folded=TEXT(analyzer=folded_analyzer(), phrase=True),
    )


@dataclass(frozen=True)
class IndexEntry:
    """What the index learns of a record: its access facets, its header and its words."""

    id: int
    level: str
    unit_id: int
    doc_type: str | None
    year: int | None
    words: str  # number, issuer, subject and full text, joined
    number: str | None = None
    issuer: str | None = None
    issued: date | None = None
    subject: str | None = None
    dossier: str | None = None  # the dossier's code (``hoso:``)
    pending: bool = False  # secrecy pending: seen only by ``filed_by`` and security officers
    filed_by: int | None = None
    signature: str | None = None  # words for ``kyso:`` (search.feed.signature_words)


def _storage(path: Path, key: bytes) -> EncryptedStorage:
    return EncryptedStorage(path, key)


def create(path: Path, key: bytes) -> None:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    _storage(path, key).create_index(schema())


def open_index(path: Path, key: bytes) -> Index:
    storage = _storage(path, key)
    if not whoosh_index.exists(storage):
        create(path, key)
    ix = storage.open_index()
    missing = [name for name in schema().names() if name not in ix.schema]
    if missing:  # an index made by an older Kho: add the new fields (old entries lack them)
        writer = ix.writer(timeout=WRITE_LOCK_TIMEOUT)
        try:
            for name in missing:
                writer.add_field(name, schema()[name])
            writer.commit()
        except BaseException:
            _abandon(writer)
            raise
        ix = storage.open_index()
    return ix


def _fields(entry: IndexEntry) -> dict:
    fields = {
        "id": str(entry.id),
        "level": entry.level,
        "unit": str(entry.unit_id),
        "exact": entry.words,
        "folded": entry.words,
    }
    if entry.doc_type:
        fields["doc_type"] = fold(entry.doc_type)
        fields["type_name"] = entry.doc_type.encode()
    year = entry.issued.year if entry.issued else entry.year
    if year:
        fields["year"] = year
    if entry.issued:
        fields["date"] = int(entry.issued.strftime("%Y%m%d"))
    if entry.issuer:
        fields["issuer"] = entry.issuer
        fields["issuer_name"] = unify_tones(entry.issuer).strip().encode()
    head = " ".join(filter(None, (entry.number, entry.issuer, entry.subject)))
    if head:
        fields["head"] = head
    if entry.dossier:
        fields["dossier"] = fold(entry.dossier)
    if entry.pending:
        fields["pending"] = "1"
        fields["filer"] = str(entry.filed_by)
    if entry.signature:
        fields["signature"] = entry.signature
    keys = number_keys(entry.number)
    if keys:
        fields["number"] = " ".join(keys)
    return fields


def add(path: Path, key: bytes, entries: Iterable[IndexEntry], bulk: bool = False) -> int:
    """Add or replace records; one commit for the batch. Whoosh's lock keeps one writer."""
    ix = open_index(path, key)
    count = 0
    options = {"procs": 1, "limitmb": BULK_LIMIT_MB} if bulk else {}
    writer = ix.writer(timeout=WRITE_LOCK_TIMEOUT, **options)
    try:
        for entry in entries:
            if bulk:
                writer.add_document(**_fields(entry))
            else:
                writer.update_document(**_fields(entry))
            count += 1
        writer.commit()
    except BaseException:
        _abandon(writer)
        raise
    return count


def _abandon(writer: IndexWriter) -> None:
    """Give up a failed batch and its lock. Whoosh keeps the lock when a commit fails half-way
    (a full disk, say), which would leave the ingest worker locked out until restarted."""
    with suppress(Exception):
        writer.cancel()
    lock = getattr(writer, "writelock", None)
    if lock is not None:
        with suppress(Exception):
            lock.release()


def update(path: Path, key: bytes, entries: Iterable[IndexEntry], gone: set[int]) -> int:
    """Add or replace ``entries`` and delete the records left in ``gone`` once they are read
    (the caller empties it of what it yields), in one commit; no commit when nothing changed.
    Returns how many were (re-)indexed."""
    ix = open_index(path, key)
    writer = ix.writer(timeout=WRITE_LOCK_TIMEOUT)
    count = 0
    try:
        for entry in entries:
            writer.update_document(**_fields(entry))
            count += 1
        for doc_id in gone:
            writer.delete_by_term("id", str(doc_id))
        if count or gone:
            writer.commit()
        else:
            writer.cancel()
    except BaseException:
        _abandon(writer)
        raise
    return count


def remove(path: Path, key: bytes, ids: Iterable[int]) -> None:
    ix = open_index(path, key)
    writer = ix.writer(timeout=WRITE_LOCK_TIMEOUT)
    try:
        for doc_id in ids:
            writer.delete_by_term("id", str(doc_id))
        writer.commit()
    except BaseException:
        _abandon(writer)
        raise


def indexed_ids(path: Path, key: bytes) -> set[int]:
    ix = open_index(path, key)
    with ix.searcher() as searcher:
        return {int(fields["id"]) for fields in searcher.all_stored_fields()}


def rebuild(path: Path, key: bytes, entries: Iterable[IndexEntry]) -> int:
    """Build a fresh index beside the old one and swap it in, so readers never see it empty."""
    fresh = path.with_name(path.name + ".new")
    shutil.rmtree(fresh, ignore_errors=True)
    create(fresh, key)
    count = add(fresh, key, entries, bulk=True)
    old = path.with_name(path.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if path.exists():
        path.rename(old)
    fresh.rename(path)
    shutil.rmtree(old, ignore_errors=True)
    return count
