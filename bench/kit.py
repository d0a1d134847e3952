"""What several benchmarks set up alike: the ``kho`` command and an archive with one archivist.

Benchmarks run as files (``python bench/NAME.py``) and import each other as ``bench.NAME`` with
the repository first on the path (each sets ``sys.path[0]``): several are named like the packages
they measure (``search``, ``ingest``, ``web``), so bench/ itself must never be on the path.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from archive.core.instance import Instance
    from security.actor import Context

ROOT = Path(__file__).resolve().parent.parent
KHO = [sys.executable, "-c", "from web.cli.launch import main; main()"]  # as the entry point
FILER_PASSWORD = "bench pass phrase for filing"  # noqa: S105 - throw-away benchmark archives


def filing_instance(
    home: Path,
    database_url: str | None = None,
    *,
    clearance: str = "toi_mat",
    username: str = "luutru",
    **settings,
) -> tuple[Instance, Context]:
    """A new archive at ``home`` and the context of an archivist of the office ("VP") cleared to
    ``clearance``, who files what the benchmark ingests."""
    from archive.accounts import accounts  # here: a locust worker needs only ``KHO``
    from archive.core.instance import Instance
    from archive.operations.bootstrap import initialize
    from security.actor import Context

    inst = Instance.from_settings(home, database_url, **settings)
    initialize(inst, "bench root passphrase")
    accounts.create_account(
        inst, Context(None, "bench"), username, FILER_PASSWORD, "archivist", clearance, "VP"
    )
    with inst.sessions() as session:
        return inst, accounts.context_for(accounts.require_user(session, username), "bench")


def shared_services() -> tuple[str, str, str]:
    """PostgreSQL and S3 for a benchmark of several processes or nodes. When they are not given
    (``KHO_TEST_DATABASE_URL``, ``KHO_TEST_S3_ENDPOINT``), this process is run again under the
    project's scripts that start them. Returns the database URL, the S3 endpoint and a blob
    prefix of this run's own (the bucket is shared with other runs)."""
    for variable, script in (
        ("KHO_TEST_DATABASE_URL", "with-postgres.sh"),
        ("KHO_TEST_S3_ENDPOINT", "with-s3.sh"),
    ):
        if not os.environ.get(variable):
            command = ["bash", str(ROOT / "scripts" / script), sys.executable, *sys.argv]
            os.execvp("bash", command)  # noqa: S606
    bucket = os.environ.get("KHO_TEST_S3_BUCKET", "kho-test")
    blobs = f"s3://{bucket}/bench-{secrets.token_hex(4)}"
    return os.environ["KHO_TEST_DATABASE_URL"], os.environ["KHO_TEST_S3_ENDPOINT"], blobs
