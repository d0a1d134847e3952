"""The review page: doubtful fields highlighted with their source line, confirm or correct."""

from __future__ import annotations

import re

from archive.records import review
from ingest import pipeline
from ingest.demo import samples
from tests.support import documents as fx
from tests.support.people import add_person


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_archivist_confirms_with_a_correction_from_the_review_page(app, inst):
    app.config["WTF_CSRF_ENABLED"] = True
    person = add_person(inst, "vanthu.mat", "archivist", "mat")
    truth = {
        "kind": "party",
        "doc_type": "NQ",
        "number": "5-NQ/TU",
        "issuer": "Tỉnh ủy Lào Cai",
        "date": "2024-03-05",
        "subject": "về công tác cán bộ",
        "level": "mat",
        "urgency": "thuong",
    }
    text = samples.render_text(truth, ["Nội dung."]).encode()
    doc_id = pipeline.ingest_bytes(inst, person.ctx, text, "nq.txt").id
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    client.post(
        "/login",
        data={"csrf_token": _csrf(page), "username": "vanthu.mat", "password": person.password},
    )
    listing = client.get("/review").get_data(as_text=True)
    assert "5-NQ/TU" in listing
    page = client.get(f"/review/{doc_id}").get_data(as_text=True)
    assert '<div class="field doubtful">' in page and "<mark>MẬT</mark>" in page
    form = {
        "csrf_token": _csrf(page),
        "number": "5-NQ/TU",
        "doc_type": "NQ",
        "issuer": "Tỉnh ủy Lào Cai",
        "date": "2024-03-05",
        "subject": "về công tác cán bộ năm 2024",
        "level": "mat",
        "urgency": "khan",
        "reason": "",
    }
    response = client.post(f"/review/{doc_id}", data=form)
    assert response.status_code == 302
    assert review.queue(inst, person.ctx) == []
    shown = client.get(f"/documents/{doc_id}").get_data(as_text=True)
    assert "năm 2024" in shown
    lower = dict(
        form,
        csrf_token=_csrf(client.get(f"/review/{doc_id}").get_data(as_text=True)),
        level="thuong",
    )
    refused = client.post(f"/review/{doc_id}", data=lower).get_data(as_text=True)
    assert "không được" in refused  # an archivist may not lower a level


def _login(app, inst, name: str, role: str, clearance: str):
    person = add_person(inst, name, role, clearance)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    client.post(
        "/login",
        data={"csrf_token": _csrf(page), "username": name, "password": person.password},
    )
    return person, client


def test_a_likelier_reading_is_offered_in_one_click(app, inst):
    """A scan whose subject reads "Tết Nhâm Dằn" where its body writes "Tết Nhâm Dần": the
    subject goes to a person as read, and the page offers the body's reading with a button that
    puts it in the field (web/static/review.js), so the archivist checks rather than types."""
    app.config["WTF_CSRF_ENABLED"] = True
    person, client = _login(app, inst, "vanthu.quet", "archivist", "thuong")
    doc_id = pipeline.ingest_bytes(inst, person.ctx, fx.mismarked_scan(), "kh.png").id
    page = client.get(f"/review/{doc_id}").get_data(as_text=True)
    assert "&#39;nhâm dằn&#39; / &#39;nhâm dần&#39;" in page
    button = re.search(r'<button type="button" class="use-proposal"[^>]*>', page).group(0)
    assert 'data-field="subject"' in button
    assert 'data-value="về việc tổ chức đón Tết Nhâm Dần năm 2026"' in button
    assert "review.js" in page
    assert client.get("/static/review.js").status_code == 200
