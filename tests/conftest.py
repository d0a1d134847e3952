"""Fixtures only (helpers live in tests/support): a real instance (database, key file, blobs,
encrypted index) per test.

With ``KHO_TEST_DATABASE_URL`` set to a PostgreSQL server URL, every test gets a fresh database
created on that server and dropped afterwards; otherwise SQLite in the test's temporary folder.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from archive.core.instance import Instance
from archive.operations.bootstrap import initialize
from ingest.demo import samples
from search.index import store
from tests.support.people import ADMIN_PASSWORD, Person, add_person
from tests.support.postgres import postgres_database
from web import create_app


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    server = os.environ.get("KHO_TEST_DATABASE_URL")
    if server:
        yield from postgres_database(server)
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


@pytest.fixture
def archivist(inst: Instance) -> Person:
    return add_person(inst, "vanthu", "archivist", "tuyet_mat", "VP")


@pytest.fixture(scope="session")
def sample_docs() -> list[samples.SampleDocument]:
    """Generated once per run: PDF and text documents with known truth and canaries."""
    return samples.generate(20, seed=7)


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
