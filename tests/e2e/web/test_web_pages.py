"""Issue 8's pages through Flask's test client: preview, stamped download with a trace id in the
audit log, need-to-know requests, the auditors' pages and the administrator's pages."""

from __future__ import annotations

import io
import re
import zipfile

import pypdfium2 as pdfium
import pytest

from archive.oversight import inspection
from ingest import pipeline
from ingest.demo import demo
from security.actor import Context
from tests.support.records import sample_doc


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _login(client, username: str) -> None:
    account = next(a for a in demo.DEMO_ACCOUNTS if a.username == username)
    page = client.get("/login").get_data(as_text=True)
    response = client.post(
        "/login",
        data={"csrf_token": _csrf(page), "username": username, "password": account.password},
    )
    if response.headers.get("Location", "").endswith("/login/code"):
        page = client.get("/login/code").get_data(as_text=True)
        response = client.post(
            "/login/code",
            data={"csrf_token": _csrf(page), "code": demo.current_code(username)},
        )
    assert response.status_code == 302 and client.get("/").status_code == 200


@pytest.fixture
def site(app, inst, sample_docs):
    """Demo accounts, and one ordinary and one TỐI MẬT PDF filed in unit VP."""
    app.config["WTF_CSRF_ENABLED"] = True
    demo.seed(inst, count=0)
    from archive.accounts.accounts import context_for, require_user

    with inst.sessions() as session:
        filer = context_for(require_user(session, demo.FILER), "test")
    ids = {}
    for level in ("thuong", "toi_mat"):
        doc = sample_doc(sample_docs, level=level, fmt="pdf")
        ids[level] = pipeline.ingest_bytes(
            inst, filer, doc.content, doc.filename, unit_code="VP"
        ).id
    return ids


def _entries(inst, **filters) -> list[dict]:
    return inspection.entries(inst, Context(None, "test"), inspection.Filter(**filters), 1000)


def _pdf_text(data: bytes) -> str:
    document = pdfium.PdfDocument(data)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def test_page_preview_is_rendered_in_memory_gated_and_audited(app, inst, site):
    client = app.test_client()
    _login(client, "canbo")
    shown = client.get(f"/documents/{site['thuong']}").get_data(as_text=True)
    assert f"/documents/{site['thuong']}/page/0.png" in shown
    image = client.get(f"/documents/{site['thuong']}/page/0.png")
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.data.startswith(b"\x89PNG") and image.headers["Cache-Control"] == "no-store"
    assert client.get(f"/documents/{site['thuong']}/page/99.png").status_code == 404
    assert client.get(f"/documents/{site['toi_mat']}/page/0.png").status_code == 404
    previews = _entries(inst, username="canbo", action="preview")
    assert {(e["object_id"], e["outcome"]) for e in previews} == {
        (site["thuong"], "allowed"),
        (site["toi_mat"], "denied"),
    }
    assert not list((inst.home).rglob("*.png"))


def test_download_is_stamped_for_the_reader_and_the_trace_is_audited(app, inst, site):
    client = app.test_client()
    _login(client, "canbo")
    response = client.get(f"/documents/{site['thuong']}/file")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    trace = response.headers["X-Kho-Trace"]
    text = _pdf_text(response.data)
    assert "Trần Văn Minh" in text and trace in text and "(VP)" in text
    import pikepdf

    with pikepdf.open(io.BytesIO(response.data)) as pdf:
        assert str(pdf.docinfo["/KhoTrace"]) == trace
    downloads = _entries(inst, username="canbo", action="download")
    assert len(downloads) == 1 and downloads[0]["detail"]["trace"] == trace
    assert client.get(f"/documents/{site['toi_mat']}/file").status_code == 404


