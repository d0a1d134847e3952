"""Shared fixtures: a real instance (database, key file, blobs, encrypted index) per test.

With ``KHO_TEST_DATABASE_URL`` set to a PostgreSQL server URL, every test gets a fresh database
created on that server and dropped afterwards; otherwise SQLite in the test's temporary folder.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from archive.accounts import accounts
from archive.core.instance import Instance
from archive.operations.bootstrap import initialize
from ingest.demo import samples
from search.index import store
from security.actor import Context
from web import create_app

ADMIN_PASSWORD = "test root passphrase"


def _postgres_database(server_url: str) -> Iterator[str]:
    import psycopg

    url = make_url(server_url)
    name = f"kho_test_{secrets.token_hex(6)}"
    admin = url.set(drivername="postgresql", database="postgres")
    conninfo = admin.render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    server = os.environ.get("KHO_TEST_DATABASE_URL")
    if server:
        yield from _postgres_database(server)
    else:
        yield f"sqlite:///{tmp_path / 'home' / 'kho.sqlite3'}"


@pytest.fixture
def app(tmp_path: Path, database_url: str):
    app = create_app(
        {
            "KHO_HOME": str(tmp_path / "home"),
            "KHO_DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret",
            "TESTING": True,
        }
    )
    inst = app.extensions["kho"]
    initialize(inst, ADMIN_PASSWORD)
    store.open_index(inst.index_dir, inst.keyring.index_key)
    yield app
    inst.dispose()


@pytest.fixture
def inst(app) -> Instance:
    return app.extensions["kho"]


@dataclass(frozen=True)
class Person:
    username: str
    password: str
    ctx: object  # archive.audit.Context


def add_person(
    inst: Instance, username: str, role: str, clearance: str, unit: str | None = "VP"
) -> Person:
    password = f"correct horse battery {role}"
    accounts.create_account(inst, Context(None, "test"), username, password, role, clearance, unit)
    with inst.sessions() as session:
        ctx = accounts.context_for(accounts.require_user(session, username), "test")
    return Person(username, password, ctx)


@pytest.fixture
def archivist(inst: Instance) -> Person:
    return add_person(inst, "vanthu", "archivist", "tuyet_mat", "VP")


@pytest.fixture(scope="session")
def sample_docs() -> list[samples.SampleDocument]:
    """Generated once per run: PDF and text documents with known truth and canaries."""
    return samples.generate(20, seed=7)


def sample_doc(docs, *, level: str | None = None, fmt: str | None = None):
    return next(
        d
        for d in docs
        if (level is None or d.truth["level"] == level)
        and (fmt is None or d.truth["format"] == fmt)
    )


@pytest.fixture
def kho(tmp_path, database_url):
    """`kho` on a fresh KHO_HOME: ``kho("init")``, ``kho("show", "1", ok=False)``."""
    from click.testing import CliRunner

    from web.cli import main

    env = {"KHO_HOME": str(tmp_path / "home"), "KHO_DATABASE_URL": database_url}
    runner = CliRunner()

    def run(*args: str, ok: bool = True):
        result = runner.invoke(main, list(args), env=env, catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return run
