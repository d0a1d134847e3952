"""The composition root: what follows what. The archive announces committed changes of records
(``archive.core.events``); the search index follows them (``search.feed.follow``). Nothing
below ``web`` knows both sides."""

from __future__ import annotations

from archive.core import events
from search import feed


def connect() -> None:
    """Connect once per process (blinker keeps one connection per receiver)."""
    events.records_changed.connect(_index_follows, weak=False)


def _index_follows(inst, changes) -> None:
    feed.follow(inst, changes)
