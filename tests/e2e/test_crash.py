"""Crash consistency: a batch killed with SIGKILL at random points, ten times, then resumed.

Every file ends stored exactly once, `kho check --repair` explains and removes what the kills
left (blobs written before their row was committed), and the audit chain is intact.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from archive.models import Document
from ingest.demo import samples
from tests.support.blobs import instance_at
from web.cli import main

pytestmark = pytest.mark.slow
KHO = [sys.executable, "-c", "from web.cli import main; main()"]


def test_batch_killed_ten_times_then_resumed(tmp_path, database_url, blob_settings, home_env):
    env = {**os.environ, **home_env}
    runner = CliRunner()
    cli_env = home_env
    assert runner.invoke(main, ["init"], env=cli_env).exit_code == 0
    assert (
        runner.invoke(
            main,
            [
                "user",
                "add",
                "vanthu",
                "--role",
                "archivist",
                "--clearance",
                "toi_mat",
                "--unit",
                "VP",
            ],
            env=cli_env,
        ).exit_code
        == 0
    )
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    docs = [
        d
        for d in samples.generate(130, seed=21, formats=("txt",))
        if d.truth["level"] != "tuyet_mat"
    ][:100]
    for doc in docs:
        (inbox / doc.filename).write_bytes(doc.content)
    rng = random.Random(4)
    for _ in range(10):
        proc = subprocess.Popen(
            [*KHO, "ingest", str(inbox), "--as", "vanthu", "--json"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(1.0, 4.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    final = subprocess.run(
        [*KHO, "ingest", str(inbox), "--as", "vanthu", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    statuses = [json.loads(line)["status"] for line in final.stdout.splitlines()]
    assert len(statuses) == 100 and set(statuses) <= {"stored", "duplicate"}, final.stderr[-2000:]
    repair = runner.invoke(main, ["check", "--repair", "--grace", "0"], env=cli_env)
    assert "DAMAGE" not in repair.output, repair.output
    check = runner.invoke(main, ["check", "--grace", "0"], env=cli_env)
    assert check.exit_code == 0 and "consistent" in check.output, check.output
    assert "intact" in runner.invoke(main, ["audit", "verify"], env=cli_env).output
    app_env = runner.invoke(
        main, ["search", docs[0].truth["canary"], "--as", "vanthu", "--json"], env=cli_env
    )
    assert len(app_env.output.splitlines()) == 1
    inst = instance_at(tmp_path / "home", database_url, blob_settings)
    with inst.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Document)) == 100
    inst.dispose()
