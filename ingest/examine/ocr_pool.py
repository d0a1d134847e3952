"""The process's Tesseract runs, spread over the machine's cores, the headers' runs first.

Tesseract reads one page on one core (``OMP_THREAD_LIMIT=1``: its own threads would fight the
pool's). So that a multi-page scan, or a batch of single-page scans, keeps every core busy, each
process has one pool of ``KHO_OCR_PROCESSES`` slots (default: the cores it may run on); every
Tesseract run of the process goes through it:

- **header runs** (``run``: page 1's stamps and its reading by layout, a stamp search, a page
  job) wait for nothing but a free slot, ahead of every body run;
- **body runs** (``submit``: the pages after the first) take the slots left: while any document
  of the process is reading its header, one slot fewer (at least one), so that the header, the
  secrecy decision and the classification of a long scan do not wait for its other pages.

Each slot keeps one long-lived Tesseract (``ingest.examine.tesseract_worker``: the library the
``tesseract`` command uses, its Vietnamese model loaded once per slot, not once per run). A
run is one page: a header's stamp crop, page 1 in TSV, or one body page, so the slots stay
evenly busy to the last page of a scan. Nothing touches the disk: images and texts go through
pipes. Where that process cannot start (no ``libtesseract`` to load, an old one), each run is
a ``tesseract stdin stdout`` process, as before, with the same text.

A Tesseract that dies (killed, out of memory) is not the end of its page: the page is read once
more by a new one before the document is refused with its reason; a run past the document's
time budget ends its Tesseract, and the slot starts another.
"""

from __future__ import annotations

import contextlib
import os
import select
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass

import numpy as np

from ingest.examine import tesseract_worker
from ingest.examine.limits import Deadline
from ingest.examine.scan.raster import to_pgm
from security.errors import Refused

LANGUAGE = "vie"
ATTEMPTS = 2  # a page whose process was killed is read once more


def default_size() -> int:
    """``KHO_OCR_PROCESSES``, or the number of cores this process may run on."""
    configured = os.environ.get("KHO_OCR_PROCESSES", "").strip()
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    return max(1, len(os.sched_getaffinity(0)))


class Died(Exception):
    """A Tesseract process ended by a signal (killed, out of memory): its pages are not lost."""


def _failed(stderr: bytes) -> Refused:
    return Refused(
        "Nhận dạng chữ (OCR) thất bại trên một trang: hãy quét lại trang đó.",
        f"OCR failed on a page ({stderr.decode(errors='replace').strip()[-200:]}): "
        "rescan that page.",
    )


def _environment() -> dict[str, str]:
    return {**os.environ, "OMP_THREAD_LIMIT": "1"}


def spawn(image: bytes, deadline: Deadline, psm: int, tsv: bool) -> bytes:
    """One ``tesseract`` command on one image (PGM) through pipes: its stdout."""
    remaining = deadline.remaining()
    if remaining <= 0:
        raise deadline.expired()
    try:
        done = subprocess.run(
            ["tesseract", "stdin", "stdout", "-l", LANGUAGE, "--psm", str(psm)]
            + (["tsv"] if tsv else []),
            input=image,
            capture_output=True,
            timeout=remaining,
            check=False,
            env=_environment(),
        )
    except subprocess.TimeoutExpired:
        raise deadline.expired() from None
    if done.returncode < 0:
        raise Died(f"tesseract ended by signal {-done.returncode}")
    if done.returncode != 0:
        raise _failed(done.stderr)
    return done.stdout


class Unavailable(Exception):
    """The long-lived Tesseract cannot start here: runs fall back to the command."""


_UNAVAILABLE: list[str] = []  # why the long-lived Tesseract cannot start in this process


class Tesseract:
    """One long-lived Tesseract process of a slot (``tesseract_worker``), started at its first
    run and again after it died or overran a time budget."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen | None = None

    def read(self, image: bytes, deadline: Deadline, psm: int, tsv: bool) -> bytes:
        """One image (PGM) read as ``spawn`` reads it: the text, or the TSV table."""
        if _UNAVAILABLE:
            return spawn(image, deadline, psm, tsv)
        try:
            proc = self._proc or self._start(deadline)
        except Unavailable as exc:
            _UNAVAILABLE.append(str(exc))
            return spawn(image, deadline, psm, tsv)
        try:
            head = tesseract_worker.REQUEST.pack(psm, int(tsv), len(image))
            assert proc.stdin is not None
            proc.stdin.write(head + image)
            proc.stdin.flush()
        except OSError:  # its pipe broke: it died
            raise self._died() from None
        status, payload = self._answer(deadline)
        if status:
            raise _failed(payload)
        return payload

    def close(self) -> None:
        """Ends the process (its model's memory goes back); a later run starts another."""
        proc, self._proc = self._proc, None
        if proc is not None:
            proc.kill()
            proc.wait()
            for pipe in (proc.stdin, proc.stdout):
                if pipe is not None:
                    with contextlib.suppress(OSError):  # a page left unsent in its buffer
                        pipe.close()

    def _start(self, deadline: Deadline) -> subprocess.Popen:
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-I", "-S", tesseract_worker.__file__, LANGUAGE],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,  # Tesseract's notes ("Estimating resolution as…")
                env=_environment(),
            )
        except OSError as exc:
            raise Unavailable(str(exc)) from None
        try:
            status, payload = self._answer(deadline)  # once its model is loaded
        except Died as exc:
            raise Unavailable(str(exc)) from None
        if status:
            self.close()
            raise Unavailable(payload.decode(errors="replace"))
        return self._proc

    def _answer(self, deadline: Deadline) -> tuple[int, bytes]:
        status, size = tesseract_worker.ANSWER.unpack(
            self._take(tesseract_worker.ANSWER.size, deadline)
        )
        return status, self._take(size, deadline)

    def _take(self, size: int, deadline: Deadline) -> bytes:
        """``size`` bytes of its answer, waiting no longer than the time budget allows."""
        assert self._proc is not None and self._proc.stdout is not None
        pipe = self._proc.stdout.fileno()
        data = bytearray()
        while len(data) < size:
            remaining = deadline.remaining()
            if remaining <= 0:
                self.close()
                raise deadline.expired()
            ready, _, _ = select.select([pipe], [], [], remaining)
            if ready:
                chunk = os.read(pipe, size - len(data))
                if not chunk:
                    raise self._died()
                data += chunk
        return bytes(data)

    def _died(self) -> Died:
        assert self._proc is not None
        code = self._proc.wait()
        self.close()
        return Died(
            f"tesseract ended by signal {-code}" if code < 0 else f"tesseract ended ({code})"
        )


