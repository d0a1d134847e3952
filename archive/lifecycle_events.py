"""Signals of the records' lifecycle for what is derived from the archive (the search index).

``record_destroyed`` is sent after a disposal destroyed a record and was committed: the index
must drop the record at once (``search.feed.refresh``). ``archive.events.record_changed`` is
sent as well, for receivers that only know that one.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()
record_destroyed = _signals.signal("record-destroyed")  # sender: the Instance; doc_id=...
