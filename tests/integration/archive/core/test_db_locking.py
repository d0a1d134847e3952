"""Waiting for SQLite's write lock and syncing the disk: a writer takes the lock as soon as it
is free (retried by us, not slept on by SQLite's busy handler) and gives up after its patience;
a transaction that records only a read (a search's audit entry) releases the lock without
syncing the disk while the others still sync, and its commit returns once this process's
syncer has synced the WAL (group commit): on disk before anything is shown, without holding the
lock through the sync."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.exc import OperationalError

from archive.audit.actions import Action
from archive.core import db
from archive.core.uow import UnitOfWork
from archive.models import AuditEntry
from archive.records import gate
from security.actor import Context
from tests.support.records import file_doc

SYSTEM = Context(None, "test")
SYNC = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}


@pytest.fixture
def sqlite_path(inst) -> str:
    if not inst.database_url.startswith("sqlite:///"):
        pytest.skip("SQLite's single write lock and its pragmas")
    return inst.database_url.removeprefix("sqlite:///")


def _holder(path: str) -> sqlite3.Connection:
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    return other


def test_a_waiting_writer_takes_the_lock_once_it_is_released(sqlite_path):
    """The holder lets go once the waiter has been refused and tried again: a waiter asleep in
    SQLite's busy handler (up to 100 ms a try, 30 s in all) would try only once."""
    holder = _holder(sqlite_path)
    waiter = sqlite3.connect(sqlite_path, isolation_level=None, timeout=db.BUSY_SECONDS)
    traced: list[str] = []
    retried = threading.Event()

    def trace(sql: str) -> None:
        traced.append(sql)
        if traced.count("BEGIN IMMEDIATE") >= 2:
            retried.set()

    def release_once_retried():
        retried.wait(10)
        holder.execute("ROLLBACK")

    releaser = threading.Thread(target=release_once_retried)
    releaser.start()
    try:
        waiter.set_trace_callback(trace)
        db.begin_immediate(waiter.execute)  # returns once the holder rolled back
        assert waiter.in_transaction
        assert traced.count("BEGIN IMMEDIATE") >= 2  # refused at first, then taken
        assert traced[0] == "PRAGMA busy_timeout=0"  # SQLite's sleeping handler set aside
        # ... and put back for the transaction's other statements
        assert traced[-1] == f"PRAGMA busy_timeout={int(db.BUSY_SECONDS * 1000)}"
    finally:
        releaser.join()
        waiter.set_trace_callback(None)
        waiter.execute("ROLLBACK")
        waiter.close()
        holder.close()


def test_a_writer_gives_up_after_its_patience_with_sqlites_error(sqlite_path):
    holder = _holder(sqlite_path)
    waiter = sqlite3.connect(sqlite_path, isolation_level=None, timeout=db.BUSY_SECONDS)
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            db.begin_immediate(waiter.execute, patience=0.05)
        assert not waiter.in_transaction
        assert waiter.execute("PRAGMA busy_timeout").fetchone()[0] == int(db.BUSY_SECONDS * 1000)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        waiter.close()


def test_other_errors_of_begin_are_not_retried(sqlite_path):
    conn = sqlite3.connect(sqlite_path, isolation_level=None)
    conn.execute("BEGIN")
    try:
        with pytest.raises(sqlite3.OperationalError, match="within a transaction"):
            db.begin_immediate(conn.execute)
    finally:
        conn.execute("ROLLBACK")
        conn.close()


def _synchronous(session) -> str:
    return SYNC[session.execute(text("PRAGMA synchronous")).scalar()]


def test_only_a_reads_record_commits_without_syncing(inst, sqlite_path):
    """On the same pooled connections: a read's record runs with synchronous=NORMAL, any other
    unit of work (and any transaction after it) with FULL again."""
    for _ in range(2):
        with UnitOfWork(inst, SYSTEM, read_record=True) as uow:
            assert _synchronous(uow.session) == "NORMAL"
            uow.audit(Action.SEARCH, "allowed", None, {"ids": []})
        with UnitOfWork(inst, SYSTEM) as uow:
            assert _synchronous(uow.session) == "FULL"
        with inst.sessions() as session, session.begin():
            assert _synchronous(session) == "FULL"


