# ruff: noqa: S608 - the SQL below is assembled from fixed fragments; values are parameters
"""Search benchmark: Kho's engine (Whoosh, encrypted, trimmed) against SQLite FTS5, one run.

    .venv/bin/python bench/search.py [--docs 100000] [--rounds 5] [--no-plain]

Generates a corpus from the phrase banks of ``ingest.samples`` (no PDFs, no database: records go
straight to the index), indexes it in one batch into the encrypted index, and runs a fixed mix of
queries (1–3 words with and without diacritics, document numbers in several spellings, field
filters, a typo) as a reader cleared MẬT in one of four units (about a third of the corpus
visible). Each query asks for the top 20, the visible count and, on zero hits, a suggestion:
what the search page needs. Prints indexing docs/s, p50/p95/p99 latency (first run of each query
separately), the same with facets, the same corpus and queries on SQLite FTS5 (``unicode61
remove_diacritics 2``, đ mapped in Python) as ratios, and the encrypted storage against Whoosh's
plain file storage (indexing and querying).

The figures are for the index layer (``search.engine``); the gate and the audit entry each
search writes add a database transaction (see bench/pipeline.py for the whole service).
"""

from __future__ import annotations

import argparse
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from whoosh.filedb.filestore import FileStorage

from ingest.demo import samples
from search import engine, parse
from search.index import storage, store
from search.index.analysis import fold
from security.policy.reading import ReadScope
from security.vocabulary import LEVELS, level_rank

UNITS = {"VP": 1, "BTC": 2, "UBKT": 3, "BTGDV": 4}
LEVEL_SHARES = (("thuong", 0.6), ("mat", 0.25), ("toi_mat", 0.1), ("tuyet_mat", 0.05))
READER = ReadScope(level_rank("mat"), frozenset({UNITS["VP"]}))
KEY = bytes(range(32))
PLACES = ("Bát Xát", "Sa Pa", "Bắc Hà", "Mường Khương", "Văn Bàn", "Bảo Yên", "Si Ma Cai")


def _fill(rng: random.Random, text: str, year: int) -> str:
    return text.format(
        n=rng.randint(10, 900),
        p=rng.randint(50, 99),
        k=rng.randint(3, 60),
        m=rng.randint(2, 40),
        year=year,
    )


def corpus(count: int, seed: int = 5) -> Iterator[store.IndexEntry]:
    """Cheap documents: a header and 8–14 sentences of one theme, plus names and places."""
    rng = random.Random(seed)
    span = (samples.LAST_DAY - samples.FIRST_DAY).days
    levels = [lv for lv, _ in LEVEL_SHARES]
    weights = [w for _, w in LEVEL_SHARES]
    units = list(UNITS.values())
    for doc_id in range(1, count + 1):
        issuer = rng.choice(samples.ISSUERS)
        doc_type = rng.choice(issuer.types)
        issued = samples.FIRST_DAY + timedelta(days=rng.randrange(span))
        number = f"{rng.randint(1, 999)}-{doc_type}/{issuer.code}"
        subjects, sentences = rng.choice(samples.THEMES)
        subject = _fill(rng, rng.choice(subjects), issued.year)
        body = [_fill(rng, s, issued.year) for s in rng.sample(sentences, k=min(4, len(sentences)))]
        body += [rng.choice(samples.CLOSINGS), rng.choice(samples.ADDRESSEES)]
        name = (
            f"{rng.choice(samples.FAMILY)} {rng.choice(samples.MIDDLE)} {rng.choice(samples.GIVEN)}"
        )
        body.append(f"Đồng chí {name} phụ trách địa bàn {rng.choice(PLACES)}.")
        body += [
            _fill(rng, s, issued.year) for s in rng.sample(sentences, k=min(4, len(sentences)))
        ]
        words = "\n".join([number, issuer.name, subject, *body])
        level = rng.choices(levels, weights)[0]
        yield store.IndexEntry(
            doc_id,
            level,
            rng.choice(units),
            doc_type,
            issued.year,
            words,
            number=number,
            issuer=issuer.name,
            issued=issued,
            subject=subject,
        )


def queries(count: int) -> list[str]:
    """A fixed mix; the numbers are of documents the corpus holds (same seed)."""
    numbers = [e.number for e, _ in zip(corpus(min(count, 50)), range(3), strict=False)]
    n0, n1, n2 = numbers
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


