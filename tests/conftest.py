"""Shared fixtures: a real instance (database, key file, blobs, encrypted index) per test.

With ``KHO_TEST_DATABASE_URL`` set to a PostgreSQL server URL, every test gets a fresh database
created on that server and dropped afterwards; otherwise SQLite in the test's temporary folder.

With ``KHO_TEST_S3_ENDPOINT`` and ``KHO_TEST_S3_BUCKET`` set (``scripts/with-s3.sh`` does), every
instance keeps its blobs under a fresh prefix of that bucket, emptied afterwards; otherwise in its
folder. Tests that use ``blob_settings`` (every test with an instance) are marked ``blobs``:
``make test-s3`` runs them against the real server.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from archive import accounts
from archive.audit import Context
from archive.bootstrap import initialize
from archive.instance import Instance
from ingest import samples
from search import index
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


S3_ENDPOINT = os.environ.get("KHO_TEST_S3_ENDPOINT")
S3_BUCKET = os.environ.get("KHO_TEST_S3_BUCKET", "kho-test")


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        if "blob_settings" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.blobs)


@pytest.fixture
def blob_area() -> Iterator:
    """``blob_area(label)``: the blob settings of one instance of the test (KHO_BLOBS and
    KHO_S3_ENDPOINT, as for ``create_app`` or the environment of ``kho``); empty for the
    local folder. Object-storage prefixes are emptied when the test ends."""
    stores = []

    def area(label: str) -> dict[str, str]:
        if not S3_ENDPOINT:
            return {}
        from archive.s3store import S3BlobStore

        prefix = f"t{secrets.token_hex(6)}/{label}"
        stores.append(S3BlobStore(S3_BUCKET, prefix, S3_ENDPOINT))
        return {"KHO_BLOBS": f"s3://{S3_BUCKET}/{prefix}", "KHO_S3_ENDPOINT": S3_ENDPOINT}

    yield area
    for store in stores:
        store.remove_all()


@pytest.fixture
def blob_settings(blob_area) -> dict[str, str]:
    """The blob settings of the test's main instance (``app``, ``inst``, ``kho``)."""
    return blob_area("home")


def instance_at(home: Path, database_url: str, blobs: dict[str, str]) -> Instance:
    return Instance.from_settings(
        home, database_url, blobs=blobs.get("KHO_BLOBS"), s3_endpoint=blobs.get("KHO_S3_ENDPOINT")
    )


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    server = os.environ.get("KHO_TEST_DATABASE_URL")
    if server:
        yield from _postgres_database(server)
    else:
        yield f"sqlite:///{tmp_path / 'home' / 'kho.sqlite3'}"


@pytest.fixture
def app(tmp_path: Path, database_url: str, blob_settings: dict[str, str]):
    app = create_app(
        {
            "KHO_HOME": str(tmp_path / "home"),
            "KHO_DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret",
            "TESTING": True,
            **blob_settings,
        }
    )
    inst = app.extensions["kho"]
    initialize(inst, ADMIN_PASSWORD)
    index.open_index(inst.index_dir, inst.keyring.index_key)
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
def home_env(tmp_path, database_url, blob_settings) -> dict[str, str]:
    """The environment of `kho` for the test's instance: KHO_HOME, database, blobs."""
    return {"KHO_HOME": str(tmp_path / "home"), "KHO_DATABASE_URL": database_url, **blob_settings}


@pytest.fixture
def kho(home_env):
    """`kho` on a fresh KHO_HOME: ``kho("init")``, ``kho("show", "1", ok=False)``."""
    from click.testing import CliRunner

    from web.cli import main

    runner = CliRunner()

    def run(*args: str, ok: bool = True):
        result = runner.invoke(main, list(args), env=home_env, catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return run
