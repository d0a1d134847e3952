"""`kho` from the command line: a search on a small archive, each call a new process, beside the
anchor ``python -c "import web.cli.support"`` (what every command imports before it runs: Flask,
SQLAlchemy, the models, the instance; what ``import web`` imported before) measured in the same
run.

    .venv/bin/python bench/cli.py [--records 120] [--runs 5]

Builds a synthetic archive (``bench/synthetic.py``: database, sealed records, encrypted texts,
index) in a temporary folder, then times, as medians of ``--runs`` fresh processes:

- the anchor: ``python -c "import web.cli.support"``;
- ``kho search "đảng viên" --as luutru`` (the whole command: imports, the instance, the gate,
  the search, its audit entry), in its own process (``KHO_CLI_RESIDENT=0``);
- ``kho show 1 --as luutru`` (a record read through the gate), in its own process;
- both again, run by the resident command process (web/cli/launch.py), as at a terminal
  once it has started: the caller's start, the hand-over, the command in a forked child;
- what every command paid in imports before (no search, no instance): every module of
  ``web/cli/`` and the libraries they loaded then (the classifier's scikit-learn, OpenCV,
  pyHanko), now loaded only by the commands that use them.

and lists the heavy libraries ``kho search`` loaded (``python -X importtime``; none expected).
Each figure is given as wall time and as CPU time (user + system of the process): on a shared
machine the wall time includes the wait for a core. Target (issue 20): ``kho search`` ≤ 0.5 s
on an idle machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # the repository, not bench/: its files are named like the packages

from bench import kit, synthetic

HEAVY = ("sklearn", "scipy", "cv2", "pyhanko", "pikepdf", "pypdfium2", "PIL", "fpdf", "ingest")
# What every command loaded before commands were loaded on demand and these libraries lazily.
EVERY_COMMAND = (
    "from web.cli import SUBJECTS, commands_of\n"
    "for s in SUBJECTS:\n    commands_of(s)\n"
    "import sklearn.feature_extraction.text, sklearn.linear_model, cv2, pyhanko.sign.validation"
)


def timed(args: list[str], env: dict, runs: int) -> tuple[float, float]:
    """Median wall time and median CPU time (user + system, s) of ``runs`` fresh processes
    running ``args``. On a shared machine the wall time waits for a core; the CPU time is
    what an idle machine's wall time would be, near enough, for a one-thread command."""
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run(args, env=env, check=True, capture_output=True)
        walls.append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def loaded_by(args: list[str], env: dict) -> tuple[int, list[str]]:
    """(modules imported, heavy top-level packages among them) by one run of ``args``."""
    done = subprocess.run(
        [args[0], "-X", "importtime", *args[1:]], env=env, check=True, capture_output=True
    )
    names = [
        line.rsplit("|", 1)[1].strip()
        for line in done.stderr.decode().splitlines()
        if line.startswith("import time:") and "|" in line and "imported package" not in line
    ]
    tops = {n.split(".")[0] for n in names}
    return len(names), [h for h in HEAVY if h in tops]


def resident(env: dict, command: list[str]) -> Path:
    """Start the resident process (the first command, wanted) and wait until it listens."""
    subprocess.run(command, env=env, check=True, capture_output=True)
    folder = Path(env["XDG_RUNTIME_DIR"]) / f"kho-cli-{os.getuid()}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        for path in folder.glob("*.sock"):
            with socket.socket(socket.AF_UNIX) as probe:
                if probe.connect_ex(str(path)) == 0:
                    return path
        time.sleep(0.2)
    raise SystemExit("the resident command process did not start")


def row(name: str, seconds: tuple[float, float], anchor: tuple[float, float]) -> None:
    (wall, cpu), (anchor_wall, anchor_cpu) = seconds, anchor
    print(
        f"  {name:<42} {wall:6.2f} s  ({wall / anchor_wall:.2f}x anchor)"
        f"   CPU {cpu:5.2f} s  ({cpu / anchor_cpu:.2f}x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=120)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kho-bench-cli-") as tmp:
        home = Path(tmp) / "home"
        synthetic.build(home, args.records, progress=lambda _: None).dispose()
        env = {
            **os.environ,
            "KHO_HOME": str(home),
            "PYTHONDONTWRITEBYTECODE": "1",
            "KHO_CLI_RESIDENT": "0",
        }
        search = [*kit.KHO, "search", "đảng viên", "--as", synthetic.FILER]
        show = [*kit.KHO, "show", "1", "--as", synthetic.FILER]
        subprocess.run(search, env=env, check=True, capture_output=True)  # bytecode, page cache
        print(f"`kho` on a {args.records}-record archive, median of {args.runs} new processes")
        imports = [sys.executable, "-c", "import web.cli.support"]
        anchor = timed(imports, env, args.runs)
        anchor = timed(imports, env, args.runs)
        row("python -c 'import web.cli.support' (anchor)", anchor, anchor)
        row("kho search 'đảng viên', own process", timed(search, env, args.runs), anchor)
        row("kho show 1, own process", timed(show, env, args.runs), anchor)
        served = {**env, "KHO_CLI_RESIDENT": "1", "XDG_RUNTIME_DIR": tmp}
        lock = resident(served, search).with_suffix(".lock")
        try:
            row("kho search, resident process", timed(search, served, args.runs), anchor)
            row("kho show 1, resident process", timed(show, served, args.runs), anchor)
            print("  (resident rows: CPU is the caller's alone; the command runs in a child of the")
            print("  resident process, whose CPU no caller is charged)")
        finally:
            os.kill(int(lock.read_text()), signal.SIGTERM)
        every = timed([sys.executable, "-c", EVERY_COMMAND], env, args.runs)
        row("imports of every command before (no search)", every, anchor)
        count, heavy = loaded_by(search, env)
        print(f"  kho search imported {count} modules; heavy ones: {', '.join(heavy) or 'none'}")
        print(f"  load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print("  target: kho search ≤ 0.5 s (idle machine); a command imports only what it uses")


if __name__ == "__main__":
    main()
