# ruff: noqa: S608 - the SQL below is assembled from fixed fragments; values are parameters
"""Search benchmark: Kho's engine (Whoosh, encrypted, trimmed) beside SQLite FTS5, one run.

    .venv/bin/python bench/search.py [--sizes 100000,1000000] [--rounds 3] [--mix 300]
                                     [--no-reindex] [--workers N] [--dir DIR]
                                     [--build-only] [--reindex-only]

For each size, a synthetic archive (``bench/synthetic.py``: the phrase banks of
``ingest.samples``, ids in filing order) is indexed with every core into the encrypted index,
and the same records into SQLite FTS5 (``unicode61 remove_diacritics 2``, đ mapped in Python),
the anchor measured in the same run. Then, as a reader cleared MẬT in one of four units (about
a fifth of the archive visible), each query asking for the top 20, the visible count and, on
zero hits, a suggestion (what the search page needs):

- search latency: distinct queries each run once (the honest figure: sets are built as a real
  mix meets them) and a fixed mix repeated, p50/p95/p99, kho beside FTS5;
- cold first search: a new process opens the index and answers one query (imports apart),
  beside FTS5's first query in a new process;
- reader reopen: one document committed, then the first query (which opens the new
  generation) against the next one;
- ``kho reindex``: the archive written into a database and blob store (records sealed,
  texts encrypted), then the full rebuild from them, as the command does it.

With several sizes, a last table shows how each figure grows.

On a shared machine the wall-clock figures measure the queue for a core as much as the code:
every figure is also given in CPU time (the indexing processes' own seconds; a query's thread
time; the cold process's), for Kho and FTS5 alike, with the load average beside them. ``--dir``
keeps the indexes and FTS5 databases there (a big size is then built once, by one run, and
measured again by later ones: indexing figures are printed only by the run that built them;
``--build-only`` builds and stops, ``--reindex-only`` measures ``kho reindex`` alone: on a
machine shared under a lock, a big size fits in several short runs).

The figures are for the index layer (``search.engine``); the gate and the audit entry of each
search add a database transaction (see bench/web.py for the whole service).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import resource
import secrets
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # the repository, not bench/: its files are named like the packages

from bench import synthetic
from ingest.demo import samples
from search import engine, parse
from search.index import store
from search.index.analysis import fold
from security.policy.reading import ReadScope
from security.vocabulary import LEVELS, level_rank

UNITS = {code: n for n, code in enumerate(synthetic.UNITS, 1)}
READER = ReadScope(level_rank("mat"), frozenset({UNITS["VP"]}))
KEY = bytes(range(32))
COLD_QUERY = "đảng viên"


def queries(count: int) -> list[str]:
    """A fixed mix; the numbers are of records the archive holds (same seed)."""
    n0, n1, n2 = (synthetic.record(i, count).number for i in (1, 2, 3))
    return [
        "đảng viên",
        "dang vien",
        "chuyển đổi số",
        "chuyen doi so",
        "kiểm tra",
        "kiem tra giam sat",
        "tỉnh ủy lào cai",
        "tinh uy",
        "hồ sơ lưu trữ",
        "ho so",
        "cải cách hành chính",
        "cai cach",
        "quy hoạch cán bộ",
        "tham nhung",
        "chữ ký số",
        "đảng phí",
        "sinh hoat chi bo",
        "văn thư",
        "bí mật nhà nước",
        "sa pa",
        "Giàng Seo Hòa",
        "thuỷ",
        "phần mềm",
        "mạng internet",
        n0,
        n1.replace("-", " ").replace("/", " "),
        f"so:{n2}",
        n0.lower().replace("-", "/", 1),
        "dang vien loai:KH",
        "kiem tra ngay:2022..2023",
        "mat:mat chuyen doi so",
        'coquan:"tinh uy lao cai" ho so',
        "nam:2024 loai:BC",
        "đảng viên nam:2020..2021",
        "dang vein",
        "chuyen doi sô",
    ]


def random_queries(count: int, seed: int = 9) -> list[str]:
    """Distinct 1–3-word runs from the phrase banks as people type them (half without marks),
    a fifth with a filter: each is run once, so term sets are built as a real mix meets them."""
    rng = random.Random(seed)
    texts = [t for subjects, sentences in samples.THEMES for t in (*subjects, *sentences)]
    out: set[str] = set()
    while len(out) < count:
        tokens = [w for w in re.findall(r"[^\W\d_]+", rng.choice(texts)) if w != "year"]
        size = rng.choice((1, 2, 2, 3))
        start = rng.randrange(max(1, len(tokens) - size))
        text = " ".join(tokens[start : start + size]).lower()
        if rng.random() < 0.5:
            text = fold(text)
        if rng.random() < 0.2:
            text += rng.choice((" loai:KH", " nam:2024", " ngay:2020..2022", " mat:thuong"))
        out.add(text)
    return sorted(out, key=lambda t: rng.random())


# SQLite FTS5, the anchor ----------------------------------------------------------------


def _fts_fold(text: str) -> str:
    return text.replace("đ", "d").replace("Đ", "D")


def build_fts(path: Path, entries: Iterable[store.IndexEntry]) -> float:
    """Seconds to insert the entries (their generation excluded)."""
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE docs (id INTEGER PRIMARY KEY, level TEXT, unit INTEGER, "
        "doc_type TEXT, issued INTEGER, number TEXT, pending INTEGER)"
    )
    db.execute(
        "CREATE VIRTUAL TABLE fts USING fts5(words, issuer, "
        "tokenize = 'unicode61 remove_diacritics 2')"
    )
    spent = 0.0
    batch: list[store.IndexEntry] = []

    def flush() -> float:
        t = time.perf_counter()
        with db:
            db.executemany(
                "INSERT INTO docs VALUES (?,?,?,?,?,?,?)",
                [
                    (
                        e.id,
                        e.level,
                        e.unit_id,
                        fold(e.doc_type or ""),
                        int(e.issued.strftime("%Y%m%d")),
                        fold(e.number or "").replace("-", "").replace("/", ""),
                        int(e.pending),
                    )
                    for e in batch
                ],
            )
            db.executemany(
                "INSERT INTO fts(rowid, words, issuer) VALUES (?,?,?)",
                [(e.id, _fts_fold(e.words), _fts_fold(e.issuer or "")) for e in batch],
            )
        batch.clear()
        return time.perf_counter() - t

    for entry in entries:
        batch.append(entry)
        if len(batch) >= 5000:
            spent += flush()
    spent += flush()
    db.close()
    return spent


def fts_runner(path: Path, scope: ReadScope) -> Callable[[str], int]:
    """The same question in SQL: words ANDed (numbers as phrases), filters, trimming, top 20."""
    db = sqlite3.connect(path)
    levels = ",".join(f"'{lv}'" for lv in LEVELS[: scope.max_level + 1])
    units = ",".join(str(u) for u in scope.unit_ids)
    trim = f"d.level IN ({levels}) AND d.unit IN ({units}) AND d.pending = 0"

    def run(text: str) -> int:
        parsed = parse.parse(text)
        terms = []
        for w in parsed.words + parsed.phrases:
            tokens = [t for t in _fts_fold(w).replace("/", " ").replace("-", " ").split() if t]
            terms.append('"' + " ".join(tokens).replace('"', "") + '"')
        sql, args = [trim], []
        if terms:
            sql.append("d.id IN (SELECT rowid FROM fts WHERE fts MATCH ?)")
            args.append(" AND ".join(terms))
        for issuer in parsed.issuers:
            sql.append("d.id IN (SELECT rowid FROM fts WHERE issuer MATCH ?)")
            args.append('"' + _fts_fold(issuer) + '"')
        if parsed.numbers:
            sql.append("d.number = ?")
            args.append(parsed.numbers[0])
        if parsed.doc_types:
            sql.append("d.doc_type = ?")
            args.append(parsed.doc_types[0])
        for span in parsed.dates + parsed.years:
            sql.append("d.issued BETWEEN ? AND ?")
            args += [span.start or 0, span.end or 99991231]
        if parsed.levels:
            sql.append(f"d.level IN ({','.join('?' * len(parsed.levels))})")
            args += parsed.levels
        where = " AND ".join(sql)
        total = db.execute(f"SELECT count(*) FROM docs d WHERE {where}", args).fetchone()[0]
        if terms:
            top = (
                f"SELECT d.id FROM fts JOIN docs d ON d.id = fts.rowid WHERE fts MATCH ? AND "
                f"{where} ORDER BY bm25(fts) LIMIT 20"
            )
            db.execute(top, [args[0], *args]).fetchall()
        else:
            db.execute(
                f"SELECT d.id FROM docs d WHERE {where} ORDER BY d.issued DESC LIMIT 20", args
            ).fetchall()
        return total

    return run


# Kho ------------------------------------------------------------------------------------


def engine_runner(folder: Path, facets: bool = False) -> Callable[[str], int]:
    def run(text: str) -> int:
        found = engine.search(
            folder, KEY, READER, parse.parse(text), UNITS, limit=20, facets=facets
        )
        return found.total

    return run


def forget_caches() -> None:
    """Readers, sets and decrypted blocks of this process dropped (a cold start in-process)."""
    engine.forget_all()
    from search.index import storage

    storage.BLOCKS.clear()


CPU: dict[str, list[float]] = {}  # per label of ``timed``: each query's thread time (ms)


def timed(
    run: Callable[[str], int], texts: list[str], rounds: int, label: str = ""
) -> tuple[list, list, dict]:
    """Wall-clock ms of each query (first round, later rounds) and the totals; each query's
    thread CPU time goes to ``CPU[label]`` (later rounds only when there are some)."""
    first, rest, totals = [], [], {}
    cpu_first, cpu_rest = [], []
    for r in range(rounds + 1):
        for text in texts:
            c, t = time.thread_time(), time.perf_counter()
            totals[text] = run(text)
            (first if r == 0 else rest).append((time.perf_counter() - t) * 1000)
            (cpu_first if r == 0 else cpu_rest).append((time.thread_time() - c) * 1000)
    if label:
        CPU[label] = cpu_rest or cpu_first
    return first, rest, totals


def pct(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)

    def at(p: float) -> float:
        return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]

    return statistics.median(ordered), at(0.95), at(0.99)


def line(name: str, values: list[float], label: str = "") -> tuple[float, float, float]:
    p50, p95, p99 = pct(values)
    cpu = f"   CPU p95 {pct(CPU[label])[1]:7.2f} ms" if label in CPU else ""
    print(f"  {name:<40} p50 {p50:7.2f} ms  p95 {p95:7.2f} ms  p99 {p99:7.2f} ms{cpu}")
    return p50, p95, p99


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (5 min: {five:.1f}) on {os.cpu_count()} cores"


def children_cpu() -> float:
    """CPU seconds of this process's ended children (the indexing workers), user + system."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _probe(args: list[str]) -> dict:
    """Run this script in a new process (cold caches, nothing imported) and read its JSON."""
    out = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def cold_probe(folder: Path) -> None:
    """In a new process: first search (reader opened, nothing decrypted yet), then a second."""
    started = time.perf_counter()
    run = engine_runner(folder)
    c, t = time.process_time(), time.perf_counter()
    total = run(COLD_QUERY)
    first, cpu = time.perf_counter() - t, time.process_time() - c
    t = time.perf_counter()
    run("kiem tra giam sat")
    second = time.perf_counter() - t
    print(
        json.dumps(
            {"first": first, "cpu": cpu, "second": second, "total": total, "setup": t - started}
        )
    )


