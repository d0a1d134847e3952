"""The web pages through Flask's test client: login, CSRF, list, search, document, download."""

from __future__ import annotations

import re

import pytest

from ingest import pipeline
from tests.support.people import add_person
from tests.support.records import sample_doc


@pytest.fixture
def filed(inst, archivist, sample_docs):
    ids = {}
    for level in ("thuong", "toi_mat"):
        doc = sample_doc(sample_docs, level=level, fmt="pdf")
        ids[level] = (
            pipeline.ingest_bytes(
                inst, archivist.ctx, doc.content, doc.filename, unit_code="VP"
            ).id,
            doc,
        )
    return ids


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _login(client, username: str, password: str):
    page = client.get("/login").get_data(as_text=True)
    return client.post(
        "/login", data={"csrf_token": _csrf(page), "username": username, "password": password}
    )


@pytest.fixture
def web_app(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def test_login_requires_csrf_and_right_password(web_app, inst):
    person = add_person(inst, "canbo", "reader", "mat")
    client = web_app.test_client()
    assert client.get("/").status_code == 302
    assert (
        client.post("/login", data={"username": "canbo", "password": person.password}).status_code
        == 400
    )
    bad = _login(client, "canbo", "wrong-password-xx")
    assert "không đúng" in bad.get_data(as_text=True)
    assert _login(client, "canbo", person.password).status_code == 302
    assert client.get("/").status_code == 200


def test_reader_sees_lists_searches_opens_and_downloads(web_app, inst, filed):
    person = add_person(inst, "canbo", "reader", "mat")
    client = web_app.test_client()
    _login(client, "canbo", person.password)
    ordinary_id, doc = filed["thuong"]
    secret_id, secret = filed["toi_mat"]
    page = client.get("/").get_data(as_text=True)
    assert doc.truth["number"] in page and secret.truth["number"] not in page
    found = client.get("/search", query_string={"q": "dang vien"}).get_data(as_text=True)
    assert secret.truth["number"] not in found
    shown = client.get(f"/documents/{ordinary_id}").get_data(as_text=True)
    assert doc.truth["canary"] in shown
    download = client.get(f"/documents/{ordinary_id}/file")
    assert download.data.startswith(b"%PDF") and len(download.data) == int(
        download.headers["Content-Length"]
    )  # the sanitized access copy
    assert "attachment" in download.headers["Content-Disposition"]
    for url in (f"/documents/{secret_id}", f"/documents/{secret_id}/file", "/documents/999"):
        response = client.get(url)
        assert response.status_code == 404 and secret.truth["canary"] not in response.text


def test_security_headers_and_logout_is_post_only(web_app, inst):
    person = add_person(inst, "canbo", "reader", "mat")
    client = web_app.test_client()
    _login(client, "canbo", person.password)
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get("/logout").status_code == 405
    client.post("/logout", data={"csrf_token": _csrf(response.get_data(as_text=True))})
    assert client.get("/").status_code == 302
