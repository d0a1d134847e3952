"""Run a program on a document with nothing to reach and nowhere on disk to write.

bubblewrap (Debian ``bubblewrap``) starts the program in new namespaces (``--unshare-all``: no
network but its own loopback, its own processes, no other user's IPC), sees ``/usr`` and the
few files of ``/etc`` fonts and LibreOffice need, read-only, and nothing else: not the
instance, not the key file, not the home folders. Its ``/tmp`` (and its ``HOME``, inside it) is a
fresh tmpfs, i.e. RAM, gone when the process ends. The document comes in on standard input and
the result goes out on standard output, so the plaintext touches no disk on either side. The
process gets an address-space limit (``prlimit``), a CPU-time limit and a wall-clock timeout;
on timeout the whole sandbox is killed (``--die-with-parent`` and its own PID namespace).
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from security.errors import Refused

# What LibreOffice needs of /etc to start and find fonts; everything else stays out of sight.
_ETC = (
    "/etc/fonts",
    "/etc/libreoffice",
    "/etc/ld.so.cache",
    "/etc/alternatives",
    "/var/cache/fontconfig",  # the font cache: without it every start rebuilds it
)
# Inside the sandbox, /tmp is a fresh tmpfs of its own (RAM), never the host's /tmp.
RAM = "/tmp"  # noqa: S108
INSTALL_HINT = "bubblewrap is missing: run scripts/system-deps.sh (Debian package bubblewrap)."


@dataclass(frozen=True)
class Finished:
    stdout: bytes
    stderr: bytes
    returncode: int


@functools.cache
def bwrap() -> str | None:
    """The bubblewrap binary, if it can create namespaces here (a container may forbid it)."""
    binary = shutil.which("bwrap")
    if binary is None:
        return None
    try:
        probe = subprocess.run(
            [*_command(binary, 64 * 1024 * 1024, 10), "/bin/true"],
            capture_output=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return binary if probe.returncode == 0 else None


def available() -> bool:
    return bwrap() is not None


def _command(binary: str, memory: int, cpu_seconds: int) -> list[str]:
    command = [
        "prlimit", f"--as={memory}", f"--cpu={cpu_seconds}", "--core=0", "--",
        binary, "--unshare-all", "--die-with-parent", "--new-session",
        "--ro-bind", "/usr", "/usr",
        "--proc", "/proc", "--dev", "/dev", "--tmpfs", RAM,
        "--clearenv", "--setenv", "PATH", "/usr/bin:/bin", "--setenv", "HOME", f"{RAM}/home",
        "--setenv", "LANG", "C.UTF-8", "--setenv", "TMPDIR", RAM, "--chdir", RAM,
    ]  # fmt: skip
    for top in ("lib", "lib64", "bin", "sbin"):
        if Path(f"/{top}").is_symlink():  # merged /usr (Debian 12): /lib -> usr/lib
            command += ["--symlink", f"usr/{top}", f"/{top}"]
        elif Path(f"/{top}").is_dir():
            command += ["--ro-bind", f"/{top}", f"/{top}"]
    for path in _ETC:
        if Path(path).exists():
            command += ["--ro-bind", path, path]
    return [*command, "--"]


def run(script: str, data: bytes, timeout: float, memory: int) -> Finished:
    """``sh -c script`` in the sandbox with ``data`` on its standard input."""
    binary = bwrap()
    if binary is None:
        raise Refused(
            "Chưa cài bubblewrap để chuyển đổi tệp Office an toàn: chạy scripts/system-deps.sh.",
            INSTALL_HINT,
        )
    command = [*_command(binary, memory, max(1, int(timeout) + 1)), "/bin/sh", "-c", script]
    try:
        done = subprocess.run(
            command, input=data, capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise TimeoutError(f"the sandboxed conversion took longer than {timeout:.0f} s") from None
    return Finished(done.stdout, done.stderr, done.returncode)
