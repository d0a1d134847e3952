"""The search index: schema, the writer, and rebuilding from the archive.

The index is derived data. It holds words, never stored text (only the record id is stored), it
is encrypted at rest (search.storage) and ``rebuild`` recreates it from the database at any time.
Whoosh's lock keeps one writer at a time; a commit writes new files and then a new table of
contents atomically, so a crash mid-commit leaves the previous generation readable.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.fields import COLUMN, ID, KEYWORD, NUMERIC, TEXT, Schema
from whoosh.index import Index
from whoosh.writing import IndexWriter

from search.analysis import exact_analyzer, fold, folded_analyzer, number_keys, unify_tones
from search.storage import EncryptedStorage

WRITE_LOCK_TIMEOUT = 30.0
MERGE_FACTOR = 8  # segments of one size tier merged into one


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
    dossier: str | None = None  # the dossier's code (issue 9)
    pending: bool = False  # secrecy pending: seen only by ``filed_by`` and security officers
    filed_by: int | None = None
    signature: str | None = None  # words for ``kyso:`` (search.feed.signature_words)


def storage(path: Path, key: bytes) -> EncryptedStorage:
    return EncryptedStorage(path, key)


def create(path: Path, key: bytes) -> None:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    storage(path, key).create_index(schema())


def open_index(path: Path, key: bytes) -> Index:
    files = storage(path, key)
    if not whoosh_index.exists(files):
        create(path, key)
    ix = files.open_index()
    current = ix.schema  # read from the table of contents at each access: once here
    missing = [name for name in schema().names() if name not in current]
    if missing:  # an index made by an older Kho: add the new fields (old entries lack them)
        writer = ix.writer(timeout=WRITE_LOCK_TIMEOUT)
        try:
            for name in missing:
                writer.add_field(name, schema()[name])
            writer.commit()
        except BaseException:
            _abandon(writer)
            raise
        ix = files.open_index()
    return ix


def fields_of(entry: IndexEntry) -> dict:
    """The field values Whoosh indexes for an entry."""
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


def add(path: Path, key: bytes, entries: Iterable[IndexEntry]) -> int:
    """Add or replace records; one commit for the batch. Whoosh's lock keeps one writer."""
    ix = open_index(path, key)
    count = 0
    writer = ix.writer(timeout=WRITE_LOCK_TIMEOUT)
    try:
        for entry in entries:
            writer.update_document(**fields_of(entry))
            count += 1
        writer.commit(merge=False)  # never a merge on the filing path: see merge_small
    except BaseException:
        _abandon(writer)
        raise
    merge_small(path, key)
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


def remove(path: Path, key: bytes, ids: Iterable[int]) -> None:
    ix = open_index(path, key)
    writer = ix.writer(timeout=WRITE_LOCK_TIMEOUT)
    try:
        for doc_id in ids:
            writer.delete_by_term("id", str(doc_id))
        writer.commit(merge=False)
    except BaseException:
        _abandon(writer)
        raise
    merge_small(path, key)


def _tier(size: int) -> int:
    tier = 0
    while size >= MERGE_FACTOR:
        size //= MERGE_FACTOR
        tier += 1
    return tier


def merge_plan(found: list) -> list:
    """Segments to merge next, if any: ``MERGE_FACTOR`` segments of one size tier (sizes within
    a factor of 8), smallest tier first, so each document is rewritten a few times in its life
    (log8 of the segment size); bulk-written segments (``segments.SEGMENT_DOCS``) are left
    alone. A segment with more than a third of its documents deleted is rewritten without them.
    """
    from search.segments import SEGMENT_DOCS

    tiers: dict[int, list] = {}
    for segment in found:
        if segment.doc_count_all() < SEGMENT_DOCS // 2:
            tiers.setdefault(_tier(segment.doc_count_all()), []).append(segment)
    for tier in sorted(tiers):
        if len(tiers[tier]) >= MERGE_FACTOR:
            return tiers[tier][:MERGE_FACTOR]
    for segment in found:
        if segment.deleted_count() * 3 > segment.doc_count_all():
            return [segment]
    return []


def merge_small(path: Path, key: bytes, steps: int = 4) -> int:
    """Merge segments in the writer's own time: right after its commit, by the bulk writer
    (``segments.merge``), while readers go on with the generation they have. Skipped when
    another writer holds the lock (its own commit merges). A commit never merges (Whoosh's
    default policy would, now and then, rewrite most of a large index during one filing).
    A failed merge leaves the index as it was: it is logged, not raised to the filing, whose
    commit already stands. Returns the number of merges done."""
    from whoosh.index import TOC, clean_files
    from whoosh.reading import SegmentReader

    from search import segments

    done = 0
    for _ in range(steps):
        files = storage(path, key)
        lock = files.lock("MAIN_WRITELOCK")
        if not lock.acquire(blocking=False):
            return done
        try:
            toc = TOC.read(files, segments.INDEX_NAME)
            plan = merge_plan(toc.segments)
            if not plan:
                return done
            readers = [SegmentReader(files, toc.schema, s) for s in plan]
            merged = segments.merge(files, toc.schema, readers)
            at = toc.segments.index(plan[0])
            kept = [s for s in toc.segments[:at] if s not in plan]
            kept += [merged] if merged.doc_count_all() else []
            kept += [s for s in toc.segments[at:] if s not in plan]
            generation = toc.generation + 1
            TOC(toc.schema, kept, generation).write(files, segments.INDEX_NAME)
            clean_files(files, segments.INDEX_NAME, generation, kept)
            done += 1
        except Exception:
            logging.getLogger(__name__).exception("merging index segments failed")
            return done
        finally:
            lock.release()
    return done


def indexed_ids(path: Path, key: bytes) -> set[int]:
    ix = open_index(path, key)
    with ix.searcher() as searcher:
        return {int(fields["id"]) for fields in searcher.all_stored_fields()}


def rebuild(path: Path, key: bytes, entries: Iterable[IndexEntry]) -> int:
    """Build a fresh index beside the old one and swap it in, so readers never see it empty
    (in this process; ``search.segments.rebuild`` spreads batches over every core)."""
    from search import segments

    return segments.rebuild(path, key, segments.batches_of(entries))
