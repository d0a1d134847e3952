"""Search on every node: the change-log lag between nodes, and a wiped node's catch-up.

    .venv/bin/python bench/cluster.py [--docs 400] [--samples 40] [--after 50]

Runs on PostgreSQL and SeaweedFS started on loopback by ``scripts/with-postgres.sh`` and
``scripts/with-s3.sh`` (unless ``KHO_TEST_DATABASE_URL`` and ``KHO_TEST_S3_ENDPOINT`` are set).

Lag: node A is this process (its own home); node B a real ``kho serve`` (gunicorn, two worker
processes, each with its Follower thread) with its own home and index. One record at a time is
filed on A, at random intervals; the lag is from the change-log row's time stamp (written in
the filing's transaction, just before its commit: the figure errs long) to the moment B's index
position (written after B's index commit, so a search on B finds it) covers it.

Catch-up: a third node C (in this process) with an archive of ``--docs`` records. Anchor: its
index rebuilt from the records (what a wiped node did before snapshots). Then C publishes a
snapshot, ``--after`` more records are filed, C's index is wiped, and ``follower.catch_up``
restores the snapshot and applies the log after it.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # the repository, not bench/: its files are named like the packages

from sqlalchemy import select

from archive.accounts import accounts
from archive.core.instance import Instance
from archive.models import ChangeLogEntry, aware
from archive.operations.bootstrap import initialize
from archive.records import filing
from archive.records.filing import NewRecord
from bench import kit
from ingest.demo import samples
from search import follower, snapshot
from search.index import position
from security.actor import Context


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Filer:
    """Files generated text documents straight through ``archive.records.filing`` (no OCR,
    no classifier: this measures the index, not the reader)."""

    def __init__(self, inst: Instance, ctx: Context) -> None:
        self.inst, self.ctx = inst, ctx
        self.docs = self._generated()
        with inst.sessions() as session:
            self.unit = accounts.get_or_create_unit(session, "VP")
            session.commit()

    @staticmethod
    def _generated():
        seed = 31
        while True:  # fifty at a time: generating thousands up front takes minutes
            yield from samples.generate(50, seed=seed, formats=("txt",))
            seed += 1

    def file(self) -> int:
        doc = next(self.docs)
        text = doc.content.decode() + f"\n{secrets.token_hex(6)}"
        truth = doc.truth
        fields = {
            "kind": "party",
            "doc_type": truth.get("doc_type") or "CV",
            "number": truth.get("number") or "1/CV",
            "issuer": truth.get("issuer") or "Tỉnh ủy",
            "date": truth.get("date"),
            "subject": truth.get("subject") or "về việc",
            "level": "thuong",
            "urgency": "thuong",
        }
        new = NewRecord(
            content=text.encode(),
            media_type="text/plain",
            text=text,
            fields=fields,
            filename=doc.filename,
            unit=self.unit,
        )
        mac = self.inst.keyring.content_mac(text.encode())
        return filing.file_record(self.inst, self.ctx, new, mac).id


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _lag(filer: Filer, env: dict, tmp: Path, samples_wanted: int) -> None:
    port = _free_port()
    home_b = tmp / "b"
    log_b = open(tmp / "b.log", "wb")  # noqa: SIM115 - closed below
    node_b = subprocess.Popen(
        [*kit.KHO, "serve", "--bind", f"127.0.0.1:{port}", "--plain-http", "--no-ingest-worker"],
        env={**env, "KHO_HOME": str(home_b)},
        stdout=log_b,
        stderr=log_b,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline or node_b.poll() is not None:
                    raise SystemExit(f"node B did not start: see {tmp / 'b.log'}") from None
                time.sleep(0.2)
        key = filer.inst.keyring.index_key
        while position.read(home_b / "index", key) is None:  # B has caught up once
            time.sleep(0.1)
        lags = []
        for _ in range(samples_wanted):
            time.sleep(random.uniform(0.2, 0.8))
            record = filer.file()
            with filer.inst.sessions() as session:
                row = session.execute(
                    select(ChangeLogEntry).where(ChangeLogEntry.record_id == record)
                ).scalar_one()
            stamp = aware(row.at).timestamp()
            while True:
                pos = position.read(home_b / "index", key)
                if pos is not None and pos.seq >= row.seq:
                    lags.append(time.time() - stamp)
                    break
                time.sleep(0.005)
        print(
            f"  lag to node B's index, {len(lags)} filings on node A: "
            f"p50 {_percentile(lags, 0.5):.2f} s, p95 {_percentile(lags, 0.95):.2f} s, "
            f"max {max(lags):.2f} s "
            f"(follower polls every {follower.POLL_SECONDS} s; target: within 2 s)"
        )
    finally:
        node_b.terminate()
        try:
            node_b.wait(timeout=30)
        except subprocess.TimeoutExpired:
            node_b.kill()
        log_b.close()


def _catch_up(filer: Filer, url: str, blobs: str, endpoint: str, tmp: Path, docs: int, after: int):
    started = time.perf_counter()
    for _ in range(docs):
        filer.file()
    print(f"  {docs} records filed in {time.perf_counter() - started:.0f} s")
    node_c = Instance.from_settings(
        tmp / "c", url, key_file=filer.inst.key_file, blobs=blobs, s3_endpoint=endpoint
    )
    started = time.perf_counter()
    follower.catch_up(node_c)  # no snapshot yet: rebuilt from the records
    rebuilt = time.perf_counter() - started
    print(f"  anchor: node C's index rebuilt from {docs} records   {rebuilt:6.2f} s")
    started = time.perf_counter()
    made = follower.publish(node_c)
    published = time.perf_counter() - started
    print(
        f"  snapshot published at change {made.seq}: {made.files} files, "
        f"{made.size / 1e6:.1f} MB sealed, {published:.2f} s"
    )
    for _ in range(after):
        filer.file()
    shutil.rmtree(node_c.index_dir)
    head = follower.status(node_c).head
    started = time.perf_counter()
    pos = snapshot.restore(node_c, head)  # what catch_up does first on a wiped node
    restored = time.perf_counter() - started
    started = time.perf_counter()
    applied = follower.catch_up(node_c)
    applying = time.perf_counter() - started
    status = follower.status(node_c)
    assert pos and status.follows and status.lag == 0 and applied == after, (status, applied)
    print(
        f"  wiped node C: snapshot restored in {restored:.2f} s "
        f"({rebuilt / restored:.0f}× faster than the rebuild), then {applied} changes applied "
        f"in {applying:.2f} s ({applied / applying:.1f} changes/s)"
    )
    node_c.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=400, help="records before the snapshot")
    parser.add_argument("--after", type=int, default=50, help="records filed after it")
    parser.add_argument("--samples", type=int, default=40, help="filings timed for the lag")
    args = parser.parse_args()
    url, endpoint, blobs = kit.shared_services()
    os.environ["KHO_INDEX_SNAPSHOTS"] = "0"  # snapshots only when this bench asks
    with tempfile.TemporaryDirectory(prefix="kho-bench-") as folder:
        tmp = Path(folder)
        inst = Instance.from_settings(tmp / "a", url, blobs=blobs, s3_endpoint=endpoint)
        initialize(inst, "bench root passphrase")
        name = f"luutru{secrets.token_hex(3)}"  # a database shared with other runs
        accounts.create_account(
            inst, Context(None, "bench"), name, "bench pass phrase for filing", "archivist",
            "toi_mat", "VP",
        )  # fmt: skip
        with inst.sessions() as session:
            ctx = accounts.context_for(accounts.require_user(session, name), "bench")
        env = {
            **os.environ,
            "KHO_DATABASE_URL": url,
            "KHO_KEY_FILE": str(inst.key_file),
            "KHO_BLOBS": blobs,
            "KHO_S3_ENDPOINT": endpoint,
            "KHO_SECRET_KEY": secrets.token_hex(32),
        }
        print(f"PostgreSQL {url.rsplit('@', 1)[-1]}, {blobs} at {endpoint}; {os.cpu_count()} cores")
        print(f"load average {os.getloadavg()[0]:.1f} at start\n")
        filer = Filer(inst, ctx)
        _lag(filer, env, tmp, args.samples)
        _catch_up(filer, url, blobs, endpoint, tmp, args.docs, args.after)
        print(f"\nload average {os.getloadavg()[0]:.1f} at the end")
        inst.blobs.remove_all()
        inst.dispose()


if __name__ == "__main__":
    main()
