"""Vietnamese first, English on request (Flask-Babel).

The source strings are Vietnamese; ``translations/en/LC_MESSAGES/messages.po`` holds English.
The language is the one the person picked with the switch in the header (``?lang=en`` or
``?lang=vi``, kept in the session and carried across login); until they pick one, the browser's
``Accept-Language`` decides, as it does for the API: English for a browser that prefers English
to Vietnamese, Vietnamese otherwise (no header, another language, or Vietnamese first), since
Vietnamese is the working language of the archive. Such answers say ``Vary: Accept-Language``
so a cache never serves one person's language to another.

Catalogs: the compiled ``messages.mo`` is committed beside the ``.po``; at start-up the app
recompiles it when the ``.po`` is newer (or the ``.mo`` is missing) and the folder is writable, so
editing a translation needs no extra build step. ``tests/e2e/web/test_web_i18n.py`` checks that the
committed ``.mo`` matches the ``.po``.
"""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, Response, has_request_context, request, session
from flask_babel import Babel

LANGUAGES = ("vi", "en")
TRANSLATIONS = Path(__file__).with_name("translations")
log = logging.getLogger(__name__)


def compile_catalogs(folder: Path = TRANSLATIONS, force: bool = False) -> list[Path]:
    """Compile every ``.po`` whose ``.mo`` is missing or older; returns what was written."""
    from babel.messages import mofile, pofile

    written = []
    for po in sorted(folder.glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        if not force and mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as fh:
            catalog = pofile.read_po(fh, locale=po.parent.parent.name)
        try:
            with mo.open("wb") as fh:
                mofile.write_mo(fh, catalog)
        except OSError as exc:  # a read-only installation keeps the committed catalog
            log.warning("cannot compile %s: %s", po, exc)
            continue
        written.append(mo)
    return written


def current_language() -> str:
    if not has_request_context():
        return "vi"
    lang = session.get("lang")
    if lang in LANGUAGES:
        return lang
    return request.accept_languages.best_match(LANGUAGES, default="vi")


def init_app(app: Flask) -> None:
    compile_catalogs()
    Babel(
        app,
        locale_selector=current_language,
        default_locale="vi",
        default_translation_directories=str(TRANSLATIONS),
    )

    @app.before_request
    def _pick_language() -> None:
        wanted = request.args.get("lang")
        if wanted in LANGUAGES and session.get("lang") != wanted:
            session["lang"] = wanted  # a display preference, not a change of server state

    @app.after_request
    def _vary(response: Response) -> Response:
        if request.path.startswith("/api/") or "lang" not in session:  # from the header
            response.vary.add("Accept-Language")
        return response

    @app.context_processor
    def _language() -> dict:
        return {"LANG": current_language(), "LANGUAGES": LANGUAGES}
