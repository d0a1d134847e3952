"""The English catalog: compiled file in step with its source, every interface string translated."""

from __future__ import annotations

import io
import re

from babel.messages import mofile, pofile
from babel.messages.extract import extract_from_dir

from web import display, i18n


def _po():
    path = i18n.TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fh:
        return pofile.read_po(fh, locale="en")


def test_every_interface_string_has_an_english_translation():
    catalog = _po()
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    found = {
        message
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(i18n.TRANSLATIONS.parent),
            method_map,
            keywords={"_": None, "_l": None, "gettext": None, "lazy_gettext": None},
        )
        if isinstance(message, str)
    }
    assert len(found) > 100
    missing = sorted(m for m in found if not (catalog.get(m) and catalog.get(m).string))
    assert missing == []


def test_committed_mo_matches_the_po():
    expected = io.BytesIO()
    mofile.write_mo(expected, _po())
    mo = i18n.TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.mo"
    compiled = mofile.read_mo(io.BytesIO(mo.read_bytes()))
    wanted = mofile.read_mo(io.BytesIO(expected.getvalue()))
    assert {m.id: m.string for m in compiled if m.id} == {m.id: m.string for m in wanted if m.id}


def test_stored_times_are_shown_in_vietnam_time_day_first():
    from datetime import UTC, datetime

    assert display.local_time(datetime(2026, 12, 1, 18, 30)) == "02/12/2026 01:30"  # naive: UTC
    assert display.local_time(datetime(2026, 1, 5, 2, 0, tzinfo=UTC)) == "05/01/2026 09:00"
    assert display.local_time("2026-03-01T23:59:00.000000") == "02/03/2026 06:59"
    assert display.local_time(None) == "—"


# A Vietnamese letter with a mark (or đ): text that carries one was written in Vietnamese.
_VIETNAMESE = re.compile(r"[À-ỹđĐ]")
_JINJA = re.compile(r"{{.*?}}|{%.*?%}|{#.*?#}", re.S)
_SCRIPT_STYLE = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)
_ATTRIBUTE = re.compile(r'\b(?:placeholder|title|alt|aria-label|value)="([^"]*)"')
_TAG = re.compile(r"<[^>]*>")
# Deliberately bilingual notices (both languages side by side, whatever the interface's), and
# the language switch (each language named in itself).
_BILINGUAL = re.compile(r'<p class="demo-banner".*?</p>|<nav class="lang".*?</nav>', re.S)


def untranslated_in_template(source: str) -> list[str]:
    """Vietnamese written straight into a template (outside ``_()``), in text or in an attribute
    a person reads: the English interface would show it untranslated."""
    html = _BILINGUAL.sub(" ", _SCRIPT_STYLE.sub(" ", _JINJA.sub(" ", source)))
    found = [v for v in _ATTRIBUTE.findall(html) if _VIETNAMESE.search(v)]
    text = _TAG.sub("\n", html)
    found += [line.strip() for line in text.splitlines() if _VIETNAMESE.search(line)]
    return found


_JS_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|`[^`]*`')
_JS_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)


def untranslated_in_script(source: str) -> list[str]:
    """Vietnamese string literals in JavaScript: scripts take their words from the page (data-
    attributes filled from the catalog), so they follow the interface's language."""
    code = _JS_COMMENT.sub(" ", source)
    return [s for s in _JS_STRING.findall(code) if _VIETNAMESE.search(s)]


def test_no_template_or_script_carries_untranslated_vietnamese():
    web = i18n.TRANSLATIONS.parent
    found = {
        str(path.relative_to(web)): hits
        for path in sorted((web / "templates").rglob("*.html"))
        if (hits := untranslated_in_template(path.read_text()))
    }
    found |= {
        str(path.relative_to(web)): hits
        for path in sorted((web / "static").rglob("*.js"))
        if (hits := untranslated_in_script(path.read_text()))
    }
    assert found == {}


def test_the_untranslated_string_checks_catch_what_they_should():
    assert untranslated_in_template("<p>Văn bản mới</p>") == ["Văn bản mới"]
    assert untranslated_in_template('<input placeholder="Tìm kiếm">') == ["Tìm kiếm"]
    assert untranslated_in_template("<p>{{ _('Văn bản mới') }}</p>") == []
    assert untranslated_in_template("{% if x %}<b>{{ d.subject }}</b>{% endif %}") == []
    assert untranslated_in_script('var a = "đang chờ"; // đây là ghi chú') == ['"đang chờ"']
    assert untranslated_in_script("el.textContent = table.dataset.openLabel;") == []
