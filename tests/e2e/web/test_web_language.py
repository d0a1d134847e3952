"""Pages follow the browser's Accept-Language until a person picks a language, as the API
does; Vietnamese when the browser says nothing or prefers another language."""

from __future__ import annotations

BROWSERS = {
    None: False,
    "en-US,en;q=0.9": True,
    "en-GB": True,
    "vi-VN,vi;q=0.9,en;q=0.8": False,
    "fr-FR,fr;q=0.9": False,
    "fr-FR,en;q=0.5": True,
}


def test_pages_follow_accept_language_vietnamese_by_default(app):
    for header, english in BROWSERS.items():
        client = app.test_client()
        page = client.get("/login", headers={"Accept-Language": header} if header else {})
        html = page.get_data(as_text=True)
        assert ('<html lang="en"' in html) is english, header
        assert ("Log in" in html) is english and ("Đăng nhập" in html) is not english
        assert "Accept-Language" in page.headers["Vary"]


def test_a_chosen_language_wins_over_the_browser(app):
    client = app.test_client()
    english_browser = {"Accept-Language": "en-US,en;q=0.9"}
    chosen = client.get("/login?lang=vi", headers=english_browser).get_data(as_text=True)
    assert "Đăng nhập" in chosen
    later = client.get("/login", headers=english_browser)
    assert "Đăng nhập" in later.get_data(as_text=True)
    assert "Accept-Language" not in later.headers.get("Vary", "")
    assert "Log in" in client.get("/login?lang=en").get_data(as_text=True)
