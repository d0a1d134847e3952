"""Fixtures of the API's tests: people with tokens, records filed for them, a Flask client."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from archive.accounts import tokens
from security.actor import Context
from tests.support.people import Person, add_person

CLI = Context(None, "test")


@dataclass(frozen=True)
class Holder:
    person: Person
    token: str
    token_id: int

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}


def holder(inst, username, role, clearance, unit="VP", scopes="read") -> Holder:
    person = add_person(inst, username, role, clearance, unit)
    issued = tokens.create(inst, CLI, username, scopes)
    return Holder(person, issued.secret, issued.id)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def filer(inst) -> Holder:
    return holder(inst, "vanthu", "archivist", "mat", "VP", "read,deposit")
