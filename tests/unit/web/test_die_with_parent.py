"""A supervised worker asks Linux to end it with its supervisor, as its own first step (no
Python between fork and exec in gunicorn's threaded master: web.stopping.die_with_parent)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from web.stopping import PARENT_ENV, STOPPED_STATUS

CHILD = "from web.stopping import die_with_parent; die_with_parent(); import time; time.sleep(600)"


def test_a_child_whose_supervisor_is_already_gone_stops_at_once():
    env = {**os.environ, PARENT_ENV: "1"}  # not our parent: it ended and we were adopted
    done = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, timeout=60)
    assert done.returncode == STOPPED_STATUS
    assert b"supervisor has ended" in done.stderr


def test_without_the_setting_nothing_changes():
    done = subprocess.run(
        [sys.executable, "-c", "from web.stopping import die_with_parent; die_with_parent()"],
        env={k: v for k, v in os.environ.items() if k != PARENT_ENV},
        timeout=60,
    )
    assert done.returncode == 0


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="Linux only (PR_SET_PDEATHSIG)")
def test_the_child_ends_when_its_supervisor_is_killed(tmp_path):
    # the middle process starts the child naming itself, waits for it to be set up, and dies
    middle = (
        "import os, subprocess, sys, time\n"
        f"env = {{**os.environ, {PARENT_ENV!r}: str(os.getpid())}}\n"
        f"child = subprocess.Popen([sys.executable, '-c', {CHILD!r}], env=env)\n"
        "print(child.pid, flush=True)\n"
        "time.sleep(5)\n"
        "os._exit(9)\n"
    )
    out = subprocess.run([sys.executable, "-c", middle], capture_output=True, timeout=120)
    child = int(out.stdout.split()[0])
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _running(child):
            time.sleep(0.1)
        assert not _running(child)
    finally:
        if _running(child):
            os.kill(child, signal.SIGKILL)


def _running(pid: int) -> bool:
    try:
        return "\nState:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
