"""Signals from the archive to what is derived from it (the search index), without importing it.

``record_changed`` is sent after a record's description or level changed and was committed;
the application factory connects the indexer to it, so search follows at once.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()
record_changed = _signals.signal("record-changed")  # sender: the Instance; doc_id=...
