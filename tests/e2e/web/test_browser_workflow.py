"""Issue 18 in a real browser: an incoming document is assigned by the văn thư, taken and
closed by the handler with its outgoing reply, and the two records point at each other on
their pages and in the registers."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from archive.accounts.accounts import context_for, require_user
from archive.lifecycle import registers
from archive.records import gate
from ingest.demo import demo

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _login(page, base: str, username: str) -> None:
    account = next(a for a in demo.DEMO_ACCOUNTS if a.username == username)
    page.goto(f"{base}/")
    page.get_by_label("Tên đăng nhập").fill(account.username)
    page.get_by_label("Mật khẩu").fill(account.password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_selector("table.docs")


def _ctx(inst, username: str):
    with inst.sessions() as session:
        return context_for(require_user(session, username), "test")


def test_an_incoming_document_assigned_handled_and_closed_with_its_reply(
    live_server, browser, inst, tmp_path
):
    archivist, handler = _ctx(inst, "vanthu"), _ctx(inst, "canbo")
    both = [
        d
        for d in gate.list_documents(inst, handler)
        if d.unit == "VP" and not d.secrecy_pending and d.level in ("thuong", "mat")
    ]
    arrived, reply = both[0], both[1]
    registers.add_entry(inst, archivist, "DEN", date.today(), {"sender": "Ban Tổ chức"}, arrived.id)
    registers.add_entry(
        inst, archivist, "DI", date.today(), {"signer": "Chánh Văn phòng"}, reply.id
    )
    errors: list[str] = []

    office = browser.new_page()
    office.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    _login(office, live_server, "vanthu")
    office.goto(f"{live_server}/documents/{arrived.id}")
    office.get_by_role("link", name="Giao xử lý").click()
    office.get_by_label("Người xử lý (không bắt buộc)").select_option("canbo")
    office.get_by_label("Ý kiến chỉ đạo").fill("Tham mưu văn bản trả lời")
    office.get_by_label("Hạn xử lý").fill((date.today() + timedelta(days=1)).isoformat())
    office.get_by_role("button", name="Giao xử lý").click()
    office.wait_for_selector("section.handling")
    assert "Đã giao xử lý văn bản." in office.content()
    assert "Chưa xử lý" in office.locator("section.handling").inner_text()

    desk = browser.new_page()
    desk.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    _login(desk, live_server, "canbo")
    tasks = desk.locator("table.tasks tbody tr")
    assert tasks.count() == 1 and "Tham mưu văn bản trả lời" in tasks.inner_text()
    assert "sắp đến hạn" in desk.locator(".reminders").inner_text()
    desk.screenshot(path=str(tmp_path / "home.png"), full_page=True)
    tasks.get_by_role("button", name="Nhận xử lý").click()
    desk.wait_for_selector("table.tasks")
    assert "Đang xử lý" in desk.locator("table.tasks").inner_text()
    desk.get_by_label("Mã văn bản trả lời trong Kho (nếu có)").fill(str(reply.id))
    desk.locator("table.tasks").get_by_role("button", name="Xử lý xong").click()
    desk.wait_for_selector("p.flash")
    assert "Đã ghi nhận xử lý xong." in desk.content()
    assert desk.locator("table.tasks").count() == 0  # nothing left to handle

    desk.goto(f"{live_server}/documents/{reply.id}")
    answer = desk.locator("p.reply-to")
    assert (
        "Trả lời văn bản số" in answer.inner_text()
        and (arrived.number or arrived.filename) in answer.inner_text()
    )
    desk.goto(f"{live_server}/documents/{arrived.id}")
    handling = desk.locator("section.handling").inner_text()
    assert "Đã xử lý xong" in handling and "Văn bản trả lời" in handling
    desk.screenshot(path=str(tmp_path / "document.png"), full_page=True)

    office.goto(f"{live_server}/registers?register=DEN")
    row = office.locator("table.register tbody tr", has_text=str(arrived.id))
    assert (reply.number or reply.filename) in row.locator("td.links").inner_text()
    office.screenshot(path=str(tmp_path / "register.png"), full_page=True)
    assert errors == []