def cold_fts_probe(path: Path) -> None:
    run = fts_runner(path, READER)
    c, t = time.process_time(), time.perf_counter()
    total = run(COLD_QUERY)
    first, cpu = time.perf_counter() - t, time.process_time() - c
    print(json.dumps({"first": first, "cpu": cpu, "total": total}))


def index_rate(folder: Path, count: int, workers: int) -> tuple[float, float]:
    """(seconds, CPU seconds of all the processes) to build the encrypted index of ``count``
    records with ``workers`` processes."""
    c, own, t = children_cpu(), time.process_time(), time.perf_counter()
    synthetic.build_index(folder, KEY, count, filed_by=2, workers=workers)
    cpu = children_cpu() - c + time.process_time() - own
    return time.perf_counter() - t, cpu


def generation_rate(count: int) -> tuple[float, float]:
    """Records generated per second and per CPU second (part of both index builds: measured
    to be set apart)."""
    sample = min(count, 5000)
    c, t = time.process_time(), time.perf_counter()
    for rec in synthetic.records(count, stop=sample):
        rec.entry()
    return sample / (time.perf_counter() - t), sample / (time.process_time() - c)


def reopen(folder: Path, count: int, runs: int = 5) -> list[tuple[float, float, float]]:
    """(commit, first query after it, next query) in ms, one document added each time."""
    run = engine_runner(folder)
    run("dang vien")
    out = []
    tag = "".join(secrets.choice("bcdghklmnpqrstvx") for _ in range(8))  # a kept index: new
    first_id = count + 1 + secrets.randbelow(10**9)  # words and ids in every run
    for n in range(runs):
        entry = store.IndexEntry(
            first_id + n,
            "thuong",
            UNITS["VP"],
            "KH",
            2026,
            f"Tinmoinhat{tag}{n} đảng viên.",
            number=f"{n + 1}-KH/TU",
            issuer="Tỉnh ủy Lào Cai",
            issued=date(2026, 1, 2),
        )
        t = time.perf_counter()
        store.add(folder, KEY, [entry])
        commit = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        found = run(f"tinmoinhat{tag}{n}")
        first = (time.perf_counter() - t) * 1000
        assert found == 1, f"the new document was not found ({found})"
        t = time.perf_counter()
        run("dang vien")
        after = (time.perf_counter() - t) * 1000
        out.append((commit, first, after))
    return out


