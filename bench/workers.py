"""Ingest workers on one queue: documents per second with 1 and 2 `kho worker` processes.

    .venv/bin/python bench/workers.py [--docs 40] [--workers 1,2]

Runs on PostgreSQL and SeaweedFS started on loopback by ``scripts/with-postgres.sh`` and
``scripts/with-s3.sh`` (unless ``KHO_TEST_DATABASE_URL`` and ``KHO_TEST_S3_ENDPOINT`` are set),
the deployment of docs/deployment.md. One instance; for each worker count, ``--docs`` new
generated text documents are queued as web uploads (``jobs.submit``, bytes encrypted in the
bucket), then that many ``kho worker --once`` processes, each with its own ``KHO_HOME``, empty
the queue. The rate is taken from the jobs' own times (first claim to last finish), so process
start-up is not counted. Anchor, in the same run: the same pipeline in this process, on the
same database and store, without the queue (``pipeline.ingest_bytes`` one file after another,
the index following each record as in a worker).
With two cores shared by everything (the database, the object store, the workers), two workers
can at best double one worker's rate on an idle machine.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # the repository, not bench/: its files are named like the packages

from sqlalchemy import func, select

from archive.core.instance import Instance
from archive.models import IngestJob
from bench import kit
from ingest import pipeline
from ingest.demo import samples
from ingest.doors import jobs
from security.actor import Context
from web import wiring


def _documents(count: int, seed: int) -> list[samples.SampleDocument]:
    return samples.generate(count, seed=seed, formats=("txt",))


def _queued_rate(inst: Instance, ctx: Context, env: dict, docs, workers: int, tmp: Path) -> float:
    first_job = None
    for doc in docs:
        job = jobs.submit(inst, ctx, doc.content, doc.filename)
        first_job = first_job or job
    procs = [
        subprocess.Popen(
            [*kit.KHO, "worker", "--once"],
            env={**env, "KHO_HOME": str(tmp / f"worker-{workers}-{n}")},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for n in range(workers)
    ]
    for proc in procs:
        proc.wait()
    with inst.sessions() as session:
        started, finished, done = session.execute(
            select(
                func.min(IngestJob.started_at),
                func.max(IngestJob.finished_at),
                func.count(IngestJob.finished_at),
            ).where(IngestJob.id >= first_job)
        ).one()
    if done != len(docs):
        raise SystemExit(f"{len(docs) - done} jobs were not done: see the workers' logs")
    return len(docs) / (finished - started).total_seconds()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=40, help="documents per round")
    parser.add_argument("--workers", default="1,2", help="worker counts to measure")
    args = parser.parse_args()
    url, endpoint, blobs = kit.shared_services()
    with tempfile.TemporaryDirectory(prefix="kho-bench-") as folder:
        tmp = Path(folder)
        inst, ctx = kit.filing_instance(tmp / "node", url, blobs=blobs, s3_endpoint=endpoint)
        env = {
            **os.environ,
            "KHO_DATABASE_URL": url,
            "KHO_KEY_FILE": str(inst.key_file),
            "KHO_BLOBS": blobs,
            "KHO_S3_ENDPOINT": endpoint,
        }
        print(f"PostgreSQL {url.rsplit('@', 1)[-1]}, {blobs} at {endpoint}; {os.cpu_count()} cores")
        print(f"{args.docs} text documents per round, each a new file (no duplicates)\n")
        docs = _documents(args.docs, seed=100)
        wiring.connect()  # as in a worker: the index (here this process's) follows each filing
        started = time.perf_counter()
        for doc in docs:
            pipeline.ingest_bytes(inst, ctx, doc.content, doc.filename)
        anchor = len(docs) / (time.perf_counter() - started)
        print(f"  anchor: pipeline in one process, no queue   {anchor:6.1f} documents/s")
        for round_, count in enumerate(int(n) for n in args.workers.split(",")):
            docs = _documents(args.docs, seed=200 + round_)
            rate = _queued_rate(inst, ctx, env, docs, count, tmp)
            print(
                f"  {count} worker(s) on the queue                 {rate:6.1f} documents/s"
                f"  ({rate / count:.1f} per worker, {rate / anchor:.2f}× the anchor)"
            )
        inst.blobs.remove_all()
        inst.dispose()


if __name__ == "__main__":
    main()