def test_secret_download_carries_the_marking_in_header_and_footer(app, inst, site):
    client = app.test_client()
    _login(client, "canbo.btc")  # cleared TỐI MẬT, unit BTC: needs a grant for a VP record
    assert client.get(f"/documents/{site['toi_mat']}").status_code == 404
    page = client.get(f"/access/request?doc={site['toi_mat']}").get_data(as_text=True)
    client.post(
        "/access/request",
        data={
            "csrf_token": _csrf(page),
            "document": site["toi_mat"],
            "reason": "Chuẩn bị báo cáo tổng kết công tác tổ chức",
        },
    )
    officer = app.test_client()
    _login(officer, "baomat")
    waiting = officer.get("/access/pending").get_data(as_text=True)
    assert "canbo.btc" in waiting
    assert "Chuẩn bị báo cáo tổng kết công tác tổ chức" in waiting  # sealed at rest, shown here
    # the officer is cleared for the record: its number and subject, through the gate
    assert f'href="/documents/{site["toi_mat"]}"' in waiting
    assert "không được xem mô tả" not in waiting
    grant_id = re.search(r"/access/pending/(\d+)", waiting).group(1)
    officer.post(
        f"/access/pending/{grant_id}",
        data={"csrf_token": _csrf(waiting), "decision": "approve", "days": "7"},
    )
    response = client.get(f"/documents/{site['toi_mat']}/file")
    assert response.status_code == 200
    first_page = pdfium.PdfDocument(response.data)[0].get_textpage().get_text_range()
    assert first_page.count("TỐI MẬT") >= 2  # the marking at the top and at the bottom
    assert "Lê Thị Hoa" in first_page


def test_auditor_pages_verify_and_export(app, inst, site):
    reader = app.test_client()
    _login(reader, "canbo")
    reader.get(f"/documents/{site['thuong']}")
    reader.get(f"/documents/{site['toi_mat']}")
    assert reader.get("/audit").status_code == 404  # readers do not read the log
    client = app.test_client()
    _login(client, "kiemtra")
    log = client.get("/audit", query_string={"user": "canbo"}).get_data(as_text=True)
    rows = re.findall(r"<tr class=\"(\w+)\">(.*?)</tr>", log, re.S)
    cells = " ".join(row for _, row in rows)
    assert "Bị từ chối" in cells and "Đọc văn bản" in cells  # words, not codes
    assert ">denied<" not in log and ">read<" not in log
    assert re.search(r"<time datetime=\"[^\"]+\">\d\d/\d\d/\d{4} \d\d:\d\d</time>", log)
    history = client.get("/audit", query_string={"document": site["toi_mat"]}).get_data(
        as_text=True
    )
    assert "canbo" in history
    activity = client.get("/audit/activity").get_data(as_text=True)
    assert "<svg" in activity and "<script" not in activity
    assert client.get("/audit/anomalies").status_code == 200
    assert client.post("/audit/verify").status_code == 400  # no CSRF token
    verdict = client.post("/audit/verify", data={"csrf_token": _csrf(log)}).get_data(as_text=True)
    assert "toàn vẹn" in verdict
    export = client.post("/audit/export", data={"csrf_token": _csrf(log)})
    assert export.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(export.data)) as zf:
        assert set(zf.namelist()) == {"audit.jsonl", "audit.jsonl.manifest.json"}
    assert _entries(inst, username="kiemtra", action="audit_verify")[0]["outcome"] == "ok"