def reindex_time(home: Path, count: int, workers: int) -> tuple[float, float, int]:
    """(seconds to build the archive, seconds of ``kho reindex``, its CPU seconds (all its
    processes), records indexed)."""
    from search import feed
    from security.actor import Context

    t = time.perf_counter()
    inst = synthetic.build(home, count, with_index=False, workers=workers, progress=lambda _: None)
    built = time.perf_counter() - t
    c, own, t = children_cpu(), time.process_time(), time.perf_counter()
    indexed = feed.reindex(inst, Context(None, "cli"), workers)
    seconds = time.perf_counter() - t
    cpu = children_cpu() - c + time.process_time() - own
    inst.dispose()
    return built, seconds, cpu, indexed


def measure(size: int, args: argparse.Namespace, tmp: Path) -> dict:
    print(f"\n=== {size:,} records " + "=" * 60)
    print(load())
    folder, fts_path = tmp / f"index-{size}", tmp / f"fts-{size}.sqlite3"
    out: dict[str, float] = {}
    if args.reindex_only:
        return reindexing(size, args, tmp)
    if folder.exists() and fts_path.exists():
        print(f"indexing: not measured in this run (index and FTS5 built earlier in {tmp})")
    else:
        out.update(indexing(size, args.workers, folder, fts_path))
    if args.build_only:
        return out

    kho, fts = engine_runner(folder), fts_runner(fts_path, READER)
    texts, mix = queries(size), random_queries(args.mix)
    forget_caches()
    print(
        "\nsearch as a MẬT reader of one unit of four: top 20 + visible count (+ hint on 0); "
        + load()
    )
    mixed, _, mix_totals = timed(kho, mix, 0, "k_mix")
    k_mix = line(f"kho: {len(mix)} distinct queries, once", mixed, "k_mix")
    fts_mixed, _, fts_mix_totals = timed(fts, mix, 0, "f_mix")
    f_mix = line(f"FTS5: {len(mix)} distinct queries, once", fts_mixed, "f_mix")
    first, warm, totals = timed(kho, texts, args.rounds, "k_fixed")
    line(f"kho: fixed mix ({len(texts)}), first run", first)
    k_fixed = line(f"kho: fixed mix, {args.rounds} more rounds", warm, "k_fixed")
    _, warm_f, _ = timed(engine_runner(folder, facets=True), texts, args.rounds, "k_facets")
    k_facets = line("kho: fixed mix + 5 facets", warm_f, "k_facets")
    _, fts_fixed, fts_totals = timed(fts, texts, args.rounds, "f_fixed")
    f_fixed = line("FTS5: fixed mix, all rounds", fts_fixed, "f_fixed")
    for name, k, f in (("distinct", k_mix, f_mix), ("fixed mix", k_fixed, f_fixed)):
        print(
            f"  kho / FTS5, {name}: p50 {k[0] / f[0]:.2f}x  p95 {k[1] / f[1]:.2f}x  "
            f"p99 {k[2] / f[2]:.2f}x"
        )
    all_k, all_f = {**totals, **mix_totals}, {**fts_totals, **fts_mix_totals}
    differ = [t for t in all_k if all_k[t] != all_f[t]]
    print(
        f"  visible counts equal to FTS5's on {len(all_k) - len(differ)}/{len(all_k)} queries"
        + (f" (differ: {', '.join(differ[:6])})" if differ else "")
    )

    engine.forget_all()
    colds = [_probe(["--cold-probe", str(folder)]) for _ in range(3)]
    cold = statistics.median(c["first"] for c in colds) * 1000
    cold_cpu = statistics.median(c["cpu"] for c in colds) * 1000
    fts_colds = [_probe(["--cold-fts", str(fts_path)]) for _ in range(3)]
    fts_cold = statistics.median(c["first"] for c in fts_colds) * 1000
    fts_cold_cpu = statistics.median(c["cpu"] for c in fts_colds) * 1000
    print(f"\ncold first search in a new process (median of 3; imports apart); {load()}")
    second = statistics.median(c["second"] for c in colds) * 1000
    print(
        f"  kho: {cold:7.1f} ms (CPU {cold_cpu:.1f} ms; second query {second:.1f} ms)   "
        f"FTS5 (anchor): {fts_cold:7.1f} ms (CPU {fts_cold_cpu:.1f} ms)"
    )

    reopened = reopen(folder, size)
    commit = statistics.median(r[0] for r in reopened)
    first_q = statistics.median(r[1] for r in reopened)
    after = statistics.median(r[2] for r in reopened)
    print("\nreader reopen: one document committed, then searched (median of 5)")
    print(
        f"  commit {commit:6.0f} ms   first query (opens the new generation) {first_q:6.1f} ms"
        f"   next query {after:5.1f} ms   reopen ≈ {first_q - after:5.1f} ms"
    )
    out |= {
        "distinct p95 ms": k_mix[1],
        "distinct CPU p95 ms": pct(CPU["k_mix"])[1],
        "FTS5 dist. CPU p95 ms": pct(CPU["f_mix"])[1],
        "FTS5 distinct p95 ms": f_mix[1],
        "fixed p95 ms": k_fixed[1],
        "facets p95 ms": k_facets[1],
        "FTS5 fixed p95 ms": f_fixed[1],
        "cold ms": cold,
        "cold CPU ms": cold_cpu,
        "FTS5 cold ms": fts_cold,
        "FTS5 cold CPU ms": fts_cold_cpu,
        "reopen ms": first_q - after,
        "commit ms": commit,
    }
    if not args.no_reindex:
        out |= reindexing(size, args, tmp)
    return out


