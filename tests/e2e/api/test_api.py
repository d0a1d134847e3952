"""The JSON API over the same services as the pages: tokens and scopes, records one may not see
answer 404, trimmed search, stamped downloads, deposits (declared metadata, idempotency), the
review queue and the audit log, problem details in two languages, rate limits, the spec."""

from __future__ import annotations

import io
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import httpx
import pikepdf
import pytest
from sqlalchemy import func, select

from archive.models import AuditEntry, Document
from archive.oversight import inspection
from search import feed
from tests.e2e.api.conftest import holder, letter
from tests.support import documents
from tests.support.records import file_doc


def _entries(inst, action: str) -> list[AuditEntry]:
    with inst.sessions() as session:
        stmt = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
        return list(session.execute(stmt).scalars())


def _deposit(client, who, data: bytes, name: str = "a.txt", key: str | None = None, **fields):
    headers = dict(who.headers)
    if key:
        headers["Idempotency-Key"] = key
    return client.post(
        "/api/v1/records",
        headers=headers,
        data={"file": (io.BytesIO(data), name), **fields},
        content_type="multipart/form-data",
    )


def test_no_token_a_bad_token_and_a_missing_scope_are_refused_and_audited(client, inst, filer):
    assert client.get("/api/v1/search?q=x").status_code == 401
    bad = client.get("/api/v1/search?q=x", headers={"Authorization": "Bearer kho_" + "x" * 43})
    assert bad.status_code == 401 and bad.headers["WWW-Authenticate"] == "Bearer"
    assert bad.mimetype == "application/problem+json"
    body = bad.get_json()
    assert body["status"] == 401 and body["messages"]["en"] and body["messages"]["vi"]
    # a session cookie is no way in either: the API reads only its bearer token
    no_scope = client.get("/api/v1/audit/entries", headers=filer.headers)
    assert no_scope.status_code == 403
    denied = [e for e in _entries(inst, "api_call") if e.outcome == "denied"]
    assert len(denied) == 3
    assert denied[-1].detail["token"] == filer.token_id
    assert denied[-1].detail["path"] == "/api/v1/audit/entries"


def test_a_record_one_may_not_read_answers_exactly_like_a_missing_one(client, inst, filer):
    other = holder(inst, "docgia", "reader", "mat", "BTC")
    doc = file_doc(inst, filer.person, unit="VP")
    seen = client.get(f"/api/v1/records/{doc}", headers=filer.headers)
    assert seen.status_code == 200 and seen.get_json()["id"] == doc
    assert seen.get_json()["filed_at"].endswith("+00:00")
    hidden = client.get(f"/api/v1/records/{doc}", headers=other.headers)
    missing = client.get("/api/v1/records/999999", headers=other.headers)
    assert hidden.status_code == missing.status_code == 404
    assert set(hidden.get_json()) == set(missing.get_json())
    assert hidden.get_json()["type"] == missing.get_json()["type"]
    for path in (f"/api/v1/records/{doc}/file", f"/api/v1/records/{doc}/file?original=true"):
        assert client.get(path, headers=other.headers).status_code == 404
    views = [e for e in _entries(inst, "view") if e.object_id == doc]
    assert [(e.username, e.outcome) for e in views] == [
        ("vanthu", "allowed"),
        ("docgia", "denied"),
    ]
    assert all(e.detail["token"] for e in views)


def test_search_is_trimmed_paged_and_faceted_like_the_page(client, inst, filer):
    other = holder(inst, "docgia", "reader", "mat", "BTC")
    ids = [file_doc(inst, filer.person, text=f"Kiểm thử tìmkiếmapi số {n}") for n in range(3)]
    theirs = file_doc(inst, filer.person, unit="BTC", text="Kiểm thử tìmkiếmapi của BTC")
    secret = file_doc(inst, filer.person, unit="BTC", level="toi_mat", text="tìmkiếmapi mật")
    feed.refresh(inst, [*ids, theirs, secret])
    page = client.get("/api/v1/search?q=tìmkiếmapi&per_page=2", headers=filer.headers)
    body = page.get_json()
    assert page.status_code == 200 and body["total"] == 3 and body["pages"] == 2
    assert len(body["hits"]) == 2 and {h["id"] for h in body["hits"]} <= set(ids)
    assert body["facets"]["unit"] == [{"value": "VP", "count": 3}]
    second = client.get("/api/v1/search?q=tìmkiếmapi&per_page=2&page=2", headers=filer.headers)
    assert len(second.get_json()["hits"]) == 1
    found = client.get("/api/v1/search?q=tìmkiếmapi", headers=other.headers).get_json()
    assert [h["id"] for h in found["hits"]] == [theirs] and found["total"] == 1
    assert found["facets"]["level"] == [{"value": "thuong", "count": 1}]
    searches = _entries(inst, "search")
    assert searches[-1].detail["ids"] == [theirs] and searches[-1].detail["token"]
    bad = client.get("/api/v1/search?q=x&per_page=1000", headers=filer.headers)
    assert bad.status_code == 422 and "per_page" in bad.get_json()["errors"]["query"]


