"""One page of a list read a page at a time (the due list, a register's year, the audit log).

A page reads one row past its size: the extra row is never shown, it only says whether a next
page exists, so an exactly full last page offers no link to an empty one. Every paged service
returns a ``Window`` and every paged view shows ``rows`` and links on when ``more``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Window(Generic[T]):
    rows: list[T]
    more: bool  # a row past the page exists: the page links on

    @staticmethod
    def reading(size: int) -> int:
        """How many rows a page of ``size`` reads: one more than it shows."""
        return size + 1

    @classmethod
    def cut(cls, read: Sequence[T], size: int) -> Window[T]:
        """The page out of what was read for it (at most ``reading(size)`` rows)."""
        return cls(list(read[:size]), len(read) > size)
