"""The access matrix of the pages, over the API: for every person (role × clearance × unit) and
every record (each level, two units, one held back until its secrecy is set), the API answers a
record, its file and a search exactly as the services behind the pages decide: one gate."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select

from archive.models import Unit
from archive.records import filing, gate
from search import feed, query
from security.errors import NotFound
from tests.e2e.api.conftest import holder
from tests.support.records import file_doc

pytestmark = pytest.mark.slow
WORD = "matranapi"
ROLES = ("archivist", "reader", "security_officer", "auditor", "admin")
CLEARANCES = ("thuong", "mat", "toi_mat")
UNITS = ("VP", "BTC")


def _held_back(inst, filer) -> int:
    with inst.sessions() as session:
        unit = session.execute(select(Unit).where(Unit.code == "VP")).scalar_one()
    text = f"Bản quét chờ xác định độ mật. {WORD}"
    new = filing.NewRecord(
        text.encode(), "text/plain", text, {"level": "mat"}, "held.txt", unit, secrecy_pending=True
    )
    return filing.file_record(inst, filer.ctx, new, inst.keyring.content_mac(new.content)).id


def test_the_api_decides_every_read_exactly_as_the_pages_services(client, inst):
    filer = holder(inst, "lapso", "archivist", "toi_mat", "VP")
    ids = [
        file_doc(inst, filer.person, level=level, unit=unit, text=f"{WORD} {level} {unit}")
        for level, unit in itertools.product(("thuong", "mat", "toi_mat"), UNITS)
    ]
    ids.append(_held_back(inst, filer.person))
    feed.refresh(inst, ids)
    people = [
        holder(inst, f"{role[:4]}{clearance[:3]}{unit}".lower(), role, clearance, unit)
        for role, clearance, unit in itertools.product(ROLES, CLEARANCES, UNITS)
    ]
    outcomes = []
    for who in [filer, *people]:
        for record_id in ids:
            try:
                gate.view_document(inst, who.person.ctx, record_id)
                expected = 200
            except NotFound:
                expected = 404
            answer = client.get(f"/api/v1/records/{record_id}", headers=who.headers)
            assert answer.status_code == expected, (who.person.username, record_id)
            file = client.get(f"/api/v1/records/{record_id}/file", headers=who.headers)
            assert file.status_code == expected, (who.person.username, record_id)
            outcomes.append(expected)
        service = {h.id for h in query.search(inst, who.person.ctx, WORD)}
        found = client.get(f"/api/v1/search?q={WORD}&per_page=100", headers=who.headers)
        assert {h["id"] for h in found.get_json()["hits"]} == service, who.person.username
        assert found.get_json()["total"] == len(service)
    assert len(outcomes) == (len(people) + 1) * len(ids)
    assert 0 < outcomes.count(200) < len(outcomes)  # a matrix, not one answer everywhere
