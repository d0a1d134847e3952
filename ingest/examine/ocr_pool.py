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

A body run reads several pages at once: one Tesseract process on an uncompressed multi-page
TIFF on its stdin, its text on stdout, one page after another separated by form feeds. Loading
the Vietnamese model costs about a third of a second of one core, a sixth of a dense page; one
run per page would spend that on every page. Nothing touches the disk: images and texts go
through pipes.

A Tesseract process that dies (killed, out of memory) or fails on a run of several pages is not
the end of those pages: each is read again on its own, and a page whose own process is killed
is read once more before the document is refused with its reason.
"""

from __future__ import annotations

import io
import os
import subprocess
import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from PIL import Image

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


def spawn(image: bytes, deadline: Deadline, psm: int, tsv: bool) -> bytes:
    """One Tesseract process on one image (PGM, or a multi-page TIFF) through pipes: stdout."""
    remaining = deadline.remaining()
    if remaining <= 0:
        raise deadline.expired()
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        done = subprocess.run(
            ["tesseract", "stdin", "stdout", "-l", LANGUAGE, "--psm", str(psm)]
            + (["tsv"] if tsv else []),
            input=image,
            capture_output=True,
            timeout=remaining,
            check=False,
            env=env,
        )
    except subprocess.TimeoutExpired:
        raise deadline.expired() from None
    if done.returncode < 0:
        raise Died(f"tesseract ended by signal {-done.returncode}")
    if done.returncode != 0:
        raise _failed(done.stderr)
    return done.stdout


def to_tiff(pages: list[np.ndarray]) -> bytes:
    """Gray pages as one uncompressed multi-page TIFF, no resolution tag (as PGM has none, so
    Tesseract sees each page exactly as it would on its own)."""
    frames = [Image.fromarray(np.ascontiguousarray(page)) for page in pages]
    out = io.BytesIO()
    frames[0].save(out, format="TIFF", save_all=True, append_images=frames[1:])
    return out.getvalue()


def _read_one(page: np.ndarray | bytes, deadline: Deadline, psm: int, tsv: bool) -> str:
    image = page if isinstance(page, bytes) else to_pgm(page)
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return spawn(image, deadline, psm, tsv).decode("utf-8", "replace")
        except Died as exc:
            if attempt == ATTEMPTS:
                raise _failed(str(exc).encode()) from None
    raise AssertionError("unreachable")


def read_pages(pages: list[np.ndarray], deadline: Deadline, psm: int = 3) -> list[str]:
    """The text of each page, in one Tesseract run when there are several; pages read again one
    by one when that run died, failed or did not give one text per page."""
    if len(pages) == 1:
        return [_read_one(pages[0], deadline, psm, False)]
    try:
        parts = spawn(to_tiff(pages), deadline, psm, False).decode("utf-8", "replace").split("\f")
    except Died:
        parts = []
    except Refused:
        if deadline.remaining() <= 0:
            raise
        parts = []
    if len(parts) == len(pages):
        return parts
    return [_read_one(page, deadline, psm, False) for page in pages]


@dataclass
class _Job:
    future: Future
    call: tuple
    header: bool = False


class OcrPool:
    """Slots for Tesseract processes; header runs first (see the module)."""

    def __init__(self, size: int | None = None) -> None:
        self.size = size or default_size()
        self._cond = threading.Condition()
        self._headers: deque[_Job] = deque()
        self._bodies: deque[_Job] = deque()
        self._reading_headers = 0  # documents of this process reading their page 1 now
        self._running_bodies = 0
        self._threads: list[threading.Thread] = []

    # -- what callers use -------------------------------------------------------------------

    def run(self, image: bytes, deadline: Deadline, psm: int = 3, tsv: bool = False) -> str:
        """One header run (PGM bytes), ahead of every body run; waits for its text."""
        job = _Job(Future(), (image, deadline, psm, tsv), header=True)
        self._put(job)
        return job.future.result()

    def submit(self, pages: list[np.ndarray], deadline: Deadline, psm: int = 3) -> Future:
        """Body pages read in one run when a slot is free; the future gives their texts."""
        job = _Job(Future(), (pages, deadline, psm))
        self._put(job)
        return job.future

    @contextmanager
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

    def _take(self) -> _Job:
        with self._cond:
            while True:
                if self._headers:
                    return self._headers.popleft()
                if self._bodies and self._running_bodies < self._body_slots():
                    self._running_bodies += 1
                    return self._bodies.popleft()
                self._cond.wait()

    def _serve(self) -> None:
        while True:
            job = self._take()
            try:
                if job.future.set_running_or_notify_cancel():
                    try:
                        result = (_read_one if job.header else read_pages)(*job.call)
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
