"""A synthetic archive at the size of a province, written straight into the database, the blob
store and the search index: not through the ingest pipeline, so 100,000 records take well under
a minute of a quiet 2-core machine and 1,000,000 about ten minutes of a busy one (PostgreSQL or
SQLite, database and blobs; the index apart) instead of days.

    from bench.synthetic import build    # with the repository on sys.path
    inst = build(Path("/tmp/kho-1m"), 1_000_000)

    .venv/bin/python bench/synthetic.py /tmp/kho-100k --records 100000   # keep one to explore

Everything stored is real: each record's description is sealed under its own data key, its text
is an encrypted blob under another, wrapped by the instance's keyring; every filing has its
record event and its audit entry, chained exactly as ``archive.audit.record`` chains them; about
a third of the records sit in dossiers (closed for past years); the index is the index
``kho reindex`` would build. What is skipped is only what a benchmark of reading does not need:
the pipeline's reading of files (records have a text object but no original file), the fsync
of each blob, and the one-transaction-per-filing pace. Rows are loaded in bulk (``_Loader``:
COPY on PostgreSQL), with the register tallies' triggers and the secondary indexes of the loaded
tables made again after the load, the tallies counted once: the same rows, indexes and counts.

Records are a pure function of (seed, record number, size): the same call builds the same
archive, and ``records`` gives benchmarks the same documents without a database (FTS5, the index
alone). Ids follow filing order and dates roughly follow ids, as in an office's registers.
Reused by later benchmarks of due lists, registers and audit pages (``build``, ``Record``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import random
import secrets
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # the repository, not bench/: its files are named like the packages

from sqlalchemy import JSON, insert, text, update
from sqlalchemy.orm import Session

from archive.accounts import accounts
from archive.audit import log as audit
from archive.core import bindings, changelog, grouping, tallies
from archive.core.instance import Instance
from archive.models import (
    AuditEntry,
    AuditHead,
    Document,
    Dossier,
    DossierMember,
    RecordEvent,
    RegisterCounter,
    RegisterEntry,
    StoredObject,
)
from archive.operations.bootstrap import initialize
from ingest.demo import samples
from search.index import position, segments, store
from search.index.position import Position
from security.actor import Context
from security.crypto import audit_chain as chain
from security.crypto.keys import new_data_key
from security.crypto.stream import encrypt_bytes

UNITS = ("VP", "BTC", "UBKT", "BTGDV")  # created in this order: ids 1..4
LEVELS = (("thuong", 0.6), ("mat", 0.25), ("toi_mat", 0.1), ("tuyet_mat", 0.05))
PENDING_SHARE = 0.004  # held back until a person sets the level (filer and officers see it)
IN_DOSSIER_SHARE = 0.33
PLACES = ("Bát Xát", "Sa Pa", "Bắc Hà", "Mường Khương", "Văn Bàn", "Bảo Yên", "Si Ma Cai")
ADMIN_PASSWORD = "bench root passphrase"  # noqa: S105 - a throw-away benchmark instance
FILER = "luutru"  # the archivist every synthetic record is filed by
CHUNK = 5000  # records per task of the worker processes
OUTGOING_EVERY = 3  # every third record is one the office sent (sổ đi), the rest arrived (sổ đến)


@dataclass(frozen=True)
class Record:
    """One synthetic record: what the database, the blob store and the index learn of it."""

    id: int
    level: str
    unit: str  # unit code; ids are UNITS.index(unit) + 1
    doc_type: str
    issued: date
    number: str
    issuer: str
    subject: str
    text: str  # the record's text as ingest would store it (header lines, then the body)
    dossier: str | None
    pending: bool

    @property
    def unit_id(self) -> int:
        return UNITS.index(self.unit) + 1

    def entry(self, filed_by: int = 2) -> store.IndexEntry:
        """The index entry ``search.feed`` makes of this record once stored."""
        words = "\n".join([self.number, self.issuer, self.subject, self.text])
        return store.IndexEntry(
            self.id,
            self.level,
            self.unit_id,
            self.doc_type,
            self.issued.year,
            words,
            number=self.number,
            issuer=self.issuer,
            issued=self.issued,
            subject=self.subject,
            dossier=self.dossier,
            pending=self.pending,
            filed_by=filed_by,
        )


def _fill(rng: random.Random, text: str, year: int) -> str:
    return text.format(
        n=rng.randint(10, 900),
        p=rng.randint(50, 99),
        k=rng.randint(3, 60),
        m=rng.randint(2, 40),
        year=year,
    )


def record(number: int, count: int, seed: int = 5) -> Record:
    """Record ``number`` (1-based) of an archive of ``count``: a header and 8–14 sentences of
    one theme, a name and a place. Its date follows its filing position, give or take weeks."""
    rng = random.Random(seed * 1_000_003 + number)
    span = (samples.LAST_DAY - samples.FIRST_DAY).days
    filed = samples.FIRST_DAY + timedelta(days=span * number // max(count, 1))
    issued = max(samples.FIRST_DAY, filed - timedelta(days=rng.randrange(60)))
    issuer = rng.choice(samples.ISSUERS)
    doc_type = rng.choice(issuer.types)
    doc_number = f"{rng.randint(1, 999)}-{doc_type}/{issuer.code}"
    theme = rng.randrange(len(samples.THEMES))
    subjects, sentences = samples.THEMES[theme]
    subject = _fill(rng, rng.choice(subjects), issued.year)
    body = [_fill(rng, s, issued.year) for s in rng.sample(sentences, k=min(4, len(sentences)))]
    body += [rng.choice(samples.CLOSINGS), rng.choice(samples.ADDRESSEES)]
    name = f"{rng.choice(samples.FAMILY)} {rng.choice(samples.MIDDLE)} {rng.choice(samples.GIVEN)}"
    body.append(f"Đồng chí {name} phụ trách địa bàn {rng.choice(PLACES)}.")
    body += [_fill(rng, s, issued.year) for s in rng.sample(sentences, k=min(4, len(sentences)))]
    level = rng.choices([lv for lv, _ in LEVELS], [w for _, w in LEVELS])[0]
    unit = rng.choice(UNITS)
    header = [issuer.name.upper(), f"Số {doc_number}", f"{issuer.place}, ngày {issued:%d/%m/%Y}"]
    dossier = None
    if rng.random() < IN_DOSSIER_SHARE:
        dossier = f"{issued.year}-{unit}-{theme + 1:02d}"
    return Record(
        number,
        level,
        unit,
        doc_type,
        issued,
        doc_number,
        issuer.name,
        subject,
        "\n".join([*header, subject.capitalize(), *body]),
        dossier,
        rng.random() < PENDING_SHARE,
    )


def records(count: int, seed: int = 5, start: int = 1, stop: int | None = None) -> Iterator[Record]:
    """Records ``start``..``stop`` (inclusive; default all) of an archive of ``count``."""
    for number in range(start, (stop or count) + 1):
        yield record(number, count, seed)


# Building an instance ---------------------------------------------------------------------


def _register_row(inst: Instance, filer: int, rec: Record) -> dict:
    """The register line of a record (numbered later, in filing order): sổ đến for what arrived
    (the arrival date), sổ đi for what the office sent (the issue date); details sealed."""
    from archive.core import sealing

    outgoing = rec.id % OUTGOING_EVERY == 0
    details = {"number": rec.number, "doc_type": rec.doc_type, "subject": rec.subject}
    if outgoing:
        details["signer"] = "Phó Chánh Văn phòng"
        entry_date = rec.issued
    else:
        details.update(sender=rec.issuer, issued=rec.issued.strftime("%d/%m/%Y"))
        entry_date = rec.issued + timedelta(days=3)
    row = RegisterEntry()
    sealing.seal(inst, row, details)
    return {
        "register": "DI" if outgoing else "DEN",
        "year": entry_date.year,
        "entry_date": entry_date,
        "document_id": rec.id,
        "level": rec.level,
        "unit_id": rec.unit_id,
        "entered_by": filer,
        "uid": row.uid,
        "sender_mac": grouping.issuer_mac(inst.keyring, details.get("sender")),
        "kek_version": row.kek_version,
        "wrapped_key": row.wrapped_key,
        "sealed": row.sealed,
    }


def _stored_rows(inst: Instance, filer: int, batch: list[Record]) -> tuple[list, list]:
    """Document and text-object rows for a batch, each blob encrypted and written (no fsync)."""
    ring = inst.keyring
    documents, objects = [], []
    for rec in batch:
        uid = secrets.token_hex(16)
        meta = {"number": rec.number, "issuer": rec.issuer, "subject": rec.subject}
        meta.update({"filename": f"{rec.number.replace('/', '_')}.pdf"})
        meta_key = new_data_key()
        sealed = encrypt_bytes(
            meta_key, json.dumps(meta, ensure_ascii=False).encode(), bindings.record(uid, "meta")
        )
        meta_version, meta_wrapped = ring.wrap(meta_key, bindings.record(uid, "meta"))
        filed_at = datetime.combine(rec.issued, datetime.min.time(), UTC) + timedelta(days=3)
        documents.append(
            {
                "id": rec.id,
                "uid": uid,
                "kind": "party",
                "doc_type": rec.doc_type,
                "level": rec.level,
                "urgency": "thuong",
                "issued": rec.issued,
                "unit_id": rec.unit_id,
                "filed_by": filer,
                "filed_at": filed_at,
                "content_mac": ring.content_mac(f"synthetic {uid}".encode()),
                "number_mac": None,
                "issuer_mac": grouping.issuer_mac(ring, rec.issuer),
                "status": "active",
                "needs_ocr": False,
                "needs_review": rec.pending,
                "secrecy_pending": rec.pending,
                "meta_kek_version": meta_version,
                "meta_wrapped_key": meta_wrapped,
                "sealed_meta": sealed,
            }
        )
        key = new_data_key()
        text = rec.text.encode()
        ciphertext = encrypt_bytes(key, text, bindings.record(uid, "text"))
        name = secrets.token_hex(16)
        inst.blobs.path(name).write_bytes(ciphertext)
        version, wrapped = ring.wrap(key, bindings.record(uid, "text"))
        objects.append(
            {
                "document_id": rec.id,
                "kind": "text",
                "version": 1,
                "blob": name,
                "media_type": "text/plain; charset=utf-8",
                "size": len(text),
                "ciphertext_sha256": hashlib.sha256(ciphertext).hexdigest(),
                "kek_version": version,
                "wrapped_key": wrapped,
            }
        )
    return documents, objects


_WORK: dict = {}  # what forked workers inherit: the instance, the size, the seed


def _chunk_rows(first: int) -> tuple[list, list, list, list]:
    inst, count, seed, filer = _WORK["inst"], _WORK["count"], _WORK["seed"], _WORK["filer"]
    batch = list(records(count, seed, first, min(count, first + CHUNK - 1)))
    documents, objects = _stored_rows(inst, filer, batch)
    entries = [_register_row(inst, filer, rec) for rec in batch]
    done = [(r.id, r.level, r.doc_type, r.pending, r.dossier) for r in batch]
    return documents, objects, entries, done


def _number(entries: list[dict], counters: dict[tuple[str, int], int]) -> None:
    """Register numbers per register and year, gapless, in filing order."""
    for row in entries:
        key = (row["register"], row["year"])
        counters[key] = row["number"] = counters.get(key, 0) + 1


def _audit_rows(head: tuple, key: bytes, filer: int, done: list, at: datetime) -> tuple:
    """Ingest audit entries for a batch, linked as archive.audit.log.record links them (the payload
    is ``archive.audit.log.payload_of``'s, made without an ORM object per entry)."""
    seq, last_hash, last_mac = head
    rows = []
    for doc_id, level, doc_type, pending, _dossier in done:
        seq += 1
        when = at + timedelta(microseconds=seq)
        detail = {"level": level, "doc_type": doc_type}
        if pending:
            detail["secrecy_pending"] = True
        payload = {
            "seq": seq,
            "at": audit.stamp(when),
            "user_id": filer,
            "username": FILER,
            "role": "archivist",
            "unit": "VP",
            "address": None,
            "action": "ingest",
            "outcome": "stored",
            "object_id": doc_id,
            "detail": detail,
        }
        last_hash = chain.chain_hash(last_hash, payload)
        last_mac = chain.chain_mac(key, last_mac, payload)
        rows.append({**payload, "at": when, "hash": last_hash, "mac": last_mac})
    return rows, (seq, last_hash, last_mac)


def _dossiers(inst: Instance, loader: _Loader, members: dict[str, list[tuple[int, str]]]) -> None:
    """One dossier per (year, unit, theme); closed for past years; members in filing order."""
    from archive.core import sealing

    this_year = date.today().year
    rank = {lv: i for i, (lv, _) in enumerate(LEVELS)}
    with inst.sessions.begin() as session:
        for code, docs in sorted(members.items()):
            year, unit = int(code[:4]), code.split("-")[1]
            row = Dossier(
                code=code,
                year=year,
                unit_id=UNITS.index(unit) + 1,
                retention="20",
                level=max((lv for _, lv in docs), key=rank.__getitem__),
                status="closed" if year < this_year else "open",
                start_date=date(year, 1, 1),
                end_date=date(year, 12, 31),
                doc_count=len(docs),
            )
            sealing.seal(inst, row, {"title": f"Hồ sơ {code}"})
            session.add(row)
            session.flush()
            loader.write(
                session,
                DossierMember,
                [
                    {"document_id": doc_id, "dossier_id": row.id, "ordinal": n, "pages": 2}
                    for n, (doc_id, _) in enumerate(docs, 1)
                ],
            )


# Writing in bulk ----------------------------------------------------------------------------

# The tables the build fills row by row: their secondary indexes are dropped for the load and
# made again after it (one sorted pass each instead of a random B-tree insert per row).
BULK_TABLES = (
    "documents",
    "stored_objects",
    "record_events",
    "audit_log",
    "register_entries",
    "dossier_members",
)


class _Loader:
    """Writes the build's rows as the ORM's ``insert(Model)`` would (the same columns, the
    same Python-side defaults), but in bulk: PostgreSQL's ``COPY … FROM STDIN`` through the
    session's own psycopg connection (so in its transaction), SQLite's ``executemany``.

    Why: on PostgreSQL the ORM's executemany cost ~1.3 ms of this process per record in
    SQLAlchemy and psycopg (building, binding and piping five statements a record), and the
    register tallies' triggers (archive/core/tallies.py) ran an upsert per line. ``suspend``
    and ``resume`` take those costs out of the load: the tally triggers and the bulk tables'
    secondary indexes are dropped before it and made again after it, exactly as they were
    (their DDL read back from the database), and the tallies are counted once from the lines
    (``tallies.refill``, the same counts the triggers keep; ``kho check`` compares them)."""

    def __init__(self, inst: Instance) -> None:
        self.inst = inst
        self.dialect = inst.engine.dialect.name
        self.indexes: list[tuple[str, str]] = []  # (name, its CREATE INDEX), dropped for the load

    def write(self, session: Session, model: type, rows: list[dict]) -> None:
        if not rows:
            return
        if self.dialect != "postgresql":
            session.execute(insert(model), rows)
            return
        table = model.__table__
        names = [c.name for c in table.columns if c.name in rows[0] or _default(c) is not None]
        defaults = {c.name: _default(c) for c in table.columns if c.name not in rows[0]}
        made = {name: _plain(make()) for name, make in defaults.items() if make is not None}
        json_at = [i for i, n in enumerate(names) if isinstance(table.columns[n].type, JSON)]
        columns = ", ".join(f'"{name}"' for name in names)
        cursor = session.connection().connection.driver_connection.cursor()
        with cursor, cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy:
            for row in rows:
                values = [row[n] if n in row else made[n] for n in names]
                for i in json_at:
                    values[i] = json.dumps(values[i])
                copy.write_row(values)

    def suspend(self) -> None:
        """Drop the tally triggers and the bulk tables' secondary indexes (kept to remake)."""
        with self.inst.sessions.begin() as session:
            for statement in tallies.drop_triggers_sql(self.dialect):
                session.execute(text(statement))
            self.indexes = self._secondary_indexes(session)
            for name, _sql in self.indexes:
                session.execute(text(f'DROP INDEX "{name}"'))

    def resume(self) -> None:
        """The indexes and triggers as they were, the tallies counted, the planner told."""
        with self.inst.sessions.begin() as session:
            for _name, sql in self.indexes:
                session.execute(text(sql))
        tallies.refill(self.inst)
        with self.inst.sessions.begin() as session:
            for statement in tallies.create_triggers_sql(self.dialect):
                session.execute(text(statement))
        if self.dialect == "postgresql":  # what autovacuum would learn some time later
            with self.inst.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("ANALYZE"))

    def _secondary_indexes(self, session: Session) -> list[tuple[str, str]]:
        """The bulk tables' indexes that back no constraint, with the DDL that made them."""
        if self.dialect == "postgresql":
            query = (
                "SELECT i.tablename, i.indexname, i.indexdef FROM pg_indexes i WHERE"
                " i.schemaname = current_schema() AND NOT EXISTS (SELECT 1 FROM pg_constraint c"
                " WHERE c.conname = i.indexname) ORDER BY i.indexname"
            )
        else:
            query = (
                "SELECT tbl_name, name, sql FROM sqlite_master WHERE type = 'index'"
                " AND sql IS NOT NULL ORDER BY name"
            )
        found = session.execute(text(query))
        return [(name, sql) for table, name, sql in found if table in BULK_TABLES]


