"""Register and file-plan pages: numbering shown, export and print through the gate."""

from __future__ import annotations

import re

from tests.support.people import add_person


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_archivist_registers_and_exports_the_incoming_register(app, inst):
    app.config["WTF_CSRF_ENABLED"] = True
    person = add_person(inst, "vanthu.mat", "archivist", "mat")
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    client.post(
        "/login",
        data={"csrf_token": _csrf(page), "username": "vanthu.mat", "password": person.password},
    )
    page = client.get("/registers?register=DEN&year=2026").get_data(as_text=True)
    for sender in ("Văn phòng Trung ương Đảng", "Ủy ban nhân dân tỉnh"):
        response = client.post(
            "/registers?register=DEN&year=2026",
            data={
                "csrf_token": _csrf(page),
                "entry_date": "2026-05-04",
                "sender": sender,
                "number": "12-CV/VPTW",
                "subject": "về việc báo cáo",
            },
        )
        assert response.status_code == 302
    page = client.get("/registers?register=DEN&year=2026").get_data(as_text=True)
    assert "Ủy ban nhân dân tỉnh" in page and "<td>2</td>" in page
    csv = client.get("/registers/export.csv?register=DEN&year=2026")
    assert "Văn phòng Trung ương Đảng" in csv.get_data(as_text=True)
    assert "attachment" in csv.headers["Content-Disposition"]
    assert client.get("/fileplan?year=2026").status_code == 200
    assert client.get("/registers?register=NOPE").status_code == 404
