"""Fixtures only (helpers live in tests/support): a real instance (database, key file, blobs,
encrypted index) per test.

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
from pathlib import Path

import pytest

from archive.core.instance import Instance
from archive.operations.bootstrap import initialize
from ingest.demo import samples
from search import follower
from tests.support.blobs import S3_BUCKET, S3_ENDPOINT
from tests.support.people import ADMIN_PASSWORD, Person, add_person
from tests.support.postgres import postgres_database
from web import create_app

# A `kho` started by a test runs in its own process even when the tests run at a terminal: no
# resident command process is left behind (tests/e2e/cli/test_cli_resident.py asks for one).
os.environ["KHO_CLI_RESIDENT"] = "0"


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        if "blob_settings" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.blobs)


@pytest.fixture
def unwired() -> Iterator[None]:
    """No index nudge after commits: only what the test calls follows the change log (and
    filing hundreds of records for another purpose does not commit the index hundreds of
    times)."""
    from archive.core import events
    from web import wiring

    events.records_changed.disconnect(wiring._index_follows)
    yield
    wiring.connect()


@pytest.fixture
def blob_area() -> Iterator:
    """``blob_area(label)``: the blob settings of one instance of the test (KHO_BLOBS and
    KHO_S3_ENDPOINT, as for ``create_app`` or the environment of ``kho``); empty for the
    local folder. Object-storage prefixes are emptied when the test ends."""
    stores = []

    def area(label: str) -> dict[str, str]:
        if not S3_ENDPOINT:
            return {}
        from archive.core.s3store import S3BlobStore

        prefix = f"t{secrets.token_hex(6)}/{label}"
        stores.append(S3BlobStore(S3_BUCKET, prefix, S3_ENDPOINT))
        return {"KHO_BLOBS": f"s3://{S3_BUCKET}/{prefix}", "KHO_S3_ENDPOINT": S3_ENDPOINT}

    yield area
    for used in stores:
        used.remove_all()


@pytest.fixture
def blob_settings(blob_area) -> dict[str, str]:
    """The blob settings of the test's main instance (``app``, ``inst``, ``kho``)."""
    return blob_area("home")


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    server = os.environ.get("KHO_TEST_DATABASE_URL")
    if server:
        yield from postgres_database(server)
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
    follower.catch_up(inst)  # an empty index, at the head of the empty change log
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
