"""Database engine and sessions. Portable SQL only: SQLite for one machine, PostgreSQL beyond.

SQLite gets WAL (readers never block the writer), foreign keys, a busy timeout and
``BEGIN IMMEDIATE`` so that a transaction takes the write lock when it starts instead of failing
half-way when two processes (the web server and ``kho ingest``) write at once. A transaction
that only reads (``read_only``: the index follower's poll of the change log, say) begins
deferred instead, on a connection switched to ``query_only``: on WAL it reads a snapshot
without taking, or waiting for, the write lock, and a write attempted in it fails at once.
"""

from __future__ import annotations

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

READ_ONLY = "kho_read_only"  # the execution option of an engine whose transactions only read


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})
        _tune_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        info = conn.connection.info  # the pooled connection's: the pragma outlives a checkout
        read_only = bool(conn.get_execution_options().get(READ_ONLY))
        if info.get(READ_ONLY, False) != read_only:
            conn.exec_driver_sql(f"PRAGMA query_only={int(read_only)}")
            info[READ_ONLY] = read_only
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def make_session_factory(engine: Engine, read_only: bool = False) -> sessionmaker[Session]:
    """Sessions on ``engine``; ``read_only`` ones never take SQLite's write lock (and cannot
    write). On PostgreSQL reads never wait for writers, so the option changes nothing there."""
    if read_only:
        engine = engine.execution_options(**{READ_ONLY: True})
    return sessionmaker(engine, expire_on_commit=False)
