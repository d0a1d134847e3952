"""Screenshots of every page, as each role sees it, at 1366 × 768 (an office laptop), into
docs/screenshots/ (`.venv/bin/python scripts/screenshots.py [--out DIR] [--count N]`).

A throw-away demo instance in a temporary folder (its database, key and index are deleted at the
end), the app served on a free loopback port inside this process, Debian's Chromium through
Playwright. Nothing reaches the real instance. The header is checked on every page: it must keep
to one line at 1366 px (the script exits 1 and names the page otherwise).
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from werkzeug.serving import make_server  # noqa: E402

from archive.operations.bootstrap import initialize  # noqa: E402
from ingest.demo import demo  # noqa: E402
from search import follower  # noqa: E402
from web import create_app  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
WIDTH, HEIGHT = 1366, 768


def _password(username: str) -> str:
    return next(a for a in demo.DEMO_ACCOUNTS if a.username == username).password


def login(page, base: str, username: str) -> None:
    page.context.clear_cookies()  # the next person, on a fresh session
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", _password(username))
    page.click("form button[type=submit]")
    if "/login/code" in page.url:
        page.fill("input[name=code]", demo.current_code(username))
        page.click("form button[type=submit]")


def header_lines(page) -> int:
    """How many lines the header's items take (1 when nothing wraps)."""
    tops = page.evaluate(
        """() => Array.from(document.querySelectorAll(
              'header.top > *, header.top nav.main > a, header.top .who > summary'))
            .filter(e => e.offsetParent !== null)
            .map(e => { const r = e.getBoundingClientRect(); return r.top + r.height / 2; })"""
    )
    # items on one line share their middle (within half a line); a wrapped one sits lower
    return 1 + int((max(tops) - min(tops)) // 20) if tops else 1


def first_link(page, pattern: str) -> str | None:
    for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
        if re.fullmatch(pattern, href or ""):
            return href
    return None


def shoot(out: Path, count: int) -> list[str]:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="kho-shots-") as home:
        app = create_app(
            {
                "KHO_HOME": home,
                "KHO_DATABASE_URL": f"sqlite:///{home}/kho.sqlite3",
                "SECRET_KEY": "screenshots",
            }
        )
        inst = app.extensions["kho"]
        initialize(inst, None, demo=True)
        follower.catch_up(inst)
        demo.seed(inst, count)
        follower.catch_up(inst)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
                )
                page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT}, locale="vi-VN")

                def snap(name: str, url: str | None = None) -> None:
                    if url:
                        page.goto(base + url if url.startswith("/") else url)
                    page.wait_for_load_state("networkidle")
                    page.screenshot(path=str(out / f"{name}.png"), full_page=True)
                    if page.locator("header.top").count() and header_lines(page) > 1:
                        problems.append(f"{name}: the header wraps at {WIDTH} px")

                page.goto(f"{base}/login")
                snap("01-login")
                login(page, base, "vanthu")
                snap("02-documents", "/")
                snap("03-search", "/search?q=dang+vien")
                document = first_link(page, r"/documents/\d+")
                if document:
                    snap("04-document", document)
                snap("05-upload", "/upload")
                snap("06-review-queue", "/review")
                review = first_link(page, r"/review/\d+")
                if review:
                    snap("07-review-document", review)
                snap("08-register", "/registers")
                snap("09-file-plan", "/fileplan")
                snap("10-access-request", "/access/request")
                snap("11-tokens", "/account/tokens")
                snap("12-password", "/account/password")
                snap("15-tasks", "/tasks")
                snap("16-statistics", "/statistics")
                snap("17-disposal", "/disposal")
                snap("18-disposal-due", "/disposal/due")
                snap("19-retention", "/retention")
                snap("13-documents-en", "/?lang=en")
                snap("14-search-en", "/search?q=dang+vien")
                page.goto(f"{base}/?lang=vi")

                login(page, base, "baomat")
                snap("20-access-pending", "/access/pending")
                snap("21-clearances", "/admin/clearances")
                snap("22-holds", "/holds")
                snap("23-declassify", "/declassify")

                login(page, base, "kiemtra")
                snap("30-audit-log", "/audit")
                snap("31-audit-anomalies", "/audit/anomalies")
                snap("32-audit-activity", "/audit/activity")
                snap("33-audit-log-en", "/audit?lang=en")
                page.goto(f"{base}/?lang=vi")

                login(page, base, "quantri")
                snap("40-admin-users", "/admin")
                snap("41-admin-user", "/admin/users/canbo")
                snap("42-admin-keys", "/admin/keys")
                snap("43-admin-quarantine", "/admin/quarantine")
                snap("44-admin-services", "/admin/services")
                browser.close()
        finally:
            server.shutdown()
            inst.dispose()
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--count", type=int, default=16, help="demo documents to file")
    args = parser.parse_args()
    problems = shoot(args.out, args.count)
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"{len(list(args.out.glob('*.png')))} screenshots in {args.out}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
