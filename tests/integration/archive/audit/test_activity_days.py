"""The activity counts by day: UTC days by default, the office's local days when asked."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from archive.models import AuditEntry, utcnow
from archive.oversight import inspection
from tests.support.people import add_person


def test_an_entry_late_in_the_utc_evening_counts_on_the_next_local_day(inst):
    auditor = add_person(inst, "giamsat", "auditor", "thuong")
    evening = utcnow().replace(hour=20, minute=30, second=0, microsecond=0) - timedelta(days=1)
    with inst.sessions.begin() as session:
        session.execute(update(AuditEntry).values(at=evening))  # the accounts' creation
    utc_days = inspection.counts_over_time(inst, auditor.ctx, 5)
    local_days = inspection.counts_over_time(inst, auditor.ctx, 5, timedelta(hours=7))
    day, next_day = evening.date().isoformat(), (evening + timedelta(days=1)).date().isoformat()
    assert utc_days[day]["user_add"] == local_days[next_day]["user_add"] >= 1
    assert "user_add" not in local_days.get(day, {})
