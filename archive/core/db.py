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
in rare cases: a recovery, a truncating checkpoint). Threads of one process do not poll for it at
all: they queue for this process's writer gate of the database (``writers_of``), taken before
``BEGIN IMMEDIATE`` and let go once the transaction's COMMIT or ROLLBACK has returned, so only
one of them at a time asks SQLite and the next starts as soon as the lock is free. Polled, the
four threads of an ingest batch retried ~9 times per file filed (each try an exception through
SQLAlchemy and a wake-up competing for the GIL: ~2 ms of CPU per file, more on a busy machine);
a writer in another process is still polled for as above.

Durability: every commit syncs the WAL (``synchronous=FULL``): a commit acknowledged survives a
power cut. A transaction that records only a read (``lazy_sync``: the audit entry of a search
or a list, a session's idle clock) commits with ``synchronous=NORMAL`` instead, which releases
the write lock without syncing, and then waits, outside the lock, for a sync of the WAL by this
process's syncer thread (group commit): the commits made while one sync runs share the next
one, so a read's entry is on disk before anything is shown, as before, but the one write lock
is no longer held through the sync (7-28 ms on the bench machine; every search of every
worker queued behind it). A failed sync fails the transaction's caller (nothing is shown).
PostgreSQL commits in parallel and groups its own syncs: it is left as it is.
"""

from __future__ import annotations

import collections
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
LAZY_SYNC = "kho_lazy_sync"  # ... whose transactions record only reads (group commit)
BUSY_SECONDS = 30.0  # how long a statement waits for SQLite's write lock before it fails


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"timeout": BUSY_SECONDS, "factory": _GatedConnection}
        )
        _tune_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


_gates: dict[tuple[int, str], threading.Lock] = {}
_gates_lock = threading.Lock()


def writers_of(database: str) -> threading.Lock:
    """This process's writer gate of a SQLite database file: held by the one thread of this
    process whose transaction holds (or is about to take) the database's write lock. Keyed by
    process, as the syncers: a forked child starts with its own, never with one a thread of its
    parent held at the fork."""
    key = (os.getpid(), os.path.abspath(database))
    gate = _gates.get(key)
    if gate is None:
        with _gates_lock:
            gate = _gates.setdefault(key, threading.Lock())
    return gate


class _GatedConnection(sqlite3.Connection):
    """A SQLite connection that lets go of its process's writer gate when its transaction ends:
    after COMMIT or ROLLBACK has returned (the lock is free, the commit synced), or when it is
    closed. SQLAlchemy ends every transaction with one of these, and a pooled connection is
    rolled back when returned."""

    gate: threading.Lock | None = None  # the gate it holds, while its transaction writes

    def let_go(self) -> None:
        gate, self.gate = self.gate, None
        if gate is not None:
            gate.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.let_go()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.let_go()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.let_go()


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
        raw = conn.connection.dbapi_connection
        database = engine.url.database
        if not isinstance(raw, _GatedConnection) or not database or database == ":memory:":
            begin_immediate(conn.exec_driver_sql)
            return
        started = time.monotonic()
        gate = writers_of(database)
        if not gate.acquire(timeout=BUSY_SECONDS):  # as SQLite says it after its timeout
            raise sqlite3.OperationalError("database is locked (by this process's writers)")
        raw.gate = gate
        try:
            begin_immediate(conn.exec_driver_sql, BUSY_SECONDS - (time.monotonic() - started))
        except BaseException:
            raw.let_go()
            raise


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
    """Syncs one database's WAL file for the commits that wait on it, from a thread of its own,
    outside SQLite's write lock: the commits made while one sync runs share the next."""

    def __init__(self, wal: str) -> None:
        self.wal = wal
        self.syncs = 0  # done so far (tests read it)
        self._turn = threading.Condition()
        self._asked = 0  # commits that asked for a sync
        self._covered = 0  # of those, the ones a finished sync covers
        self._failed: collections.deque = collections.deque(maxlen=1000)  # (first, last, error)
        threading.Thread(target=self._run, name="kho-wal-sync", daemon=True).start()

    def wait_durable(self) -> None:
        """Return once a sync begun after this call has finished: everything this thread
        committed before the call is then on disk. Raises the sync's error when it failed."""
        with self._turn:
            self._asked += 1
            ticket = self._asked
            self._turn.notify_all()
            while self._covered < ticket:
                self._turn.wait()
            failure = next((e for lo, hi, e in self._failed if lo <= ticket <= hi), None)
        if failure is not None:
            raise failure

    def _run(self) -> None:
        while True:
            with self._turn:
                while self._covered == self._asked:
                    self._turn.wait()
                first, target = self._covered + 1, self._asked  # who asked before it begins
            try:
                self.sync()
            except OSError as error:
                logging.getLogger(__name__).warning("WAL sync failed", exc_info=True)
                with self._turn:
                    self._failed.append((first, target, error))
            with self._turn:
                self._covered = target
                self._turn.notify_all()

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


def syncer_of(wal: str) -> _WalSyncer:
    """This process's syncer of ``wal`` (a forked web worker starts its own: the parent's thread
    is not in it)."""
    key = (os.getpid(), wal)
    syncer = _syncers.get(key)
    if syncer is None:
        with _syncers_lock:
            syncer = _syncers.get(key) or _syncers.setdefault(key, _WalSyncer(wal))
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
    if wal is not None:  # after the commit: its frames are in the WAL, the write lock is free

        @event.listens_for(factory, "after_commit")
        def _durable(_session):
            syncer_of(wal).wait_durable()

    return factory


def _wal_of(engine: Engine) -> str | None:
    """The WAL file of a SQLite database on disk; None for any other."""
    database = engine.url.database
    if engine.url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    return os.path.abspath(database) + "-wal"
