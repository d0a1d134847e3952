"""The demo is coherent: one province after the 2025 merger, units by their full names, and every
demo document filed where some demo account may read it."""

from __future__ import annotations

from datetime import date

from ingest.demo import demo, samples
from security.actor import Principal
from security.policy.reading import READING_ROLES, read_scope


def test_the_demo_reading_roles_are_the_policys():
    assert demo.DEMO_READING_ROLES == READING_ROLES


def test_every_demo_document_has_a_demo_reader_in_its_filing_unit():
    unit_ids = {code: i for i, code in enumerate(samples.UNITS, start=1)}
    people = [
        Principal(n, a.username, a.role, a.clearance, unit_ids[a.unit])
        for n, a in enumerate(demo.DEMO_ACCOUNTS, start=1)
    ]
    docs = samples.generate(200, formats=("txt",))
    moved = 0
    for doc in docs:
        unit = demo.filing_unit(doc.truth)
        moved += unit != doc.truth["unit"]
        readers = [
            p.username
            for p in people
            if read_scope(p).admits(
                doc.truth["level"], unit_ids[unit], pending=False, filed_by=None
            )
        ]
        assert readers, (doc.filename, doc.truth["level"], unit)
    assert 0 < moved < len(docs) // 10  # only what no one in its own unit may read moves to VP


def test_units_have_full_names_and_every_demo_account_a_known_unit():
    assert all(len(name.split()) >= 3 for name in samples.UNITS.values())
    assert {a.unit for a in demo.DEMO_ACCOUNTS} <= set(samples.UNITS)
    assert set(samples.UNITS) <= {a.unit for a in demo.DEMO_ACCOUNTS if a.role != "auditor"}


def test_one_province_after_the_2025_merger():
    """Yên Bái's committee and the districts issue until 30/06/2025; after the merger only the
    merged Lào Cai (communes and wards, no districts) issues."""
    merger = date(2025, 7, 1)
    for doc in samples.generate(300, formats=("txt",)):
        issued = date.fromisoformat(doc.truth["date"])
        issuer = doc.truth["issuer"]
        if "Yên Bái" in issuer or "Huyện ủy" in issuer:
            assert issued < merger, (issuer, issued)
        if issuer.startswith(("Đảng ủy phường", "Đảng ủy xã")):
            assert issued >= merger, (issuer, issued)
