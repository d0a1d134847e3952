"""A page one may not see: refused in one place (``web.views.auth.requires``), audited with the
page, and answered like a page that does not exist."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from archive.models import AuditEntry
from tests.support.people import add_person


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _login(app, person) -> object:
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    data = {"csrf_token": _csrf(page), "username": person.username, "password": person.password}
    assert client.post("/login", data=data).status_code == 302
    return client


def _denials(inst) -> list[tuple[str, str | None, dict]]:
    with inst.sessions() as session:
        rows = session.execute(
            select(AuditEntry).where(AuditEntry.outcome == "denied").order_by(AuditEntry.seq)
        ).scalars()
        return [(e.action, e.username, e.detail) for e in rows]


@pytest.mark.parametrize(
    ("page", "action"),
    [
        ("/admin", "admin_read"),
        ("/admin/keys", "admin_read"),
        ("/admin/quarantine", "admin_read"),
        ("/audit", "audit_read"),
        ("/upload", "upload"),
        ("/review", "review_confirm"),
    ],
)
def test_a_refused_page_is_a_404_and_an_audit_entry(app, inst, page, action):
    reader = add_person(inst, "canbo", "reader", "mat")
    client = _login(app, reader)
    assert client.get(page).status_code == 404
    assert _denials(inst)[-1] == (
        action,
        "canbo",
        {"page": page, "reason": _denials(inst)[-1][2]["reason"]},
    )


def test_the_limits_of_the_instance_reach_web_uploads(tmp_path, database_url, blob_settings):
    from archive.operations.bootstrap import initialize
    from web import create_app

    app = create_app(
        {
            "KHO_HOME": str(tmp_path / "home"),
            "KHO_DATABASE_URL": database_url,
            "SECRET_KEY": "test",
            "TESTING": True,
            "KHO_MAX_BYTES": "2000",
            **blob_settings,
        }
    )
    inst = app.extensions["kho"]
    assert inst.limits.max_bytes == 2000
    initialize(inst, "test root passphrase")
    archivist = add_person(inst, "vanthu", "archivist", "mat")
    client = _login(app, archivist)
    form = client.get("/upload").get_data(as_text=True)
    too_big = (io.BytesIO(b"x" * 5000), "lon.txt")
    page = client.post(
        "/upload",
        data={"csrf_token": _csrf(form), "files": [too_big]},
        content_type="multipart/form-data",
    )
    assert page.status_code == 400
    assert "2000 bytes" in page.get_data(as_text=True) or "MiB" in page.get_data(as_text=True)
    with inst.sessions() as session:
        assert (
            session.execute(select(AuditEntry).where(AuditEntry.action == "upload")).first() is None
        )
    inst.dispose()
