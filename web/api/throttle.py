"""Rate limits of the API: calls per token, and failed authentications per address (guessing
tokens is pointless, hammering the log with failures is not).

The counters live in the database (``api_rate_counts``), so every server process and every node
sharing the database counts against the same limit: ``kho serve`` with several workers, or two
nodes behind a proxy, allow a token no more than one process would. Each key has a counter per
minute (a fixed window numbered from the epoch, so every process agrees on it); the rate is
estimated over the last sixty seconds from this minute's count and the previous minute's,
weighted by how much of it still lies within them (a sliding window without keeping every
call). A call is counted by one atomic upsert that returns the new count; one that would go
over the limit is taken back and refused, so concurrent calls from several processes never
let more through than the limit.

A refused call is answered 429 with ``Retry-After``. The first refusal of each minute per key is
audited, not every one (a shared counter decides which is first), so a runaway client cannot
flood the log. Windows older than the previous minute are deleted as new ones start.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from archive.core.instance import Instance
from archive.models import ApiRateCount

WINDOW = 60  # seconds


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0
    first_refusal: bool = False


def _bump(session: Session, key: str, window: int, by: int = 1) -> int:
    """Add ``by`` to a counter, creating it if needed, in one statement; the new count."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = (
        insert(ApiRateCount)
        .values(key=key, window=window, count=by)
        .on_conflict_do_update(
            index_elements=["key", "window"], set_={"count": ApiRateCount.count + by}
        )
        .returning(ApiRateCount.count)
    )
    return session.execute(stmt).scalar_one()


def _count(session: Session, key: str, window: int) -> int:
    stmt = select(ApiRateCount.count).where(ApiRateCount.key == key, ApiRateCount.window == window)
    return session.execute(stmt).scalar() or 0


class Limiter:
    """At most ``limit`` events per key in any ``WINDOW`` seconds, counted in the database of
    ``inst``; ``name`` keeps the keys of different limits apart."""

    def __init__(
        self, inst: Instance, name: str, limit: int, clock: Callable[[], float] = time.time
    ) -> None:
        self.inst = inst
        self.name = name
        self.limit = limit
        self._clock = clock

    def _key(self, key: object) -> str:
        return f"{self.name}:{key}"[:96]

    def _estimate(self, previous: int, current: int, elapsed: float) -> float:
        return previous * (WINDOW - elapsed) / WINDOW + current

    def _retry_after(self, previous: int, current: int, elapsed: float) -> int:
        """Seconds until one more event fits: when enough of the previous minute has slid out,
        or at the latest when this minute's count becomes the previous one."""
        if current + 1 <= self.limit and previous:
            # previous * (WINDOW - t) / WINDOW + current + 1 <= limit
            until = WINDOW * (1 - (self.limit - current - 1) / previous)
        else:  # next minute: current * (WINDOW - t) / WINDOW + 1 <= limit
            until = WINDOW + WINDOW * (1 - (self.limit - 1) / max(current, 1))
        return max(1, math.ceil(until - elapsed))

    def check(self, key: object, count: bool = True) -> Verdict:
        """Is one more event allowed now (and count it, unless ``count`` is False)?"""
        now = self._clock()
        window, name = int(now // WINDOW), self._key(key)
        elapsed = now - window * WINDOW
        with self.inst.sessions.begin() as session:
            previous = _count(session, name, window - 1)
            if count:
                current = _bump(session, name, window)
                if current == 1:  # a new minute for this key: forget minutes nobody weighs
                    session.execute(delete(ApiRateCount).where(ApiRateCount.window < window - 1))
                if self._estimate(previous, current, elapsed) <= self.limit:
                    return Verdict(True)
                session.execute(  # take the refused call back: it is not served
                    update(ApiRateCount)
                    .where(ApiRateCount.key == name, ApiRateCount.window == window)
                    .values(count=ApiRateCount.count - 1)
                )
                current -= 1
            else:
                current = _count(session, name, window)
                if self._estimate(previous, current + 1, elapsed) <= self.limit:
                    return Verdict(True)
            first = _bump(session, self._key(f"refused:{key}"), window) == 1
            return Verdict(False, self._retry_after(previous, current, elapsed), first)

    def note(self, key: object) -> None:
        """Count one event without asking (a failed authentication)."""
        now = self._clock()
        with self.inst.sessions.begin() as session:
            _bump(session, self._key(key), int(now // WINDOW))
