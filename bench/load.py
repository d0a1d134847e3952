"""Load replay (issue 16): `kho serve` under 30 simulated users, with or without a batch beside it.

    .venv/bin/python bench/load.py [--users 30] [--minutes 8] [--docs 300] [--batch 300]

Builds a throw-away instance (SQLite) with the demo accounts and ``--docs`` generated documents,
starts `kho serve --workers 3` and a second `kho worker`, and runs locust headless with this file
as its locustfile: readers search, open, download and preview (page images); archivists upload;
an auditor pages the audit log. With ``--batch N`` a `kho ingest` of N generated files runs from
the start of the load. Prints p50/p95/p99 per kind of request and overall, beside the anchor of
the same run: the same requests by one user alone (no load), so a slower machine shows as such.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
KHO = [sys.executable, "-c", "from web.cli import main; main()"]
WORDS = ["kế hoạch", "nghị quyết", "báo cáo", "đảng viên", "kiểm tra", "tổ chức", "công văn"]

try:  # the locustfile part: only when locust loads this file
    from locust import HttpUser, between, task

    from ingest.demo import demo, samples

    def _login(client, username: str) -> None:
        account = next(a for a in demo.DEMO_ACCOUNTS if a.username == username)
        page = client.get("/login", name="login").text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        response = client.post(
            "/login",
            {"csrf_token": token, "username": username, "password": account.password},
            name="login",
        )
        if response.url.endswith("/login/code"):
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.text).group(1)
            client.post(
                "/login/code",
                {"csrf_token": token, "code": demo.current_code(username)},
                name="login",
            )

    class Reader(HttpUser):
        weight = 24
        wait_time = between(1, 4)

        def on_start(self) -> None:
            _login(self.client, random.choice(["canbo", "canbo.btc", "luutru"]))
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
        weight = 5
        wait_time = between(5, 15)

        def on_start(self) -> None:
            _login(self.client, "vanthu")
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
        weight = 1
        wait_time = between(2, 6)

        def on_start(self) -> None:
            _login(self.client, "kiemtra")

        @task
        def page_log(self) -> None:
            self.client.get(f"/audit?page={random.randint(1, 20)}", name="audit log")

except ImportError:  # run as the driver without locust installed: say so in main()
    HttpUser = None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_http(port: int, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"kho serve did not answer on port {port}")


def _percentiles(stats_csv: Path) -> list[dict]:
    with stats_csv.open() as fh:
        return [
            {
                "name": f"{row['Type']} {row['Name']}".strip(),
                "count": int(row["Request Count"]),
                "fail": int(row["Failure Count"]),
                "p50": row["50%"],
                "p95": row["95%"],
                "p99": row["99%"],
            }
            for row in csv.DictReader(fh)
        ]


def _locust(host: str, users: int, seconds: int, out: Path, env: dict) -> list[dict]:
    subprocess.run(
        [sys.executable, "-m", "locust", "-f", __file__, "--headless", "-u", str(users),
         "-r", str(max(1, users // 5)), "-t", f"{seconds}s", "--host", host,
         "--csv", str(out), "--only-summary"],
        env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    return _percentiles(Path(f"{out}_stats.csv"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--minutes", type=float, default=8)
    parser.add_argument("--docs", type=int, default=300)
    parser.add_argument("--batch", type=int, default=0, help="files ingested beside the load")
    parser.add_argument("--anchor-seconds", type=int, default=60)
    args = parser.parse_args()
    if HttpUser is None:
        raise SystemExit("locust is not installed: .venv/bin/pip install -r requirements-dev.txt")
    work = Path(tempfile.mkdtemp(prefix="kho-load-"))
    env = {**os.environ, "KHO_HOME": str(work / "home"), "KHO_SECURE_COOKIES": "0"}
    subprocess.run([*KHO, "init"], env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([*KHO, "demo", "--count", str(args.docs)], env=env, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    port = _free_port()
    host = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([*KHO, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "3",
                               "--plain-http"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)  # fmt: skip
    second = subprocess.Popen([*KHO, "worker"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)  # fmt: skip
    batch = None
    try:
        _wait_http(port)
        anchor = _locust(host, 1, args.anchor_seconds, work / "anchor", env)
        if args.batch:
            inbox = work / "inbox"
            inbox.mkdir()
            for doc in samples.generate(args.batch, seed=16):
                (inbox / doc.filename).write_bytes(doc.content)
            batch = subprocess.Popen([*KHO, "ingest", str(inbox), "--as", "vanthu", "--json"],
                                     env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)  # fmt: skip
        loaded = _locust(host, args.users, int(args.minutes * 60), work / "load", env)
    finally:
        for proc in (batch, second, server):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=60)
        shutil.rmtree(work, ignore_errors=True)
    base = {row["name"]: row for row in anchor}
    print(f"load: {args.users} users, {args.minutes} min, {args.docs} documents"
          f"{f', batch of {args.batch} beside it' if args.batch else ''}; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")  # fmt: skip
    print(f"{'request':<20}{'count':>7}{'fail':>6}{'p50':>7}{'p95':>7}{'p99':>7}"
          f"   anchor (1 user) p50/p95")  # fmt: skip
    for row in loaded:
        one = base.get(row["name"], {})
        print(f"{row['name']:<20}{row['count']:>7}{row['fail']:>6}{row['p50']:>7}{row['p95']:>7}"
              f"{row['p99']:>7}   {one.get('p50', '-')}/{one.get('p95', '-')} ms")  # fmt: skip


if __name__ == "__main__":
    main()
