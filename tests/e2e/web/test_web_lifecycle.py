"""The lifecycle pages: disposal (due list, preview, proposal, two council votes, execution and
its destruction record), legal holds, declassification and the retention table, with who may do
what, the proposer kept out of the council, the password asked again for what cannot be undone,
the numbers of the previews, and every step and refusal in the audit log."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from archive.accounts import sessions
from archive.models import AuditEntry, DisposalProposal, Document, RetentionRule, User
from security.identity import totp
from tests.support.documents import pdf_pages
from tests.support.people import add_person
from tests.support.records import file_doc

REASON = "hết thời hạn bảo quản theo bảng thời hạn"


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


@pytest.fixture
def web_app(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def _login(app, person, secret: str | None = None):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    data = {"csrf_token": _csrf(page), "username": person.username, "password": person.password}
    assert client.post("/login", data=data).status_code == 302
    if secret:
        page = client.get("/login/code").get_data(as_text=True)
        client.post("/login/code", data={"csrf_token": _csrf(page), "code": totp.code_now(secret)})
    return client


def _admin(inst):
    """An administrator with the second factor every administrator logs in with."""
    person = add_person(inst, "quantri", "admin", "thuong")
    secret = totp.new_secret()
    with inst.sessions.begin() as session:
        user = session.execute(select(User).where(User.username == "quantri")).scalar_one()
        sessions.set_totp_secret(inst, user, secret, confirmed=True)
    return person, secret


def _post(client, url: str, **data):
    """A form posted as the browser would: with the CSRF token of the page at ``url``."""
    page = client.get(url).get_data(as_text=True)
    return client.post(url, data={"csrf_token": _csrf(page), **data})


def _entries(inst, action: str) -> list[tuple[str, str | None]]:
    with inst.sessions() as session:
        rows = session.execute(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
        ).scalars()
        return [(e.outcome, e.username) for e in rows]


def _status(inst, doc_id: int) -> str:
    with inst.sessions() as session:
        return session.get(Document, doc_id).status


@pytest.fixture
def people(inst):
    return {
        "archivist": add_person(inst, "vanthu", "archivist", "mat"),
        "officer": add_person(inst, "baomat", "security_officer", "mat"),
        "officer2": add_person(inst, "baomat2", "security_officer", "mat"),
        "reader": add_person(inst, "canbo", "reader", "mat"),
    }


def _propose(client, ids: list[int]) -> int:
    page = client.get("/disposal/due").get_data(as_text=True)
    data = {"csrf_token": _csrf(page), "doc": [str(i) for i in ids], "reason": REASON}
    preview = client.post("/disposal/preview", data=data)
    assert preview.status_code == 200, preview.get_data(as_text=True)
    made = client.post("/disposal/propose", data=data)
    assert made.status_code == 302
    return int(made.headers["Location"].rsplit("/", 1)[1])


@pytest.mark.slow  # three people log in and confirm four times with their passwords
def test_a_disposal_is_previewed_proposed_approved_by_two_others_and_executed(
    web_app, inst, people
):
    archivist = people["archivist"]
    text_doc = file_doc(inst, archivist, issued="2010-01-01")
    pdf_doc = file_doc(inst, archivist, issued="2011-03-02", pdf=pdf_pages(3))
    young = file_doc(inst, archivist, issued="2025-01-01")
    keeper = _login(web_app, archivist)

    due = keeper.get("/disposal/due").get_data(as_text=True)
    assert f'value="{text_doc}"' in due and f'value="{pdf_doc}"' in due
    assert f'value="{young}"' not in due  # not yet due: not offered
    page = keeper.get("/disposal/due").get_data(as_text=True)
    data = {"csrf_token": _csrf(page), "doc": [str(text_doc), str(pdf_doc)], "reason": REASON}
    preview = keeper.post("/disposal/preview", data=data).get_data(as_text=True)
    assert "2 văn bản, 4 trang sẽ được đề nghị hủy" in preview  # 1 text page + 3 PDF pages
    assert _entries(inst, "dispose_propose")[-1] == ("preview", "vanthu")
    pid = int(keeper.post("/disposal/propose", data=data).headers["Location"].rsplit("/", 1)[1])
    shown = keeper.get(f"/disposal/{pid}").get_data(as_text=True)
    assert "Chờ hội đồng duyệt" in shown and "0/2" in shown and REASON in shown
    assert f"/disposal/{pid}/approve" not in shown  # the proposer is no council member

    # the proposer, and anyone outside the council, cannot even open the vote
    assert keeper.get(f"/disposal/{pid}/approve").status_code == 404
    assert _entries(inst, "dispose_approve")[-1] == ("denied", "vanthu")

    first = _login(web_app, people["officer"])
    assert f"/disposal/{pid}/approve" in first.get(f"/disposal/{pid}").get_data(as_text=True)
    vote = first.get(f"/disposal/{pid}/approve").get_data(as_text=True)
    assert "2 văn bản, 4 trang" in vote and "Ý kiến duyệt không rút lại được" in vote
    wrong = _post(first, f"/disposal/{pid}/approve", password="not my password")
    assert "Mật khẩu không đúng" in wrong.get_data(as_text=True)
    assert _entries(inst, "reauth")[-1] == ("failed", "baomat")
    assert _entries(inst, "dispose_approve")[-1] == ("denied", "vanthu")  # nothing voted
    _post(first, f"/disposal/{pid}/approve", password=people["officer"].password)
    assert "1/2" in first.get(f"/disposal/{pid}").get_data(as_text=True)
    assert first.get(f"/disposal/{pid}/approve").status_code == 404  # one vote per person
    assert first.get(f"/disposal/{pid}/execute").status_code == 404  # nor executes
    assert keeper.get(f"/disposal/{pid}/execute").status_code == 404  # one vote is not enough

    second = _login(web_app, people["officer2"])
    _post(second, f"/disposal/{pid}/approve", password=people["officer2"].password)
    assert [o for o, _ in _entries(inst, "dispose_approve")].count("ok") == 2
    shown = keeper.get(f"/disposal/{pid}").get_data(as_text=True)
    assert "2/2" in shown and f"/disposal/{pid}/execute" in shown

    confirm = keeper.get(f"/disposal/{pid}/execute").get_data(as_text=True)
    assert "2 văn bản, 4 trang sẽ bị hủy; không thể hoàn tác." in confirm
    assert _post(keeper, f"/disposal/{pid}/execute", password="wrong").status_code == 200
    assert _status(inst, text_doc) == "active"  # a wrong password destroys nothing
    done = _post(keeper, f"/disposal/{pid}/execute", password=archivist.password)
    assert done.status_code == 302
    record = keeper.get(f"/disposal/{pid}").get_data(as_text=True)
    assert "Đã tiêu hủy 2 văn bản" in record and "Biên bản tiêu hủy" in record
    table = record.split('id="destruction"')[1]
    assert table.count("<tr>") == 3 and "baomat, baomat2" in table  # header + two records
    assert _status(inst, text_doc) == _status(inst, pdf_doc) == "destroyed"
    assert _status(inst, young) == "active"
    assert [o for o, _ in _entries(inst, "dispose")] == ["destroyed", "destroyed"]
    assert _entries(inst, "dispose_execute")[-1] == ("done", "vanthu")

    english = keeper.get(f"/disposal/{pid}?lang=en").get_data(as_text=True)
    assert "Destruction record" in english and "Destroyed" in english


def test_a_council_member_who_proposed_is_kept_out_of_the_vote(web_app, inst, people):
    doc = file_doc(inst, people["archivist"], issued="2010-01-01")
    pid = _propose(_login(web_app, people["archivist"]), [doc])
    officer = people["officer"]
    with inst.sessions.begin() as session:  # as if the officer had made the proposal
        session.get(DisposalProposal, pid).proposed_by = officer.ctx.principal.user_id
    client = _login(web_app, officer)
    assert f"/disposal/{pid}/approve" not in client.get(f"/disposal/{pid}").get_data(as_text=True)
    assert client.get(f"/disposal/{pid}/approve").status_code == 404
    page = client.get(f"/disposal/{pid}").get_data(as_text=True)
    refused = client.post(
        f"/disposal/{pid}/approve", data={"csrf_token": _csrf(page), "password": officer.password}
    )
    assert refused.status_code == 302
    assert "Bạn không được duyệt" in client.get(f"/disposal/{pid}").get_data(as_text=True)
    assert _entries(inst, "dispose_approve")[-2:] == [("denied", "baomat"), ("denied", "baomat")]


def test_who_sees_the_disposal_pages(web_app, inst, people):
    reader = _login(web_app, people["reader"])
    for page in ("/disposal", "/disposal/due", "/holds", "/declassify", "/retention"):
        assert reader.get(page).status_code == 404, page
    officer = _login(web_app, people["officer"])
    assert officer.get("/disposal").status_code == 200
    assert officer.get("/disposal/due").status_code == 404  # appraisal is the archivist's
    assert officer.get("/disposal/999").status_code == 404
    assert ("denied", "canbo") in _entries(inst, "dispose_propose")
    assert ("denied", "baomat") in _entries(inst, "due_list")
    assert ("denied", "baomat") in _entries(inst, "not_found")


def test_a_hold_placed_on_the_web_stops_a_proposal_until_it_is_released(web_app, inst, people):
    doc = file_doc(inst, people["archivist"], issued="2010-01-01")
    officer = _login(web_app, people["officer"])
    short = _post(officer, "/holds", document_id=str(doc), reason="ngắn")
    assert short.status_code == 400
    placed = _post(officer, "/holds", document_id=str(doc), reason="thanh tra vụ việc năm 2026")
    assert placed.status_code == 302
    listed = officer.get("/holds").get_data(as_text=True)
    assert "thanh tra vụ việc năm 2026" in listed and f"/documents/{doc}" in listed
    assert _entries(inst, "hold")[-1] == ("placed", "baomat")

    keeper = _login(web_app, people["archivist"])
    assert keeper.get("/holds").status_code == 404
    due = keeper.get("/disposal/due").get_data(as_text=True)
    assert re.search(rf'value="{doc}"[^>]*disabled', due) and "Đang bị phong tỏa" in due
    page = keeper.get("/disposal/due").get_data(as_text=True)
    data = {"csrf_token": _csrf(page), "doc": [str(doc)], "reason": REASON}
    refused = keeper.post("/disposal/preview", data=data, follow_redirects=True)
    assert "phong tỏa" in refused.get_data(as_text=True)
    assert _entries(inst, "dispose_propose")[-1] == ("denied", "vanthu")

    hold = re.search(r"/holds/(\d+)/release", listed).group(1)
    _post(officer, f"/holds/{hold}/release", reason="kết thúc thanh tra năm 2026")
    assert "Không có phong tỏa nào" in officer.get("/holds").get_data(as_text=True)
    assert _entries(inst, "hold")[-1] == ("released", "baomat")
    assert _propose(keeper, [doc]) > 0


def test_declassification_extends_and_lowers_with_a_reason_and_the_password(web_app, inst, people):
    secret = file_doc(inst, people["archivist"], issued="2012-06-01", level="mat")
    officer = people["officer"]
    client = _login(web_app, officer)
    listed = client.get("/declassify").get_data(as_text=True)
    assert f"/declassify/{secret}" in listed and "01/06/2022" in listed
    page = client.get(f"/declassify/{secret}").get_data(as_text=True)
    assert "01/06/2022" in page and 'value="thuong"' in page
    client.post(
        f"/declassify/{secret}/extend",
        data={"csrf_token": _csrf(page), "years": "5", "reason": "còn giá trị bảo mật"},
    )
    assert "01/06/2027" in client.get(f"/declassify/{secret}").get_data(as_text=True)
    assert _entries(inst, "protection_extend")[-1] == ("ok", "baomat")

    form = {"csrf_token": _csrf(page), "level": "thuong", "reason": "hết giá trị bảo mật"}
    wrong = client.post(f"/declassify/{secret}/level", data={**form, "password": "nope"})
    assert wrong.status_code == 400 and "Mật khẩu không đúng" in wrong.get_data(as_text=True)
    with inst.sessions() as session:
        assert session.get(Document, secret).level == "mat"
    done = client.post(f"/declassify/{secret}/level", data={**form, "password": officer.password})
    assert done.status_code == 302
    with inst.sessions() as session:
        assert session.get(Document, secret).level == "thuong"
    assert _entries(inst, "secrecy_change")[-1] == ("ok", "baomat")
    assert _entries(inst, "reauth")[-2:] == [("failed", "baomat"), ("ok", "baomat")]


def test_only_an_administrator_changes_the_retention_table(web_app, inst, people):
    keeper = _login(web_app, people["archivist"])
    page = keeper.get("/retention").get_data(as_text=True)
    assert "Nghị quyết" in page and 'id="rule-form"' not in page
    refused = keeper.post(
        "/retention", data={"csrf_token": _csrf(page), "code": "CV", "period": "5"}
    )
    assert "Bạn không có quyền làm việc này." in refused.get_data(as_text=True)
    assert _entries(inst, "retention_rule")[-1] == ("denied", "vanthu")

    admin, secret = _admin(inst)
    client = _login(web_app, admin, secret)
    page = client.get("/retention").get_data(as_text=True)
    assert 'id="rule-form"' in page
    saved = client.post(
        "/retention",
        data={"csrf_token": _csrf(page), "code": "NQ", "period": "70"},
    )
    assert saved.status_code == 302
    new = client.post(
        "/retention",
        data={"csrf_token": _csrf(page), "code": "THU", "title": "Thư công", "period": "5"},
    )
    assert new.status_code == 302
    with inst.sessions() as session:
        periods = dict(session.execute(select(RetentionRule.code, RetentionRule.period)).all())
    assert periods["NQ"] == "70" and periods["THU"] == "5"
    assert _entries(inst, "retention_rule")[-2:] == [("ok", "quantri"), ("ok", "quantri")]


def test_the_due_list_is_read_page_by_page_in_filing_order(web_app, inst, people, monkeypatch):
    """A page of the due list stops reading once full; the next page starts after its last
    record, and the pages together are the whole list (a record not yet due on none); an
    exactly full last page offers no next page, a later page one back to the first."""
    from web.views import disposal as views

    monkeypatch.setattr(views, "DUE_PAGE", 2)
    archivist = people["archivist"]
    due = [file_doc(inst, archivist, issued=f"201{n}-01-01") for n in range(4)]
    young = file_doc(inst, archivist, issued="2025-01-01")
    client = _login(web_app, archivist)
    seen, pages, url = [], [], "/disposal/due"
    while url:
        page = client.get(url).get_data(as_text=True)
        pages.append(page)
        seen += [int(i) for i in re.findall(r'name="doc" value="(\d+)"', page)]
        found = re.search(r'href="(/disposal/due\?after=\d+)">Các văn bản tiếp theo', page)
        url = found.group(1) if found else None
    assert seen == due and young not in seen
    assert len(pages) == 2  # the second page is full and the last: no link to an empty third
    first = 'href="/disposal/due">← Trang đầu'
    assert first not in pages[0] and first in pages[1]
    listed = [e for e in _entries(inst, "due_list") if e[0] == "allowed"]
    assert len(listed) == 2  # one audited list per page
