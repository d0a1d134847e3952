"""API tokens: how they look, how they are stored (a hash, never the token), what they allow.

A token is ``kho_`` followed by 43 characters of a 256-bit random value. It is shown once, to
the person or system that created it; the database keeps its SHA-256 only (the value is random
and long, so a salt or a slow hash would add nothing), so a copy of the table lets nobody call
the API. What a token may do is the intersection of its scopes and its holder's rights: a
scope never widens what policy allows the person.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from security.errors import KhoError

PREFIX = "kho_"
READ, DEPOSIT, AUDIT = "read", "deposit", "audit"
SCOPES = (READ, DEPOSIT, AUDIT)
# The longest life a token may have (and what one gets without --expires).
MAX_LIFETIME = timedelta(days=365)
DEFAULT_LIFETIME = timedelta(days=90)
_DURATION = re.compile(r"^\s*(\d{1,4})\s*([hdw]?)\s*$")
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1), "": None}


def new_token() -> tuple[str, str]:
    """A fresh token and the digest stored in its place."""
    token = PREFIX + secrets.token_urlsafe(32)
    return token, digest(token)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(value: str) -> bool:
    return value.startswith(PREFIX) and 20 < len(value) < 100


def parse_scopes(text: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """``read,deposit`` → ``("read", "deposit")`` in canonical order; unknown names refused."""
    names = text.split(",") if isinstance(text, str) else list(text)
    wanted = {n.strip().lower() for n in names if n.strip()}
    unknown = wanted - set(SCOPES)
    if unknown or not wanted:
        raise KhoError(
            f"Phạm vi không hợp lệ: {', '.join(sorted(unknown)) or '(trống)'}. "
            f"Chọn trong: {', '.join(SCOPES)}.",
            f"Invalid scope {', '.join(sorted(unknown)) or '(none)'}: choose from "
            f"{', '.join(SCOPES)}.",
        )
    return tuple(s for s in SCOPES if s in wanted)


def parse_lifetime(text: str | None) -> timedelta:
    """``30d``, ``12h``, ``2w`` or a number of days; at most ``MAX_LIFETIME``."""
    if not text:
        return DEFAULT_LIFETIME
    match = _DURATION.match(text)
    if not match or int(match.group(1)) == 0:
        raise KhoError(
            f"Thời hạn không hợp lệ: {text!r} (ví dụ 30d, 12h, 2w).",
            f"Invalid lifetime {text!r}: use e.g. 30d, 12h or 2w.",
        )
    amount, unit = int(match.group(1)), match.group(2)
    lifetime = amount * (_UNITS[unit] or timedelta(days=1))
    if lifetime > MAX_LIFETIME:
        raise KhoError(
            "Thời hạn tối đa của mã truy cập là 365 ngày.",
            "A token lives at most 365 days.",
        )
    return lifetime
