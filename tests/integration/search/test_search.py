"""Search: Vietnamese as people type it, trimmed by policy inside the query, through the gate."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import select

from archive.audit import log
from archive.models import AuditEntry
from archive.records import gate
from ingest import pipeline
from ingest.demo import samples
from search import feed, query
from tests.support.people import add_person

BODY = ["Tăng cường công tác phát triển đảng viên ở cơ sở.", "Hòa giải ở thôn bản."]


def _file(inst, archivist, number: str, level: str, body: list[str], unit="VP") -> int:
    truth = {
        "kind": "party",
        "doc_type": "KH",
        "number": number,
        "issuer": "Tỉnh ủy Lào Cai",
        "date": "2024-03-05",
        "subject": "về công tác năm 2024",
        "level": level,
        "urgency": "thuong",
    }
    text = samples.render_text(truth, body).encode()
    result = pipeline.ingest_bytes(
        inst, archivist.ctx, text, f"{number}.txt".replace("/", "_"), unit_code=unit
    )
    assert result.status == "stored", result.reason
    return result.id


def _ids(inst, person, text: str) -> list[int]:
    return [hit.id for hit in query.search(inst, person.ctx, text)]


def test_words_with_and_without_diacritics_and_both_tone_placements(inst, archivist):
    doc_id = _file(inst, archivist, "117-KH/TU", "thuong", BODY)
    for typed in ("dang vien", "đảng viên", "ĐẢNG VIÊN", "Dang Vien", "hoà giải", "hoa giai"):
        assert _ids(inst, archivist, typed) == [doc_id], typed
    assert _ids(inst, archivist, "117-KH/TU") == [doc_id]
    assert _ids(inst, archivist, "khongcotu") == []


def test_exact_spelling_ranks_above_folded(inst, archivist):
    folded_only = _file(inst, archivist, "1-KH/TU", "thuong", ["Đang triển khai kế hoạch."])
    exact = _file(inst, archivist, "2-KH/TU", "thuong", ["Đảng lãnh đạo toàn diện."])
    assert _ids(inst, archivist, "đảng") == [exact, folded_only]


def test_results_are_trimmed_by_clearance_and_unit(inst, archivist):
    add_person(inst, "btc", "reader", "tuyet_mat", "BTC")
    word = ["Từ khóa riêng: quyhoachcanbo."]
    ordinary = _file(inst, archivist, "3-KH/TU", "thuong", word)
    _file(inst, archivist, "4-KH/TU", "toi_mat", word)
    _file(inst, archivist, "5-KH/TU", "thuong", word, unit="BTC")
    reader = add_person(inst, "canbo", "reader", "mat")
    assert _ids(inst, reader, "quyhoachcanbo") == [ordinary]
    auditor = add_person(inst, "kiemtra", "auditor", "tuyet_mat")
    assert _ids(inst, auditor, "quyhoachcanbo") == []
    secret_only = ["Chỉ văn bản tối mật có từ bimatquocgia."]
    _file(inst, archivist, "6-KH/TU", "toi_mat", secret_only)
    assert _ids(inst, reader, "bimatquocgia") == []


def test_every_search_is_audited_with_its_query_and_hits(inst, archivist):
    doc_id = _file(inst, archivist, "7-KH/TU", "thuong", BODY)
    _ids(inst, archivist, "dang vien")
    with inst.sessions() as session:
        entry = session.execute(select(AuditEntry).order_by(AuditEntry.seq.desc())).scalar()
    assert "query" not in entry.detail and "dang vien" not in str(entry.detail)  # sealed
    shown = log.opened(inst.keyring, log.payload_of(entry))["detail"]
    assert (entry.action, shown["query"], shown["ids"]) == ("search", "dang vien", [doc_id])


def _file_as(inst, archivist, number, date, doc_type="KH", body=BODY, issuer="Tỉnh ủy Lào Cai"):
    truth = {
        "kind": "party",
        "doc_type": doc_type,
        "number": number,
        "issuer": issuer,
        "date": date,
        "subject": "về công tác năm 2024",
        "level": "thuong",
        "urgency": "thuong",
    }
    text = samples.render_text(truth, body).encode()
    name = f"{number}.txt".replace("/", "_")
    result = pipeline.ingest_bytes(inst, archivist.ctx, text, name, unit_code="VP")
    assert result.status == "stored", result.reason
    return result.id


def test_every_spelling_of_a_number_finds_it_first(inst, archivist):
    other = _file_as(inst, archivist, "25-BC/VPTU", "2023-06-01", "BC", ["Số liệu 117 kh tu."])
    doc_id = _file_as(inst, archivist, "117-KH/TU", "2022-01-10")
    for typed in ("117-KH/TU", "117 KH TU", "117/KH-TU", "117-kh/tu", "117khtu", "so:117-KH/TU"):
        assert _ids(inst, archivist, typed)[0] == doc_id, typed
    assert _ids(inst, archivist, "so:117") == [doc_id]
    assert _ids(inst, archivist, "số:25-BC/VPTU") == [other]
    assert _ids(inst, archivist, "so:117-BC/TU") == []


def test_phrases_and_field_filters(inst, archivist):
    old = _file_as(inst, archivist, "1-KH/TU", "2021-05-01", body=["Phát triển đảng viên mới."])
    new = _file_as(
        inst, archivist, "2-BC/TU", "2024-03-05", "BC", ["Đảng viên phát triển."], "Tỉnh ủy Yên Bái"
    )
    assert set(_ids(inst, archivist, "phát triển đảng viên")) == {old, new}
    assert _ids(inst, archivist, '"phát triển đảng viên"') == [old]
    assert _ids(inst, archivist, '"phat trien dang vien"') == [old]
    assert _ids(inst, archivist, "dang vien loai:BC") == [new]
    assert _ids(inst, archivist, "type:kh") == [old]
    assert _ids(inst, archivist, "ngay:2021..2022") == [old]
    assert _ids(inst, archivist, "ngày:2024-03") == [new]
    assert _ids(inst, archivist, "năm:2024") == [new]
    assert _ids(inst, archivist, 'coquan:"tỉnh ủy yên bái"') == [new]
    assert _ids(inst, archivist, "issuer:lao coquan:yenbai") == [old]  # ORed within a field
    assert _ids(inst, archivist, "donvi:VP nam:2021") == [old]
    assert _ids(inst, archivist, "hoso:1") == []  # dossiers arrive with issue 9
    assert _ids(inst, archivist, "dang vien loai:BC ngay:2021") == []


def test_sort_by_date_facets_and_did_you_mean(inst, archivist):
    ids = [_file_as(inst, archivist, f"{i}-KH/TU", f"202{i}-01-01") for i in (1, 3, 2)]
    by_date = query.run(inst, archivist.ctx, query.SearchRequest("dang vien", sort="date"))
    assert [h.id for h in by_date.hits] == [ids[1], ids[2], ids[0]]
    oldest = query.run(inst, archivist.ctx, query.SearchRequest("dang vien", sort="date_asc"))
    assert [h.id for h in oldest.hits] == [ids[0], ids[2], ids[1]]
    assert by_date.total == 3
    assert dict(by_date.facets["year"]) == {"2021": 1, "2022": 1, "2023": 1}
    assert by_date.facets["issuer"] == [("Tỉnh ủy Lào Cai", 3)]
    typo = query.run(inst, archivist.ctx, query.SearchRequest("dang vein"))
    assert (typo.total, typo.suggestion) == (0, "dang vien")


def test_a_new_document_is_searchable_at_once_and_a_failed_commit_loses_nothing(
    inst, archivist, monkeypatch
):
    first = _file_as(inst, archivist, "1-KH/TU", "2024-01-01")
    assert _ids(inst, archivist, "dang vien") == [first]  # a reader is now cached
    second = _file_as(inst, archivist, "2-KH/TU", "2024-01-02")
    assert set(_ids(inst, archivist, "dang vien")) == {first, second}

    from search.index import storage

    real = storage.EncryptedStorage._write_atomically

    def crash_on_toc(path, data):
        if "_MAIN_" in path and ".toc" in path:
            raise OSError("disk gone")
        real(path, data)

    monkeypatch.setattr(storage.EncryptedStorage, "_write_atomically", staticmethod(crash_on_toc))
    third = _file_as(inst, archivist, "3-KH/TU", "2024-01-03")  # stored; indexing failed
    assert set(_ids(inst, archivist, "dang vien")) == {first, second}  # previous state intact
    monkeypatch.undo()
    feed.refresh(inst, [third])  # what `kho check --repair` does
    assert set(_ids(inst, archivist, "dang vien")) == {first, second, third}


def test_bitsets_match_whoosh(inst, archivist):
    """The block-by-block reading of postings agrees with Whoosh's own, deletions applied."""
    from whoosh import query as wq

    from search import engine
    from search.engine import bits
    from search.index import store

    ids = [_file_as(inst, archivist, f"{i}-KH/TU", "2024-01-01") for i in range(1, 4)]
    store.remove(inst.index_dir, inst.keyring.index_key, [ids[1]])
    snap = engine.snapshot(inst.index_dir, inst.keyring.index_key)
    for sub, _offset in snap.searcher.leaf_searchers():
        reader = sub.reader()
        size = reader.doc_count_all()
        gone = bits.deleted(reader.segment())
        for field, text in [
            ("folded", "dang"),
            ("exact", "đảng"),
            ("level", "thuong"),
            ("id", "2"),
        ]:
            term = wq.Term(field, text)
            ours = bits._term_bits(reader, field, text.encode(), size) & ~gone
            assert ours == bits.from_ids(term.docs(sub), size)


