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
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time

log = logging.getLogger(__name__)
STOP_GRACE = 10.0  # seconds a clean stop may take before the process ends itself
STOPPED_STATUS = 130  # what a shell reports for a process stopped by Ctrl+C


class StopOnSignal:
    """Install once, in the main thread, before the work begins."""

    def __init__(self, grace: float = STOP_GRACE) -> None:
        self.grace = grace
        self.stopping = False

    def install(self) -> None:
        read_end, write_end = os.pipe()
        os.set_blocking(write_end, False)
        signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._interrupt)
        threading.Thread(
            target=self._watch, args=(read_end,), name="kho-stop-watchdog", daemon=True
        ).start()

    def _interrupt(self, _signum, _frame) -> None:
        if self.stopping:
            return
        self.stopping = True
        raise KeyboardInterrupt

    def _watch(self, read_end: int) -> None:
        wanted = {int(signal.SIGINT), int(signal.SIGTERM)}
        while not wanted.intersection(os.read(read_end, 16)):
            pass
        time.sleep(self.grace)  # the clean stop ends the process before, or this does
        log.error("stop not finished after %.0f s: ending the process", self.grace)
        logging.shutdown()
        os._exit(STOPPED_STATUS)
