"""The search page: visible total, facets that narrow, sorting, did-you-mean."""

from __future__ import annotations

import re

from ingest import pipeline
from ingest.demo import samples
from tests.support.people import add_person


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_search_page_shows_total_facets_and_a_suggestion(app, inst, archivist):
    for n, doc_type in enumerate(("KH", "KH", "BC")):
        truth = {
            "kind": "party",
            "doc_type": doc_type,
            "number": f"{n + 1}-{doc_type}/TU",
            "issuer": "Tỉnh ủy Lào Cai",
            "date": f"202{n}-03-05",
            "subject": "về phát triển đảng viên",
            "level": "thuong",
            "urgency": "thuong",
        }
        text = samples.render_text(truth, ["Công tác đảng viên ở cơ sở."]).encode()
        assert pipeline.ingest_bytes(inst, archivist.ctx, text, f"{n}.txt").status == "stored"
    reader = add_person(inst, "canbo", "reader", "mat")
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    client.post(
        "/login", data={"csrf_token": _csrf(page), "username": "canbo", "password": reader.password}
    )
    page = client.get("/search?q=dang+vien").get_data(as_text=True)
    assert "3 văn bản" in page and 'class="facets"' in page
    narrowed = re.search(r'href="(/search\?q=dang\+vien\+loai:BC[^"]*)"', page).group(1)
    page = client.get(narrowed.replace("&amp;", "&")).get_data(as_text=True)
    assert "1 văn bản" in page and "3-BC/TU" in page
    page = client.get("/search?q=dang+vien&sort=date_asc").get_data(as_text=True)
    assert page.index("1-KH/TU") < page.index("3-BC/TU")
    page = client.get("/search?q=dang+vieen").get_data(as_text=True)
    assert "Có phải bạn muốn tìm" in page
