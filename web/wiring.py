"""The composition root: what follows what. Every change of a record is logged with it
(``archive.core.changelog``) and announced after its commit (``archive.core.events``); the
search index of this node follows the log (``search.follower``): nudged by the announcement in
the process that made the change, and polled by a thread in every long-running process (the
gunicorn workers of ``kho serve``, ``kho worker``), which also catches up with changes made
by other processes and other nodes. Nothing below ``web`` knows both sides."""

from __future__ import annotations

import logging
import threading

from archive.core import events
from archive.core.instance import Instance
from search import follower

log = logging.getLogger(__name__)
_followers: dict[str, follower.Follower] = {}
_started = threading.Lock()


def connect() -> None:
    """Connect once per process (blinker keeps one connection per receiver)."""
    events.records_changed.connect(_index_follows, weak=False)


def _index_follows(inst: Instance, changes) -> None:
    """The nudge after a commit: apply the log now, so that what this request or command
    changed is searchable when it answers. The change is already committed and logged: if
    applying fails, the position stays before it and the follower retries (``kho check``
    shows the lag); the person's action is not turned into an error."""
    try:
        follower.catch_up(inst)
    except Exception:
        log.exception("the index could not apply the change log yet (records %s)",
                      sorted({c.record_id for c in changes}))  # fmt: skip


# A web worker's follower leaves a change this long to the process that made it (applying
# right after its commit) before it indexes the change itself, beside its requests.
SERVING_DEFER = 2.0


def follow_in_background(inst: Instance, defer: float = 0.0) -> follower.Follower:
    """Start this process's follower thread for ``inst`` (once per instance home); ``defer``:
    see ``search.follower.Follower``. An index that cannot follow the log (an upgrade from a
    Kho before it) is said plainly at start."""
    with _started:
        key = str(inst.home.resolve())
        running = _followers.get(key)
        if running is None or not running.is_alive():
            try:
                status = follower.status(inst)
                if not status.follows and status.head.seq:
                    log.warning("%s", status.describe())
            except Exception:  # the follower itself reports what keeps it from following
                log.debug("index status unknown at start", exc_info=True)
            running = _followers[key] = follower.Follower(inst, defer=defer)
            running.start()
        return running
