"""Fixtures of the pages' tests: a live server on a seeded instance, and headless Chromium."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from ingest.demo import demo
from tests.support.serving import serving

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def live_server(app, inst) -> Iterator[str]:
    demo.seed(inst, count=20)
    with serving(app) as base_url:
        yield base_url


class VietnameseBrowser:
    """The browser of an office machine set up in Vietnamese (pages follow Accept-Language
    until a person picks a language); ``locale=`` overrides it."""

    def __init__(self, browser) -> None:
        self._browser = browser

    def new_page(self, **options):
        return self._browser.new_page(**{"locale": "vi-VN", **options})

    def new_context(self, **options):
        return self._browser.new_context(**{"locale": "vi-VN", **options})

    def __getattr__(self, name):
        return getattr(self._browser, name)


@pytest.fixture
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which("chromium") and not shutil.which(CHROMIUM):
        pytest.fail("Chromium is missing: run scripts/system-deps.sh (make test does it as root)")
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield VietnameseBrowser(browser)
        browser.close()
