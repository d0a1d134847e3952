"""Accounts for tests: one call makes a person of a role, clearance and unit, with a context."""

from __future__ import annotations

from dataclasses import dataclass

from archive.accounts import accounts
from archive.core.instance import Instance
from security.actor import Context

ADMIN_PASSWORD = "test root passphrase"


@dataclass(frozen=True)
class Person:
    username: str
    password: str
    ctx: object  # archive.audit.Context


def add_person(
    inst: Instance,
    username: str,
    role: str,
    clearance: str,
    unit: str | None = "VP",
    *,
    unit_head: bool = False,
) -> Person:
    """An account made as an administrator would, with its context; ``unit_head`` makes it the
    head of its unit (who sees the unit's assignments and statistics)."""
    password = f"correct horse battery {role}"
    accounts.create_account(
        inst, Context(None, "test"), username, password, role, clearance, unit, unit_head=unit_head
    )
    with inst.sessions() as session:
        ctx = accounts.context_for(accounts.require_user(session, username), "test")
    return Person(username, password, ctx)
