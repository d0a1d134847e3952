"""What several benchmarks set up alike: the ``kho`` command and an archive with one archivist.

Benchmarks run as files (``python bench/NAME.py``) and import each other as ``bench.NAME`` with
the repository first on the path (each sets ``sys.path[0]``): several are named like the packages
they measure (``search``, ``ingest``, ``web``), so bench/ itself must never be on the path.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from archive.core.instance import Instance
    from security.actor import Context

KHO = [sys.executable, "-c", "from web.cli import main; main()"]
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
