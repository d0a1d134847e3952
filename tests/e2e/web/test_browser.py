"""End to end in a real browser: headless Debian Chromium, driven by Playwright, on a live server.

This is the acceptance path of the foundation: a demo archivist logs in, sees the documents,
searches "dang vien" and opens one; a reader cannot open a document above their clearance.
"""

from __future__ import annotations

import threading

import pytest

from archive.accounts.accounts import context_for, require_user
from archive.records import gate
from ingest import pipeline
from ingest.demo import demo, samples

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _login(page, base: str, username: str) -> None:
    account = next(a for a in demo.DEMO_ACCOUNTS if a.username == username)
    page.goto(f"{base}/")
    page.get_by_label("Tên đăng nhập").fill(account.username)
    page.get_by_label("Mật khẩu").fill(account.password)
    page.get_by_role("button", name="Đăng nhập").click()


def test_archivist_logs_in_searches_and_opens_a_document(live_server, browser, tmp_path):
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    _login(page, live_server, "vanthu")
    page.wait_for_selector("table.docs")
    assert "Văn bản được phép xem" in page.content()
    listed = page.locator("table.docs tbody tr").count()
    assert listed > 0

    page.get_by_role("searchbox", name="Tìm kiếm").fill("dang vien")
    page.get_by_role("button", name="Tìm").click()
    page.wait_for_url("**/search?q=dang+vien")
    hits = page.locator("table.docs tbody tr")
    assert 0 < hits.count() <= listed
    first = hits.first.locator("a")
    number = first.inner_text()
    first.click()
    page.wait_for_selector("article.document")
    assert number in page.locator("h1").inner_text()
    assert "đảng viên" in page.locator("pre.text").inner_text().lower()
    page.screenshot(path=str(tmp_path / "document.png"), full_page=True)
    assert errors == []  # e.g. no CSP violation, no missing asset


def test_reader_gets_not_found_for_a_document_above_clearance(
    live_server, browser, inst, sample_docs
):
    with inst.sessions() as session:
        archivist = context_for(require_user(session, demo.FILER), "test")
    doc = next(d for d in sample_docs if d.truth["level"] == "toi_mat")
    filed = pipeline.ingest_bytes(inst, archivist, doc.content, doc.filename, unit_code="VP")
    secret = gate.view_document(inst, archivist, filed.id)
    page = browser.new_page()
    _login(page, live_server, "canbo")
    page.wait_for_selector("table.docs")
    assert secret.number not in page.content()
    response = page.goto(f"{live_server}/documents/{secret.id}")
    assert response.status == 404
    assert "Không tìm thấy" in page.content() and secret.subject not in page.content()


