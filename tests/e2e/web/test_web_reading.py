"""Finding and reading on the pages: login lands on the page asked for (within Kho only), and the
document page pages through every page's preview, each image its own audited read."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from archive.models import AuditEntry
from ingest import pipeline
from tests.support import documents
from tests.support.people import add_person
from web.views.auth import safe_next


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


@pytest.fixture
def web_app(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def _login_via(client, url: str, username: str, password: str):
    """The login form as the browser has it at ``url`` (its action keeps ``next``)."""
    page = client.get(url).get_data(as_text=True)
    action = re.search(r'<form method="post" action="([^"]+)"', page).group(1)
    action = action.replace("&amp;", "&")
    return client.post(
        action, data={"csrf_token": _csrf(page), "username": username, "password": password}
    )


@pytest.mark.parametrize(
    ("target", "kept"),
    [
        ("/documents/12", True),
        ("/search?q=dang+vien&page=2", True),
        ("https://evil.example/x", False),
        ("//evil.example/x", False),
        ("/\\evil.example", False),
        ("\\\\evil.example", False),
        ("/documents/1\r\nSet-Cookie: x=1", False),
        ("javascript:alert(1)", False),
        ("documents/12", False),
        ("", False),
        ("/" + "a" * 3000, False),
    ],
)
def test_next_is_kept_only_for_a_path_inside_kho(target, kept):
    assert (safe_next(target) == target) is kept


def test_a_bookmarked_document_link_lands_on_the_document_after_login(web_app, inst, archivist):
    doc_id = pipeline.ingest_bytes(
        inst, archivist.ctx, documents.pdf(), "nghi-quyet.pdf", unit_code="VP"
    ).id
    person = add_person(inst, "canbo", "reader", "mat")
    client = web_app.test_client()
    bounced = client.get(f"/documents/{doc_id}")
    assert bounced.status_code == 302 and "next=" in bounced.headers["Location"]
    done = _login_via(client, bounced.headers["Location"], "canbo", person.password)
    assert done.status_code == 302 and done.headers["Location"] == f"/documents/{doc_id}"
    client.post("/logout", data={"csrf_token": _csrf(client.get("/").get_data(as_text=True))})
    for hostile in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        client = web_app.test_client()
        done = _login_via(client, f"/login?next={hostile}", "canbo", person.password)
        assert done.headers["Location"] == "/", hostile


def test_the_document_page_pages_through_every_preview(web_app, inst):
    filer = add_person(inst, "vanthu2", "archivist", "mat")  # no second factor below TỐI MẬT
    doc_id = pipeline.ingest_bytes(
        inst, filer.ctx, documents.pdf_pages(3), "ba-trang.pdf", unit_code="VP"
    ).id
    client = web_app.test_client()
    assert _login_via(client, "/login", filer.username, filer.password).status_code == 302
    first = client.get(f"/documents/{doc_id}").get_data(as_text=True)
    assert f"/documents/{doc_id}/page/0.png" in first and "Trang 1 / 3" in first
    assert f"/documents/{doc_id}?trang=2" in first and "trang=0" not in first
    last = client.get(f"/documents/{doc_id}?trang=3").get_data(as_text=True)
    assert f"/documents/{doc_id}/page/2.png" in last and "Trang 3 / 3" in last
    assert "?trang=2" in last and "?trang=4" not in last
    beyond = client.get(f"/documents/{doc_id}?trang=99").get_data(as_text=True)
    assert "Trang 3 / 3" in beyond  # clamped to the last page
    image = client.get(f"/documents/{doc_id}/page/2.png")
    assert image.status_code == 200 and image.data.startswith(b"\x89PNG")
    with inst.sessions() as session:
        entry = session.execute(select(AuditEntry).order_by(AuditEntry.seq.desc())).scalar()
    assert (entry.action, entry.object_id, entry.detail["page"]) == ("preview", doc_id, 2)
    assert client.get(f"/documents/{doc_id}/page/3.png").status_code == 404