def _fts_fold(text: str) -> str:
    return text.replace("đ", "d").replace("Đ", "D")


def build_fts(path: Path, entries: list[store.IndexEntry]) -> float:
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE docs (id INTEGER PRIMARY KEY, level TEXT, unit INTEGER, "
        "doc_type TEXT, issued INTEGER, number TEXT)"
    )
    db.execute(
        "CREATE VIRTUAL TABLE fts USING fts5(words, issuer, "
        "tokenize = 'unicode61 remove_diacritics 2')"
    )
    t = time.perf_counter()
    with db:
        for e in entries:
            db.execute(
                "INSERT INTO docs VALUES (?,?,?,?,?,?)",
                (
                    e.id,
                    e.level,
                    e.unit_id,
                    fold(e.doc_type or ""),
                    int(e.issued.strftime("%Y%m%d")),
                    fold(e.number or "").replace("-", "").replace("/", ""),
                ),
            )
            db.execute(
                "INSERT INTO fts(rowid, words, issuer) VALUES (?,?,?)",
                (e.id, _fts_fold(e.words), _fts_fold(e.issuer or "")),
            )
    elapsed = time.perf_counter() - t
    db.close()
    return elapsed


def fts_runner(path: Path, scope: ReadScope) -> Callable[[str], int]:
    """The same question in SQL: words ANDed (numbers as phrases), filters, trimming, top 20."""
    db = sqlite3.connect(path)
    levels = ",".join(f"'{lv}'" for lv in LEVELS[: scope.max_level + 1])
    units = ",".join(str(u) for u in scope.unit_ids)
    trim = f"d.level IN ({levels}) AND d.unit IN ({units})"

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


def engine_runner(folder: Path, facets: bool) -> Callable[[str], int]:
    def run(text: str) -> int:
        found = engine.search(
            folder, KEY, READER, parse.parse(text), UNITS, limit=20, facets=facets
        )
        return found.total

    return run


def timed(
    run: Callable[[str], int], texts: list[str], rounds: int
) -> tuple[list[float], list[float], dict]:
    first, rest, totals = [], [], {}
    for r in range(rounds + 1):
        for text in texts:
            t = time.perf_counter()
            totals[text] = run(text)
            (first if r == 0 else rest).append((time.perf_counter() - t) * 1000)
    return first, rest, totals


def pct(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)

    def at(p: float) -> float:
        return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]

    return statistics.median(ordered), at(0.95), at(0.99)


def line(name: str, values: list[float]) -> tuple[float, float, float]:
    p50, p95, p99 = pct(values)
    print(f"  {name:<34} p50 {p50:7.2f} ms  p95 {p95:7.2f} ms  p99 {p99:7.2f} ms")
    return p50, p95, p99


def index_into(folder: Path, entries: list[store.IndexEntry], plain: bool) -> float:
    """Index in one batch; ``plain`` swaps in Whoosh's FileStorage (the only difference)."""
    original = store._storage
    if plain:
        store._storage = lambda path, key: FileStorage(str(path))
    try:
        t = time.perf_counter()
        store.rebuild(folder, KEY, entries)
        return time.perf_counter() - t
    finally:
        store._storage = original


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--mix", type=int, default=300, help="distinct random queries")
    parser.add_argument("--no-plain", action="store_true", help="skip the plain-storage index")
    args = parser.parse_args()
    texts, mix = queries(args.docs), random_queries(args.mix)
    t = time.perf_counter()
    entries = list(corpus(args.docs))
    print(
        f"corpus: {args.docs} documents generated in {time.perf_counter() - t:.1f} s, "
        f"{sum(len(e.words) for e in entries) / len(entries):.0f} characters each"
    )
    with tempfile.TemporaryDirectory(prefix="kho-bench-search-") as tmp:
        enc_dir, plain_dir = Path(tmp) / "index", Path(tmp) / "plain" / "index"
        plain_dir.parent.mkdir()
        fts_path = Path(tmp) / "fts.sqlite3"
        enc_s = index_into(enc_dir, entries, plain=False)
        size = sum(p.stat().st_size for p in enc_dir.iterdir())
        print(
            f"indexing (encrypted, one batch, procs=1): {args.docs / enc_s:8.0f} docs/s "
            f"({enc_s:.1f} s, {size / 1e6:.0f} MB on disk)"
        )
        fts_s = build_fts(fts_path, entries)
        print(f"indexing (SQLite FTS5): {args.docs / fts_s:8.0f} docs/s ({fts_s:.1f} s)")

        kho, fts = engine_runner(enc_dir, facets=False), fts_runner(fts_path, READER)
        print("\nas a MẬT reader of one unit of four; top 20 + visible count (+ hint on 0 hits)")
        first, warm, totals = timed(kho, texts, args.rounds)
        line(f"kho: fixed mix ({len(texts)}), first run", first)
        k_fixed = line(f"kho: fixed mix, {args.rounds} more rounds", warm)
        mixed, _, mix_totals = timed(kho, mix, 0)
        k_mix = line(f"kho: {len(mix)} distinct queries, once", mixed)
        _, warm_f, _ = timed(engine_runner(enc_dir, facets=True), texts, args.rounds)
        line("kho: fixed mix + 5 facets", warm_f)
        _, fts_fixed, fts_totals = timed(fts, texts, args.rounds)
        f_fixed = line("FTS5: fixed mix, all rounds", fts_fixed)
        fts_mixed, _, fts_mix_totals = timed(fts, mix, 0)
        f_mix = line(f"FTS5: {len(mix)} distinct queries, once", fts_mixed)
        for name, k, f in (("fixed mix", k_fixed, f_fixed), ("distinct", k_mix, f_mix)):
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
        _freshness(enc_dir, args.docs)
        if not args.no_plain:
            _compare_plain(plain_dir, enc_dir, entries, enc_s, mix)