def test_the_download_is_the_stamped_access_copy(client, inst, filer):
    res = _deposit(client, filer, documents.pdf("Công văn kiểm thử tải xuống."), "cv.pdf")
    assert res.status_code == 201, res.get_json()
    doc = res.get_json()["id"]
    copy = client.get(f"/api/v1/records/{doc}/file", headers=filer.headers)
    assert copy.status_code == 200 and copy.mimetype == "application/pdf"
    trace = copy.headers["X-Kho-Trace"]
    with pikepdf.open(io.BytesIO(copy.data)) as pdf:
        assert len(pdf.pages) >= 1
    [entry] = [e for e in _entries(inst, "download") if e.object_id == doc]
    assert entry.detail["trace"] == trace and entry.detail["token"] == filer.token_id
    original = client.get(f"/api/v1/records/{doc}/file?original=true", headers=filer.headers)
    assert original.status_code == 200 and "X-Kho-Trace" not in original.headers


def test_a_deposit_reads_the_file_and_flags_what_the_sender_got_wrong(client, inst, filer):
    declared = {"number": "16-KH/TU", "level": "mat", "date": "2025-03-04"}
    res = _deposit(client, filer, letter("15-KH/TU"), "kh.txt", **declared)
    body = res.get_json()
    assert res.status_code == 201 and body["status"] == "stored", body
    assert body["disagreed"] == ["number"] and "number" in body["review"]
    record = client.get(f"/api/v1/records/{body['id']}", headers=filer.headers).get_json()
    assert record["number"] == "15-KH/TU"  # what the document says, its evidence kept
    assert record["level"] == "mat"  # the declared level is a floor
    assert record["needs_review"] is True
    queue = client.get("/api/v1/review", headers=filer.headers).get_json()["records"]
    assert body["id"] in [r["id"] for r in queue]


def test_a_rejected_or_oversized_deposit_is_a_problem_and_stores_nothing(client, app, filer):
    bad = _deposit(client, filer, b"\x00\x01garbage" * 10, "x.exe")
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    assert bad.get_json()["type"] == "urn:kho:problem:rejected"
    app.config["MAX_CONTENT_LENGTH"] = 2048
    big = _deposit(client, filer, b"a" * 4096, "big.txt")
    assert big.status_code == 413 and big.get_json()["messages"]["en"]
    reader = holder(app.extensions["kho"], "docgia", "reader", "mat")
    assert _deposit(client, reader, letter("1-KH/TU")).status_code == 403
    with app.extensions["kho"].sessions() as session:
        assert session.scalar(select(func.count(Document.id))) == 0


def test_ten_concurrent_retries_with_one_key_file_one_record(server, inst, filer):
    data = letter("77-KH/TU")

    def send(_n: int) -> httpx.Response:
        return httpx.post(
            f"{server}/api/v1/records",
            headers={**filer.headers, "Idempotency-Key": "iOffice-2025-000077"},
            files={"file": ("kh77.txt", data, "text/plain")},
            data={"number": "77-KH/TU"},
            timeout=120,
        )

    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(send, range(10)))
    assert all(a.status_code in (200, 201) for a in answers), [a.text for a in answers]
    bodies = [a.json() for a in answers]
    assert len({b["id"] for b in bodies}) == 1
    assert sorted(b["replayed"] for b in bodies) == [False] + [True] * 9
    with inst.sessions() as session:
        assert session.scalar(select(func.count(Document.id))) == 1
    other = httpx.post(
        f"{server}/api/v1/records",
        headers={**filer.headers, "Idempotency-Key": "iOffice-2025-000077"},
        files={"file": ("other.txt", letter("78-KH/TU"), "text/plain")},
    )
    assert other.status_code == 409  # the key names another request


def test_auditors_read_and_export_the_log_with_an_audit_token(client, inst, filer):
    auditor = holder(inst, "kiemtra", "auditor", "mat", scopes="audit")
    file_doc(inst, filer.person)
    res = client.get("/api/v1/audit/entries?action=token_create&limit=5", headers=auditor.headers)
    entries = res.get_json()["entries"]
    assert res.status_code == 200 and entries and {e["action"] for e in entries} == {"token_create"}
    assert client.get("/api/v1/review", headers=auditor.headers).status_code == 403  # no read
    inspection.checkpoint(inst, auditor.person.ctx)  # the signing key exists from here
    export = client.get("/api/v1/audit/export", headers=auditor.headers)
    assert export.status_code == 200 and export.mimetype == "application/zip"
    reads = [e for e in _entries(inst, "audit_read") if e.detail.get("token")]
    assert reads and reads[-1].username == "kiemtra"


def test_role_pages_one_may_not_see_answer_404_and_are_audited(client, inst):
    reader = holder(inst, "docgia", "reader", "mat")
    res = client.get("/api/v1/review", headers=reader.headers)
    assert res.status_code == 404
    assert _entries(inst, "review_confirm")[-1].outcome == "denied"