def _header_lines(page) -> int:
    """How many lines the header's items take (1: nothing wraps)."""
    tops = page.evaluate(
        """() => Array.from(document.querySelectorAll(
              'header.top > *, header.top nav.main > a, header.top .who > summary'))
            .filter(e => e.offsetParent !== null)
            .map(e => { const r = e.getBoundingClientRect(); return r.top + r.height / 2; })"""
    )
    # items on one line share their middle (within half a line); a wrapped one sits lower
    return 1 + int((max(tops) - min(tops)) // 20)


def test_cleared_archivist_logs_in_with_the_second_factor(live_server, browser):
    page = browser.new_page(viewport={"width": 1366, "height": 768})  # an office laptop
    _login(page, live_server, demo.FILER)
    page.wait_for_url("**/login/code")
    page.get_by_label("Mã xác thực (6 số)").fill("000000")
    page.get_by_role("button", name="Xác nhận").click()
    assert "không đúng" in page.content()
    page.get_by_label("Mã xác thực (6 số)").fill(demo.current_code(demo.FILER))
    page.get_by_role("button", name="Xác nhận").click()
    page.wait_for_selector("table.docs")
    assert "Đỗ Thu Trang" in page.content()  # logged in as the cleared archivist
    assert _header_lines(page) == 1  # the header keeps to one line at 1366 px


def test_archivist_uploads_files_and_sees_them_filed(live_server, browser, inst, tmp_path):
    from ingest.doors import jobs
    from tests.support import documents as fx

    good = tmp_path / "ke-hoach.docx"
    good.write_bytes(fx.docx_file(["Kế hoạch 8-KH/TU về phát triển đảng viên năm 2026."]))
    bad = tmp_path / "chuong-trinh.pdf"
    bad.write_bytes(b"MZ\x90\x00" + bytes(60))
    page = browser.new_page()
    _login(page, live_server, "vanthu")
    page.get_by_role("link", name="Nộp văn bản").click()
    page.locator("input[type=file]").set_input_files([str(good), str(bad)])
    page.get_by_role("button", name="Nộp").click()
    page.wait_for_selector("#jobs")
    stop = threading.Event()
    worker = threading.Thread(
        target=lambda: [
            jobs.work(inst, once=True) or stop.wait(0.3) for _ in iter(stop.is_set, True)
        ],
        daemon=True,
    )
    worker.start()
    try:
        page.wait_for_selector("tr.stored", timeout=20000)
        page.wait_for_selector("tr.rejected", timeout=20000)
    finally:
        stop.set()
    assert "Xem văn bản" in page.locator("tr.stored").inner_text()
    assert "Windows" in page.locator("tr.rejected").inner_text()


def test_archivist_uploads_a_pdf_and_a_scan_then_reviews_and_confirms(
    live_server, browser, inst, tmp_path
):
    from ingest.doors import jobs
    from tests.support import documents as fx

    scan = tmp_path / "ban-quet.pdf"
    scan.write_bytes(fx.scanned_pdf(fx.image(("TỈNH ỦY LÀO CAI", "SỐ 45-TB/TU", "THÔNG BÁO"))))
    born_digital = tmp_path / "thong-bao.pdf"
    truth = {
        "kind": "party",
        "doc_type": "TB",
        "number": "46-TB/TU",
        "issuer": "Tỉnh ủy Lào Cai",
        "date": "2026-02-10",
        "subject": "về lịch làm việc",
        "level": "mat",
        "urgency": "thuong",
    }
    born_digital.write_bytes(samples.render_pdf(samples.render_text(truth, ["Nội dung."])))
    page = browser.new_page()
    _login(page, live_server, "vanthu")
    page.get_by_role("link", name="Nộp văn bản").click()
    page.locator("input[type=file]").set_input_files([str(scan), str(born_digital)])
    page.locator("select[name=level]").select_option("mat")
    page.get_by_role("button", name="Nộp").click()
    page.wait_for_selector("#jobs")
    assert jobs.work(inst, once=True) == 2
    page.wait_for_selector("tr.stored >> nth=1", timeout=20000)
    page.get_by_role("link", name="Xác nhận văn bản", exact=True).click()
    page.wait_for_selector("table.docs")
    page.get_by_role("link", name="46-TB/TU").click()
    page.wait_for_selector("form.review")
    assert "MẬT" in page.locator(".field.doubtful mark").first.inner_text()
    page.get_by_role("button", name="Xác nhận").click()
    page.wait_for_selector(".flash.info")
    assert "46-TB/TU" not in page.locator("main").inner_text()  # left the queue


def test_archivist_takes_the_offered_reading_of_a_subject(live_server, browser, inst):
    """The review page offers a doubted subject's likelier reading; one click puts it in the
    field, and confirming files it."""
    from tests.support import documents as fx

    with inst.sessions() as session:
        archivist = context_for(require_user(session, demo.FILER), "test")
    doc_id = pipeline.ingest_bytes(inst, archivist, fx.mismarked_scan(), "kh.png").id
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    _login(page, live_server, "vanthu")
    page.wait_for_selector("table.docs")
    page.goto(f"{live_server}/review/{doc_id}")
    subject = page.locator("textarea#subject")
    assert subject.input_value().strip() == fx.MISMARKED_SUBJECT
    page.get_by_role("button", name="Dùng cách đọc này").click()
    assert subject.input_value() == fx.MISMARKED_SUBJECT.replace("Dằn", "Dần")
    page.get_by_role("button", name="Xác nhận").click()
    page.wait_for_selector(".flash.info")
    assert "Nhâm Dần" in gate.view_document(inst, archivist, doc_id).subject
    assert errors == []


def test_reader_changes_the_password_and_logs_in_with_the_new_one(live_server, browser):
    """Issue 14, item 7, end to end: the link in the header, the form, the other session ended,
    the old password refused and the new one accepted."""
    account = next(a for a in demo.DEMO_ACCOUNTS if a.username == "canbo")
    new = "nắng sớm trên đồi chè Bát Xát"
    elsewhere = browser.new_page()  # the same person, logged in on another computer
    _login(elsewhere, live_server, "canbo")
    elsewhere.wait_for_selector("table.docs")
    page = browser.new_page()
    _login(page, live_server, "canbo")
    page.wait_for_selector("table.docs")
    page.locator("details.who summary").click()  # the account's menu in the header
    page.get_by_role("link", name="Đổi mật khẩu").click()
    page.get_by_label("Mật khẩu hiện tại").fill(account.password)
    page.get_by_label("Mật khẩu mới", exact=True).fill(new)
    page.get_by_label("Nhập lại mật khẩu mới").fill(new)
    page.get_by_role("button", name="Đổi mật khẩu").click()
    page.wait_for_selector("p.flash.info")
    assert "Đã đổi mật khẩu; đã kết thúc 1 phiên khác." in page.content()
    elsewhere.reload()
    assert "/login" in elsewhere.url
    page.locator("details.who summary").click()
    page.get_by_role("button", name="Đăng xuất").click()
    _login(page, live_server, "canbo")  # the old password
    assert "không đúng" in page.locator("p.flash").inner_text()
    page.get_by_label("Tên đăng nhập").fill("canbo")
    page.get_by_label("Mật khẩu").fill(new)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_selector("table.docs")


def test_search_shows_a_snippet_for_an_allowed_hit_and_never_for_a_forbidden_one(
    live_server, browser, inst
):
    """canbo (MẬT, VP) searches a word both records hold: the ordinary one is listed with its
    text around the word marked; the TỐI MẬT one shows no row, no number and no word of its
    text. A bookmarked link to the allowed one lands on it after login (``next=``)."""
    with inst.sessions() as session:
        archivist = context_for(require_user(session, demo.FILER), "test")
    ids = {}
    for level, number, private in (
        ("thuong", "301-KH/TU", "kết nạp đảng viên mới tại chi bộ thôn"),
        ("toi_mat", "302-KH/TU", "danh sách nhân sự dự kiến bimatnhansu"),
    ):
        truth = {
            "kind": "party",
            "doc_type": "KH",
            "number": number,
            "issuer": "Tỉnh ủy Lào Cai",
            "date": "2025-09-05",
            "subject": "về quyhoachsnippet",
            "level": level,
            "urgency": "thuong",
        }
        body = [f"Nội dung: quyhoachsnippet và {private}."]
        text = samples.render_text(truth, body).encode()
        filed = pipeline.ingest_bytes(inst, archivist, text, f"{number[:3]}.txt", unit_code="VP")
        ids[level] = filed.id
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    response = page.goto(f"{live_server}/documents/{ids['thuong']}")
    assert "/login?next=" in page.url and response.status == 200
    page.get_by_label("Tên đăng nhập").fill("canbo")
    page.get_by_label("Mật khẩu").fill(
        next(a for a in demo.DEMO_ACCOUNTS if a.username == "canbo").password
    )
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"**/documents/{ids['thuong']}")

    page.get_by_role("searchbox", name="Tìm kiếm").fill("quyhoachsnippet")
    page.get_by_role("button", name="Tìm").click()
    page.wait_for_selector("table.docs")
    rows = page.locator("table.docs tbody tr")
    assert rows.count() == 1 and "301-KH/TU" in rows.first.inner_text()
    marks = rows.first.locator("p.snippet mark")
    assert marks.count() >= 1 and marks.first.inner_text() == "quyhoachsnippet"
    assert "kết nạp đảng viên" in rows.first.locator("p.snippet").inner_text()
    html = page.content()
    assert "302-KH/TU" not in html and "bimatnhansu" not in html and "nhân sự" not in html
    assert page.locator("p.snippet").count() == 1
    assert _header_lines(page) == 1
