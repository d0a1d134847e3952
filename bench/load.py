"""Load replay (issue 16, item 7): `kho serve` under 30 simulated users, then again beside a batch.

    .venv/bin/python bench/load.py [--users 30] [--minutes 8] [--docs 2000] [--batch 300]
                                   [--anchor-seconds 60] [--profile 30] [--batch-nice N]

One command, on a throw-away instance (SQLite) in a temporary folder:
1. ``kho init --demo``, the demo accounts, and ``--docs`` generated documents filed by
   ``kho ingest`` batches (one per unit; the index follows as in production).
2. ``kho serve --workers 3`` (with its supervised ingest worker) and a second ``kho worker``.
3. The users' sessions, logged in all at once (30 password hashes at the same moment), timed
   apart: no timed phase counts a login.
4. Anchor: the same mix of requests by one user alone for ``--anchor-seconds``.
5. Load: ``--users`` users for ``--minutes`` — readers search, open, download and preview (page
   images); archivists upload; an auditor pages the audit log. With ``--profile S``, py-spy
   (requirements-dev.txt) samples the server's processes for S seconds of it (and of the next
   phase, and the batch) and where the requests spend their (wall) time is printed.
6. Batch: the same load again for ``--minutes`` while ``kho ingest`` files ``--batch`` more
   files (0: skipped), with ``--nice 10`` as docs/operations.md advises beside the pages
   (``--batch-nice 0``: at the pages' priority); the second worker too.
7. A new server: the first requests of its fresh workers, against the same requests afterwards.

Prints p50/p95/p99 per kind of request for each phase beside the anchor measured in the same run,
the p95 of the batch phase against the load phase (target ≤ 1.5×) and the load's p95 against its
target (≤ 250 ms), with the load average; a slower or busier machine shows in the anchor and the
load average.
"""

from __future__ import annotations

import argparse
import collections
import fcntl
import importlib.util
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # the repository, not bench/: its files are named like the packages
WORDS = ["kế hoạch", "nghị quyết", "báo cáo", "đảng viên", "kiểm tra", "tổ chức", "công văn"]

from bench import serving
from ingest.demo import demo, samples


def _login(client, host: str, username: str):
    """Log in a requests session as a demo account (password, then the code if it has one)."""
    account = next(a for a in demo.DEMO_ACCOUNTS if a.username == username)
    return serving.login(
        client, host, username, account.password, lambda: demo.current_code(username)
    )


# who each kind of simulated user logs in as (the readers' three accounts taken in turn)
ACCOUNTS = {
    "Reader": ["canbo", "canbo.btc", "luutru"],
    "Archivist": ["vanthu"],
    "Auditor": ["kiemtra"],
}
WEIGHTS = {"Reader": 24, "Archivist": 5, "Auditor": 1}


