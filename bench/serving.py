"""What the benchmarks that run `kho serve` share (bench/load.py, bench/search_load.py): a free
port, the server started and stopped, locust run headless with its percentiles read back, and
py-spy over the web workers with the busiest functions summed from its raw stacks."""

from __future__ import annotations

import collections
import contextlib
import csv
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

KHO = [sys.executable, "-c", "from web.cli import main; main()"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(port: int, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"kho serve did not answer on port {port}")


def percentiles(stats_csv: Path) -> dict[str, dict]:
    with stats_csv.open() as fh:
        return {
            f"{row['Type']} {row['Name']}".strip(): {
                "count": int(row["Request Count"]),
                "fail": int(row["Failure Count"]),
                "p50": row["50%"],
                "p95": row["95%"],
                "p99": row["99%"],
            }
            for row in csv.DictReader(fh)
        }


def locust(
    locustfile: str, host: str, users: int, seconds: int, out: Path, env: dict
) -> dict[str, dict]:
    """Run ``locustfile`` headless for ``seconds`` with ``users``; its percentiles per request."""
    # no check: locust ends with status 1 when a request failed, which the table counts
    subprocess.run(
        [sys.executable, "-m", "locust", "-f", locustfile, "--headless", "-u", str(users),
         "-r", str(max(1, users // 5)), "-t", f"{seconds}s", "--host", host,
         "--csv", str(out), "--only-summary"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    return percentiles(Path(f"{out}_stats.csv"))


def serve(env: dict, port: int, workers: int = 3) -> subprocess.Popen:
    """``kho serve`` on loopback over plain HTTP with ``workers`` web workers."""
    return subprocess.Popen([*KHO, "serve", "--bind", f"127.0.0.1:{port}", "--workers",
                             str(workers), "--plain-http"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip


def stop(*procs: subprocess.Popen | None) -> None:
    for proc in procs:
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def profile(pid: int, seconds: int, out: Path) -> subprocess.Popen | None:
    """py-spy over a process and its children (``--subprocesses``), raw collapsed stacks, the
    threads waiting (on a lock, the GIL, the database) included: a request's time is wall time."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        print("py-spy is not installed: no profile (pip install -r requirements-dev.txt)")
        return None
    return subprocess.Popen([spy, "record", "--pid", str(pid), "--subprocesses", "--idle",
                             "--duration", str(seconds), "--format", "raw", "--rate", "50",
                             "--output", str(out)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip


OURS = ("web/", "archive/", "search/", "ingest/", "security/")


def busiest(
    raw: Path, process: str = "serve --bind", within: str = "handle_request", top: int = 18
) -> tuple[int, list[tuple[str, float, float]]]:
    """From py-spy's raw stacks of the processes whose command line has ``process`` (by
    default the web workers, not the ingest workers), while inside the function ``within`` (a
    request, a batch's filing): the samples, and Kho's own functions plus the hottest leaves,
    each with the % of samples it was on the stack and the % it was at the top."""
    inclusive: collections.Counter = collections.Counter()
    own: collections.Counter = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if process not in stack.split(";", 1)[0] or not count.isdigit():
            continue
        frames = [f for f in stack.split(";") if "(" in f and "(<string>" not in f]
        if not frames or f"{within} (" not in stack:
            continue  # busy outside the work measured (booting, following the log, idle)
        total += int(count)
        for frame in set(frames):
            inclusive[frame] += int(count)
        own[frames[-1]] += int(count)
    if not total:
        return 0, []
    ours = [f for f, _ in inclusive.most_common() if any(f"({p}" in f for p in OURS)]
    leaves = [f for f, _ in own.most_common(8)]
    chosen = list(dict.fromkeys(ours[:top] + leaves))
    return total, [(f, 100 * inclusive[f] / total, 100 * own[f] / total) for f in chosen]


def booted(master: int, timeout: float = 600) -> None:
    """Wait until the server's workers have finished starting: their CPU time stops growing."""

    def cpu() -> int:
        ticks = 0
        for child in Path(f"/proc/{master}/task/{master}/children").read_text().split():
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
                ticks += int(fields[11]) + int(fields[12])
        return ticks

    deadline = time.monotonic() + timeout
    last = cpu()
    while time.monotonic() < deadline:
        time.sleep(2)
        now = cpu()
        if now - last < 10:  # 0.1 s of CPU in 2 s: idle (the followers' polls)
            return
        last = now
