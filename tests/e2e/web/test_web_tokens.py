"""The account page's API tokens: created with the secret shown once, listed with last use,
revoked; a second-factor holder types a current code; the token then works on the API."""

from __future__ import annotations

import re

import pytest

from archive.accounts import sessions
from security.identity import totp
from tests.support.people import add_person


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


@pytest.fixture
def web_app(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def _login(client, username: str, password: str, secret: str | None = None):
    page = client.get("/login").get_data(as_text=True)
    data = {"csrf_token": _csrf(page), "username": username, "password": password}
    client.post("/login", data=data)
    if secret:
        page = client.get("/login/code").get_data(as_text=True)
        client.post("/login/code", data={"csrf_token": _csrf(page), "code": totp.code_now(secret)})


def test_a_person_creates_sees_once_uses_and_revokes_a_token(web_app, inst):
    person = add_person(inst, "vanthu", "archivist", "mat")
    client = web_app.test_client()
    _login(client, person.username, person.password)
    page = client.get("/account/tokens").get_data(as_text=True)
    assert "Chưa có mã truy cập nào." in page and 'name="code"' not in page
    made = client.post(
        "/account/tokens",
        data={"csrf_token": _csrf(page), "scope": ["read", "deposit"], "expires": "30d"},
    )
    secret = re.search(r'<code id="new-token">(kho_[^<]+)</code>', made.get_data(as_text=True))
    assert made.status_code == 200 and secret
    listed = client.get("/account/tokens").get_data(as_text=True)
    assert secret.group(1) not in listed and "read, deposit" in listed and "active" in listed
    api = web_app.test_client()  # another client, no cookie: the token alone
    bearer = {"Authorization": f"Bearer {secret.group(1)}"}
    assert api.get("/api/v1/records/1", headers=bearer).status_code == 404
    assert "127.0.0.1" in client.get("/account/tokens").get_data(as_text=True)  # last use
    token_id = re.search(r"/account/tokens/(\d+)/revoke", listed).group(1)
    client.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": _csrf(listed)})
    assert "revoked" in client.get("/account/tokens").get_data(as_text=True)
    assert api.get("/api/v1/records/1", headers=bearer).status_code == 401


def test_an_auditor_needs_a_current_code_and_a_scope_of_their_role(web_app, inst):
    from sqlalchemy import select

    from archive.models import User

    person = add_person(inst, "kiemtra", "auditor", "mat")
    secret = totp.new_secret()
    with inst.sessions.begin() as session:
        user = session.execute(select(User).where(User.username == "kiemtra")).scalar_one()
        sessions.set_totp_secret(inst, user, secret, confirmed=True)
    client = web_app.test_client()
    _login(client, person.username, person.password, secret)
    page = client.get("/account/tokens").get_data(as_text=True)
    assert 'name="code"' in page
    refused = client.post(
        "/account/tokens", data={"csrf_token": _csrf(page), "scope": "audit", "code": "000000"}
    )
    assert refused.status_code == 400 and "kho_" not in refused.get_data(as_text=True)
    wrong_scope = client.post(
        "/account/tokens", data={"csrf_token": _csrf(page), "scope": "deposit", "code": "1"}
    )
    assert wrong_scope.status_code == 400
