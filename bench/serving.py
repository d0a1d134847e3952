"""What the benchmarks that run `kho serve` share (bench/load.py, bench/search_load.py): a free
port, the server started and stopped, the users' sessions logged in before any timed phase and
taken by the locust users, locust run headless with its percentiles read back, and py-spy over
the web workers with the busiest functions summed from its raw stacks."""

from __future__ import annotations

import collections
import contextlib
import csv
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench import kit

SESSIONS_FILE = "KHO_LOAD_SESSIONS"  # environment: the cookies of the sessions logged in before
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def login(client, host: str, username: str, password: str, code: Callable[[], str] | None = None):
    """Log a ``requests`` session in (the password, then the second factor's ``code()`` when the
    account has one); the last answer."""
    token = TOKEN.search(client.get(f"{host}/login", timeout=120).text).group(1)
    response = client.post(
        f"{host}/login",
        {"csrf_token": token, "username": username, "password": password},
        timeout=120,
    )
    if response.url.endswith("/login/code") and code is not None:
        token = TOKEN.search(response.text).group(1)
        response = client.post(
            f"{host}/login/code", {"csrf_token": token, "code": code()}, timeout=120
        )
    return response


def log_in_all(
    host: str, wanted: list[tuple[str, str]], log_in: Callable, out: Path
) -> list[float]:
    """Log in, all at once as people arriving would, the sessions ``wanted`` ((kind of user,
    account) pairs; ``log_in(client, host, account)`` logs one in); write their cookies to
    ``out``, by kind, for the locust users (``take_session``) and return each login's time in
    ms. The password hashes of many concurrent logins are thus measured here, apart, and never
    counted in a timed phase; a login that opens no session stops the benchmark."""
    from concurrent.futures import ThreadPoolExecutor

    import requests

    def one(username: str) -> tuple[dict, float]:
        with requests.Session() as client:
            began = time.perf_counter()
            answer = log_in(client, host, username)
            took = 1000 * (time.perf_counter() - began)
            if "/login" in client.get(f"{host}/search", timeout=120).url:
                said = re.findall(r'class="(?:error|flash)[^"]*"[^>]*>([^<]+)', answer.text)
                raise SystemExit(f"the login of {username} did not open a session: "
                                 f"{answer.status_code} {answer.url} {said}")  # fmt: skip
            return client.cookies.get_dict(), took

    with ThreadPoolExecutor(max_workers=len(wanted)) as pool:
        done = list(pool.map(one, [username for _, username in wanted]))
    sessions = collections.defaultdict(list)
    for (kind, _), (cookies, _took) in zip(wanted, done, strict=True):
        sessions[kind].append(cookies)
    out.write_text(json.dumps(sessions))
    return [took for _, took in done]


def sessions_env(env: dict, sessions: Path) -> dict:
    """The environment of a locust run whose users take the sessions logged in to ``sessions``."""
    return {**env, SESSIONS_FILE: str(sessions)}


_SESSIONS: dict = {}


def take_session(user) -> None:
    """In a locust user's ``on_start``: take one of the sessions logged in before the timed
    phase (its cookies), for the user's class name as kind, in turn."""
    if not _SESSIONS:
        import itertools

        saved = json.loads(Path(os.environ[SESSIONS_FILE]).read_text())
        _SESSIONS.update({kind: itertools.cycle(cookies) for kind, cookies in saved.items()})
    for name, value in next(_SESSIONS[type(user).__name__]).items():
        user.client.cookies.set(name, value)


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
    return subprocess.Popen([*kit.KHO, "serve", "--bind", f"127.0.0.1:{port}", "--workers",
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


def end_profile(*spies: subprocess.Popen | None, grace: float = 30) -> None:
    """Let each py-spy finish its ``--duration`` (up to ``grace`` more seconds), else stop it
    with SIGINT, on which it writes what it sampled (SIGTERM would end it with nothing written:
    why ``--profile`` printed no profile before)."""
    for spy in spies:
        if spy is None or spy.poll() is not None:
            continue
        try:
            spy.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            spy.send_signal(signal.SIGINT)
            spy.wait(timeout=60)


OURS = ("web/", "archive/", "search/", "ingest/", "security/")
# py-spy's raw stacks (``--subprocesses``) begin with a frame per process, parent first:
# ``process PID:"command line"`` — and a command line may itself hold ";" (``-c "…; main()"``)
LINE = re.compile(r":\d+\)$")
PROCESSES = re.compile(r'^((?:process \d+:".*?";)+)')


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
        owners = PROCESSES.match(stack)
        if owners is None or not count.isdigit():
            continue
        innermost = owners.group(1).rstrip(";").rsplit('";process ', 1)[-1]
        if process not in innermost:
            continue
        stack = stack[owners.end() :]
        # a function once per stack, whichever line ran: ``name (file:line)`` → ``name (file)``
        frames = [LINE.sub(")", f) for f in stack.split(";") if "(" in f and "(<string>" not in f]
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