def _default(column) -> Callable[[], object] | None:
    """What the ORM would put in ``column`` when a row leaves it out (None: the database's
    own default or its sequence, as for the ORM)."""
    default = column.default
    if default is None or column.primary_key:
        return None
    if default.is_scalar:
        return lambda: default.arg
    if default.is_callable:
        return lambda: default.arg(None)
    return None


def _plain(value: object) -> object:
    """An enum default as the string the ORM stores (psycopg's COPY would write its name)."""
    return value.value if isinstance(value, Enum) else value


def build(
    home: Path,
    count: int,
    *,
    seed: int = 5,
    database_url: str | None = None,
    with_index: bool = True,
    workers: int | None = None,
    progress: Callable[[str], None] = print,
) -> Instance:
    """A fresh instance at ``home`` holding ``count`` synthetic records (see the module doc).

    Returns the instance with its keyring loaded; the admin's password is ``ADMIN_PASSWORD``
    and every record is filed by the archivist ``luutru`` (clearance tuyệt mật, unit VP).
    """
    workers = workers or os.cpu_count() or 1
    inst = Instance.from_settings(home, database_url)
    initialize(inst, ADMIN_PASSWORD)
    ctx = Context(None, "bench")
    for code in UNITS[1:]:
        with inst.sessions.begin() as session:
            accounts.get_or_create_unit(session, code)
    accounts.create_account(
        inst, ctx, FILER, ADMIN_PASSWORD, "archivist", "tuyet_mat", "VP", "Lưu trữ"
    )
    with inst.sessions() as session:
        filer = accounts.require_user(session, FILER).id
    for sub in range(256):
        (inst.blobs.root / f"{sub:02x}").mkdir(parents=True, exist_ok=True, mode=0o700)
    inst.keyring  # noqa: B018 - loaded before the workers fork
    _WORK.update(inst=inst, count=count, seed=seed, filer=filer)
    with inst.sessions() as session:
        head = session.get(AuditHead, 1)
        chain_head = (head.seq, head.hash, head.mac)
    started = time.perf_counter()
    members: dict[str, list[tuple[int, str]]] = {}
    at = datetime.now(UTC)
    context = multiprocessing.get_context("fork")
    inst.engine.dispose()  # no pooled connection crosses the fork
    counters: dict[tuple[str, int], int] = {}
    loader = _Loader(inst)
    loader.suspend()
    with context.Pool(workers) as pool:
        for documents, objects, entries, done in pool.imap(_chunk_rows, range(1, count + 1, CHUNK)):
            _number(entries, counters)
            audit_rows, chain_head = _audit_rows(
                chain_head, inst.keyring.audit_key, filer, done, at
            )
            events = [
                {
                    "document_id": doc_id,
                    "agent": f"{FILER} / synthetic",
                    "event": "encryption/storage",
                    "outcome": "success",
                    "detail": "1 objects",
                    "at": at,
                }
                for doc_id, *_ in done
            ]
            with inst.sessions.begin() as session:
                loader.write(session, Document, documents)
                loader.write(session, StoredObject, objects)
                loader.write(session, RecordEvent, events)
                loader.write(session, AuditEntry, audit_rows)
                loader.write(session, RegisterEntry, entries)
                seq, last_hash, last_mac = chain_head
                session.execute(update(AuditHead).values(seq=seq, hash=last_hash, mac=last_mac))
            for doc_id, level, _type, _pending, dossier in done:
                if dossier:
                    members.setdefault(dossier, []).append((doc_id, level))
            if done[-1][0] % 100_000 < CHUNK:
                progress(
                    f"  {done[-1][0]:>9,} records stored ({time.perf_counter() - started:.0f} s)"
                )
    _dossiers(inst, loader, members)
    with inst.sessions.begin() as session:
        session.execute(
            insert(RegisterCounter),
            [{"register": r, "year": y, "last": n} for (r, y), n in sorted(counters.items())],
        )
    loaded = time.perf_counter()
    loader.resume()
    progress(f"  indexes, tallies and statistics: {time.perf_counter() - loaded:.0f} s")
    stored = time.perf_counter() - started
    progress(f"  database and blobs: {count:,} records in {stored:.0f} s")
    if with_index:
        started = time.perf_counter()
        index_archive(inst, count, seed, workers)
        progress(f"  index: {count:,} records in {time.perf_counter() - started:.0f} s")
    return inst


