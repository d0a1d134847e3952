"""OCR page jobs: scanned pages per second with 1 and 2 `kho worker` processes, and per core.

    .venv/bin/python bench/ocr_pages.py [--docs 2] [--pages 4] [--workers 1,2]

Runs on PostgreSQL and SeaweedFS started on loopback by ``scripts/with-postgres.sh`` and
``scripts/with-s3.sh`` (unless ``KHO_TEST_DATABASE_URL`` and ``KHO_TEST_S3_ENDPOINT`` are set).
Each round queues ``--docs`` new scans of ``--pages`` A4 pages at 300 dpi (generated
documents drawn as images, multi-page TIFF, no text layer) as web uploads, while that many
``kho worker`` processes (each its own ``KHO_HOME``, started before) empty the queue: with
two workers or more each scan is split into page jobs (``ingest.doors.pages``) that any worker
takes, and filed once its pages are read; a worker alone reads a scan's pages itself, on every
core (``ingest.examine.ocr_pool``; bench/ocr.py compares that with Tesseract alone). The
rate is pages over the jobs' own times (first upload to last filing).
Anchor, same run: the pipeline in this process on one scan (every page read in turn).
"""

from __future__ import annotations

import argparse
import io
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # the repository, not bench/: its files are named like the packages

from sqlalchemy import func, select

from archive.core.instance import Instance
from archive.models import IngestJob, IngestWorker, OcrPageJob
from bench import kit
from ingest import pipeline
from ingest.demo import samples, scans
from ingest.doors import jobs
from security.actor import Context

DPI = 300


def _scan(pages: int, seed: int) -> bytes:
    """A multi-page TIFF: each page a generated document drawn as an image, grey, 300 dpi."""
    docs = samples.generate(pages, seed=seed, formats=("txt",))
    frames = [scans.compose_page(d.truth, d.content.decode(), DPI)[0].convert("L") for d in docs]
    out = io.BytesIO()
    frames[0].save(
        out, format="TIFF", save_all=True, append_images=frames[1:], compression="tiff_deflate",
        dpi=(DPI, DPI),
    )  # fmt: skip
    return out.getvalue()


def _round(inst: Instance, ctx: Context, env: dict, files: list[bytes], workers: int, tmp: Path):
    procs = [
        subprocess.Popen(
            [*kit.KHO, "worker"],
            env={**env, "KHO_HOME": str(tmp / f"worker-{workers}-{n}")},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for n in range(workers)
    ]
    try:
        while True:  # the workers are up before the scans arrive: start-up is not counted
            with inst.sessions() as session:
                if session.scalar(select(func.count()).select_from(IngestWorker)) >= workers:
                    break
            time.sleep(0.2)
        first = None
        for n, data in enumerate(files):
            job = jobs.submit(inst, ctx, data, f"ban-quet-{workers}-{n}.tif", None, "mat")
            first = first or job
        while True:
            with inst.sessions() as session:
                waiting = session.scalar(
                    select(func.count())
                    .select_from(IngestJob)
                    .where(IngestJob.id >= first, IngestJob.status != "done")
                )
            if not waiting:
                break
            time.sleep(0.5)
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGINT)
        for proc in procs:
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
    with inst.sessions() as session:
        started, finished, done = session.execute(
            select(
                func.min(IngestJob.created_at),
                func.max(IngestJob.finished_at),
                func.count(IngestJob.finished_at),
            ).where(IngestJob.id >= first)
        ).one()
        states = dict(
            session.execute(
                select(IngestJob.status, func.count())
                .where(IngestJob.id >= first)
                .group_by(IngestJob.status)
            ).all()
        )
        outcomes = [
            j.result.get("status")
            for j in session.execute(select(IngestJob).where(IngestJob.id >= first)).scalars()
        ]
        left = session.scalar(select(func.count()).select_from(OcrPageJob))
    if done != len(files) or states != {"done": len(files)} or left:
        raise SystemExit(f"not every scan was filed: {states}, {left} page jobs left")
    return (finished - started).total_seconds(), outcomes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=2, help="scans per round")
    parser.add_argument("--pages", type=int, default=4, help="pages per scan")
    parser.add_argument("--workers", default="1,2", help="worker counts to measure")
    args = parser.parse_args()
    url, endpoint, blobs = kit.shared_services()
    cores = len(os.sched_getaffinity(0))
    with tempfile.TemporaryDirectory(prefix="kho-bench-") as folder:
        tmp = Path(folder)
        name = f"luutru{secrets.token_hex(3)}"  # a database shared with other runs
        inst, ctx = kit.filing_instance(
            tmp / "node", url, blobs=blobs, s3_endpoint=endpoint, username=name
        )
        env = {
            **os.environ,
            "KHO_DATABASE_URL": url,
            "KHO_KEY_FILE": str(inst.key_file),
            "KHO_BLOBS": blobs,
            "KHO_S3_ENDPOINT": endpoint,
            "KHO_INDEX_SNAPSHOTS": "0",
        }
        print(f"PostgreSQL and {blobs} on loopback; {cores} cores, load {os.getloadavg()[0]:.1f}")
        print(f"{args.docs} scans of {args.pages} pages (A4, {DPI} dpi, grey TIFF) per round\n")
        anchor_scan = _scan(args.pages, seed=900)
        started = time.perf_counter()
        result = pipeline.ingest_bytes(inst, ctx, anchor_scan, "anchor.tif", None, "mat")
        anchor = args.pages / (time.perf_counter() - started)
        print(
            f"  anchor: one scan through the pipeline in one process   {anchor:5.2f} pages/s "
            f"({result.status})"
        )
        for round_, count in enumerate(int(n) for n in args.workers.split(",")):
            files = [_scan(args.pages, seed=1000 + 10 * round_ + n) for n in range(args.docs)]
            seconds, outcomes = _round(inst, ctx, env, files, count, tmp)
            rate = args.docs * args.pages / seconds
            print(
                f"  {count} worker(s), page jobs: {rate:5.2f} pages/s, "
                f"{rate / min(count, cores):5.2f} per core in use "
                f"({args.docs * args.pages} pages in {seconds:.0f} s; {sorted(set(outcomes))})"
            )
        print(f"\nload average {os.getloadavg()[0]:.1f} at the end")
        inst.blobs.remove_all()
        inst.dispose()


if __name__ == "__main__":
    main()
