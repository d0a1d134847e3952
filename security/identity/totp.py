"""Time-based one-time passwords (RFC 6238) for the second factor, via pyotp.

A code is accepted once: the caller stores the time step of the last accepted code and a code of
that step or an earlier one is refused, so a code seen over a shoulder cannot be replayed.
"""

from __future__ import annotations

import time

import pyotp
import segno

ISSUER = "Kho"
STEP = 30


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The enrolment QR code as inline SVG: drawn on the server, no script, no outside service."""
    return segno.make(uri, error="m").svg_inline(scale=5, dark="#1d1d1f", light="#ffffff")


def accept(secret: str, code: str, last_step: int, now: float | None = None) -> int | None:
    """The time step the code belongs to if it is valid and newer than ``last_step``, else None.

    One step of clock drift either way is tolerated.
    """
    code = "".join(code.split())
    if not code.isdigit() or len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    current = int((now if now is not None else time.time()) // STEP)
    for step in (current - 1, current, current + 1):
        if step > last_step and totp.at(step * STEP) == code:
            return step
    return None


def code_now(secret: str) -> str:
    """The current code (for tests and for the demo's published secret only)."""
    return pyotp.TOTP(secret).now()
