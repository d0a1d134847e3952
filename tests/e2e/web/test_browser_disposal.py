"""Issue 18's disposal journey in headless Debian Chromium, on a live demo instance: the archivist
proposes two records from the due list after a preview of what they hold, the security officer
and the administrator approve (each with their password), the archivist carries it out and the
destruction record is shown."""

from __future__ import annotations

import re

import pytest

from archive.accounts.accounts import context_for, require_user
from ingest.demo import demo
from tests.e2e.web.test_e2e_web import _shot
from tests.support.documents import pdf_pages
from tests.support.people import Person
from tests.support.records import file_doc

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _account(username: str) -> demo.DemoAccount:
    return next(a for a in demo.DEMO_ACCOUNTS if a.username == username)


def _login(browser, base: str, username: str):
    """A page of its own browser context (its own cookies), logged in as the demo account."""
    account = _account(username)
    page = browser.new_context().new_page()
    page.goto(f"{base}/login")
    page.get_by_label("Tên đăng nhập").fill(account.username)
    page.get_by_label("Mật khẩu").fill(account.password)
    page.get_by_role("button", name="Đăng nhập").click()
    if account.totp_secret:
        page.wait_for_url("**/login/code")
        page.get_by_label("Mã xác thực (6 số)").fill(demo.current_code(username))
        page.get_by_role("button", name="Xác nhận").click()
    page.wait_for_selector("nav.main")
    return page


def _approve(browser, base: str, proposal_url: str, username: str) -> str:
    page = _login(browser, base, username)
    page.goto(proposal_url)
    page.get_by_role("link", name="Duyệt đề nghị này").click()
    assert "2 văn bản, 4 trang" in page.locator("#summary").inner_text()
    page.get_by_label("Mật khẩu của bạn").fill(_account(username).password)
    page.get_by_role("button", name="Xác nhận duyệt").click()
    page.wait_for_selector("#approvals")
    return page.locator("#approvals").inner_text()


def test_a_disposal_is_proposed_approved_twice_and_executed(live_server, browser, inst, tmp_path):
    with inst.sessions() as session:
        ctx = context_for(require_user(session, "vanthu"), "test")
    keeper = Person("vanthu", _account("vanthu").password, ctx)
    ids = [
        file_doc(inst, keeper, issued="2010-02-03"),
        file_doc(inst, keeper, issued="2011-04-05", pdf=pdf_pages(3)),
    ]

    page = _login(browser, live_server, "vanthu")
    page.get_by_role("link", name="Bảo quản, tiêu hủy").click()
    page.get_by_role("link", name="Lập đề nghị từ danh sách đến hạn").click()
    for doc_id in ids:
        page.get_by_label(f"Chọn văn bản {doc_id}").check()
    page.get_by_label("Lý do đề nghị tiêu hủy").fill("Hết thời hạn bảo quản theo bảng thời hạn")
    page.get_by_role("button", name="Xem trước").click()
    summary = page.locator("#summary").inner_text()
    _shot(page, tmp_path, "disposal-preview")
    assert "2 văn bản, 4 trang sẽ được đề nghị hủy" in summary
    page.get_by_role("button", name="Gửi đề nghị cho hội đồng").click()
    page.wait_for_url(re.compile(r".*/disposal/\d+$"))
    proposal_url = page.url
    assert "Chờ hội đồng duyệt" in page.locator("#status").inner_text()

    assert _approve(browser, live_server, proposal_url, "baomat").startswith("1/2")
    assert _approve(browser, live_server, proposal_url, "quantri").startswith("2/2")

    page.goto(proposal_url)
    page.get_by_role("link", name="Thực hiện tiêu hủy").click()
    warning = page.locator("#summary").inner_text()
    _shot(page, tmp_path, "disposal-execute")
    assert "2 văn bản, 4 trang sẽ bị hủy; không thể hoàn tác." in warning
    page.get_by_label("Mật khẩu của bạn").fill(keeper.password)
    page.get_by_role("button", name="Xác nhận tiêu hủy").click()
    page.wait_for_selector("table#destruction")
    assert "Đã tiêu hủy" in page.locator("#status").inner_text()
    _shot(page, tmp_path, "disposal-record")
    rows = page.locator("table#destruction tbody tr")
    assert rows.count() == 2
    assert {rows.nth(i).locator("td").first.inner_text() for i in range(2)} == {str(i) for i in ids}
    assert "baomat, quantri" in rows.first.inner_text()
