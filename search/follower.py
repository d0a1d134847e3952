"""The index follows the change log (``archive.core.changelog``) from its last applied position.

Each node keeps its own index and, in it, its position (``search.index.position``). On this node
any process may apply the log: the ingest worker, every serving process, a command-line batch,
``kho search``; a lock file beside the index lets one apply at a time, the others reopen the
index it wrote. Applying is: read the changes after the position, re-read those records as they
are now (``search.feed.refresh``: indexed, re-indexed or removed), commit the index, then move
the position. A crash anywhere leaves the position at or behind what the index holds, and the
next process to follow resumes from it; since a change is applied by reading the record's
current state, applying one twice is harmless. An error is raised to the caller and the
position stays before the change that failed: nothing is skipped.

A new archive's index starts at position 0. An index with no position (a new node, a wiped or
deleted index, one made before the log) or with a position in another log (another database, a
restore from an older backup: the log's identity differs, or the position is ahead of the log's
head) is replaced, under the same lock, by the latest snapshot of this log from the blob store
(``search.snapshot``) and then applies the log after it; only when there is no snapshot that
opens is it rebuilt from the archive, taking the log's head read before the rebuild as its
position. The Follower thread publishes a snapshot of its node's index now and then
(``snapshot.due``; ``kho snapshot`` at once).

Three ways in:
- ``catch_up``: the nudge right after a unit of work commits in this process (``web.wiring``),
  so that what one filed is searchable when the answer comes back; and before ``kho search``.
- ``Follower``: a thread in every long-running process, polling the log (``POLL_SECONDS``), so
  a record filed by any other process or node becomes searchable within a second or two, and a
  node that was down catches up when it starts.
- ``rebuild``: ``kho reindex``, restore.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from archive.core import changelog
from archive.core.instance import Instance
from archive.models import Document, aware, utcnow
from search import feed, snapshot
from search.index import position, store
from search.index.position import Position
from security.actor import Context

log = logging.getLogger(__name__)

BATCH = 500  # changes applied per index commit
POLL_SECONDS = 0.5  # how often a Follower looks at the log
NUDGE_WAIT_SECONDS = 10.0  # how long a nudge waits for another process applying the log
STALLED_AFTER_SECONDS = 60.0  # a change waiting longer than this: the index is not following
SNAPSHOT_CHECK_SECONDS = 30.0  # how often a Follower asks whether a snapshot is due
SYSTEM = Context(None, "index")


def lock_path(inst: Instance):
    return inst.index_dir.with_name(inst.index_dir.name + ".lock")


REBUILDING = b"rebuilding"  # what the lock file says while its holder rebuilds the index


@contextmanager
def _applying(inst: Instance, wait: float | None) -> Iterator[int | None]:
    """Hold this node's apply lock (an flock: released by the kernel if the process dies);
    yields the lock file's descriptor, or None if another holder kept it past ``wait`` seconds
    (``None``: wait as long as it takes) or is rebuilding the index (minutes, not worth
    waiting for: a nudge returns at once and the followers apply the log after the rebuild)."""
    inst.home.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path(inst), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if wait is None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        else:
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline or os.pread(fd, 16, 0) == REBUILDING:
                        yield None
                        return
                    time.sleep(0.02)
        if os.pread(fd, 16, 0):  # a holder that died while rebuilding left the word behind
            os.ftruncate(fd, 0)
        yield fd
    finally:
        os.close(fd)


def _head(inst: Instance) -> changelog.Head:
    with inst.read_sessions() as session:
        return changelog.head(session)


def _empty(inst: Instance) -> bool:
    with inst.read_sessions() as session:
        return session.scalar(select(Document.id).limit(1)) is None


def _follows(pos: Position | None, head: changelog.Head) -> bool:
    """Whether an index at ``pos`` can follow this log from there."""
    return pos is not None and pos.log_id == head.log_id and pos.seq <= head.seq


def _rebuild_locked(inst: Instance, ctx: Context, lock: int) -> int:
    head = _head(inst)  # before reading the records: every change up to it is in the rebuild
    os.pwrite(lock, REBUILDING, 0)
    try:
        count = feed.reindex(inst, ctx)
        position.write(inst.index_dir, inst.keyring.index_key, Position(head.seq, head.log_id))
    finally:
        os.ftruncate(lock, 0)
    return count


def _catch_up_locked(inst: Instance, lock: int) -> int:
    key = inst.keyring.index_key
    pos = position.read(inst.index_dir, key)
    head = _head(inst)
    if pos is None and head.seq == 0 and _empty(inst):  # a new archive: nothing to rebuild
        store.open_index(inst.index_dir, key)
        pos = Position(0, head.log_id)
        position.write(inst.index_dir, key, pos)
    if not _follows(pos, head):
        restored = snapshot.restore(inst, head)
        if restored is None:
            log.warning("index at %s does not follow log %s: rebuilding it", pos, head)
            _rebuild_locked(inst, SYSTEM, lock)
        pos, head = position.read(inst.index_dir, key), _head(inst)  # filed meanwhile: below
    if pos.seq == head.seq:  # the usual poll: one read-only look at the head, nothing to do
        return 0
    # Up to the head read above, not beyond: changes committed while these are applied are the
    # next nudge's (a batch nudges once a second) or the Follower's. Chasing them made a second,
    # tiny index commit for most nudges of a batch (its other files keep committing): a segment
    # each, merged again later, and twice the commits' CPU.
    applied = 0
    while pos.seq < head.seq:
        with inst.read_sessions() as session:
            changes = changelog.after(session, pos.seq, min(BATCH, head.seq - pos.seq))
        changes = [change for change in changes if change.seq <= head.seq]
        if not changes:
            return applied
        feed.refresh(inst, {change.record_id for change in changes})  # raises: position stays
        pos = Position(changes[-1].seq, pos.log_id)
        position.write(inst.index_dir, key, pos)
        applied += len(changes)
    return applied


def catch_up(inst: Instance, wait: float | None = NUDGE_WAIT_SECONDS) -> int:
    """Apply the log up to its head as read once the lock is held (everything committed before
    the call, at least); returns how many changes were applied. If another process of this node
    holds the lock longer than ``wait`` (a rebuild), returns 0: that process or a Follower
    applies them. Errors are raised; the position stays before them."""
    with _applying(inst, wait) as lock:
        return 0 if lock is None else _catch_up_locked(inst, lock)


def rebuild(inst: Instance, ctx: Context) -> int:
    """Rebuild the index from the archive (``kho reindex``) and set its position; waits for
    whoever is applying the log on this node."""
    with _applying(inst, None) as lock:
        return _rebuild_locked(inst, ctx, lock)


def publish(inst: Instance, wait: float | None = None) -> snapshot.Published | None:
    """Publish this node's index as a snapshot: brought up to the log's head and staged under
    the apply lock, uploaded outside it. ``None`` if the lock was held past ``wait``."""
    with _applying(inst, wait) as lock:
        if lock is None:
            return None
        _catch_up_locked(inst, lock)
        staged = snapshot.stage(inst)
    if staged is None:
        return None
    snapshot.clear_leftovers(inst)
    return snapshot.upload(inst, *staged)


def _publish_if_due(inst: Instance) -> None:
    pos = position.read(inst.index_dir, inst.keyring.index_key)
    if snapshot.enabled(inst) and snapshot.due(inst, pos):
        made = publish(inst, wait=0)
        if made is not None:
            log.warning("index snapshot %s published at change %s", made.uid, made.seq)


@dataclass(frozen=True)
class Status:
    """The index against the log, for ``kho check``."""

    position: Position | None
    head: changelog.Head
    oldest_pending: datetime | None

    @property
    def follows(self) -> bool:
        return _follows(self.position, self.head)

    @property
    def lag(self) -> int:
        return self.head.seq - self.position.seq if self.follows else self.head.seq

    @property
    def stalled(self) -> bool:
        """A change has waited longer than a follower ever should."""
        if self.oldest_pending is None:
            return False
        waited = utcnow() - aware(self.oldest_pending)
        return waited.total_seconds() > STALLED_AFTER_SECONDS

    def describe(self) -> str:
        if not self.follows:
            return (
                "CẢNH BÁO: chỉ mục chưa có vị trí trong nhật ký thay đổi (tạo bởi bản Kho cũ, "
                "bị xóa hoặc khôi phục từ nơi khác): chạy `kho reindex` ngay. / WARNING: the "
                "index has no position in the change log (made by an older Kho, deleted, or "
                f"restored from elsewhere; log head {self.head.seq}): run `kho reindex` now. "
                "Until then the first process that follows the log (kho serve, kho worker, "
                "kho search) rebuilds it, and searches may miss records meanwhile."
            )
        return (
            f"chỉ mục ở vị trí / index at change {self.position.seq} of {self.head.seq} "
            f"(lag {self.lag})"
        )


def status(inst: Instance) -> Status:
    pos = position.read(inst.index_dir, inst.keyring.index_key)
    with inst.read_sessions() as session:
        head = changelog.head(session)
        oldest = changelog.oldest_after(session, pos.seq if _follows(pos, head) else 0)
    return Status(pos, head, oldest)


def pending(inst: Instance, status: Status) -> set[int]:
    """Records with a change after the position ``status`` saw, read now: an index read after
    that status may lack them (they are on their way), but nothing else."""
    with inst.read_sessions() as session:
        return changelog.records_after(session, status.position.seq if status.follows else 0)


class Follower(threading.Thread):
    """A daemon thread that keeps this process's node index following the log: at once when
    started (a node that was down catches up), then every ``every`` seconds; after an error it
    waits longer each time (up to a minute) and tries again from the same position.

    ``defer`` (a serving process's follower): changes are applied only once the index has
    stood still behind them for that many seconds. The process that made a change applies it
    right after its commit (a batch, an ingest worker: at their lower priority), and a web
    worker that took the lock first did that indexing instead, beside its requests and at
    their priority (a batch's records indexed in the web workers); it now steps in only for
    what nobody else applies (a writer that died, another node's changes)."""

    def __init__(
        self,
        inst: Instance,
        every: float = POLL_SECONDS,
        snapshots: bool = True,
        defer: float = 0.0,
    ) -> None:
        super().__init__(name="kho-index-follower", daemon=True)
        self.inst, self.every, self.snapshots, self.defer = inst, every, snapshots, defer
        self.stopped = threading.Event()
        self._checked = 0.0
        self._still: tuple[int, float] | None = None  # (position, since when it has not moved)
        self.clock = time.monotonic

    def _due(self) -> bool:
        if not self.defer:
            return True
        pos = position.read(self.inst.index_dir, self.inst.keyring.index_key)
        head = _head(self.inst)
        if not _follows(pos, head):
            return True  # no index, another log: restored or rebuilt at once
        if pos.seq >= head.seq:
            self._still = None
            return False
        now = self.clock()
        if self._still is None or self._still[0] != pos.seq:
            self._still = (pos.seq, now)  # behind, but moving (or just now): someone applies
        return now - self._still[1] >= self.defer

    def run(self) -> None:
        delay = self.every
        while not self.stopped.is_set():
            try:
                if self._due():
                    catch_up(self.inst, wait=0)
                if self.snapshots and time.monotonic() - self._checked > SNAPSHOT_CHECK_SECONDS:
                    self._checked = time.monotonic()
                    _publish_if_due(self.inst)
                delay = self.every
            except Exception:
                log.exception("the index could not apply the change log; trying again")
                delay = min(max(delay * 2, 1.0), 60.0)
            self.stopped.wait(delay)

    def stop(self) -> None:
        self.stopped.set()
