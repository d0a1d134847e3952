"""Protection periods and reminders; declassification makes a record findable at once by
readers it was hidden from; holds freeze the level."""

from __future__ import annotations

from datetime import date

import pytest

from archive.core import events
from archive.lifecycle import declassify, holds
from search import feed, query
from security.errors import NotFound, Refused
from tests.support.people import add_person
from tests.support.records import file_doc


@pytest.mark.parametrize(
    ("level", "issued", "end"),
    [
        ("mat", "2016-03-01", date(2026, 3, 1)),
        ("toi_mat", "2016-03-01", date(2036, 3, 1)),
        ("tuyet_mat", "2016-02-29", date(2046, 2, 28)),
        ("thuong", "2016-03-01", None),
    ],
)
def test_protection_periods(inst, archivist, level, issued, end):
    from archive.models import Document

    doc_id = file_doc(inst, archivist, level=level, issued=issued)
    with inst.sessions() as session:
        assert declassify.protection_end(session.get(Document, doc_id), None) == end


def test_reminders_extension_and_declassification_reach_search_at_once(inst, archivist):
    events.records_changed.connect(_reindex)  # what web.wiring connects
    try:
        _scenario(inst, archivist)
    finally:
        events.records_changed.disconnect(_reindex)


def _reindex(sender, changes):
    feed.refresh(sender, [change.record_id for change in changes])


def _scenario(inst, archivist):
    officer = add_person(inst, "baomat", "security_officer", "tuyet_mat")
    reader = add_person(inst, "canbo", "reader", "thuong")
    secret = file_doc(
        inst, archivist, level="mat", issued="2016-03-01", text="Khoanhmậtgiải nội dung"
    )
    later = file_doc(inst, archivist, level="toi_mat", issued="2020-01-01")
    feed.refresh(inst, [secret, later])
    today = date(2026, 1, 15)
    assert [r.document_id for r in declassify.due(inst, officer.ctx, 90, today)] == [secret]
    with pytest.raises(Refused):
        declassify.due(inst, reader.ctx, 90, today)
    assert declassify.extend(inst, officer.ctx, secret, 5, "còn giá trị bảo vệ") == date(2031, 3, 1)
    assert declassify.due(inst, officer.ctx, 90, today) == []

    def found() -> list[int]:
        return [
            h.id for h in query.run(inst, reader.ctx, query.SearchRequest("khoanhmậtgiải")).hits
        ]

    assert found() == []
    with pytest.raises(NotFound):
        declassify.change_level(inst, reader.ctx, secret, "thuong", "hết thời hạn bảo vệ")
    hold = holds.place(inst, officer.ctx, "thanh tra đang xem xét", doc_id=secret)
    with pytest.raises(Refused):
        declassify.change_level(inst, officer.ctx, secret, "thuong", "hết thời hạn bảo vệ")
    holds.release(inst, officer.ctx, hold, "kết thúc thanh tra")
    with pytest.raises(Refused):  # lowering needs a reason
        declassify.change_level(inst, officer.ctx, secret, "thuong", "")
    declassify.change_level(inst, officer.ctx, secret, "thuong", "hết thời hạn bảo vệ, giải mật")
    assert found() == [secret]