def test_a_rebuild_in_worker_processes_finds_what_filing_indexed(inst, archivist, monkeypatch):
    """kho reindex: the archive read in slices by forked workers, one segment each."""
    from search import engine
    from search.index import segments

    for day in range(1, 6):
        _file_as(inst, archivist, f"{day}-KH/TU", f"2024-01-0{day}")
    typed = ("dang vien", "so:3-KH/TU", "ngay:..2024-01-03", "hoa giai nam:2024")
    before = {text: _ids(inst, archivist, text) for text in typed}
    assert len(before["ngay:..2024-01-03"]) == 3
    monkeypatch.setattr(segments, "SEGMENT_DOCS", 2)
    assert feed.reindex(inst, archivist.ctx, workers=2) == 5
    snap = engine.snapshot(inst.index_dir, inst.keyring.index_key)
    assert len(snap.segments) == 3 and all(s.summary is not None for s in snap.segments)
    assert {text: _ids(inst, archivist, text) for text in typed} == before


def test_snippets_come_from_admitted_hits_only_and_the_search_entry_names_them(inst, archivist):
    """The text of a hit is read for its snippet under the search's one decision and entry;
    a record the person may not read yields neither hit nor snippet."""
    add_person(inst, "btc", "reader", "tuyet_mat", "BTC")
    word = ["Phần mở đầu.", "Kế hoạch về quyhoachcanbo của Đảng bộ tỉnh."]
    ordinary = _file(inst, archivist, "21-KH/TU", "thuong", word)
    secret = _file(inst, archivist, "22-KH/TU", "toi_mat", word)
    reader = add_person(inst, "canbo", "reader", "mat")
    request = query.SearchRequest("quyhoachcanbo dang", snippets=True)
    result = query.run(inst, reader.ctx, request)
    assert [h.id for h in result.hits] == [ordinary]
    marked = [p.text for p in result.hits[0].snippet if p.marked]
    assert {"quyhoachcanbo", "Đảng"} <= set(marked)
    with inst.sessions() as session:
        entry = session.execute(select(AuditEntry).order_by(AuditEntry.seq.desc())).scalar()
    assert entry.action == "search" and entry.detail["snippets"] == [ordinary]
    cleared = query.run(inst, archivist.ctx, request)  # the archivist may read both
    assert {h.id for h in cleared.hits} == {ordinary, secret}
    assert all(h.snippet for h in cleared.hits)
    plain = query.run(inst, archivist.ctx, query.SearchRequest("quyhoachcanbo"))
    assert all(h.snippet is None for h in plain.hits)  # asked for by the page only


def test_a_search_reads_its_hits_and_texts_without_holding_the_write_lock(inst, archivist):
    """On SQLite the database has one write lock: a search reads its hits and the texts of
    their snippets in a read transaction, so another writer (another worker's audit entry, a
    filing) can take the lock meanwhile; the search's own entry is written after and names
    what was shown."""
    if not inst.database_url.startswith("sqlite:///"):
        pytest.skip("SQLite's single write lock; PostgreSQL readers never hold one")
    doc = _file(inst, archivist, "23-KH/TU", "thuong", BODY)
    path = inst.database_url.removeprefix("sqlite:///")
    lock_free = []

    def cut(text: str):
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            lock_free.append(True)
        except sqlite3.OperationalError:  # database is locked
            lock_free.append(False)
        finally:
            other.close()
        return None

    hits = gate.admit_hits(inst, archivist.ctx, "đảng viên", [doc], None, snippet=cut)
    assert [h.id for h in hits] == [doc]
    assert lock_free == [True]
    with inst.sessions() as session:
        entry = session.execute(select(AuditEntry).order_by(AuditEntry.seq.desc())).scalar()
    assert entry.action == "search" and entry.detail["ids"] == [doc]
