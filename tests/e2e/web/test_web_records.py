"""Register and file-plan pages: numbering shown, export and print through the gate."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from archive.audit import log
from archive.lifecycle import registers
from archive.models import AuditEntry
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


def test_a_registers_year_is_read_page_by_page(app, inst, monkeypatch):
    """A year of a register is shown a page at a time (the rows after a number), the next page a
    link away, the first page one link back; an exactly full last page offers no next page
    (the page reads one line past itself to know); the print keeps the whole year."""
    from web.views import lifecycle as views

    monkeypatch.setattr(views, "REGISTER_PAGE", 2)
    person = add_person(inst, "vanthu.trang", "archivist", "mat")
    for n in range(4):
        registers.add_entry(inst, person.ctx, "DEN", date(2026, 2, 1 + n), {"subject": f"Mục {n}"})
    client = app.test_client()
    token = _csrf(client.get("/login").get_data(as_text=True))
    data = {"csrf_token": token, "username": "vanthu.trang", "password": person.password}
    client.post("/login", data=data)
    seen, pages, url = [], [], "/registers?register=DEN&year=2026"
    while url:
        page = client.get(url.replace("&amp;", "&")).get_data(as_text=True)
        pages.append(page)
        seen += re.findall(r"Mục (\d)", page)
        found = re.search(r'href="(/registers\?[^"]*after=\d+[^"]*)">Các số tiếp theo', page)
        url = found.group(1) if found else None
    assert seen == ["0", "1", "2", "3"] and len(pages) == 2
    first = 'href="/registers?register=DEN&amp;year=2026">← Đầu năm'
    assert first not in pages[0] and first in pages[1]
    with inst.sessions() as session:
        rows = session.execute(select(AuditEntry).where(AuditEntry.action == "register_list"))
        shown = [log.payload_of(e)["detail"] for e in rows.scalars()]
    assert [len(d["entries"]) for d in shown] == [2, 2]  # the line read past a page is not listed
    printed = client.get("/registers/print?register=DEN&year=2026").get_data(as_text=True)
    assert all(f"Mục {n}" in printed for n in range(4))
