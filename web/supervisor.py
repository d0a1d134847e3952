"""The ingest worker `kho serve` keeps beside the web server: one at a time, restarted with
back-off when it dies, stopped with the server, and never outliving it.

A thread in gunicorn's master starts `kho worker`, waits for it and starts it again after 1 s,
2 s, 4 s … (at most a minute; the delay resets once a worker has run for a minute). The worker
is asked to die with the thread that started it (Linux ``PR_SET_PDEATHSIG``, which the worker
sets itself as it starts: ``web.stopping.die_with_parent``), so a master killed with SIGKILL
leaves no orphan; a clean stop sends SIGTERM, on which the worker hands its job
back (``ingest.doors.jobs``), then SIGKILL after a grace period. Gunicorn's master reaps every
child it has, ours included; ``Popen.wait`` then reports status 0, which is only logged.
For production, run `kho serve` itself under systemd with ``Restart=`` (docs/operations.md).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time

from web.stopping import PARENT_ENV

log = logging.getLogger(__name__)
# `-m web.cli` so it stops at once even while starting (web/stopping.py); at a lower priority
# than the pages it is beside (web/cli/ingest.py, nice_option)
WORKER = [sys.executable, "-m", "web.cli", "worker", "--nice", "10"]
FIRST_DELAY, MAX_DELAY, HEALTHY_AFTER = 1.0, 60.0, 60.0

# Starting a process from a thread while another thread forks is a race: `Popen` waits until
# its child has exec'd, on a pipe whose write end a child forked meanwhile (a gunicorn web
# worker: fork without exec) inherits and keeps open for its whole life, so `Popen` never
# returns and the supervisor never supervises (seen under load: the ingest worker and the web
# workers were started in the same instant, and a killed worker was never restarted). So in the
# master every fork waits while the supervisor starts its worker, and the other way round.
_STARTING = threading.Lock()
_fork_guard_installed = False


def _guard_forks() -> None:
    global _fork_guard_installed
    if not _fork_guard_installed:  # once per process; a forked child releases its copy
        os.register_at_fork(
            before=_STARTING.acquire,
            after_in_parent=_STARTING.release,
            after_in_child=_STARTING.release,
        )
        _fork_guard_installed = True


class Supervisor:
    def __init__(self, env: dict, command: list[str] | None = None, grace: float = 20.0):
        self.env = env
        self.command = command or WORKER
        self.grace = grace
        self.proc: subprocess.Popen | None = None
        self.starts = 0
        self._owner = os.getpid()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="kho-ingest-supervisor", daemon=True)

    def start(self) -> None:
        _guard_forks()
        self._thread.start()

    def _spawn(self) -> subprocess.Popen | None:
        with self._lock:  # never two: a new worker only once the old one is gone
            if self._stop.is_set():
                return None
            # no preexec_fn: Python code between fork and exec may deadlock in this threaded
            # process; the worker asks to die with us itself (web.stopping.die_with_parent)
            env = {**self.env, PARENT_ENV: str(os.getpid())}
            with _STARTING:  # no fork elsewhere in this process until it has exec'd
                self.proc = subprocess.Popen(self.command, env=env)
            self.starts += 1
        log.warning("ingest worker started: pid %s", self.proc.pid)
        return self.proc

    def _run(self) -> None:
        delay = FIRST_DELAY
        while not self._stop.is_set():
            began = time.monotonic()
            proc = self._spawn()
            if proc is None:
                return
            code = proc.wait()
            if self._stop.is_set():
                return
            if time.monotonic() - began > HEALTHY_AFTER:
                delay = FIRST_DELAY
            log.error(
                "ingest worker %s ended (status %s): restart in %.0f s", proc.pid, code, delay
            )
            if self._stop.wait(delay):
                return
            delay = min(delay * 2, MAX_DELAY)

    def stop(self) -> None:
        """Stop supervising, then the worker: SIGTERM, and SIGKILL after the grace period.

        Only in the master: gunicorn's web workers are forks of it and unwind through the same
        code on their way out; they must leave the ingest worker alone."""
        if os.getpid() != self._owner:
            return
        with self._lock:
            self._stop.set()
            proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=self.grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
