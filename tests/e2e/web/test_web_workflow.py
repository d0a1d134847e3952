"""The assignment and statistics pages through Flask's test client: who may open them, the
refusal shown on the form, the charts and the CSV export."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from archive.accounts.accounts import context_for, require_user
from archive.models import Assignment, AuditEntry
from ingest.demo import demo
from tests.support.people import Person
from tests.support.workflow import incoming, outgoing


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _login(client, username: str) -> None:
    account = next(a for a in demo.DEMO_ACCOUNTS if a.username == username)
    page = client.get("/login").get_data(as_text=True)
    client.post(
        "/login",
        data={"csrf_token": _csrf(page), "username": username, "password": account.password},
    )
    assert client.get("/").status_code == 200


@pytest.fixture
def office(app, inst):
    app.config["WTF_CSRF_ENABLED"] = True
    demo.seed(inst, count=0)
    with inst.sessions() as session:
        vanthu = Person("vanthu", "", context_for(require_user(session, "vanthu"), "test"))
    return {"in": incoming(inst, vanthu), "out": outgoing(inst, vanthu)}


def test_statistics_page_charts_and_csv(app, inst, office):
    client = app.test_client()
    _login(client, "vanthu")
    page = client.get(f"/statistics?year={date.today().year}").get_data(as_text=True)
    assert "Thống kê văn bản năm" in page and page.count("<svg") == 3
    assert 'class="s-incoming"' in page
    english = client.get("/statistics?lang=en").get_data(as_text=True)
    assert "Document statistics" in english
    csv = client.get("/statistics/export.csv")
    assert csv.mimetype == "text/csv" and "Lập lúc (UTC)" in csv.get_data(as_text=True)
    assert client.get("/tasks").status_code == 200


def test_a_reader_who_is_no_head_gets_not_found(app, inst, office):
    client = app.test_client()
    _login(client, "canbo")
    assert client.get("/statistics").status_code == 404
    assert client.get("/tasks").status_code == 404
    assert client.get(f"/documents/{office['in']}/assign").status_code == 404
    with inst.sessions() as session:
        outcomes = session.execute(
            select(AuditEntry.action, AuditEntry.outcome).where(AuditEntry.username == "canbo")
        ).all()
    assert ("statistics", "denied") in outcomes and ("assign_list", "denied") in outcomes
    assert ("assign", "denied") in outcomes


def test_the_form_says_why_an_assignment_is_refused(app, inst, office):
    client = app.test_client()
    _login(client, "vanthu")
    form = client.get(f"/documents/{office['in']}/assign").get_data(as_text=True)
    assert "Ý kiến chỉ đạo" in form and 'value="canbo.btc"' in form
    answer = client.post(
        f"/documents/{office['in']}/assign",
        data={"csrf_token": _csrf(form), "unit": "", "handler": "canbo.btc", "instruction": "x"},
    ).get_data(as_text=True)
    assert "không được phép xem văn bản này" in answer
    with inst.sessions() as session:
        assert session.execute(select(Assignment)).first() is None
