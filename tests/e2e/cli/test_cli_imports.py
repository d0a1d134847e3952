"""A `kho` command imports only what it uses: searching from the command line loads neither
the classifier (scikit-learn), nor OpenCV, nor pyHanko, nor the ingest pipeline and the pages,
nor Alembic (only commands that migrate need it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from web import cli

# The child runs one command in a fresh interpreter, then names the heavy modules it loaded.
PROBE = """
import json, sys
from web.cli import main
try:
    main(sys.argv[1:], standalone_mode=False)
finally:
    print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in {heavy})))
"""
HEAVY = {
    "sklearn",
    "scipy",
    "cv2",
    "pyhanko",
    "pyhanko_certvalidator",
    "ingest",
    "flask_babel",
    "alembic",
}


def _loaded(inst, database_url: str, *args: str) -> tuple[subprocess.CompletedProcess, list]:
    env = {**os.environ, "KHO_HOME": str(inst.home), "KHO_DATABASE_URL": database_url}
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=sorted(HEAVY)), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    return done, json.loads(done.stdout.strip().splitlines()[-1])


def test_kho_search_loads_no_classifier_opencv_pyhanko_or_ingest(inst, archivist, database_url):
    done, loaded = _loaded(inst, database_url, "search", "đảng viên", "--as", archivist.username)
    assert done.returncode == 0, done.stderr
    assert "0 / 0" in done.stdout  # the search ran, through the gate, on the empty archive
    assert loaded == []


def test_every_command_is_listed_where_it_is_defined():
    """``web.cli.COMMANDS`` sends each command to its own module; a command defined elsewhere
    (or a new one not listed) would still work, but would import every module to be found."""
    defined = {name: s for s in cli.SUBJECTS for name in cli.commands_of(s)}
    assert defined == cli.COMMANDS


def test_kho_starts_on_the_standard_library_alone():
    """What `kho` runs first (web/cli/launch.py) decides where the command runs before anything
    heavy is imported: the resident process is worth nothing if its caller pays the imports."""
    probe = (
        "import json, sys\n"
        "before = set(sys.modules)\n"
        "import web.cli.launch\n"
        "print(json.dumps(sorted(set(sys.modules) - before)))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    added = json.loads(done.stdout)
    ours = {m for m in added if m.split(".")[0] == "web"}
    assert ours == {"web", "web.stopping", "web.cli", "web.cli.catalog", "web.cli.launch"}
    assert not {m.split(".")[0] for m in added} & {*HEAVY, "flask", "sqlalchemy", "whoosh"}
