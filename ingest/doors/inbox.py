"""`kho watch DIR`: an inbox folder. Files that stopped growing are filed, then moved to
``done/`` or, refused, to ``rejected/`` with a ``.reason.txt`` beside them saying why.

Stability is judged by size and modification time staying the same across two looks, so a file
still being copied from a scanner or a USB stick is never read half-written.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from archive.core.instance import Instance
from archive.core.limits import Limits
from ingest import pipeline
from ingest.examine import stages
from security.actor import Context

DONE, REJECTED = "done", "rejected"
log = logging.getLogger(__name__)


def _candidates(inbox: Path) -> dict[Path, tuple[int, int]]:
    return {
        p: (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(inbox.iterdir())
        if p.is_file() and not p.name.startswith(".") and not p.name.endswith(".part")
    }


def _move(path: Path, folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    target = folder / path.name
    n = 1
    while target.exists():
        target = folder / f"{path.stem}.{n}{path.suffix}"
        n += 1
    path.rename(target)
    return target


def settle(inbox: Path, result: pipeline.IngestResult, path: Path) -> Path:
    """Move a handled file out of the inbox; a refusal gets its reason written beside it."""
    if result.status in ("stored", "duplicate", "quarantined"):
        return _move(path, inbox / DONE)
    moved = _move(path, inbox / REJECTED)
    moved.with_name(moved.name + ".reason.txt").write_text(
        (result.reason or "rejected") + "\n", encoding="utf-8"
    )
    return moved


def _file_one(
    inst: Instance, ctx: Context, path: Path, limits: Limits | None
) -> pipeline.IngestResult:
    """One file, whatever happens: a failure is a rejection, so a bad file never blocks the
    inbox (it is moved to ``rejected/`` with its reason and the next file is filed)."""
    try:
        return pipeline.ingest_file(inst, ctx, path, limits=limits)
    except Exception as exc:  # ingest_file refuses bad files itself; this is the database failing
        stages.log_failure(exc, "inbox filing")
        return pipeline.IngestResult(
            str(path), "rejected", reason=str(stages.unreadable(exc, "filing"))
        )


def watch(
    inst: Instance,
    ctx: Context,
    inbox: Path,
    interval: float = 2.0,
    once: bool = False,
    limits: Limits | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[pipeline.IngestResult]:
    """Yield a result per file filed; with ``once``, one look (files already older than
    ``interval`` count as settled) instead of watching forever."""
    seen: dict[Path, tuple[int, int]] = {}
    stuck: set[Path] = set()
    while True:
        now = time.time_ns()
        current = _candidates(inbox)
        settled = [
            path
            for path, stamp in current.items()
            if seen.get(path) == stamp or (once and now - stamp[1] >= interval * 1e9)
        ]
        for path in settled:
            current.pop(path)
            if path in stuck:
                continue
            result = _file_one(inst, ctx, path, limits)
            try:
                settle(inbox, result, path)
            except OSError:  # cannot move it (permissions): skip it, keep the inbox moving
                log.exception("cannot move %s out of the inbox; it is skipped from now on", path)
                stuck.add(path)
            yield result
        if once:
            return
        seen = current
        sleep(interval)