def reindexing(size: int, args: argparse.Namespace, tmp: Path) -> dict[str, float]:
    """``kho reindex`` of a synthetic archive of ``size`` records (built first, then deleted)."""
    home = tmp / f"archive-{size}"
    shutil.rmtree(home, ignore_errors=True)
    built, seconds, cpu, indexed = reindex_time(home, size, args.workers)
    shutil.rmtree(home, ignore_errors=True)
    print(f"\nkho reindex from the database ({built:.0f} s to build the archive); {load()}")
    print(
        f"  {indexed:,} records in {seconds:.1f} s: {indexed / seconds:,.0f} records/s "
        f"({cpu:.0f} CPU s: {indexed / cpu:,.0f} records per CPU second)"
    )
    return {"reindex s": seconds, "reindex CPU s": cpu}


def indexing(size: int, workers: int, folder: Path, fts_path: Path) -> dict[str, float]:
    """Build the encrypted index and the FTS5 table of ``size`` records; their rates."""
    gen, gen_cpu = generation_rate(size)
    kho_s, kho_cpu = index_rate(folder, size, workers)
    disk = sum(p.stat().st_size for p in folder.iterdir())
    c = time.process_time()
    fts_s = build_fts(fts_path, (r.entry() for r in synthetic.records(size)))
    fts_cpu = time.process_time() - c - size / gen_cpu  # generation apart, as for the wall time
    kho_rate = size / max(kho_s - size / gen / workers, 1e-9)
    kho_cpu_rate = size / max(kho_cpu - size / gen_cpu, 1e-9)
    print(f"indexing ({workers} processes; generating the records: {gen:,.0f}/s per process)")
    print(
        f"  kho, encrypted: {size / kho_s:8,.0f} docs/s with generation, "
        f"{kho_rate:8,.0f} docs/s without ({kho_s:.0f} s, {disk / 1e6:.0f} MB); "
        f"{kho_cpu_rate:,.0f} docs per CPU second: {kho_cpu_rate * workers:,.0f} docs/s "
        f"with {workers} idle cores"
    )
    print(
        f"  FTS5 (anchor):  {size / fts_s:8,.0f} docs/s, inserts alone ({fts_s:.0f} s); "
        f"{size / max(fts_cpu, 1e-9):,.0f} docs per CPU second (one process)"
    )
    return {
        "index docs/s": kho_rate,
        "index docs/CPU s": kho_cpu_rate,
        "FTS5 docs/s": size / fts_s,
        "FTS5 docs/CPU s": size / max(fts_cpu, 1e-9),
    }


