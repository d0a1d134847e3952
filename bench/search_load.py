"""The web search page at the size of a province under load (issue 20): `kho serve --workers 4`,
30 people searching at once, server time read from each answer's ``Server-Timing`` header.

    .venv/bin/python bench/search_load.py --work DIR [--records 100000] [--users 30] [--seconds 180]
                                          [--anchor-seconds 60] [--profile S]

1. A synthetic archive of ``--records`` (bench/synthetic.py: database, blobs, audit chain and the
   index with its log position) in ``--work``, reused when already built there.
2. Readers of every unit (cleared MẬT, as most staff are).
3. ``kho serve --workers 4`` on SQLite; the users' sessions logged in all at once (timed apart,
   ``bench/serving.py`` as bench/load.py does) and the new workers warmed (every query a few
   times, timed apart): no timed phase counts a login or a worker's first searches.
4. Anchor: one reader alone for ``--anchor-seconds``; then ``--users`` readers, each searching
   a word or two, a number or a phrase every 1–3 s, with a page of results, snippets and facets
   (``/search?q=…``).

Prints, for the anchor and the load, the server's p50/p95/p99 (``Server-Timing``, the time Kho
spent in the request: session, gate, audit entry, index, rendering) and the client's (queueing
in the server's backlog included), the failures, and the load average. Target: server p95 ≤
150 ms under 30 users, no error. ``--profile S`` samples the loaded workers with py-spy (wall
time: a thread waiting for the GIL or the database counts) and prints where requests spend it.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # the repository, not bench/: its files are named like the packages

QUERIES = [
    "kế hoạch", "nghị quyết", "báo cáo", "đảng viên", "kiểm tra", "tổ chức", "công văn",
    "phát triển đảng viên", "chuyển đổi số", "công tác cán bộ", "Sa Pa", "Bát Xát",
    '"kiểm tra giám sát"', "quyết định khen thưởng", "thông báo kết luận", "tuyên giáo",
]  # fmt: skip
READERS = [f"doc.{unit.lower()}" for unit in ("VP", "BTC", "UBKT", "BTGDV")]
PASSWORD = "bench reader passphrase"  # noqa: S105 - a throw-away benchmark instance
BUILT = "built.ok"

if __name__ != "__main__":  # the locustfile, when locust loads this file
    from locust import HttpUser, between, events, task

    from bench import serving
    from web.timing import server_ms

    class Searcher(HttpUser):
        wait_time = between(1, 3)

        def on_start(self) -> None:
            serving.take_session(self)  # logged in before the timed phases

        @task
        def search(self) -> None:
            with self.client.get(
                "/search", params={"q": random.choice(QUERIES)}, name="search",
                catch_response=True,
            ) as response:  # fmt: skip
                spent = server_ms(response.headers.get("Server-Timing"))
                if response.status_code != 200 or spent is None or "/login" in response.url:
                    response.failure(f"status {response.status_code}, url {response.url}")
                    return
            events.request.fire(
                request_type="SERVER",
                name="search",
                response_time=spent,
                response_length=0,
                exception=None,
                context={},
            )


def _log_in_all(host: str, users: int, out: Path) -> list[float]:
    """One session per simulated user and one more, over the readers in turn, logged in all at
    once before any timed phase (``serving.log_in_all``): the password hashes of 30 people
    arriving together are measured apart, never in the search figures."""
    from bench import serving

    def log_in(client, host: str, username: str):
        return serving.login(client, host, username, PASSWORD)

    wanted = [("Searcher", READERS[n % len(READERS)]) for n in range(users + 1)]
    return serving.log_in_all(host, wanted, log_in, out)


def _warm(host: str, sessions: Path, workers: int, rounds: int = 3) -> list[float]:
    """Every query searched on fresh connections, ``2 × workers`` at a time, ``rounds`` times,
    before any timed phase: each worker's first searches (its index blocks read and cached, its
    templates compiled) are a start-up cost, measured here apart; their client times in ms."""
    import json
    from concurrent.futures import ThreadPoolExecutor

    import requests

    cookies = json.loads(sessions.read_text())["Searcher"]

    def one(n: int) -> float:
        with requests.Session() as client:
            client.cookies.update(cookies[n % len(cookies)])
            began = time.perf_counter()
            client.get(f"{host}/search", params={"q": QUERIES[n % len(QUERIES)]}, timeout=300)
            return 1000 * (time.perf_counter() - began)

    with ThreadPoolExecutor(max_workers=2 * workers) as pool:
        return list(pool.map(one, range(rounds * len(QUERIES))))


def _archive(work: Path, count: int) -> Path:
    """The synthetic archive with its index and the readers: built once, then reused; an
    archive of bench/pages.py (``sqlite-N``, no index) is given its index and used."""
    from archive.accounts import accounts
    from archive.core.instance import Instance
    from bench import synthetic
    from search.index import position
    from security.actor import Context

    home = work / f"sqlite-{count}"
    if (home / BUILT).exists() and (home / "search.ok").exists():
        print(f"reusing {home}")
        return home
    if (home / BUILT).exists():
        inst = Instance.from_settings(home)
        if not (inst.index_dir / position.FILE).exists():
            print(f"indexing the {count:,} records of {home} …")
            synthetic.index_archive(inst, count, workers=os.cpu_count())
    else:
        shutil.rmtree(home, ignore_errors=True)
        print(f"building {count:,} records with their index at {home} …")
        inst = synthetic.build(home, count)
        (home / BUILT).write_text("ok\n")
    for name in READERS:
        unit = name.split(".")[1].upper()
        accounts.create_account(
            inst, Context(None, "bench"), name, PASSWORD, "reader", "mat", unit, f"Cán bộ {unit}"
        )
    inst.dispose()
    (home / "search.ok").write_text("ok\n")
    return home


def _row(title: str, stats: dict[str, dict], kind: str) -> str:
    row = stats.get(f"{kind} search", {})
    if not row:
        return f"  {title:<26} (no requests)"
    return (
        f"  {title:<26} n={row['count']:<6} fail={row['fail']:<4} p50 {row['p50']:>5}  "
        f"p95 {row['p95']:>5}  p99 {row['p99']:>5} ms"
    )


def main() -> None:
    from bench import serving

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=180)
    parser.add_argument("--anchor-seconds", type=int, default=60)
    parser.add_argument("--work", type=Path, required=True, help="archives built or reused here")
    parser.add_argument("--profile", type=int, default=0, help="seconds of py-spy in the load")
    args = parser.parse_args()
    home = _archive(args.work, args.records)
    env = {**os.environ, "KHO_HOME": str(home), "KHO_SECURE_COOKIES": "0", "KHO_SERVER_TIMING": "1"}
    out = args.work / "search-load"
    out.mkdir(parents=True, exist_ok=True)
    port = serving.free_port()
    host = f"http://127.0.0.1:{port}"
    server = spy = None
    try:
        server = serving.serve(env, port, workers=args.workers)
        serving.wait_http(port)
        serving.booted(server.pid)
        sessions = out / "sessions.json"  # logged in once, before every timed phase
        logins = sorted(_log_in_all(host, args.users, sessions))
        warm = sorted(_warm(host, sessions, args.workers))
        timed_env = serving.sessions_env(env, sessions)
        anchor = serving.locust(__file__, host, 1, args.anchor_seconds, out / "anchor", timed_env)
        anchor_avg = os.getloadavg()
        if args.profile:
            spy = serving.profile(server.pid, min(args.profile, args.seconds), out / "spy.txt")
        began = time.monotonic()
        loaded = serving.locust(__file__, host, args.users, args.seconds, out / "load", timed_env)
        load_avg = os.getloadavg()
        took = time.monotonic() - began
        serving.end_profile(spy)
    finally:
        serving.stop(server)
    print(
        f"\nsearch page, {args.records:,} records, kho serve --workers {args.workers} (SQLite); "
        f"{took:.0f} s of load; load average {load_avg[0]:.1f} {load_avg[1]:.1f} on "
        f"{os.cpu_count()} cores"
    )
    print(f"logins, {len(logins)} at once before timing (not counted): p50 "
          f"{logins[len(logins) // 2]:.0f} ms, slowest {logins[-1]:.0f} ms; first searches of "
          f"the new workers (warm-up, not counted): p50 {warm[len(warm) // 2]:.0f} ms, slowest "
          f"{warm[-1]:.0f} ms; load average after the anchor {anchor_avg[0]:.1f}")  # fmt: skip
    print(_row("anchor: 1 user, server", anchor, "SERVER"))
    print(_row("anchor: 1 user, client", anchor, "GET"))
    print(_row(f"{args.users} users, server", loaded, "SERVER"))
    print(_row(f"{args.users} users, client", loaded, "GET"))
    failed = sum(row["fail"] for name, row in loaded.items() if name != "Aggregated")
    p95 = loaded.get("SERVER search", {}).get("p95")
    print(f"target: server p95 ≤ 150 ms with {args.users} users and no error: p95 {p95} ms, "
          f"{failed} failed")  # fmt: skip
    if args.profile and (out / "spy.txt").exists():
        samples, profile = serving.busiest(out / "spy.txt")
        print(f"\nwhere the loaded workers spend their time (py-spy, {samples} samples)")
        for frame, on_stack, at_top in profile:
            print(f"{on_stack:6.1f} {at_top:6.1f}  {frame[:110]}")


if __name__ == "__main__":
    main()
