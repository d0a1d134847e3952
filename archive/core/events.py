"""Changes of records, announced to what is derived from the archive (the search index) without
importing it: one signal, sent after the change was committed.

Every unit of work (``archive.core.uow``) collects the records it changed, with the kind of
change, and publishes them once after its commit; the application's wiring (``web.wiring``)
connects the indexer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from blinker import Namespace

if TYPE_CHECKING:
    from archive.core.instance import Instance


class Change(StrEnum):
    FILED = "filed"  # a new record (ingest, transfer import)
    DESCRIBED = "described"  # its description, level or secrecy state changed
    TEXT = "text"  # a new text or a new file version
    DOSSIER = "dossier"  # put in or taken out of a dossier
    RELEASED = "released"  # released from quarantine
    DESTROYED = "destroyed"  # disposed of: its content keys are gone


@dataclass(frozen=True)
class RecordChange:
    record_id: int
    kind: Change


_signals = Namespace()
records_changed = _signals.signal("records-changed")  # sender: the Instance; changes=(…)


def publish(inst: Instance, changes: Iterable[RecordChange]) -> None:
    """Announce committed changes (at most one message per unit of work or batch)."""
    changes = tuple(changes)
    if changes:
        records_changed.send(inst, changes=changes)
