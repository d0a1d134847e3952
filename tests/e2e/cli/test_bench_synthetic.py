"""The benchmarks' synthetic archive (bench/synthetic.py, built straight into the database,
blobs, audit chain and index, not through the pipeline) is an archive `kho check` accepts: a
benchmark at 100k or 1M records measures a real instance, and a change elsewhere that breaks the
builder fails here rather than in the next benchmark run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.slow


def test_a_synthetic_archive_is_whole_and_followed(kho, home_env):
    if home_env.get("KHO_BLOBS", "").startswith("s3://"):
        pytest.skip("the synthetic builder writes the blob folder itself (a benchmark's shortcut)")
    home = Path(home_env["KHO_HOME"])
    url = home_env.get("KHO_DATABASE_URL")
    subprocess.run(
        [sys.executable, "bench/synthetic.py", str(home), "--records", "60"]
        + (["--database-url", url] if url else []),
        cwd=ROOT,
        env={**os.environ, **home_env},
        check=True,
        capture_output=True,
        timeout=300,
    )
    report = kho("check").output  # exits 0: nothing to repair
    assert "consistent" in report and "(lag 0)" in report, report


def test_a_bulk_loaded_archive_holds_what_its_records_say(
    tmp_path, database_url, blob_settings, monkeypatch
):
    """The builder loads in bulk (COPY on PostgreSQL, the tally triggers and the secondary
    indexes dropped for the load and made again after it): what it stores is still each
    record's own content, sealed and readable, every filing in the audit chain, the registers
    numbered without gaps, the indexes and triggers back in place and keeping the tallies."""
    if blob_settings:
        pytest.skip("the synthetic builder writes the blob folder itself (a benchmark's shortcut)")
    from sqlalchemy import select, text, update

    from archive.audit import log as audit
    from archive.core import sealing, tallies
    from archive.models import (
        Document,
        DossierMember,
        RegisterCounter,
        RegisterEntry,
    )
    from archive.records import reading
    from bench import synthetic

    monkeypatch.setattr(synthetic, "CHUNK", 7)  # several chunks: the chain crosses transactions
    count = 30
    inst = synthetic.build(
        tmp_path / "home",
        count,
        database_url=database_url,
        with_index=False,
        workers=2,
        progress=lambda _line: None,
    )
    try:
        with inst.sessions() as session:
            docs = session.execute(select(Document).order_by(Document.id)).unique().scalars().all()
            assert [d.id for d in docs] == list(range(1, count + 1))
            for doc, rec in zip(docs, synthetic.records(count), strict=True):
                assert (doc.level, doc.unit_id, doc.doc_type, doc.issued, doc.secrecy_pending) == (
                    rec.level,
                    rec.unit_id,
                    rec.doc_type,
                    rec.issued,
                    rec.pending,
                )
                meta = reading.unseal_meta(inst, doc)
                assert (meta["number"], meta["issuer"], meta["subject"]) == (
                    rec.number,
                    rec.issuer,
                    rec.subject,
                )
                assert reading.read_text(inst, doc) == rec.text
            entries = session.execute(select(RegisterEntry).order_by(RegisterEntry.id)).scalars()
            numbers: dict[tuple[str, int], list[int]] = {}
            for entry, rec in zip(entries, synthetic.records(count), strict=True):
                assert entry.document_id == rec.id
                assert sealing.unseal(inst, entry)["subject"] == rec.subject
                numbers.setdefault((entry.register, entry.year), []).append(entry.number)
            counters = {
                (c.register, c.year): c.last
                for c in session.execute(select(RegisterCounter)).scalars()
            }
            assert {k: list(range(1, len(v) + 1)) for k, v in numbers.items()} == numbers
            assert counters == {k: len(v) for k, v in numbers.items()}
            members = {m.document_id: m for m in session.execute(select(DossierMember)).scalars()}
            assert set(members) == {r.id for r in synthetic.records(count) if r.dossier}
            checked, problems = audit.verify(session, inst.keyring.audit_key)
            assert not problems and checked > count
            assert tallies.drift(session) == 0
            indexes = session.execute(
                text(
                    "SELECT indexname FROM pg_indexes"
                    if session.get_bind().dialect.name == "postgresql"
                    else "SELECT name FROM sqlite_master WHERE type = 'index'"
                )
            ).scalars()
            expected = {
                index.name
                for model in (Document, RegisterEntry, DossierMember)
                for index in model.__table__.indexes
            }
            assert expected <= set(indexes)
        with inst.sessions.begin() as session:  # the triggers count a change again
            session.execute(update(Document).where(Document.id == 1).values(status="destroyed"))
        with inst.sessions() as session:
            assert tallies.drift(session) == 0
    finally:
        inst.dispose()