def test_a_reads_record_is_synced_before_its_commit_returns(inst, sqlite_path):
    syncer = db.syncer_of(db._wal_of(inst.engine))  # this process's syncer of this database
    before = syncer.syncs
    with UnitOfWork(inst, SYSTEM, read_record=True) as uow:
        uow.audit(Action.SEARCH, "allowed", None, {"ids": []})
    assert syncer.syncs > before


def test_the_write_lock_is_free_while_a_reads_record_waits_for_its_sync(
    inst, sqlite_path, monkeypatch
):
    syncer = db.syncer_of(db._wal_of(inst.engine))
    release, syncing = threading.Event(), threading.Event()
    real = syncer.sync

    def slow_sync():
        syncing.set()
        release.wait(30)
        real()

    monkeypatch.setattr(syncer, "sync", slow_sync)
    done = []

    def search():
        with UnitOfWork(inst, SYSTEM, read_record=True) as uow:
            uow.audit(Action.SEARCH, "allowed", None, {"ids": []})
        done.append(True)

    waiter = threading.Thread(target=search)
    waiter.start()
    try:
        assert syncing.wait(30)
        other = _holder(sqlite_path)  # another writer takes the lock meanwhile
        other.execute("ROLLBACK")
        other.close()
        assert not done  # the commit has not returned: its sync has not finished
    finally:
        release.set()
        waiter.join(30)
    assert done


def test_a_failed_sync_fails_the_reads_record_and_the_next_one_syncs(
    inst, sqlite_path, monkeypatch
):
    syncer = db.syncer_of(db._wal_of(inst.engine))
    real = syncer.sync
    monkeypatch.setattr(syncer, "sync", lambda: (_ for _ in ()).throw(OSError(5, "I/O error")))
    with pytest.raises(OSError), UnitOfWork(inst, SYSTEM, read_record=True) as uow:
        uow.audit(Action.SEARCH, "allowed", None, {"ids": []})
    monkeypatch.setattr(syncer, "sync", real)
    with UnitOfWork(inst, SYSTEM, read_record=True) as uow:
        uow.audit(Action.SEARCH, "allowed", None, {"ids": []})


def test_a_searchs_entry_is_committed_before_it_is_shown(inst, archivist, sqlite_path):
    """The entry of a search, written with the lazy sync, is in the database (another
    connection reads it) when the hits are returned: committed, only its sync deferred."""
    doc = file_doc(inst, archivist, text="Kế hoạch kiểm tra đảng viên năm 2026.")
    hits = gate.admit_hits(inst, archivist.ctx, "đảng viên", [doc], None)
    assert [h.id for h in hits] == [doc]
    other = sqlite3.connect(sqlite_path)
    try:
        (action,) = other.execute(
            "SELECT action FROM audit_log ORDER BY seq DESC LIMIT 1"
        ).fetchone()
    finally:
        other.close()
    assert action == "search"
    with inst.sessions() as session:
        entry = session.execute(select(AuditEntry).order_by(AuditEntry.seq.desc())).scalar()
    assert entry.detail["ids"] == [doc]


def test_postgresql_syncs_a_reads_record_as_any_commit(inst):
    if inst.database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's synchronous_commit")
    for read_record in (True, False):
        with UnitOfWork(inst, SYSTEM, read_record=read_record) as uow:
            assert uow.session.execute(text("SHOW synchronous_commit")).scalar() == "on"


