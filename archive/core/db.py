"""Database engine and sessions. Portable SQL only: SQLite for one machine, PostgreSQL beyond.

SQLite gets WAL (readers never block the writer), foreign keys and ``BEGIN IMMEDIATE`` so that
a transaction takes the write lock when it starts instead of failing half-way when two
processes (the web server and ``kho ingest``) write at once. A transaction that only reads
(``read_only``: the index follower's poll of the change log, say) begins deferred instead, on a
connection switched to ``query_only``: on WAL it reads a snapshot without taking, or waiting
for, the write lock, and a write attempted in it fails at once.

Waiting for the write lock: SQLite's own busy handler sleeps 1, 2, 5, 10, 15, 20, 25, … up to
100 ms between tries, so under load a writer slept on long after the lock was free (a loaded
web worker spent 13% of its time waiting for the lock). ``BEGIN IMMEDIATE`` is retried here
instead, every fraction of a millisecond to 2 ms, for as long as SQLite's timeout would have
waited (30 s); other statements keep SQLite's handler (in WAL they meet a busy database only
in rare cases: a recovery, a truncating checkpoint).

Durability: every commit syncs the WAL (``synchronous=FULL``): a commit acknowledged survives a
power cut. A transaction that records only a read (``lazy_sync``: the audit entry of a search
or a list, a session's idle clock) commits with ``synchronous=NORMAL`` instead, as PostgreSQL's
``synchronous_commit=off``: committed and visible at once, lost by no process crash, never torn
and never out of its audit chain (the WAL's checksummed frames are kept or dropped whole, the
chain's head row with its entry); a syncer thread of this process syncs the WAL within
``SYNC_WITHIN`` seconds, outside the write lock, so a power cut or a kernel crash can lose at
most the read entries of that last fraction of a second (any later commit that syncs, a
record's, makes them durable too). Such a commit held the one write lock for the whole sync
(an fsync took 7 ms median, 28 ms p95 on the bench machine), and every search of every worker
queued behind it. On PostgreSQL the same transactions set ``synchronous_commit`` off for
themselves (its WAL writer flushes them within 3 × ``wal_writer_delay``).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable

from sqlalchemy import create_engine, event, exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

READ_ONLY = "kho_read_only"  # the execution option of an engine whose transactions only read
LAZY_SYNC = "kho_lazy_sync"  # ... whose transactions record only reads (synced soon after)
BUSY_SECONDS = 30.0  # how long a statement waits for SQLite's write lock before it fails
SYNC_WITHIN = 0.2  # seconds after a lazily synced commit before the WAL is synced


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": BUSY_SECONDS})
        _tune_sqlite(engine)
        return engine
    engine = create_engine(url, pool_pre_ping=True)
    _tune_postgresql(engine)
    return engine


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(BUSY_SECONDS * 1000)}")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        info = conn.connection.info  # the pooled connection's: the pragmas outlive a checkout
        options = conn.get_execution_options()
        read_only = bool(options.get(READ_ONLY))
        if info.get(READ_ONLY, False) != read_only:
            conn.exec_driver_sql(f"PRAGMA query_only={int(read_only)}")
            info[READ_ONLY] = read_only
        if read_only:
            conn.exec_driver_sql("BEGIN")
            return
        lazy = bool(options.get(LAZY_SYNC))
        if info.get(LAZY_SYNC, False) != lazy:
            conn.exec_driver_sql(f"PRAGMA synchronous={'NORMAL' if lazy else 'FULL'}")
            info[LAZY_SYNC] = lazy
        begin_immediate(conn.exec_driver_sql)


def _tune_postgresql(engine: Engine) -> None:
    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if conn.get_execution_options().get(LAZY_SYNC):
            conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")


def begin_immediate(execute: Callable[[str], object], patience: float = BUSY_SECONDS) -> None:
    """``BEGIN IMMEDIATE`` through ``execute`` (a connection's), retried while another
    connection holds the write lock: at once, then after sleeps growing from 0.2 to 2 ms, until
    ``patience`` seconds have passed (then SQLite's "database is locked" is raised, as its own
    handler would). SQLite's busy handler is off meanwhile (two pragmas: microseconds) and back
    on for the transaction's statements."""
    execute("PRAGMA busy_timeout=0")
    try:
        deadline = time.monotonic() + patience
        pause = 0.0002
        while True:
            try:
                execute("BEGIN IMMEDIATE")
                return
            except (sqlite3.OperationalError, exc.OperationalError) as error:
                if not _is_busy(error) or time.monotonic() >= deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, 0.002)
    finally:
        execute(f"PRAGMA busy_timeout={int(BUSY_SECONDS * 1000)}")


def _is_busy(error: Exception) -> bool:
    """SQLite's "database is locked" (SQLITE_BUSY), raised as itself or wrapped."""
    return "database is locked" in str(getattr(error, "orig", error))


class _WalSyncer:
    """Syncs one database's WAL file a moment after lazily synced commits, from a thread of its
    own, outside SQLite's write lock: many commits in that moment share one sync."""

    def __init__(self, wal: str) -> None:
        self.wal = wal
        self.due = threading.Event()
        self.syncs = 0  # done so far (tests read it)
        threading.Thread(target=self._run, name="kho-wal-sync", daemon=True).start()

    def _run(self) -> None:
        while True:
            self.due.wait()
            time.sleep(SYNC_WITHIN)  # what commits in this moment shares the sync
            self.due.clear()  # a commit after this point asks again
            try:
                self.sync()
            except OSError:  # the next commit that syncs (any record's) makes them durable
                logging.getLogger(__name__).warning("WAL sync failed", exc_info=True)

    def sync(self) -> None:
        try:
            fd = os.open(self.wal, os.O_RDONLY)
        except FileNotFoundError:  # the last connection closed: SQLite synced and removed it
            return
        try:
            os.fsync(fd)  # the file's pages, whichever descriptor wrote them
            self.syncs += 1
        finally:
            os.close(fd)


_syncers: dict[tuple[int, str], _WalSyncer] = {}
_syncers_lock = threading.Lock()


def sync_soon(wal: str) -> _WalSyncer:
    """Ask this process's syncer of ``wal`` to sync it within ``SYNC_WITHIN`` seconds (a syncer
    per process: a forked web worker starts its own, the parent's thread is not in it)."""
    key = (os.getpid(), wal)
    syncer = _syncers.get(key)
    if syncer is None:
        with _syncers_lock:
            syncer = _syncers.get(key) or _syncers.setdefault(key, _WalSyncer(wal))
    syncer.due.set()
    return syncer


def make_session_factory(
    engine: Engine, read_only: bool = False, lazy_sync: bool = False
) -> sessionmaker[Session]:
    """Sessions on ``engine``; ``read_only`` ones never take SQLite's write lock (and cannot
    write). On PostgreSQL reads never wait for writers, so the option changes nothing there.
    ``lazy_sync``: for transactions that record only a read (see the module's docstring)."""
    if read_only:
        return sessionmaker(engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False)
    if not lazy_sync:
        return sessionmaker(engine, expire_on_commit=False)
    factory = sessionmaker(engine.execution_options(**{LAZY_SYNC: True}), expire_on_commit=False)
    wal = _wal_of(engine)
    if wal is not None:  # after the commit, not before: its frames are written when it is asked

        @event.listens_for(factory, "after_commit")
        def _sync_soon(_session):
            sync_soon(wal)

    return factory


def _wal_of(engine: Engine) -> str | None:
    """The WAL file of a SQLite database on disk; None for any other."""
    database = engine.url.database
    if engine.url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    return os.path.abspath(database) + "-wal"
