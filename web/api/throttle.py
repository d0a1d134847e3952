"""Rate limits of the API: a sliding window of calls per token, and of failed authentications
per address (guessing tokens is pointless, hammering the log with failures is not).

The counters live in the serving process (``kho serve`` runs one process with threads, so the
limit is the instance's); a refused call is answered 429 with ``Retry-After``. The first refusal
of each window is audited, not every one, so a runaway client cannot flood the log.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass

WINDOW = 60.0  # seconds


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0
    first_refusal: bool = False


class Limiter:
    """At most ``limit`` events per key in any ``WINDOW`` seconds."""

    def __init__(self, limit: int, clock=time.monotonic) -> None:
        self.limit = limit
        self._clock = clock
        self._events: dict[object, deque[float]] = defaultdict(deque)
        self._refused: dict[object, float] = {}
        self._lock = threading.Lock()

    def _trim(self, key: object, now: float) -> deque[float]:
        events = self._events[key]
        while events and events[0] <= now - WINDOW:
            events.popleft()
        return events

    def check(self, key: object, count: bool = True) -> Verdict:
        """Is one more event allowed now (and count it, unless ``count`` is False)?"""
        now = self._clock()
        with self._lock:
            events = self._trim(key, now)
            if len(events) >= self.limit:
                retry = max(1, int(events[0] + WINDOW - now) + 1)
                first = self._refused.get(key, -WINDOW) <= now - WINDOW
                if first:
                    self._refused[key] = now
                return Verdict(False, retry, first)
            if count:
                events.append(now)
            if not events:
                del self._events[key]
            return Verdict(True)

    def note(self, key: object) -> None:
        """Count one event without asking (a failed authentication)."""
        with self._lock:
            self._trim(key, self._clock()).append(self._clock())
