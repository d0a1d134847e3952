"""Pages that list the archive at the size of a province: p95 and query plans (issue 20).

    .venv/bin/python bench/pages.py [--sizes 10000 100000] [--rounds 20] [--work DIR --keep]
    .venv/bin/python bench/pages.py --work DIR --keep --only audit --each [--no-gc | --unfrozen]
    KHO_PG_PORT=54342 bash scripts/with-postgres.sh .venv/bin/python bench/pages.py --postgresql

Builds (or reuses, under ``--work``) synthetic archives (bench/synthetic.py: records, dossiers,
register lines, the audit chain; no search index) of each size on SQLite, or on the PostgreSQL
server that ``scripts/with-postgres.sh`` started (one database per size). Then, through Flask's
test client as people logged in (the gate, the audit entries and the rendering included), times:

- the due list (``/disposal/due``) and the records list (``/``) as the archivist;
- a register's year (``/registers?register=DEN&year=Y``) and its page deep in the year;
- the statistics of a year (``/statistics?year=Y``);
- the audit log's first page and a deep page (``/audit``, ``/audit?before=SEQ``) as the auditor.

Each page's SQL statements are caught as they run and explained on the same database
(SQLite ``EXPLAIN QUERY PLAN``, PostgreSQL ``EXPLAIN``): the verdict names every full scan of
a large table. The smallest size is the anchor: the growth column is each p95 over the anchor's
p95 in the same run. Beside each page's wall time (as the client saw it): Kho's own time from
its ``Server-Timing`` header (``KHO_SERVER_TIMING`` is set), and the CPU time this process spent
(test client and Kho; on PostgreSQL the server's CPU is not in it), so on a shared machine the
work can be read apart from the waiting; the slowest round of each page is printed the same way
(one slow round in ten is the p95: was it waiting or working?).

The app starts as a ``kho serve`` worker does (``web.cli.serve``: pages compiled, then what
startup built frozen out of the garbage collector's full passes). To read a slow round:
``--each`` prints every round with the collector's passes in it (generation, ms), the bytes
this process read from and wrote to the disk, its statements and a digest of their plans
(explained after the round: a plan that flips shows as CHANGED); ``--no-gc`` times with the
collector off, ``--unfrozen`` without the freeze (as workers were before); ``--only WORD``
times only some pages; ``--analyze`` prints PostgreSQL's plans run (EXPLAIN ANALYZE, BUFFERS).
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # the repository, not bench/: its files are named like the packages

from sqlalchemy import create_engine, event, text

from archive.accounts import accounts, sessions
from archive.core import grouping, schema
from bench import synthetic
from security.actor import Context
from security.identity import totp
from web.timing import HEADER, SETTING, server_ms

AUDITOR = "kiemtoan"
YEAR = 2020  # a full year in the middle of the synthetic archive (2015–2026)
LARGE = 5000  # rows: a table smaller than this may be scanned
BUILT = "built.ok"  # written in the archive's home once its build finished
TOTP = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # the bench accounts' second factor (throw-away)


@dataclass
class Page:
    name: str
    who: str
    url: str
    times: list[float] = field(default_factory=list)  # wall, as the client saw it
    server: list[float] = field(default_factory=list)  # Server-Timing: Kho's own part
    cpu: list[float] = field(default_factory=list)  # this process's CPU time (client + Kho)
    statements: list[tuple[str, object]] = field(default_factory=list)
    rounds: list[Round] = field(default_factory=list)  # with --each: what each round did
    tracked: int = 0  # objects the collector tracks when the page's rounds begin (--each)


@dataclass
class Round:
    """One timed round seen from inside the process (``--each``): what made a slow round slow."""

    collections: list[tuple[int, float]]  # the garbage collector's passes: (generation, ms)
    disk_read: int  # bytes this process read from the disk (not the page cache): a cold cache
    disk_written: int  # bytes it wrote (on SQLite: a commit that ran a WAL checkpoint)
    plan: str  # a digest of the plans of the round's SELECTs, explained after the round
    statements: int  # how many it ran (one more SELECT and an UPDATE: the idle clock moved)


class _Collections:
    """The garbage collector's passes while it listens, timed (``gc.callbacks``)."""

    def __init__(self) -> None:
        self.passes: list[tuple[int, float]] = []
        self._started = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            ms = (time.perf_counter() - self._started) * 1000
            self.passes.append((info["generation"], ms))

    def __enter__(self) -> _Collections:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *_exc) -> None:
        gc.callbacks.remove(self)