def _freshness(folder: Path, count: int) -> None:
    """One new document as the ingest worker adds it, then the first query that must find it."""
    print(f"\nfreshness: one document added to the {count}-document index, then searched")
    for n in range(3):
        entry = store.IndexEntry(
            count + 1 + n,
            "thuong",
            UNITS["VP"],
            "KH",
            2026,
            f"Tinmoinhat{n} đảng viên.",
            number=f"{n + 1}-KH/TU",
            issuer="Tỉnh ủy Lào Cai",
            issued=date(2026, 1, 2),
        )
        t = time.perf_counter()
        store.add(folder, KEY, [entry])
        commit = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        found = engine_runner(folder, facets=False)(f"tinmoinhat{n}")
        first = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        engine_runner(folder, facets=False)("dang vien")
        after = (time.perf_counter() - t) * 1000
        print(
            f"  commit {commit:7.0f} ms   first query (reopens the reader) {first:6.0f} ms   "
            f"found {found}   next query {after:6.1f} ms"
        )


def _compare_plain(plain_dir: Path, enc_dir: Path, entries: list, enc_s: float, mix: list[str]):
    plain_s = index_into(plain_dir, entries, plain=True)
    print("\nencrypted against plain storage (same corpus, same batch)")
    print(f"  indexing: encrypted {enc_s:.1f} s, plain {plain_s:.1f} s: {enc_s / plain_s:.2f}x")
    results = {}
    for name, folder, plain in (("encrypted", enc_dir, False), ("plain", plain_dir, True)):
        opened = _open_time(folder, plain)
        original = store._storage
        if plain:
            store._storage = lambda path, key: FileStorage(str(path))
        try:
            times, _, _ = timed(engine_runner(folder, facets=False), mix, 0)
        finally:
            store._storage = original
        results[name] = (opened, pct(times))
        line(f"{name}: distinct queries, cold caches", times)
    (e_open, e), (p_open, p) = results["encrypted"], results["plain"]
    print(f"  queries: encrypted / plain p50 {e[0] / p[0]:.2f}x  p95 {e[1] / p[1]:.2f}x")
    print(
        f"  opening a reader, nothing cached: encrypted {e_open:.0f} ms, plain {p_open:.0f} ms: "
        f"{e_open / p_open:.2f}x"
    )


def _open_time(folder: Path, plain: bool) -> float:
    storage.PLAIN_CACHE.clear()
    engine.forget_all()
    original = store._storage
    if plain:
        store._storage = lambda path, key: FileStorage(str(path))
    try:
        t = time.perf_counter()
        engine.search(folder, KEY, READER, parse.parse("đảng viên"), UNITS, limit=20)
        return (time.perf_counter() - t) * 1000
    finally:
        store._storage = original


if __name__ == "__main__":
    main()