def _read_one(
    tesseract: Tesseract, page: np.ndarray | bytes, deadline: Deadline, psm: int, tsv: bool
) -> str:
    image = page if isinstance(page, bytes) else to_pgm(page)
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return tesseract.read(image, deadline, psm, tsv).decode("utf-8", "replace")
        except Died as exc:
            if attempt == ATTEMPTS:
                raise _failed(str(exc).encode()) from None
    raise AssertionError("unreachable")


def read_pages(
    pages: list[np.ndarray], deadline: Deadline, psm: int = 3, tesseract: Tesseract | None = None
) -> list[str]:
    """The text of each page, one after another by one Tesseract (a new one, ended after,
    when none is given)."""
    own = tesseract is None
    tesseract = tesseract or Tesseract()
    try:
        return [_read_one(tesseract, page, deadline, psm, False) for page in pages]
    finally:
        if own:
            tesseract.close()


@dataclass
class _Job:
    future: Future
    call: tuple
    header: bool = False


class OcrPool:
    """Slots, each with its long-lived Tesseract; header runs first (see the module)."""

    def __init__(self, size: int | None = None) -> None:
        self.size = size or default_size()
        self._cond = threading.Condition()
        self._headers: deque[_Job] = deque()
        self._bodies: deque[_Job] = deque()
        self._reading_headers = 0  # documents of this process reading their page 1 now
        self._running_bodies = 0
        self._threads: list[threading.Thread] = []
        self._closed = False

    # -- what callers use -------------------------------------------------------------------

    def run(self, image: bytes, deadline: Deadline, psm: int = 3, tsv: bool = False) -> str:
        """One header run (PGM bytes), ahead of every body run; waits for its text."""
        job = _Job(Future(), (image, deadline, psm, tsv), header=True)
        self._put(job)
        return job.future.result()

    def submit(self, pages: list[np.ndarray], deadline: Deadline, psm: int = 3) -> Future:
        """Body pages read one after another when a slot is free; the future gives their
        texts."""
        job = _Job(Future(), (pages, deadline, psm))
        self._put(job)
        return job.future

    @contextlib.contextmanager
    def reading_header(self) -> Iterator[None]:
        """While a document reads its page 1, body runs leave it a slot."""
        with self._cond:
            self._reading_headers += 1
        try:
            yield
        finally:
            with self._cond:
                self._reading_headers -= 1
                self._cond.notify_all()

    def close(self) -> None:
        """Its slots end, and their Tesseracts with them (a pool of a test, or a process that
        reads no more); runs already queued are read first."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
            threads = list(self._threads)
        for thread in threads:
            thread.join()

    # -- the slots ---------------------------------------------------------------------------

    def _put(self, job: _Job) -> None:
        with self._cond:
            (self._headers if job.header else self._bodies).append(job)
            if len(self._threads) < self.size:
                thread = threading.Thread(target=self._serve, name="kho-ocr", daemon=True)
                self._threads.append(thread)
                thread.start()
            self._cond.notify_all()

    def _body_slots(self) -> int:
        return max(1, self.size - self._reading_headers)

    def _take(self) -> _Job | None:
        with self._cond:
            while True:
                if self._headers:
                    return self._headers.popleft()
                if self._bodies and self._running_bodies < self._body_slots():
                    self._running_bodies += 1
                    return self._bodies.popleft()
                if self._closed:
                    return None
                self._cond.wait()

    def _serve(self) -> None:
        tesseract = Tesseract()  # this slot's, for the pool's lifetime
        try:
            while (job := self._take()) is not None:
                self._do(job, tesseract)
        finally:
            tesseract.close()

    def _do(self, job: _Job, tesseract: Tesseract) -> None:
        try:
            if job.future.set_running_or_notify_cancel():
                try:
                    if job.header:
                        result = _read_one(tesseract, *job.call)
                    else:
                        result = read_pages(*job.call, tesseract=tesseract)
                except BaseException as exc:  # given to the caller, never lost here
                    job.future.set_exception(exc)
                else:
                    job.future.set_result(result)
        finally:
            if not job.header:
                with self._cond:
                    self._running_bodies -= 1
                    self._cond.notify_all()


_POOL: OcrPool | None = None
_POOL_LOCK = threading.Lock()


def pool() -> OcrPool:
    """This process's pool (a forked child makes its own: threads do not survive a fork)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = OcrPool()
        return _POOL


def _forget_after_fork() -> None:
    global _POOL, _POOL_LOCK
    _POOL, _POOL_LOCK = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_after_fork)
