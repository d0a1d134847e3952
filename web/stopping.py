"""How a long-running command (`kho worker`) stops on SIGINT or SIGTERM: at once, at any moment.

The first signal raises ``KeyboardInterrupt`` in the main thread: the running unit of work rolls
back, the worker hands its job back and leaves the roll (``ingest.doors.jobs.Worker``). Python
runs that handler only when the main thread comes back to Python code, and a thread waiting for
SQLite's write lock stays in C for up to the busy timeout (30 s) per statement, a few of them in
a row on a loaded machine. So the signal also wakes a watchdog thread (``signal.set_wakeup_fd``:
written by the C-level handler, whatever the main thread is doing) that ends the process after
``grace`` seconds if the clean stop has not finished. Ending it then loses nothing acknowledged:
a job whose worker stopped beating is taken over by another worker within seconds, and refiling
the same bytes answers ``duplicate`` of a record already committed (as after kill -9).

The handlers are installed explicitly, so a worker started with SIGINT ignored (a background job
of a shell script inherits that) still stops on it. A second signal while stopping is ignored:
it would only interrupt the hand-back.

A few steps must not be cut in two: a job's outcome is committed and then its queued bytes are
deleted, and a stop between the two left the bytes behind as an orphan blob (seen on object
storage, whose delete is a request). ``held()`` wraps such steps: a stop asked inside waits for
the end of the block, then raises as usual (the watchdog still ends a block that hangs).

They are installed before anything else the process does (``early``, called first thing by
``web/__init__.py``): the imports and the start take seconds on a busy machine (flask and
SQLAlchemy alone took 4 s at a load of 8), and a signal in them was lost (SIGINT ignored) or
ended the process with a traceback. A stop asked before the work began ends the process at once
(nothing was claimed, nothing to hand back); once the worker says its work begins (``arm``),
a stop hands the running job back as above. This module imports the standard library only.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)
STOP_GRACE = 10.0  # seconds a clean stop may take before the process ends itself
STOPPED_STATUS = 130  # what a shell reports for a process stopped by Ctrl+C


class StopOnSignal:
    """Installed once per process, in the main thread (``stop_on_signal()`` is that one)."""

    def __init__(self, grace: float = STOP_GRACE) -> None:
        self.grace = grace
        self.stopping = False
        self.armed = False  # the work began: a stop is a KeyboardInterrupt that hands back
        self.installed = False
        self.holding = False  # inside ``held()``: a stop waits for the end of the block
        self.held_back = False  # a stop was asked while holding

    def install(self) -> None:
        if self.installed:
            return
        self.installed = True
        read_end, write_end = os.pipe()
        os.set_blocking(write_end, False)
        signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._interrupt)
        threading.Thread(
            target=self._watch, args=(read_end,), name="kho-stop-watchdog", daemon=True
        ).start()

    def arm(self) -> None:
        """The work begins: from now on a stop raises ``KeyboardInterrupt`` (the caller hands
        its job back); a stop asked before, during the start, ends the process now."""
        self.install()
        self.armed = True
        if self.stopping:
            self._stopped_before_work()

    def _interrupt(self, _signum, _frame) -> None:
        if self.stopping:
            return
        self.stopping = True
        if not self.armed:
            self._stopped_before_work()
        if self.holding:
            self.held_back = True
            return
        raise KeyboardInterrupt

    @contextmanager
    def held(self) -> Iterator[None]:
        """Steps that finish together or not at all: a stop asked meanwhile is raised at the
        end of the block (also when the block failed: the stop is what the caller must see)."""
        self.holding = True
        try:
            yield
        finally:
            self.holding = False
            if self.held_back:
                self.held_back = False
                raise KeyboardInterrupt

    @staticmethod
    def _stopped_before_work() -> None:
        sys.stderr.write("Đã dừng trước khi bắt đầu / stopped before it began.\n")
        raise SystemExit(STOPPED_STATUS)

    def _watch(self, read_end: int) -> None:
        wanted = {int(signal.SIGINT), int(signal.SIGTERM)}
        while not wanted.intersection(os.read(read_end, 16)):
            pass
        time.sleep(self.grace)  # the clean stop ends the process before, or this does
        log.error("stop not finished after %.0f s: ending the process", self.grace)
        logging.shutdown()
        os._exit(STOPPED_STATUS)


_THE_ONE = StopOnSignal()


def stop_on_signal() -> StopOnSignal:
    """This process's stop handling (one: the signal handlers and the watchdog are per process)."""
    return _THE_ONE


PARENT_ENV = "KHO_DIE_WITH_PARENT"  # the pid of a supervisor this process must not outlive
_PR_SET_PDEATHSIG = 1


def die_with_parent(environ: dict | None = None) -> None:
    """Ask Linux for SIGTERM when the process that started us ends (``PR_SET_PDEATHSIG``), if
    a supervisor asked for it by naming itself in ``KHO_DIE_WITH_PARENT`` (web.supervisor).

    Done here, as the child's first step, not between fork and exec (``preexec_fn``): the
    supervisor runs in gunicorn's master beside other threads, and a forked child that runs
    Python before exec can block for ever on a lock another thread held at the fork (a
    restarted worker never started, seen under load). A parent that ended before this call
    is noticed by its pid: we stop at once."""
    wanted = (os.environ if environ is None else environ).get(PARENT_ENV)
    if not wanted:
        return
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: the supervisor's clean stop ends us
        return
    if str(os.getppid()) != wanted:
        sys.stderr.write("Tiến trình giám sát đã dừng / the supervisor has ended.\n")
        raise SystemExit(STOPPED_STATUS)


def early(argv: list[str]) -> None:
    """Install the stop handling now if this process is a `kho worker` (``kho worker …`` or
    ``python -m web.cli worker …``; argv[0] is "-m" while ``-m`` imports the package)."""
    if argv[1:2] == ["worker"] and os.path.basename(argv[0]) in ("kho", "-m"):
        die_with_parent()
        _THE_ONE.install()
