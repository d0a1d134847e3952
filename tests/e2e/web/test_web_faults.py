"""Pages under machine faults: an unexpected error shows an incident reference (details sealed),
and every administrator's page warns when free disk space runs low."""

from __future__ import annotations

import re

from archive.accounts import administration
from archive.operations import incidents
from ingest.demo import demo
from tests.e2e.web.test_web_pages import _login


def test_unexpected_error_page_gives_a_reference(app, inst, monkeypatch):
    app.config.update(WTF_CSRF_ENABLED=True, PROPAGATE_EXCEPTIONS=False, TESTING=False)
    demo.seed(inst, count=0)
    client = app.test_client()
    _login(client, "quantri")
    secret = "Tờ trình mật 12-TTr/TU"

    def broken(*_args, **_kwargs):
        raise RuntimeError(f"cannot list {secret}")

    monkeypatch.setattr(administration, "users", broken)
    response = client.get("/admin")
    page = response.get_data(as_text=True)
    assert response.status_code == 500 and secret not in page and "Traceback" not in page
    ref = re.search(r"kho incident (\d{8}-[0-9a-f]{6})", page).group(1)
    assert secret.encode() not in incidents.log_path(inst.home).read_bytes()
    entry = incidents.find(inst, ref)
    assert entry["doing"] == "GET admin.users" and secret in entry["details"]


def test_administrators_pages_warn_when_space_runs_low(app, inst, monkeypatch):
    app.config["WTF_CSRF_ENABLED"] = True
    monkeypatch.setenv("KHO_MIN_FREE_MB", "0")
    demo.seed(inst, count=0)
    client = app.test_client()
    _login(client, "quantri")
    assert "Low disk space" not in client.get("/admin").get_data(as_text=True)
    monkeypatch.setenv("KHO_MIN_FREE_MB", str(10**12))  # more than any disk here
    for page in ("/admin", "/admin/keys", "/admin/quarantine"):
        assert "Low disk space" in client.get(page).get_data(as_text=True), page