def test_problems_speak_english_on_request_and_vietnamese_by_default(client, filer):
    vi = client.get("/api/v1/records/424242", headers=filer.headers)
    en = client.get(
        "/api/v1/records/424242", headers={**filer.headers, "Accept-Language": "en-GB,en"}
    )
    assert vi.get_json()["title"] == "Không tìm thấy" and en.get_json()["title"] == "Not found"
    assert en.get_json()["detail"] == "Document 424242 not found."
    assert en.headers["Content-Language"] == "en"
    unknown = client.get("/api/v1/nowhere")
    assert unknown.status_code == 404 and unknown.mimetype == "application/problem+json"
    # the pages keep their HTML error page
    assert client.get("/nowhere").mimetype == "text/html"


def test_calls_beyond_the_rate_limit_are_refused_once_audited(app, client, inst, filer):
    app.config["KHO_API_RATE"] = 3
    app.extensions.pop("kho_api_limits", None)
    codes = [client.get("/api/v1/records/1", headers=filer.headers).status_code for _ in range(5)]
    assert codes[:3] == [404, 404, 404] and codes[3:] == [429, 429]
    late = client.get("/api/v1/records/1", headers=filer.headers)
    assert int(late.headers["Retry-After"]) >= 1
    limited = [e for e in _entries(inst, "api_call") if e.detail.get("reason") == "rate limit"]
    assert len(limited) == 1 and limited[0].detail["token"] == filer.token_id


def test_the_spec_is_openapi_3_1_generated_from_the_code_and_the_docs_need_no_cdn(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"] == "3.1.0"
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    paths = spec["paths"]
    assert {"/api/v1/search", "/api/v1/records", "/api/v1/records/{record_id}"} <= set(paths)
    assert "multipart/form-data" in paths["/api/v1/records"]["post"]["requestBody"]["content"]
    not_found = spec["components"]["responses"]["NOT_FOUND"]["content"]
    assert "application/problem+json" in not_found
    page = client.get("/api/v1/docs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "http" not in html.replace("http-equiv", "")
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        assert client.get(f"/api/v1/docs/assets/{asset}").status_code == 200
    assert "script-src 'self';" in page.headers["Content-Security-Policy"]
    assert client.get("/api/v1/docs/assets/index.html").status_code == 404


def test_kho_token_create_prints_once_and_kho_api_spec_writes_the_document(kho, tmp_path):
    kho("init", "--admin-password-file", _password_file(tmp_path))
    kho("user", "add", "vanthu", "--role", "archivist", "--clearance", "mat", "--unit", "VP")
    out = kho("token", "create", "vanthu", "--scope", "read,deposit", "--expires", "30d").output
    secret = next(w for w in out.split() if w.startswith("kho_"))
    listed = kho("token", "list", "vanthu").output
    assert secret not in listed and "active" in listed and "read,deposit" in listed
    refused = kho("token", "create", "vanthu", "--scope", "audit", ok=False)
    assert refused.exit_code == 1 and "Error:" in refused.output
    kho("token", "revoke", "1")
    assert "revoked" in kho("token", "list", "vanthu").output
    made = kho("user", "add", "ioffice", "--role", "archivist", "--clearance", "mat", "--service")
    assert "service account" in made.output and "password:" not in made.output
    assert "kho_" in kho("token", "create", "ioffice", "--scope", "deposit").output
    target = tmp_path / "openapi.json"
    kho("api", "spec", "--output", str(target))
    assert json.loads(target.read_text())["openapi"] == "3.1.0"


def _password_file(tmp_path) -> str:
    path = tmp_path / "admin-password"
    path.write_text("a long enough admin passphrase 2026")
    return str(path)


@pytest.fixture(autouse=True)
def _fresh_limits(app):
    app.extensions.pop("kho_api_limits", None)


def test_registers_list_only_the_entries_one_may_see(client, inst, filer):
    from archive.lifecycle import registers

    other = holder(inst, "docgia", "reader", "mat", "BTC")
    clerk = holder(inst, "vtbtc", "archivist", "mat", "BTC")
    for who, unit in ((filer, "VP"), (clerk, "BTC")):
        doc = file_doc(inst, who.person, unit=unit)
        details = {"sender": "Tỉnh ủy Lào Cai"}
        registers.add_entry(inst, who.person.ctx, "DEN", date(2025, 3, 4), details, doc)
    theirs = doc
    seen = client.get("/api/v1/registers/DEN?year=2025", headers=other.headers).get_json()
    assert [e["document_id"] for e in seen["entries"]] == [theirs]
    assert seen["entries"][0]["details"]["sender"] == "Tỉnh ủy Lào Cai"
    assert client.get("/api/v1/registers/XX", headers=other.headers).status_code == 404
    assert _entries(inst, "register_list")[-1].detail["token"] == other.token_id