def growth(results: dict[int, dict]) -> None:
    sizes = sorted(results)
    print("\n=== growth " + "=" * 70)
    print(f"  {'figure':<22}" + "".join(f"{s:>14,}" for s in sizes) + "   last / first")
    for name in results[sizes[0]]:
        values = [results[s].get(name) for s in sizes]
        if None in values:
            continue
        ratio = values[-1] / values[0] if values[0] else float("nan")
        print(f"  {name:<22}" + "".join(f"{v:14.1f}" for v in values) + f"   {ratio:8.2f}x")


def machine_speed() -> float:
    """Seconds for a 10-million-step Python loop: how busy the shared machine was (about 0.4 s
    on an idle core of this kind; figures taken at 1.2 s are three times slower than idle)."""
    t = time.perf_counter()
    total = 0
    for n in range(10_000_000):
        total += n
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100000")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--mix", type=int, default=300, help="distinct random queries")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--no-reindex", action="store_true", help="skip the database rebuild")
    parser.add_argument(
        "--build-only",
        action="store_true",
        help="build the indexes (--dir), search none",
    )
    parser.add_argument("--reindex-only", action="store_true", help="measure `kho reindex` alone")
    parser.add_argument(
        "--dir", type=Path, help="keep indexes and FTS5 databases here (reused if present)"
    )
    parser.add_argument("--cold-probe", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--cold-fts", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cold_probe:
        return cold_probe(args.cold_probe)
    if args.cold_fts:
        return cold_fts_probe(args.cold_fts)
    results = {}
    print(f"machine: a 10M-step Python loop takes {machine_speed():.2f} s now (see machine_speed)")
    with contextlib.ExitStack() as stack:
        if args.dir:
            args.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            tmp = args.dir
        else:
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kho-bench-search-")))
        for size in (int(s) for s in args.sizes.split(",")):
            results[size] = measure(size, args, tmp)
            forget_caches()
            print(f"machine: the loop takes {machine_speed():.2f} s now; {load()}")
    if len(results) > 1:
        growth(results)


if __name__ == "__main__":
    main()
