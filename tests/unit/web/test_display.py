"""The pages' words for codes, and local times: every audit action has a label in both languages,
times read as in Vietnam (dd/mm/yyyy HH:mm, UTC+7)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from flask import Flask
from flask_babel import Babel, force_locale

from archive.audit.actions import Action
from security.vocabulary import LEVELS, RETENTION_PERIODS, ROLES, URGENCIES
from web import display, i18n


@pytest.fixture(scope="module")
def app():
    app = Flask(__name__)
    Babel(app, default_locale="vi", default_translation_directories=str(i18n.TRANSLATIONS))
    with app.test_request_context():
        yield app


def test_every_action_outcome_level_role_and_period_has_a_label_in_both_languages(app):
    tables = [
        (display.ACTION_NAMES, list(Action)),
        (display.LEVEL_NAMES, LEVELS),
        (display.URGENCY_NAMES, URGENCIES),
        (display.ROLE_NAMES, ROLES),
        (display.RETENTION_NAMES, RETENTION_PERIODS),
    ]
    for names, codes in tables:
        assert set(names) == set(codes)
        for code in codes:
            vi = str(names[code])
            with force_locale("en"):
                en = str(names[code])
            assert vi and en and vi != code and en != vi, (code, vi, en)
    for outcome in ("allowed", "denied", "ok", "failed", "requested", "done", "damaged"):
        assert display.named(display.OUTCOME_NAMES, outcome) != outcome


def test_every_outcome_the_code_writes_has_a_label():
    root = Path(display.__file__).resolve().parents[1]
    written = set()
    for folder in ("archive", "ingest", "search", "web"):
        for path in (root / folder).rglob("*.py"):
            text = path.read_text()
            written |= set(re.findall(r"(?:audit|refuse)\(\s*Action\.\w+,\s*\"(\w+)\"", text))
    assert written - {"allowed"}  # the pattern finds what it should
    assert written <= set(display.OUTCOME_NAMES), written - set(display.OUTCOME_NAMES)


def test_auditor_role_and_review_queue_have_distinct_names(app):
    assert "kiểm tra" not in str(display.ROLE_NAMES["auditor"]).lower()


def test_times_are_local_dd_mm_yyyy_hh_mm():
    assert display.local_time(datetime(2026, 3, 4, 18, 5, tzinfo=UTC)) == "05/03/2026 01:05"
    assert display.local_time(datetime(2026, 3, 4, 18, 5)) == "05/03/2026 01:05"  # naive: UTC
    assert display.local_time("2026-03-04T18:05:09.123456+00:00") == "05/03/2026 01:05"
    assert display.local_time("2026-03-04T10:00:00Z") == "04/03/2026 17:00"
    assert display.local_time(date(2026, 3, 4)) == "04/03/2026"
    assert display.local_time(None) == "—"
    assert display.local_time("không phải ngày") == "không phải ngày"
    assert display.local_time(datetime(2026, 12, 31, 17, 0), with_time=False) == "01/01/2027"


def test_an_unknown_code_is_shown_as_it_is_never_an_empty_cell():
    assert display.named(display.STATUS_NAMES, "archived") == "archived"
    assert display.named(display.STATUS_NAMES, None) == "—"
    assert str(display.named(display.STATUS_NAMES, "open")) == "Đang mở"


def test_an_audit_detail_reads_in_words(app):
    with app.test_request_context():
        from flask import g

        g.unit_names = {"VP": "Văn phòng Tỉnh ủy"}
        items = dict(
            display.detail_items(
                {
                    "level": "toi_mat",
                    "role": "auditor",
                    "unit": "VP",
                    "doc_type": "KH",
                    "unit_head": False,
                    "ids": [4, 15],
                    "what": "clearance requests",
                    "step": "totp",
                    "novel": "x",
                }
            )
        )
    assert items == {
        "Độ mật": "Tối mật",
        "Vai trò": "Giám sát nhật ký",
        "Đơn vị": "Văn phòng Tỉnh ủy",
        "Loại văn bản": "Kế hoạch",
        "Trưởng đơn vị": "Không",
        "Văn bản": "4, 15",
        "Nội dung xem": "đề nghị nâng mức được xem",
        "Bước": "mã xác thực hai lớp",
        "novel": "x",
    }


def test_labels_are_translated_once_per_request_and_language(app, monkeypatch):
    """A list page names the same codes hundreds of times: each label is translated once per
    request and language (``display.said``), and a page in English still gets English."""
    with app.app_context(), app.test_request_context():  # a request's own ``g``
        calls = []
        real = display.LazyString.__str__
        monkeypatch.setattr(display.LazyString, "__str__", lambda s: calls.append(1) or real(s))
        vi = [display.named(display.OUTCOME_NAMES, "denied") for _ in range(50)]
        with force_locale("en"):
            en = [display.named(display.OUTCOME_NAMES, "denied") for _ in range(50)]
        assert len(set(vi)) == len(set(en)) == 1 and vi[0] != en[0]
        assert len(calls) == 2
        assert display.named(display.OUTCOME_NAMES, "no-such-code") == "no-such-code"
