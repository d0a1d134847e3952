"""`make run`'s script (scripts/run.sh) with the real `kho init` and `kho demo`, and a stand-in
for the two commands that would keep running (`kho worker`, `kho run`): the port comes from
PORT (default 5000), every account made is printed (the administrator `kho init` created and
each demo account), the worker started is stopped at exit. No server is started."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingest.demo import demo

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "scripts" / "run.sh"


def _stand_in(tmp_path: Path, real: bool) -> Path:
    """A kho that records ``run`` and ``worker``; the other commands are the real ones, or
    (``real=False``) answer as on an instance made before (no new administrator)."""
    kho = Path(sys.executable).with_name("kho")
    log = tmp_path / "calls.log"
    stand_in = tmp_path / "kho"
    other = f'exec {kho} "$@"' if real else 'echo "$1 done"'
    stand_in.write_text(
        "#!/usr/bin/env bash\n"
        'case "$1" in\n'
        # A real `run` serves for hours: the stand-in gives the worker started before it a
        # moment to show itself (a busy machine may not have started it yet).
        f'  run) echo "run $*" >> {log}; for _ in $(seq 200); do grep -q ^worker {log} && exit 0;'
        " sleep 0.1; done; exit 0 ;;\n"
        f'  worker) echo "worker $$" >> {log}; exec sleep 30 ;;\n'
        f"  *) {other} ;;\n"
        "esac\n"
    )
    stand_in.chmod(0o755)
    return stand_in


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for a parent to reap it is not), after a moment to stop."""
    for _ in range(50):
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return False
        if state in ("Z", "X"):
            return False
        time.sleep(0.1)
    return True


def _run(tmp_path: Path, home_env: dict, real: bool = True, **extra: str):
    stand_in = str(_stand_in(tmp_path, real))
    env = {**os.environ, **home_env, "KHO_BIN": stand_in, "KHO_DEMO_COUNT": "2"}
    env.pop("PORT", None)
    env.update(extra)
    return subprocess.run(
        ["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=240, check=False
    )


@pytest.mark.slow
def test_first_run_prints_every_account_and_serves_on_port(tmp_path, home_env):
    first = _run(tmp_path, home_env, PORT="8765")
    assert first.returncode == 0, first.stderr
    out = first.stdout
    for account in demo.DEMO_ACCOUNTS:
        assert account.username in out and account.password in out, account.username
    assert "Văn phòng Tỉnh ủy" in out and ", archivist," not in out  # names, not codes
    admin = [line for line in out.splitlines() if "admin account: admin" in line]
    assert len(admin) == 2  # as kho init printed it, and again beside the demo logins
    assert "http://127.0.0.1:8765" in out
    calls = (tmp_path / "calls.log").read_text().splitlines()
    assert "run run --host 127.0.0.1 --port 8765" in calls
    worker_pid = int(next(c for c in calls if c.startswith("worker")).split()[1])
    assert not _alive(worker_pid)  # stopped when the script ended


def test_a_later_run_serves_on_port_5000_by_default_and_says_where_admin_was_shown(
    tmp_path, home_env
):
    again = _run(tmp_path, home_env, real=False)
    assert again.returncode == 0, again.stderr
    assert "http://127.0.0.1:5000" in again.stdout
    assert "run run --host 127.0.0.1 --port 5000" in (tmp_path / "calls.log").read_text()
    assert "password:" not in again.stdout and "lần chạy đầu" in again.stdout


def test_a_port_that_is_not_a_number_is_refused_before_anything_runs(tmp_path, home_env):
    refused = _run(tmp_path, home_env, real=False, PORT="80; rm -rf /")
    assert refused.returncode == 2 and "PORT" in refused.stderr
    assert not (tmp_path / "calls.log").exists() and not Path(home_env["KHO_HOME"]).exists()
