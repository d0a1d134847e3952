"""Foundation benchmark: one command, every figure measured side by side in the same run.

    .venv/bin/python bench/pipeline.py [--docs 300]

Prints (crypto throughput is bench/crypto.py)
- ingest throughput through the whole pipeline (documents/s);
- search latency (p50/p95) with trimming, on the encrypted index against the same index in
  plain Whoosh storage, as a ratio.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from whoosh.filedb.filestore import FileStorage

from archive import accounts
from archive.bootstrap import initialize
from archive.instance import Instance
from ingest import pipeline, samples
from search import feed, index, query

QUERIES = [
    "dang vien",
    "đảng viên",
    "chuyển đổi số",
    "kiem tra",
    "117 KH TU",
    "hồ sơ lưu trữ",
    "cai cach hanh chinh",
    "tỉnh ủy lào cai",
    "văn bản đến",
    "phát triển",
]


def _percentiles(samples_ms: list[float]) -> tuple[float, float]:
    ordered = sorted(samples_ms)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.95) - 1]


def _plain_copy(inst: Instance, target: Path) -> None:
    """The same index in Whoosh's plain FileStorage, for the encrypted-storage ratio."""
    index.rebuild(target, inst.keyring.index_key, [])
    plain = FileStorage(str(target)).create().create_index(index.schema())
    with plain.writer() as writer:
        for entry in feed._entries(inst, None):
            writer.add_document(**index._fields(entry))


def _time_queries(run, rounds: int = 5) -> list[float]:
    timings = []
    for _ in range(rounds):
        for text in QUERIES:
            t = time.perf_counter()
            run(text)
            timings.append((time.perf_counter() - t) * 1000)
    return timings


def bench_pipeline(count: int, folder: Path) -> None:
    inst = Instance.from_settings(folder / "home")
    initialize(inst, "bench-admin-password")
    with inst.sessions.begin() as session:
        vp = accounts.get_or_create_unit(session, "VP")
        accounts.add_user(session, "vanthu", "bench-password-1", "archivist", "tuyet_mat", vp)
        accounts.add_user(session, "canbo", "bench-password-2", "reader", "mat", vp)
    with inst.sessions() as session:
        archivist = accounts.context_for(accounts.require_user(session, "vanthu"), "bench")
        reader = accounts.context_for(accounts.require_user(session, "canbo"), "bench")
    docs = samples.generate(count, seed=11)
    t = time.perf_counter()
    for doc in docs:
        pipeline.ingest_bytes(inst, archivist, doc.content, doc.filename, unit_code="VP")
    ingest_s = time.perf_counter() - t
    print(f"ingest, {count} generated documents (half PDF), one process")
    print(f"  {count / ingest_s:8.1f} documents/s  ({ingest_s * 1000 / count:.1f} ms each)")

    full = _time_queries(lambda text: query.search(inst, reader, text))
    ix = index.open_index(inst.index_dir, inst.keyring.index_key)
    parser_query = query.MultifieldParser(["exact", "folded"], ix.schema, group=query.AndGroup)
    allowed = query._scope_filter(reader)

    def raw(ix_):
        def run(text):
            with ix_.searcher() as searcher:
                searcher.search(parser_query.parse(text), filter=allowed, limit=100)

        return run

    encrypted = _time_queries(raw(ix))
    _plain_copy(inst, folder / "plain")
    plain = _time_queries(raw(FileStorage(str(folder / "plain")).open_index()))
    print(f"search, {len(QUERIES)} queries x 5 as a MẬT reader (trimmed), index of {count}")
    for name, timings in (
        ("service (gate + audit)", full),
        ("whoosh, encrypted", encrypted),
        ("whoosh, plain files", plain),
    ):
        p50, p95 = _percentiles(timings)
        print(f"  {name:<24} p50 {p50:7.2f} ms   p95 {p95:7.2f} ms")
    ratio = _percentiles(encrypted)[1] / _percentiles(plain)[1]
    print(f"  encrypted / plain storage at p95: {ratio:.2f}x (opens a searcher per query)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kho-bench-") as tmp:
        bench_pipeline(args.docs, Path(tmp))


if __name__ == "__main__":
    main()