def test_a_unit_of_work_waits_for_another_processs_writer_then_commits(inst, sqlite_path):
    """Through SQLAlchemy's engine (its wrapped errors, its transaction state): a unit begun
    while another connection writes is refused, retried and then commits whole."""
    holder = _holder(sqlite_path)
    releaser = threading.Timer(0.3, lambda: holder.execute("ROLLBACK"))
    releaser.start()
    try:
        with UnitOfWork(inst, SYSTEM) as uow:
            entry = uow.audit(Action.SEARCH, "allowed", None, {"ids": [], "waited": True})
        seq = entry.seq
    finally:
        releaser.join()
        holder.close()
    with inst.sessions() as session:
        assert session.get(AuditEntry, seq).detail["waited"] is True


def test_threads_of_one_process_queue_for_the_write_lock_instead_of_polling_it(inst, sqlite_path):
    """The four threads of an ingest batch each retried BEGIN IMMEDIATE ~9 times per file while
    another held the lock (an exception and a wake-up each: ~2 ms of CPU per file, issue 20).
    A thread now waits for its process's writer gate and asks SQLite once, when it is free."""
    tries: list[str] = []
    held, release = threading.Event(), threading.Event()

    def count(_conn, _cursor, statement, *_args) -> None:
        if statement == "BEGIN IMMEDIATE":
            tries.append(threading.current_thread().name)

    def first() -> None:
        with UnitOfWork(inst, SYSTEM) as uow:
            uow.audit(Action.SEARCH, "allowed", None, {"ids": [], "writer": 1})
            held.set()
            release.wait(30)

    def second() -> None:
        with UnitOfWork(inst, SYSTEM) as uow:
            uow.audit(Action.SEARCH, "allowed", None, {"ids": [], "writer": 2})

    event.listen(inst.engine, "before_cursor_execute", count)
    threads = [threading.Thread(target=first, name="first"), threading.Thread(target=second)]
    threads[1].name = "second"
    try:
        threads[0].start()
        assert held.wait(30)
        threads[1].start()
        threads[1].join(0.3)  # time enough for a polling writer to try dozens of times
        assert threads[1].is_alive()  # still waiting for the first to commit
        release.set()
        for thread in threads:
            thread.join(30)
    finally:
        release.set()
        event.remove(inst.engine, "before_cursor_execute", count)
    assert tries == ["first", "second"]  # once each: the second asked when the lock was free
    assert not db.writers_of(sqlite_path).locked()
    with inst.sessions() as session:
        writers = [
            e.detail.get("writer")
            for e in session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars()
        ]
    assert writers[-2:] == [1, 2]


def test_the_writer_gate_is_let_go_however_the_transaction_ends(inst, sqlite_path, monkeypatch):
    gate = db.writers_of(sqlite_path)
    with UnitOfWork(inst, SYSTEM) as uow:
        uow.audit(Action.SEARCH, "allowed", None, {"ids": []})
        assert gate.locked()  # held while the transaction writes
    assert not gate.locked()  # committed
    with pytest.raises(RuntimeError), UnitOfWork(inst, SYSTEM) as uow:
        uow.audit(Action.SEARCH, "allowed", None, {"ids": []})
        raise RuntimeError("the action failed half-way")
    assert not gate.locked()  # rolled back
    with inst.sessions() as session:
        session.execute(select(AuditEntry.seq).limit(1))
    assert not gate.locked()  # a session closed without committing: rolled back on return
    holder = _holder(sqlite_path)  # another process writes for longer than the patience
    monkeypatch.setattr(db, "BUSY_SECONDS", 0.05)
    try:
        with pytest.raises(OperationalError, match="locked"), inst.engine.begin():
            pass
        assert not gate.locked()  # a begin that gave up let go too
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    reader_done = threading.Event()
    with gate:  # a reader never waits for the writers of its process

        def read() -> None:
            with inst.read_sessions() as session:
                session.execute(select(AuditEntry.seq).limit(1))
            reader_done.set()

        reader = threading.Thread(target=read)
        reader.start()
        reader.join(10)
    assert reader_done.is_set()
