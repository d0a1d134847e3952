"""The search index: the writer, merges in its own time, and rebuilding from the archive.

The index is derived data. It holds words, never stored text (only the record id is stored), it is
encrypted at rest (search.index.storage) and ``rebuild`` recreates it from the database at any time.
Whoosh's lock keeps one writer at a time; a commit writes new files and then a new table of contents
atomically, so a crash mid-commit leaves the previous generation readable.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from contextlib import suppress
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.index import TOC, Index, clean_files
from whoosh.reading import SegmentReader
from whoosh.writing import IndexWriter

from search.index import segments
from search.index.fields import IndexEntry, fields_of, schema
from search.index.storage import EncryptedStorage

WRITE_LOCK_TIMEOUT = 30.0
MERGE_FACTOR = 8  # segments of one size tier merged into one


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


def update(path: Path, key: bytes, entries: Iterable[IndexEntry], gone: set[int]) -> int:
    """Add or replace ``entries`` and delete the records left in ``gone`` once they are read
    (the caller empties it of what it yields), in one commit; no commit when nothing changed.
    Returns how many were (re-)indexed."""
    ix = open_index(path, key)
    writer = ix.writer(timeout=WRITE_LOCK_TIMEOUT)
    count = 0
    try:
        for entry in entries:
            writer.update_document(**fields_of(entry))
            count += 1
        for doc_id in gone:
            writer.delete_by_term("id", str(doc_id))
        if not (count or gone):
            writer.cancel()
            return 0
        writer.commit(merge=False)  # never a merge on the filing path: see merge_small
    except BaseException:
        _abandon(writer)
        raise
    merge_small(path, key)
    return count


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
    (log8 of the segment size); bulk-written segments (``segments.segments.SEGMENT_DOCS``) are left
    alone. A segment with more than a third of its documents deleted is rewritten without them.
    """
    tiers: dict[int, list] = {}
    for segment in found:
        if segment.doc_count_all() < segments.SEGMENT_DOCS // 2:
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
    (in this process; ``search.index.segments.rebuild`` spreads batches over every core)."""
    return segments.rebuild(path, key, segments.batches_of(entries))
