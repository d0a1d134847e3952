"""OCR pages/s of Kho against Tesseract alone on the same pages, in the same run; header first.

    .venv/bin/python bench/ocr.py [--docs 3] [--pages 6] [--singles 8]

Generated scans (``ingest.demo``: documents drawn as A4 pages at 300 dpi, grey, no text
layer): ``--docs`` multi-page TIFFs of ``--pages`` pages, and ``--singles`` one-page TIFFs.

Anchors, measured first in this run (``tesseract stdin stdout -l vie``, ``OMP_THREAD_LIMIT=1``,
nothing else running in this process):

- Tesseract alone, one process at a time: each page in a process of its own, and each
  multi-page scan in one process (the model loaded once: Tesseract's own best rate); the
  better of the two is "Tesseract's single-process rate" r. Target: Kho ≥ 0.9 × cores × r.
- Tesseract alone, one process per core (the scans shared out): what the machine gives.

Kho, measured after (the process's OCR pool, ``ingest.examine.ocr_pool``: a long-lived Tesseract
per slot, its model loaded once, its start counted in Kho's time):

- the multi-page scans one after another through ``pipeline.describe`` (examine with OCR,
  header, secrecy: all the reading a `kho ingest` does before it files), with the time until
  the header and the secrecy decision were known from page 1 (``on_header``) beside the time
  the whole document took;
- the one-page scans as a batch through ``pipeline.ingest_bytes`` on ``BATCH_WORKERS`` threads
  (as ``kho ingest`` files a folder), filing included, on a fresh SQLite instance.

Kho reads page 1 of every document by its layout (stamps searched and read, the page in TSV):
runs Tesseract alone does not do, counted against Kho. Take the figures under the bench lock
(``flock -x /work/notes/bench.lock``); the load average is printed beside them.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # the repository, not bench/: its files are named like the packages

import numpy as np
from PIL import Image

from archive.core.limits import Limits
from bench import kit
from ingest import pipeline
from ingest.demo import samples, scans
from ingest.examine import ocr, ocr_pool
from ingest.examine.limits import Deadline
from ingest.examine.scan.raster import to_pgm

DPI = 300
TARGET = 0.9


def _pages(count: int, seed: int) -> list[np.ndarray]:
    docs = samples.generate(count, seed=seed, formats=("txt",))
    return [
        np.asarray(scans.compose_page(d.truth, d.content.decode(), DPI)[0].convert("L"))
        for d in docs
    ]


def _tiff(pages: list[np.ndarray]) -> bytes:
    frames = [Image.fromarray(page) for page in pages]
    out = io.BytesIO()
    frames[0].save(out, format="TIFF", save_all=True, append_images=frames[1:],
                   compression="tiff_deflate", dpi=(DPI, DPI))  # fmt: skip
    return out.getvalue()


def _raw_tiff(pages: list[np.ndarray]) -> bytes:
    """Gray pages as one uncompressed multi-page TIFF for one ``tesseract`` command, without a
    resolution tag (as the PGM of a page has none, so each page reads as it does alone)."""
    frames = [Image.fromarray(np.ascontiguousarray(page)) for page in pages]
    out = io.BytesIO()
    frames[0].save(out, format="TIFF", save_all=True, append_images=frames[1:])
    return out.getvalue()


def _cpu() -> float:
    """CPU seconds of this process, of the processes it has waited for (the ``tesseract``
    commands) and of those still running (the pool's long-lived Tesseracts)."""
    now = os.times()
    return now.user + now.system + now.children_user + now.children_system + _living_children()


def _living_children() -> float:
    tick = os.sysconf("SC_CLK_TCK")
    seconds = 0.0
    for task in Path("/proc/self/task").iterdir():
        for pid in (task / "children").read_text().split():
            with contextlib.suppress(OSError):  # ended meanwhile: counted once waited for
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                seconds += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return seconds


class Clock:
    """Wall and CPU seconds of a step: CPU seconds per page do not depend on what else the
    machine runs, so they compare Kho's work with Tesseract's even on a busy machine."""

    def __enter__(self) -> Clock:
        self.wall, self.cpu = time.perf_counter(), _cpu()
        return self

    def __exit__(self, *_) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall, _cpu() - self.cpu

    def line(self, pages: int) -> str:
        return (f"{pages / self.wall:5.2f} pages/s, {self.cpu / pages:5.2f} CPU s a page, "
                f"{self.cpu / self.wall:4.2f} cores busy")  # fmt: skip


def _alone(images: list[bytes], processes: int) -> Clock:
    """Tesseract alone reading these inputs, ``processes`` at a time."""
    deadline = Deadline(3600)
    with Clock() as clock, ThreadPoolExecutor(processes) as threads:
        list(threads.map(lambda image: ocr_pool.spawn(image, deadline, 3, False), images))
    return clock


def _verdict(kho: Clock, pages: int, alone: Clock, machine: Clock | None, cores: int) -> None:
    rate, anchor = pages / kho.wall, pages / alone.wall
    line = (f"    {rate / (cores * anchor):.2f} × cores × Tesseract alone's {anchor:.2f} pages/s "
            f"(target ≥ {TARGET})")  # fmt: skip
    if machine is not None:
        line += f"; {rate / (pages / machine.wall):.2f} × Tesseract alone on {cores} cores"
    print(line)
    print(
        f"    CPU a page: Tesseract alone {alone.cpu / pages:.2f} s, Kho {kho.cpu / pages:.2f} s "
        f"({alone.cpu / kho.cpu:.2f}); cores busy {kho.cpu / kho.wall:.2f} of {cores}"
    )


def _load() -> str:
    return f"load average {os.getloadavg()[0]:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=3, help="multi-page scans")
    parser.add_argument("--pages", type=int, default=6, help="pages per multi-page scan")
    parser.add_argument("--singles", type=int, default=8, help="one-page scans in the batch")
    args = parser.parse_args()
    if ocr.tesseract_version() is None:
        raise SystemExit(ocr.INSTALL_HINT)
    cores = len(os.sched_getaffinity(0))
    size = ocr_pool.pool().size
    docs = [_pages(args.pages, seed=300 + n) for n in range(args.docs)]
    singles = _pages(args.singles, seed=700)
    files = [_tiff(pages) for pages in docs]
    single_files = [_tiff([page]) for page in singles]
    multi = args.docs * args.pages
    print(f"{ocr.tesseract_version()}, {cores} cores, OCR pool of {size} processes; {_load()}")
    print(f"{args.docs} scans of {args.pages} pages and {args.singles} one-page scans "
          f"(A4, {DPI} dpi, grey TIFF)\n")  # fmt: skip

    print("Anchors: Tesseract alone on the same pages")
    page_images = [to_pgm(p) for pages in docs for p in pages]
    per_page = _alone(page_images, 1)
    print(f"  multi-page scans, a process per page, one at a time  {per_page.line(multi)}")
    per_doc = _alone([_raw_tiff(pages) for pages in docs], 1)
    print(f"  multi-page scans, a process per scan, one at a time  {per_doc.line(multi)}")
    machine = _alone(page_images, cores)
    print(f"  multi-page scans, a process per page, {cores} at a time    {machine.line(multi)}")
    single = _alone([to_pgm(p) for p in singles], 1)
    print(f"  one-page scans, one at a time                        {single.line(args.singles)}")
    print(f"  ({_load()})\n")

    print("Kho")
    limits = Limits()
    header_after, whole_after = [], []
    with Clock() as kho:
        for n, data in enumerate(files):
            began = time.perf_counter()
            known: list[float] = []
            pipeline.describe(
                data, f"scan-{n}.tif", None, limits, None,
                on_header=lambda *_, at=known: at.append(time.perf_counter()),
            )  # fmt: skip
            whole_after.append(time.perf_counter() - began)
            header_after.append(known[0] - began if known else float("nan"))
    print(f"  multi-page scans, one after another (describe)       {kho.line(multi)}")
    best = max(per_page, per_doc, key=lambda c: -c.wall)
    _verdict(kho, multi, best, machine, cores)
    print(f"    header and secrecy known after {statistics.median(header_after):5.1f} s "
          f"(median), the whole {args.pages}-page document after "
          f"{statistics.median(whole_after):5.1f} s")  # fmt: skip

    with tempfile.TemporaryDirectory(prefix="kho-bench-ocr-") as folder:
        inst, ctx = kit.filing_instance(Path(folder))
        with Clock() as batch, ThreadPoolExecutor(pipeline.BATCH_WORKERS) as threads:
            results = list(threads.map(
                lambda item: pipeline.ingest_bytes(inst, ctx, item[1], f"one-{item[0]}.tif",
                                                   announce=False),
                enumerate(single_files),
            ))  # fmt: skip
        outcomes = sorted({r.status for r in results})
        inst.dispose()
    print(
        f"  one-page scans, a batch on {pipeline.BATCH_WORKERS} threads, filed           "
        f"{batch.line(args.singles)} {outcomes}"
    )
    _verdict(batch, args.singles, single, None, cores)
    print(f"\n{_load()} at the end")


if __name__ == "__main__":
    main()
