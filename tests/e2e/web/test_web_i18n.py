"""The English catalog: compiled file in step with its source, every interface string translated."""

from __future__ import annotations

import io

from babel.messages import mofile, pofile
from babel.messages.extract import extract_from_dir

from web import i18n


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

    assert i18n.local_time(datetime(2026, 12, 1, 18, 30)) == "02/12/2026 01:30"  # naive: UTC
    assert i18n.local_time(datetime(2026, 1, 5, 2, 0, tzinfo=UTC)) == "05/01/2026 09:00"
    assert i18n.local_time("2026-03-01T23:59:00.000000") == "02/03/2026 06:59"
    assert i18n.local_time(None) == ""
