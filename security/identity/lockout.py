"""Back-off after failed logins, per account-and-address pair, and the account's rate.

A pair (the name typed, the address it came from) may fail FREE_FAILURES times; then each
further attempt from that pair waits one minute after its last failure, then two, four, … up to
an hour; meanwhile an attempt is not even checked (the right password included) and counts as
one more failure. A success from the pair, or an administrator's unlock, clears it. Because
the pair includes the address, an attacker elsewhere slows only themselves: the owner logging
in from their own machine is never locked out by someone else's guesses, and an office behind
one NAT is not throttled because one person there mistyped (or a colleague was attacked).

The account's rate (failures against it from every address over RATE_WINDOW) slows nothing:
it is shown to administrators, who see a spread guessing attack (many addresses, one account)
as a count above RATE_ALERT and decide what to do.
"""

from __future__ import annotations

from datetime import timedelta

FREE_FAILURES = 5
FIRST_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(hours=1)
PAIR_MEMORY = timedelta(days=1)  # failures older than this no longer count for a pair
RATE_WINDOW = timedelta(hours=24)
RATE_ALERT = 20
FORGET_AFTER = max(PAIR_MEMORY, RATE_WINDOW)  # failure rows older than this are deleted


def delay_after(failures: int) -> timedelta:
    """How long a pair waits after this many failures not yet cleared."""
    if failures < FREE_FAILURES:
        return timedelta(0)
    return min(FIRST_DELAY * 2 ** (failures - FREE_FAILURES), MAX_DELAY)
