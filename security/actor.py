"""Who acts, and from where: what every decision and every audit entry is about."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Principal:
    """The acting person as policy sees them (built from the account at the edge)."""

    user_id: int
    username: str
    role: str
    clearance: str
    unit_id: int | None


@dataclass(frozen=True)
class Context:
    """Who acts and from where: a principal (None before login, or the operator at the command
    line) and a source address ("cli", "worker", an IP address); ``token_id``: the API token
    the call came with, written into every audit entry of the call."""

    principal: Principal | None
    address: str | None = None
    unit_code: str | None = None
    token_id: int | None = None
