"""Invariant 1: nothing of a document's content sits on disk in clear, anywhere in the instance."""

from __future__ import annotations

import secrets
from datetime import date
from functools import partial
from pathlib import Path

from archive.core.blobstore import LocalBlobStore
from archive.lifecycle import disposal, holds
from archive.records import editing, grants, history
from ingest import pipeline
from search import feed, query
from tests.support.people import add_person
from tests.support.records import file_doc

TODAY = date(2026, 3, 1)


def _forms(needle: str) -> list[bytes]:
    out = []
    for text in {needle, needle.lower()}:
        out += [text.encode("utf-8"), text.encode("utf-16-le"), text.encode("utf-16-be")]
    return out


def _leaks(home: Path, needles: list[str], store=None) -> list[str]:
    """Every file under ``home`` and, for a store elsewhere (object storage), every blob in it."""
    found = []
    files = [(str(p.relative_to(home)), p.read_bytes) for p in home.rglob("*") if p.is_file()]
    if store is not None and not isinstance(store, LocalBlobStore):
        files += [(f"{store.location}: {n}", partial(_read, store, n)) for n in store.names()]
    assert files, "nothing to scan"
    for where, read in files:
        data = read()
        for needle in needles:
            if any(form in data for form in _forms(needle)):
                found.append(f"{needle!r} in {where}")
    return found


def _read(store, name: str) -> bytes:
    with store.open(name) as fh:
        return fh.read()


def test_instance_holds_no_text_canary_title_or_file_name(inst, archivist, sample_docs):
    for doc in sample_docs:
        result = pipeline.ingest_bytes(
            inst, archivist.ctx, doc.content, doc.filename, unit_code="VP"
        )
        assert result.status in ("stored", "quarantined"), result.reason
    assert query.search(inst, archivist.ctx, "dang vien")  # the index has the words...
    feed.reindex(inst, archivist.ctx)  # ...including after a full rebuild
    inst.dispose()  # close connections so SQLite's WAL is checkpointed into the file too
    needles = []
    for doc in sample_docs:
        needles += [doc.sentence, doc.truth["canary"], doc.truth["subject"], doc.filename]
    assert _leaks(inst.home, needles, inst.blobs) == []


def test_scan_would_find_a_leak(tmp_path):
    """The scanner itself works: a planted sentence is found in each encoding."""
    (tmp_path / "a").write_bytes("Mã theo dõi: Khomauabc".encode("utf-16-le"))
    (tmp_path / "b").write_text("xx mã theo dõi: khomauabc", encoding="utf-8")
    assert len(_leaks(tmp_path, ["Mã theo dõi: Khomauabc"])) == 2


def test_typed_reasons_are_sealed_yet_shown(inst, archivist):
    """Reasons people type (hold, disposal proposal, access request, description change) never
    reach the database in clear, and the lists that show them still do."""
    officer = add_person(inst, "baomat", "security_officer", "tuyet_mat")
    reader = add_person(inst, "canbo.btc", "reader", "mat", "BTC")
    doc = file_doc(inst, archivist, issued="2010-01-01")
    canaries = {k: f"Khomau{k}{secrets.token_hex(6)}" for k in ("hold", "dispose", "grant", "edit")}
    hold = holds.place(inst, officer.ctx, f"thanh tra {canaries['hold']}", doc_id=doc)
    holds.release(inst, officer.ctx, hold, "kết thúc thanh tra")
    disposal.propose(inst, archivist.ctx, f"hết hạn {canaries['dispose']}", [doc], today=TODAY)
    grant = grants.request(inst, reader.ctx, doc, f"cần xem {canaries['grant']}")
    editing.edit_document(inst, archivist.ctx, doc, {"urgency": "khan"}, f"sửa {canaries['edit']}")

    hold = holds.place(inst, officer.ctx, f"thanh tra lại {canaries['hold']}", doc_id=doc)
    assert [h["reason"] for h in holds.active(inst)] == [f"thanh tra lại {canaries['hold']}"]
    assert disposal.proposals(inst)[0]["reason"] == f"hết hạn {canaries['dispose']}"
    assert [(g["grant"], g["reason"]) for g in grants.pending(inst, officer.ctx)] == [
        (grant, f"cần xem {canaries['grant']}")
    ]
    assert history.history(inst, archivist.ctx, doc)[-1]["reason"] == f"sửa {canaries['edit']}"
    inst.dispose()
    assert _leaks(inst.home, list(canaries.values()), inst.blobs) == []
