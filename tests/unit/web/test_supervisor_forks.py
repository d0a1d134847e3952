"""The supervisor starts its worker while other threads of the process fork (gunicorn's master
forks its web workers at any time): its start must not wait for the forked children's lives."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

from web.supervisor import Supervisor

LONG = 120  # seconds a forked child lives: longer than the test's patience


def test_the_worker_starts_while_another_thread_forks_long_lived_children():
    children: list[int] = []
    stop = threading.Event()

    def fork_all_the_time() -> None:  # as a master spawning workers, without exec
        while not stop.is_set() and len(children) < 100:
            pid = os.fork()
            if pid == 0:
                time.sleep(LONG)
                os._exit(0)
            children.append(pid)

    supervisor = Supervisor(dict(os.environ), [sys.executable, "-c", "import time; time.sleep(60)"])
    forker = threading.Thread(target=fork_all_the_time, daemon=True)
    forker.start()
    try:
        time.sleep(0.05)
        supervisor.start()
        deadline = time.monotonic() + 60
        while supervisor.proc is None and time.monotonic() < deadline:
            time.sleep(0.05)
        stop.set()
        assert supervisor.proc is not None, "the worker's start waited for the forked children"
    finally:
        stop.set()
        forker.join(timeout=10)
        for pid in children:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        supervisor.stop()