def _log_in_all(host: str, users: int, out: Path) -> list[float]:
    """Log in, all at once as ``users`` people arriving would, the sessions the simulated users
    will take (per kind, as many as locust spreads by weight, plus one): ``serving.log_in_all``.
    An account with a second factor logs in once (a code is good for one login) and its users
    share that session."""
    with_code = {a.username for a in demo.DEMO_ACCOUNTS if a.totp_secret}
    wanted = []
    for kind, names in ACCOUNTS.items():
        for n in range(-(-users * WEIGHTS[kind] // sum(WEIGHTS.values())) + 1):
            name = names[n % len(names)]
            if name not in with_code or (kind, name) not in wanted:
                wanted.append((kind, name))
    return serving.log_in_all(host, wanted, _login, out)


if __name__ != "__main__":  # the locustfile part, when locust loads this file (it patches the
    # standard library for gevent: the driver below stays unpatched, its threads real)
    from locust import HttpUser, between, task

    class Reader(HttpUser):
        weight = WEIGHTS["Reader"]
        wait_time = between(1, 4)

        def on_start(self) -> None:
            serving.take_session(self)
            self.seen: list[int] = []

        @task(5)
        def search(self) -> None:
            response = self.client.get(f"/search?q={random.choice(WORDS)}", name="search")
            ids = [int(i) for i in re.findall(r'href="/documents/(\d+)"', response.text)]
            self.seen = ids[:20] or self.seen

        @task(3)
        def open_document(self) -> None:
            if self.seen:
                self.client.get(f"/documents/{random.choice(self.seen)}", name="document")

        @task(1)
        def download(self) -> None:
            if self.seen:
                self.client.get(f"/documents/{random.choice(self.seen)}/file", name="download")

        @task(2)
        def preview(self) -> None:
            if self.seen:
                doc = random.choice(self.seen)
                with self.client.get(
                    f"/documents/{doc}/page/1.png", name="preview", catch_response=True
                ) as response:
                    if response.status_code == 404:  # a text file has no page image
                        response.success()

    class Archivist(HttpUser):
        weight = WEIGHTS["Archivist"]
        wait_time = between(5, 15)

        def on_start(self) -> None:
            serving.take_session(self)
            self.files = samples.generate(40, seed=random.randrange(10**6))

        @task
        def upload(self) -> None:
            page = self.client.get("/upload", name="upload form").text
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
            doc = random.choice(self.files)
            self.client.post(
                "/upload",
                data={"csrf_token": token},
                files={"files": (doc.filename, doc.content)},
                name="upload",
            )

    class Auditor(HttpUser):
        weight = WEIGHTS["Auditor"]
        wait_time = between(2, 6)

        def on_start(self) -> None:
            serving.take_session(self)

        @task
        def page_log(self) -> None:
            self.client.get(f"/audit?page={random.randint(1, 20)}", name="audit log")


def _hold(path: Path | None, how: int, held: int | None = None) -> int | None:
    """Take (or change) a hold on the lock file ``path`` (an flock, released at exit)."""
    if path is None:
        return None
    fd = held if held is not None else os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    if held is not None:
        fcntl.flock(fd, fcntl.LOCK_UN)
    began = time.monotonic()
    fcntl.flock(fd, how)
    print(f"lock {path} held {'exclusively' if how == fcntl.LOCK_EX else 'shared'} after "
          f"{time.monotonic() - began:.0f} s", flush=True)  # fmt: skip
    return fd


def _locust(host: str, users: int, seconds: int, out: Path, env: dict, sessions: Path):
    """One timed phase, its users in the sessions logged in before (``sessions``)."""
    return serving.locust(__file__, host, users, seconds, out, serving.sessions_env(env, sessions))


def _write_files(folder: Path, docs) -> Path:
    folder.mkdir(parents=True)
    for doc in docs:
        (folder / doc.filename).write_bytes(doc.content)
    return folder


def _seed(work: Path, env: dict, count: int) -> float:
    """The instance with the demo accounts and ``count`` generated documents, each unit's filed
    into that unit as one batch (``ingest.pipeline.ingest_files``, as `kho ingest` files, in this
    process: one start instead of one per unit); returns the seconds it took."""
    began = time.monotonic()
    subprocess.run([*serving.KHO, "init", "--demo"], env=env, check=True, stdout=subprocess.DEVNULL)
    os.environ["KHO_HOME"] = env["KHO_HOME"]
    from archive.accounts import accounts
    from ingest import pipeline
    from search import follower
    from web import create_app

    inst = create_app().extensions["kho"]
    demo.seed(inst, 0)  # the demo units and accounts
    with inst.sessions() as session:
        ctx = accounts.context_for(accounts.require_user(session, demo.FILER), "bench")
    by_unit = collections.defaultdict(list)
    for doc in samples.generate(count, seed=1616):
        by_unit[doc.truth["unit"]].append(doc)
    for unit, docs in sorted(by_unit.items()):
        folder = _write_files(work / "seed" / unit, docs)
        paths = sorted(folder.iterdir())
        for _result in pipeline.ingest_files(inst, ctx, paths, unit_code=unit):
            pass
    shutil.rmtree(work / "seed")
    follower.catch_up(inst, wait=None)
    inst.dispose()
    return time.monotonic() - began


def _print_profile(title: str, found: tuple[int, list[tuple[str, float, float]]]) -> None:
    samples_seen, rows = found
    if not rows:
        return
    print(f"\n{title} (py-spy, {samples_seen} samples, wall time): % of samples on the stack, "
          "% at the top")  # fmt: skip
    for frame, on_stack, at_top in rows:
        print(f"{on_stack:6.1f} {at_top:6.1f}  {frame[:110]}")


def _first_requests(host: str, sessions: int = 3) -> list[tuple[float, float, float]]:
    """On a server whose workers have just started and served nothing: per new connection (a
    fresh worker each, as far as the kernel spreads them), the first login page, the first
    search, and the median of the next five searches, in ms."""
    import requests

    out = []
    for _ in range(sessions):
        client = requests.Session()
        began = time.perf_counter()
        client.get(f"{host}/login", timeout=120)
        first_page = 1000 * (time.perf_counter() - began)
        _login(client, host, "canbo")
        timings = []
        for n in range(6):
            began = time.perf_counter()
            client.get(f"{host}/search?q={WORDS[n % len(WORDS)]}", timeout=120)
            timings.append(1000 * (time.perf_counter() - began))
        out.append((first_page, timings[0], sorted(timings[1:])[2]))
        client.close()
    return out


# (title, file, the processes' command line has, inside the function): what --profile prints
PROFILES = [
    ("the web workers' requests, under load", "profile-load.txt", "serve --bind", "handle_request"),
    ("the web workers' requests, beside the batch", "profile-beside.txt", "serve --bind",
     "handle_request"),
    ("the batch (kho ingest)", "profile-batch.txt", "ingest", "ingest_files"),
]  # fmt: skip


def _averages(values: tuple[float, float, float]) -> str:
    return "/".join(f"{v:.1f}" for v in values)


def _ms(value) -> float:
    return float(value) if value not in ("", "N/A", None) else float("nan")


def _table(title: str, rows: dict[str, dict], anchor: dict[str, dict]) -> None:
    print(f"\n{title}")
    print(f"{'request':<22}{'count':>7}{'fail':>6}{'p50':>7}{'p95':>7}{'p99':>7}"
          f"   anchor (1 user) p50/p95 ms")  # fmt: skip
    for name, row in rows.items():
        one = anchor.get(name, {})
        print(f"{name:<22}{row['count']:>7}{row['fail']:>6}{row['p50']:>7}{row['p95']:>7}"
              f"{row['p99']:>7}   {one.get('p50', '-')}/{one.get('p95', '-')}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--minutes", type=float, default=8, help="each loaded phase")
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=300, help="files ingested beside the load")
    parser.add_argument("--anchor-seconds", type=int, default=60)
    parser.add_argument("--profile", type=int, default=0, help="seconds of py-spy per phase")
    parser.add_argument(
        "--lock",
        type=Path,
        help="a bench lock file: seeding holds it shared, the timed phases exclusively",
    )
    parser.add_argument(
        "--batch-nice",
        type=int,
        default=10,
        help="the batch's `kho ingest --nice` (10, as docs/operations.md advises; 0: as the pages)",
    )
    args = parser.parse_args()
    if importlib.util.find_spec("locust") is None:
        raise SystemExit("locust is not installed: .venv/bin/pip install -r requirements-dev.txt")
    work = Path(tempfile.mkdtemp(prefix="kho-load-"))
    env = {**os.environ, "KHO_HOME": str(work / "home"), "KHO_SECURE_COOKIES": "0"}
    server = second = batch = spy = spy_batch = None
    batch_options = ["--nice", str(args.batch_nice)]
    seconds = int(args.minutes * 60)
    try:
        lock = _hold(args.lock, fcntl.LOCK_SH)
        seeded = _seed(work, env, args.docs)
        lock = _hold(args.lock, fcntl.LOCK_EX, lock)  # no other heavy job beside the figures
        port = serving.free_port()
        host = f"http://127.0.0.1:{port}"
        server = serving.serve(env, port)
        second = subprocess.Popen([*serving.KHO, "worker", "--nice", "10"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        serving.wait_http(port)
        sessions = work / "sessions.json"  # logged in once, before every timed phase
        logins = sorted(_log_in_all(host, args.users, sessions))
        anchor = _locust(host, 1, args.anchor_seconds, work / "anchor", env, sessions)
        if args.profile:
            spy = serving.profile(server.pid, min(args.profile, seconds), work / "profile-load.txt")
        loaded = _locust(host, args.users, seconds, work / "load", env, sessions)
        load_avg = os.getloadavg()
        serving.end_profile(spy)
        beside = {}
        batch_took = batch_load_avg = None
        if args.batch:
            inbox = _write_files(work / "inbox", samples.generate(args.batch, seed=16))
            began = time.monotonic()
            ingest = [*serving.KHO, "ingest", str(inbox), "--as", demo.FILER, "--json"]
            batch = subprocess.Popen([*ingest, *batch_options],
                                     env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)  # fmt: skip
            if args.profile:
                beside_profile = work / "profile-beside.txt"
                spy = serving.profile(server.pid, min(args.profile, seconds), beside_profile)
                spy_batch = serving.profile(
                    batch.pid, min(args.profile, seconds), work / "profile-batch.txt"
                )
            beside = _locust(host, args.users, seconds, work / "batch", env, sessions)
            batch_load_avg = os.getloadavg()
            if batch.poll() is not None:
                batch_took = time.monotonic() - began  # at most this: it ended during the phase
            serving.end_profile(spy, spy_batch)
            serving.stop(batch)
        serving.stop(second, server)
        port = serving.free_port()
        host = f"http://127.0.0.1:{port}"
        server = serving.serve(env, port)
        serving.wait_http(port)
        serving.booted(server.pid)
        fresh = _first_requests(host)
        profiles = [
            (title, serving.busiest(work / name, process, within))
            for title, name, process, within in PROFILES
            if (work / name).exists()
        ]
    finally:
        serving.stop(batch, second, server, spy, spy_batch)
        shutil.rmtree(work, ignore_errors=True)

    print(f"load: {args.users} users, {args.minutes} min per phase, {args.docs} documents "
          f"(seeded in {seeded:.0f} s), on {os.cpu_count()} cores; load average (1/5/15 min) "
          f"at the end of the load phase {_averages(load_avg)}")  # fmt: skip
    print(f"logins, {len(logins)} at once before the timed phases (not counted in them): p50 "
          f"{logins[len(logins) // 2]:.0f} ms, slowest {logins[-1]:.0f} ms")  # fmt: skip
    _table(f"load ({args.users} users)", loaded, anchor)
    if beside:
        done = f"batch done in ≤ {batch_took:.0f} s" if batch_took else "batch still running"
        _table(f"load with a batch of {args.batch} files beside it ({done}; load average "
               f"{_averages(batch_load_avg)} at its end)", beside, anchor)  # fmt: skip
    total = "Aggregated"
    p95, p95_batch = _ms(loaded[total]["p95"]), _ms(beside.get(total, {}).get("p95"))
    print(f"\nall requests p95: {p95:.0f} ms under load (target ≤ 250), anchor "
          f"{anchor[total]['p95']} ms")  # fmt: skip
    if beside:
        print(f"with the batch: p95 {p95_batch:.0f} ms = {p95_batch / p95:.2f}× the load alone "
              "(target ≤ 1.5×)")  # fmt: skip
    for n, (page, search, steady) in enumerate(fresh, 1):
        print(f"new server, connection {n}: first page {page:.0f} ms, first search "
              f"{search:.0f} ms, then searches {steady:.0f} ms (median)")  # fmt: skip
    for title, found in profiles:
        _print_profile(title, found)


if __name__ == "__main__":
    main()