def _disk() -> tuple[int, int]:
    """Bytes this process has read from and written to the disk (Linux /proc; 0 elsewhere)."""
    try:
        fields = dict(line.split(": ") for line in Path("/proc/self/io").read_text().splitlines())
    except OSError:
        return 0, 0
    return int(fields["read_bytes"]), int(fields["write_bytes"])


def _pages(deep_audit: int, size: int) -> list[Page]:
    deep_register = max(1, size // 35)  # about the middle of a year of sổ đến
    return [
        Page("due list", "archivist", "/disposal/due"),
        Page("records list", "archivist", "/"),
        Page("register year, page 1", "archivist", f"/registers?register=DEN&year={YEAR}"),
        Page(
            "register year, deep page",
            "archivist",
            f"/registers?register=DEN&year={YEAR}&after={deep_register}",
        ),
        Page("statistics of a year", "archivist", f"/statistics?year={YEAR}"),
        Page("audit log, page 1", "auditor", "/audit"),
        Page("audit log, deep page", "auditor", f"/audit?before={deep_audit}"),
    ]


def _database(base_url: str | None, size: int) -> str | None:
    """A database of its own per size on the PostgreSQL server (None: SQLite in the home)."""
    if base_url is None:
        return None
    name = f"kho_pages_{size}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        ).first():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base_url.rsplit("/", 1)[0] + f"/{name}"


def _archive(work: Path, size: int, database_url: str | None) -> Path:
    home = work / f"{'pg' if database_url else 'sqlite'}-{size}"
    if (home / BUILT).exists():
        print(f"reusing {home}")
        return home
    if home.exists():
        shutil.rmtree(home)
    print(f"building {size:,} records at {home} …")
    inst = synthetic.build(home, size, database_url=database_url, with_index=False)
    accounts.create_account(
        inst,
        Context(None, "bench"),
        AUDITOR,
        synthetic.ADMIN_PASSWORD,
        "auditor",
        "thuong",
        "VP",
        "Kiểm toán",
    )
    for name in (synthetic.FILER, AUDITOR):  # both log in with a second factor
        with inst.sessions.begin() as session:
            sessions.set_totp_secret(inst, accounts.require_user(session, name), TOTP, True)
    inst.dispose()
    (home / BUILT).write_text("ok\n")
    return home


def _client(app, username: str):
    client = app.test_client()
    answer = client.post(
        "/login", data={"username": username, "password": synthetic.ADMIN_PASSWORD}
    )
    if answer.headers.get("Location", "").endswith("/login/code"):
        answer = client.post("/login/code", data={"code": totp.code_now(TOTP)})
    assert answer.status_code in (302, 303), (username, answer.status_code)
    assert client.get("/").status_code == 200, f"{username} is not logged in"
    return client


def _measure(app, pages: list[Page], rounds: int, each: bool = False) -> None:
    """Time each page ``rounds`` times after a warm-up round whose statements are kept for
    their plans. ``each``: every round's statements are caught and explained after it, and the
    collector's passes and the disk's bytes during it are kept (``Page.rounds``)."""
    engine = app.extensions["kho"].engine
    clients = {"archivist": _client(app, synthetic.FILER), "auditor": _client(app, AUDITOR)}
    for page in pages:
        page.tracked = len(gc.get_objects()) if each else 0  # what a full pass walks
        for n in range(rounds + 1):  # the first is a warm-up, caught and explained
            caught: list[tuple[str, object]] = []

            def catch(_conn, _cursor, statement, parameters, _context, _many, caught=caught):
                caught.append((statement, parameters))

            listening = n == 0 or each
            if listening:
                event.listen(engine, "before_cursor_execute", catch)
            disk = _disk()
            with _Collections() as collections:
                started, cpu = time.perf_counter(), time.process_time()
                answer = clients[page.who].get(page.url)
                elapsed = (time.perf_counter() - started) * 1000
                spent = (time.process_time() - cpu) * 1000
            read, written = (after - before for after, before in zip(_disk(), disk, strict=True))
            if listening:
                event.remove(engine, "before_cursor_execute", catch)
            if n == 0:
                page.statements = caught
            else:
                page.times.append(elapsed)
                page.cpu.append(spent)
                page.server.append(server_ms(answer.headers.get(HEADER)) or float("nan"))
                if each:
                    plan = _digest(engine, caught)
                    page.rounds.append(Round(collections.passes, read, written, plan, len(caught)))
            assert answer.status_code == 200, (page.url, answer.status_code)


def _digest(engine, statements: list[tuple[str, object]]) -> str:
    """A short digest of the plans of these SELECTs: two rounds planned alike share it."""
    plans = [
        line
        for statement, parameters in statements
        if statement.lstrip().upper().startswith("SELECT")
        for line in _plan(engine, statement, parameters)
    ]
    # the shape is the plan: PostgreSQL's estimates (cost=…, rows=…) move with its statistics,
    # and its plans spell out each round's values (the time now, a session's token)
    shapes = [re.sub(r"\(cost=[^)]*\)|'[^']*'|\b\d+\b", "", line).strip() for line in plans]
    return hashlib.sha256("\n".join(shapes).encode()).hexdigest()[:8]


def _row_counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            names = [
                r[0]
                for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'")
            ]
        else:
            names = [
                r[0]
                for r in conn.exec_driver_sql(
                    "SELECT tablename FROM pg_tables WHERE schemaname='public'"
                )
            ]
        count = 'SELECT count(*) FROM "{}"'  # names read from the catalogue, not from input
        return {n: conn.exec_driver_sql(count.format(n)).scalar() for n in names}


SQLITE_SCAN = re.compile(r"\bSCAN (\w+)\b(?! USING)")  # "SCAN t USING INDEX i" walks an index
PG_SCAN = re.compile(r"Seq Scan on (\w+)")


def _plan(engine, statement: str, parameters, analyze: bool = False) -> list[str]:
    """The statement's plan; ``analyze`` (PostgreSQL): run, with each step's rows, time and
    buffers (the statement is a SELECT of the page, run once more)."""
    sqlite = engine.dialect.name == "sqlite"
    prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
    if analyze and not sqlite:
        prefix = "EXPLAIN (ANALYZE, BUFFERS) "
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(prefix + statement, parameters or ())
        if sqlite:
            return [r[-1] for r in rows]
        return [r[0] for r in rows]


def _verdict(
    engine, page: Page, counts: dict[str, int], analyze: bool = False
) -> tuple[str, list[str]]:
    """'index' or the large tables scanned, and the plans of the page's distinct SELECTs."""
    sqlite = engine.dialect.name == "sqlite"
    scanned, plans, seen = set(), [], set()
    for statement, parameters in page.statements:
        if not statement.lstrip().upper().startswith("SELECT") or statement in seen:
            continue
        seen.add(statement)
        lines = _plan(engine, statement, parameters, analyze)
        for line in lines:
            for table in (SQLITE_SCAN if sqlite else PG_SCAN).findall(line):
                if counts.get(table, 0) >= LARGE:
                    scanned.add(table)
        short = " ".join(statement.split())
        plans.append(f"    {short[:150]}{'…' if len(short) > 150 else ''}")
        plans += [f"      {line.strip()}" for line in lines]
    verdict = "index used" if not scanned else "SEQ SCAN of " + ", ".join(sorted(scanned))
    return verdict, plans


def _print_rounds(page: Page) -> None:
    """Each round of a page: its times, the collector's passes, the disk, the plans' digest."""
    first = page.rounds[0].plan if page.rounds else ""
    print(f"  {'':<26} {page.tracked:,} objects tracked by the collector before the rounds")
    for n, r in enumerate(page.rounds):
        passes = ", ".join(
            f"{len(ms)}× gen{g} {sum(ms):.1f} ms"
            for g in range(3)
            if (ms := [t for gen, t in r.collections if gen == g])
        )
        print(
            f"  {'':<26} round {n + 1:2} {page.times[n]:7.1f} ms wall,"
            f" {page.server[n]:7.1f} server, {page.cpu[n]:7.1f} CPU;"
            f" gc {passes or 'none'}; disk read {r.disk_read // 1024} KiB,"
            f" written {r.disk_written // 1024} KiB; {r.statements} statements, plan {r.plan}"
            f"{'' if r.plan == first else ' (CHANGED)'}"
        )


def _p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--work", type=Path, help="where archives are built (default: a temp dir)")
    parser.add_argument("--postgresql", action="store_true", help="KHO_TEST_DATABASE_URL's server")
    parser.add_argument("--plans", action="store_true", help="print every statement's plan")
    parser.add_argument(
        "--analyze", action="store_true", help="PostgreSQL: plans with EXPLAIN (ANALYZE, BUFFERS)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the archives for the next run")
    parser.add_argument("--build-only", action="store_true", help="build the archives, then stop")
    parser.add_argument("--only", nargs="+", help="time only the pages whose names contain these")
    parser.add_argument(
        "--each", action="store_true", help="print every round: collector, disk, plan"
    )
    parser.add_argument(
        "--no-gc", action="store_true", help="the garbage collector off while timing"
    )
    parser.add_argument(
        "--unfrozen", action="store_true", help="startup's objects not frozen (before issue 20)"
    )
    args = parser.parse_args()
    base_url = os.environ.get("KHO_TEST_DATABASE_URL") if args.postgresql else None
    if args.postgresql and not base_url:
        sys.exit("--postgresql: run under scripts/with-postgres.sh (KHO_TEST_DATABASE_URL)")
    from web import create_app
    from web.cli import serve

    temporary = args.work is None
    args.work = args.work or Path(tempfile.mkdtemp(prefix="kho-pages-"))
    args.work.mkdir(parents=True, exist_ok=True)
    results: dict[int, list[Page]] = {}
    for size in sorted(args.sizes):
        database_url = _database(base_url, size)
        home = _archive(args.work, size, database_url)
        if args.build_only:
            continue
        settings = {
            "KHO_HOME": str(home),
            "SECRET_KEY": "bench",
            "WTF_CSRF_ENABLED": False,
            SETTING: "1",  # every answer says Kho's own time
        }
        if database_url:
            settings["KHO_DATABASE_URL"] = database_url
        app = create_app(settings)
        serve.warm_up(app)  # as a kho serve worker starts: its pages compiled, then frozen
        schema.upgrade(app.extensions["kho"])  # an archive built by an older Kho: its indexes
        started = time.perf_counter()
        filled = grouping.backfill(app.extensions["kho"])  # and its fingerprints (0024)
        if filled:
            print(
                f"fingerprints of {filled:,} rows filled in {time.perf_counter() - started:.1f} s"
            )
        engine = app.extensions["kho"].engine
        counts = _row_counts(engine)
        pages = _pages(deep_audit=max(2, counts["audit_log"] // 10), size=size)
        if args.only:
            pages = [p for p in pages if any(word in p.name for word in args.only)]
        if args.unfrozen:
            gc.collect()
        else:
            serve.freeze_startup()
        if args.no_gc:
            gc.disable()
        try:
            _measure(app, pages, args.rounds, args.each)
        finally:
            gc.enable()
            gc.unfreeze()  # the next size's app is frozen anew
        results[size] = pages
        print(f"\n{engine.dialect.name}, {size:,} records ({os.getloadavg()[0]:.1f} load)")
        for page in pages:
            verdict, plans = _verdict(engine, page, counts, args.analyze)
            selects = sum(1 for s, _ in page.statements if s.lstrip().upper().startswith("SELECT"))
            print(
                f"  {page.name:<26} p50 {statistics.median(page.times):7.1f}"
                f"  p95 {_p95(page.times):7.1f} ms wall; p95 {_p95(page.server):7.1f} server,"
                f" {_p95(page.cpu):7.1f} CPU ms  {len(page.statements):3} statements"
                f" ({selects} SELECT)  {verdict}"
            )
            slow = max(range(len(page.times)), key=page.times.__getitem__)
            print(  # waiting (the machine) or working (the code): its CPU time says which
                f"  {'':<26} slowest round {page.times[slow]:7.1f} ms wall:"
                f" {page.server[slow]:7.1f} server, {page.cpu[slow]:7.1f} CPU ms"
            )
            if args.each:
                _print_rounds(page)
            if args.plans or "SCAN" in verdict:
                print("\n".join(plans))
        app.extensions["kho"].dispose()
        if not args.keep and not database_url:
            shutil.rmtree(home)
    if temporary and not args.keep:
        shutil.rmtree(args.work)
    if not results:
        return
    anchor = min(results)
    print(f"\ngrowth (p95 over the p95 at {anchor:,} records, same run; target p95 ≤ 100 ms)")
    for n, page in enumerate(results[anchor]):
        base = _p95(page.times)
        row = [f"{_p95(results[s][n].times):8.1f} ms ({_p95(results[s][n].times) / base:5.1f}×)"
               for s in sorted(results)]  # fmt: skip
        print(f"  {page.name:<26} " + "  ".join(row))
    print(f"load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