def index_archive(inst: Instance, count: int, seed: int = 5, workers: int | None = None) -> None:
    """The index of a synthetic archive built without one, at the change log's head (the index
    holds the whole archive: ``kho serve`` has no log to apply and nothing to rebuild)."""
    with inst.sessions() as session:
        filer = accounts.require_user(session, FILER).id
        head = changelog.head(session)
    inst.engine.dispose()  # no pooled connection crosses the fork of the index's workers
    build_index(inst.index_dir, inst.keyring.index_key, count, seed, filer, workers or 1)
    position.write(inst.index_dir, inst.keyring.index_key, Position(head.seq, head.log_id))


def build_index(
    path: Path, key: bytes, count: int, seed: int = 5, filed_by: int = 2, workers: int = 1
) -> int:
    """The index of an archive of ``count`` synthetic records, built from the records themselves
    (what ``kho reindex`` would build from the database)."""
    size = segments.batch_size(count, workers)
    batches = [
        _EntryBatch(count, seed, first, min(count, first + size - 1), filed_by)
        for first in range(1, count + 1, size)
    ]
    return segments.rebuild(path, key, batches, workers)


@dataclass(frozen=True)
class _EntryBatch:
    """Records first..last as index entries, made in the worker process that writes them."""

    count: int
    seed: int
    first: int
    last: int
    filed_by: int

    def __call__(self) -> Iterator[store.IndexEntry]:
        for rec in records(self.count, self.seed, self.first, self.last):
            yield rec.entry(self.filed_by)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("home", type=Path, help="a folder that does not exist yet")
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--no-index", action="store_true")
    args = parser.parse_args()
    if args.home.exists():
        sys.exit(f"{args.home} exists: give a new folder")
    started = time.perf_counter()
    inst = build(
        args.home,
        args.records,
        seed=args.seed,
        database_url=args.database_url,
        with_index=not args.no_index,
    )
    inst.dispose()
    print(f"built {args.records:,} records in {time.perf_counter() - started:.0f} s at {args.home}")
    print(f"admin password: {ADMIN_PASSWORD!r}; records filed by {FILER!r} (same password)")


if __name__ == "__main__":
    main()
