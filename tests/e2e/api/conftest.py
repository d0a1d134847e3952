"""Fixtures of the API's tests: people with tokens, records filed for them, a Flask client and
a live server (for concurrent clients and schemathesis)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from archive.accounts import sessions, tokens
from archive.models import User
from ingest.demo import samples
from security.actor import Context
from security.identity import totp
from tests.support.people import Person, add_person
from tests.support.serving import serving

CLI = Context(None, "test")


@dataclass(frozen=True)
class Holder:
    person: Person
    token: str
    token_id: int

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}


def enrol(inst, username: str) -> str:
    """Give an account a confirmed authenticator; returns its secret."""
    secret = totp.new_secret()
    with inst.sessions.begin() as session:
        user = session.execute(select(User).where(User.username == username)).scalar_one()
        sessions.set_totp_secret(inst, user, secret, confirmed=True)
    return secret


def holder(inst, username, role, clearance, unit="VP", scopes="read") -> Holder:
    person = add_person(inst, username, role, clearance, unit)
    code = None
    if role in ("admin", "auditor") or clearance in ("toi_mat", "tuyet_mat"):
        code = totp.code_now(enrol(inst, username))
    issued = tokens.create(inst, CLI, username, scopes, code=code)
    return Holder(person, issued.secret, issued.id)


def letter(number: str, level: str = "thuong", subject: str = "về kế hoạch kiểm thử") -> bytes:
    """A small incoming letter as plain text, with a readable header."""
    truth = {
        "kind": "party",
        "doc_type": "KH",
        "number": number,
        "issuer": "Tỉnh ủy Lào Cai",
        "date": "2025-03-04",
        "subject": subject,
        "level": level,
        "urgency": "thuong",
    }
    return samples.render_text(truth, ["Nội dung kiểm thử giao diện lập trình."]).encode()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def filer(inst) -> Holder:
    return holder(inst, "vanthu", "archivist", "mat", "VP", "read,deposit")


@pytest.fixture
def server(app) -> Iterator[str]:
    with serving(app) as base_url:
        yield base_url
