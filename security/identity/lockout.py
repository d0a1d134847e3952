"""Back-off after failed logins, per account and per source address.

Per account (stored in the database, so every server process sees it): after FREE_FAILURES
consecutive failures the account waits one minute before the next attempt is even checked, then
two, four, … up to an hour. Per address: more than ADDRESS_LIMIT failures within ADDRESS_WINDOW
from one address refuse further attempts from it until the window has passed.
"""

from __future__ import annotations

from datetime import timedelta

FREE_FAILURES = 5
FIRST_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(hours=1)
ADDRESS_LIMIT = 30
ADDRESS_WINDOW = timedelta(minutes=15)


def delay_after(failures: int) -> timedelta:
    """How long an account waits after this many consecutive failures."""
    if failures < FREE_FAILURES:
        return timedelta(0)
    return min(FIRST_DELAY * 2 ** (failures - FREE_FAILURES), MAX_DELAY)