def test_administrator_pages_and_fresh_login_for_changes(app, inst, site):
    client = app.test_client()
    _login(client, "quantri")
    users = client.get("/admin").get_data(as_text=True)
    assert "canbo" in users and "kiemtra" in users
    assert client.get("/admin/keys").status_code == 200
    assert client.get("/admin/quarantine").status_code == 200
    page = client.get("/admin/users/canbo").get_data(as_text=True)
    data = {
        "csrf_token": _csrf(page),
        "role": "reader",
        "clearance": "thuong",
        "unit": "VP",
        "active": "y",
    }
    response = client.post("/admin/users/canbo", data=data)
    assert response.status_code == 302  # within the re-auth window right after login, but
    assert not _entries(inst, username="quantri", action="user_change")  # a clearance change
    admin = next(a for a in demo.DEMO_ACCOUNTS if a.username == "quantri")  # asks the password
    client.post("/admin/users/canbo", data={**data, "password": admin.password})
    changes = _entries(inst, username="quantri", action="user_change")
    assert changes[0]["detail"]["changes"] == {"clearance": ["mat", "thuong"]}
    client.post("/admin/users/canbo/end_sessions", data={"csrf_token": _csrf(page)})
    assert _entries(inst, action="session_end_all")[0]["outcome"] == "ok"
    reader = app.test_client()
    _login(reader, "canbo")
    assert reader.get("/admin").status_code == 404
    assert reader.post("/admin/users/canbo/unlock", data={}).status_code in (400, 404)


def test_english_on_request_and_security_headers(app, inst, site):
    client = app.test_client()
    assert "Đăng nhập" in client.get("/login").get_data(as_text=True)
    english = client.get("/login?lang=en").get_data(as_text=True)
    assert "Log in" in english and 'lang="en"' in english
    _login(client, "canbo")
    page = client.get("/")
    assert "Documents you may read" in page.get_data(as_text=True)  # kept across login
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    cookie = client.get_cookie("kho")
    assert cookie is not None and cookie.http_only


def test_secure_cookie_name_when_asked(app, tmp_path):
    from web import create_app

    secure = create_app(
        {"KHO_HOME": str(tmp_path / "home"), "KHO_SECURE_COOKIES": "1", "SECRET_KEY": "x"}
    )
    assert secure.config["SESSION_COOKIE_NAME"] == "__Host-kho"
    assert secure.config["SESSION_COOKIE_SECURE"] is True
    secure.extensions["kho"].dispose()


def test_the_audit_log_pages_back(app, inst, site, monkeypatch):
    """Older entries a link away, the newest one link back; every page has entries: a full
    last page offers no link to an empty one (the page reads one entry past itself)."""
    from web.views import audit as views

    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    client = app.test_client()
    _login(client, "kiemtra")
    seqs, pages, url = [], [], "/audit?action=ingest"
    while url:
        answer = client.get(url)
        assert "Server-Timing" not in answer.headers  # an auditor is not shown server times
        page = answer.get_data(as_text=True)
        pages.append(page)
        seqs += [int(s) for s in re.findall(r'<tr class="\w+">\s*<td>(\d+)</td>', page)]
        found = re.search(r'href="(/audit\?[^"]*before=\d+[^"]*)">Các mục cũ hơn', page)
        url = found.group(1).replace("&amp;", "&") if found else None
    ingested = [e["seq"] for e in _entries(inst, action="ingest")]
    assert sorted(seqs, reverse=True) == seqs and sorted(seqs) == sorted(ingested)
    assert len(ingested) >= 2 and len(pages) == len(ingested)  # no empty page at the end
    newest = 'href="/audit?action=ingest">← Mới nhất'
    assert newest not in pages[0] and all(newest in page for page in pages[1:])


def test_server_time_only_for_an_administrator_or_when_the_instance_asks(app, site):
    """A precise server time says how much work a request caused: outsiders and ordinary staff
    never see it; an administrator's pages and an instance set to measure carry it, rounded."""
    anonymous, reader, admin = (app.test_client() for _ in range(3))
    _login(reader, "kiemtra")
    _login(admin, "quantri")
    for client in (anonymous, reader):
        for url in ("/login", "/", "/audit"):
            assert "Server-Timing" not in client.get(url).headers, url
    assert re.fullmatch(r"app;dur=\d+", admin.get("/").headers["Server-Timing"])
    app.config["KHO_SERVER_TIMING"] = "1"  # the benchmarks' setting: every answer, logged in or not
    for client in (anonymous, reader):
        assert re.fullmatch(r"app;dur=\d+", client.get("/login").headers["Server-Timing"])
