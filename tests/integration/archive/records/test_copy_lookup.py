"""The lookups every filed file makes (``queries.find_by_content``, ``queries.same_number``):
the same records as a plain query, and, when there are none (almost always), one indexed probe
of ids that builds no rows and joins no units."""

from __future__ import annotations

from sqlalchemy import event

from archive.models import Document, queries
from ingest import pipeline
from ingest.demo import samples


def _statements(inst, run):
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_rest):
        seen.append(statement)

    event.listen(inst.engine, "before_cursor_execute", note)
    try:
        with inst.read_sessions() as session:
            return run(session), [s for s in seen if "documents" in s]
    finally:
        event.remove(inst.engine, "before_cursor_execute", note)


def test_a_lookup_that_finds_nothing_is_one_probe_without_rows(inst, archivist):
    found, statements = _statements(inst, lambda s: queries.find_by_content(s, "ab" * 32))
    assert found == [] and len(statements) == 1
    assert "units" not in statements[0].lower()  # no Document rows, no joined unit
    found, statements = _statements(inst, lambda s: queries.same_number(s, "cd" * 32, None))
    assert found == [] and len(statements) == 1 and "units" not in statements[0].lower()


def test_a_lookup_that_finds_records_returns_them_all_in_order(inst, archivist):
    doc = next(iter(samples.generate(1, seed=3, formats=("txt",))))
    first = pipeline.ingest_bytes(inst, archivist.ctx, doc.content, "a.txt")
    again = pipeline.ingest_bytes(inst, archivist.ctx, doc.content + b"\nPhu luc.", "b.txt")
    assert (first.status, again.status) == ("stored", "stored")
    with inst.read_sessions() as session:
        row = session.get(Document, first.id)
        assert row.number_mac is not None
        found = queries.find_by_content(session, row.content_mac)
        assert [d.id for d in found] == [first.id] and found[0].unit.code == "VP"
        numbered = queries.same_number(session, row.number_mac, None)
        assert sorted(d.id for d in numbered) == [first.id, again.id]
