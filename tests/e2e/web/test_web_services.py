"""Service accounts on the administrator's pages: created with a role, unit and clearance,
tokens issued (shown once) and revoked, last use listed; the same rules as `kho user add
--service` and `kho token`, every step audited; nobody else sees the pages."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from archive.accounts import accounts
from archive.models import AuditEntry, ClearanceRequest
from ingest.demo import demo


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _login(client, username: str) -> None:
    account = next(a for a in demo.DEMO_ACCOUNTS if a.username == username)
    page = client.get("/login").get_data(as_text=True)
    answer = client.post(
        "/login",
        data={"csrf_token": _csrf(page), "username": username, "password": account.password},
    )
    if answer.headers.get("Location", "").endswith("/login/code"):
        page = client.get("/login/code").get_data(as_text=True)
        client.post(
            "/login/code", data={"csrf_token": _csrf(page), "code": demo.current_code(username)}
        )


@pytest.fixture
def admin(app, inst):
    app.config["WTF_CSRF_ENABLED"] = True
    demo.seed(inst, count=0)
    client = app.test_client()
    _login(client, "quantri")
    return client


def _actions(inst, action: str) -> list[AuditEntry]:
    with inst.sessions() as session:
        stmt = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
        return list(session.execute(stmt).scalars())


def test_an_administrator_creates_a_service_account_issues_and_revokes_its_token(app, inst, admin):
    page = admin.get("/admin/services").get_data(as_text=True)
    assert "Chưa có tài khoản hệ thống nào." in page
    made = admin.post(
        "/admin/services",
        data={
            "csrf_token": _csrf(page),
            "username": "ioffice",
            "full_name": "iOffice Văn phòng",
            "role": "archivist",
            "clearance": "mat",
            "unit": "vp",
        },
    )
    assert made.status_code == 302 and made.headers["Location"].endswith("/admin/services/ioffice")
    with inst.sessions() as session:
        user = accounts.find_user(session, "ioffice")
        assert user.service and user.role == "archivist" and user.clearance == "mat"
        assert user.unit.code == "VP"
    added = _actions(inst, "user_add")[-1]
    assert added.username == "quantri" and added.detail["service"] is True
    # the account never logs in
    system = app.test_client()
    login = system.get("/login").get_data(as_text=True)
    system.post("/login", data={"csrf_token": _csrf(login), "username": "ioffice", "password": ""})
    assert system.get("/").status_code == 302

    page = admin.get("/admin/services/ioffice").get_data(as_text=True)
    issued = admin.post(
        "/admin/services/ioffice/tokens",
        data={"csrf_token": _csrf(page), "scope": ["read", "deposit"], "expires": "90d"},
    )
    secret = re.search(
        r'<code id="new-token"[^>]*>(kho_[^<]+)</code>', issued.get_data(as_text=True)
    )
    assert issued.status_code == 200 and secret
    created = _actions(inst, "token_create")[-1]
    assert created.username == "quantri" and created.detail["username"] == "ioffice"
    api = app.test_client()
    bearer = {"Authorization": f"Bearer {secret.group(1)}"}
    assert api.get("/api/v1/records/1", headers=bearer).status_code == 404
    listed = admin.get("/admin/services").get_data(as_text=True)
    assert "ioffice" in listed and secret.group(1) not in listed
    assert re.search(r"<td>1</td>\s*<td>\d{4}-\d\d-\d\d \d\d:\d\d</td>", listed)  # last use
    account = admin.get("/admin/services/ioffice").get_data(as_text=True)
    assert "127.0.0.1" in account and "read, deposit" in account and secret.group(1) not in account
    token_id = re.search(r"/admin/services/ioffice/tokens/(\d+)/revoke", account).group(1)
    admin.post(
        f"/admin/services/ioffice/tokens/{token_id}/revoke", data={"csrf_token": _csrf(account)}
    )
    assert api.get("/api/v1/records/1", headers=bearer).status_code == 401
    assert _actions(inst, "token_revoke")[-1].username == "quantri"


def test_the_rules_of_the_command_line_hold_on_the_page(app, inst, admin):
    page = admin.get("/admin/services").get_data(as_text=True)
    form = {"csrf_token": _csrf(page), "full_name": "", "unit": "VP"}
    admin.post(
        "/admin/services",
        data={**form, "username": "scanner", "role": "reader", "clearance": "toi_mat"},
    )
    with inst.sessions() as session:  # a raise to TỐI MẬT waits for a security officer
        user = accounts.find_user(session, "scanner")
        assert user.service and user.clearance == "mat"
        waiting = session.execute(select(ClearanceRequest)).scalar_one()
        assert waiting.to_level == "toi_mat" and waiting.status == "requested"
    page = admin.get("/admin/services/scanner").get_data(as_text=True)
    refused = admin.post(  # a reader does not file: no deposit scope, as `kho token create`
        "/admin/services/scanner/tokens",
        data={"csrf_token": _csrf(page), "scope": "deposit", "expires": "30d"},
    )
    assert refused.status_code == 400 and "kho_" not in refused.get_data(as_text=True)
    assert _actions(inst, "token_create")[-1].outcome == "denied"
    taken = admin.post(
        "/admin/services",
        data={**form, "username": "scanner", "role": "reader", "clearance": "thuong"},
    )
    assert "Đã có tài khoản" in admin.get(taken.headers["Location"]).get_data(as_text=True)
    # a person's own account is not a service account: not listed, no token made for it here
    assert admin.get("/admin/services/canbo").status_code == 404


def test_only_administrators_see_the_pages(app, inst, admin):
    reader = app.test_client()
    _login(reader, "canbo")
    assert reader.get("/admin/services").status_code == 404
    assert reader.post("/admin/services", data={"username": "x"}).status_code in (400, 404)
    refused = [e for e in _actions(inst, "admin_read") if e.outcome == "denied"]
    assert refused and refused[-1].username == "canbo"
