"""Search reveals nothing: trimming of hits, counts, facets and suggestions for every role and
level; field syntax cannot bypass the filter; the index directory holds no plaintext; changes
(re-classification, destruction) reach the index at once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from archive.models import Document
from archive.records import filing
from ingest import pipeline
from ingest.demo import samples
from search import feed, query
from search.query import SearchRequest
from security.vocabulary import LEVELS
from tests.support.people import add_person

COMMON = "chungtuchung"  # in every document


def _file(inst, archivist, number, level, body, unit="VP", date="2024-03-05", doc_type="KH"):
    truth = {
        "kind": "party",
        "doc_type": doc_type,
        "number": number,
        "issuer": "Tỉnh ủy Lào Cai",
        "date": date,
        "subject": "về công tác năm 2024",
        "level": level,
        "urgency": "thuong",
    }
    text = samples.render_text(truth, body).encode()
    name = f"{number}.txt".replace("/", "_")
    result = pipeline.ingest_bytes(inst, archivist.ctx, text, name, unit_code=unit)
    if result.status == "quarantined":  # TUYỆT MẬT: an administrator releases it
        assert query.run(inst, archivist.ctx, SearchRequest(f"riengmuc{level}")).total == 0
        with inst.sessions.begin() as session:
            session.get(Document, result.id).status = "active"
        feed.refresh(inst, [result.id])
    else:
        assert result.status == "stored", result.reason
    return result.id


@pytest.fixture
def corpus(inst, archivist):
    """One document per level in VP (each with its own word), one TỐI MẬT word, one in BTC."""
    add_person(inst, "btc", "archivist", "tuyet_mat", "BTC")
    ids = {}
    for i, level in enumerate(LEVELS):
        ids[level] = _file(
            inst, archivist, f"{i + 1}-KH/TU", level, [f"{COMMON} riengmuc{level}. Quyhoach."]
        )
    ids["secretword"] = _file(inst, archivist, "9-KH/TU", "toi_mat", ["Tuyệt đối bimatquocgia."])
    ids["btc"] = _file(inst, archivist, "8-KH/TU", "thuong", [f"{COMMON} quyhoachx."], unit="BTC")
    return ids


def test_reading_roles_see_their_levels_in_hits_counts_and_facets(inst, corpus):
    """Every reading role at every clearance (one corpus: filing is the slow part)."""
    for role in ("archivist", "reader", "security_officer"):
        for rank, clearance in enumerate(LEVELS):
            person = add_person(inst, f"u_{role}_{clearance}", role, clearance)
            expected = {corpus[lv] for lv in LEVELS[: rank + 1]}
            result = query.run(inst, person.ctx, SearchRequest(COMMON, limit=50))
            assert {h.id for h in result.hits} == expected, (role, clearance)
            assert result.total == len(expected)
            assert dict(result.facets["level"]) == {lv: 1 for lv in LEVELS[: rank + 1]}
            assert sum(n for _, n in result.facets["doc_type"]) == len(expected)
            assert dict(result.facets["unit"]) == {"VP": len(expected)}  # never BTC's
            for level in LEVELS[rank + 1 :]:  # a level's own word: nothing found, nothing hinted
                hidden = query.run(inst, person.ctx, SearchRequest(f"riengmuc{level}"))
                assert (hidden.hits, hidden.total, hidden.facets, hidden.suggestion) == (
                    [],
                    0,
                    {},
                    None,
                ), (role, clearance, level)


@pytest.mark.parametrize("role", ["admin", "auditor"])
def test_roles_that_do_not_read_find_nothing(inst, corpus, role):
    person = add_person(inst, f"u_{role}", role, "tuyet_mat")
    result = query.run(inst, person.ctx, SearchRequest(COMMON))
    assert (result.hits, result.total, result.facets, result.suggestion) == ([], 0, {}, None)


def test_field_syntax_cannot_widen_the_scope(inst, corpus):
    reader = add_person(inst, "canbo", "reader", "mat")
    for text in (
        "mat:tuyet_mat",
        "level:tuyet_mat",
        f"{COMMON} mat:toi_mat",
        "mật:tối-mật bimatquocgia",
        "donvi:BTC",
        f"unit:BTC {COMMON}",
        "so:8-KH/TU",
        "id:4 level:toi_mat",
    ):
        result = query.run(inst, reader.ctx, SearchRequest(text))
        assert (result.hits, result.total) == ([], 0), text
    assert [h.id for h in query.search(inst, reader.ctx, "mat:mat")] == [corpus["mat"]]


def test_a_word_only_in_secret_documents_is_neither_found_nor_suggested(inst, corpus):
    reader = add_person(inst, "canbo", "reader", "mat")
    for typed in ("bimatquocgia", "bimatquocgi", "bimatquocgiaa"):
        result = query.run(inst, reader.ctx, SearchRequest(typed))
        assert (result.total, result.suggestion) == (0, None), typed
    cleared = add_person(inst, "bimat", "reader", "toi_mat")
    assert query.run(inst, cleared.ctx, SearchRequest("bimatquocgiaa")).suggestion == "bimatquocgia"


def test_suggestions_come_from_visible_documents_only(inst, corpus):
    """'quyhoachz' is one edit from 'quyhoach' (visible) and 'quyhoachx' (BTC only)."""
    reader = add_person(inst, "canbo", "reader", "thuong")
    result = query.run(inst, reader.ctx, SearchRequest("quyhoachz"))
    assert (result.total, result.suggestion) == (0, "quyhoach")
    assert query.run(inst, reader.ctx, SearchRequest("quyhoachxx")).suggestion in (None, "quyhoach")


def _index_bytes(inst) -> list[bytes]:
    return [p.read_bytes() for p in inst.index_dir.rglob("*") if p.is_file()]


def test_canary_scan_of_the_index_directory_finds_nothing(inst, corpus, archivist):
    assert query.search(inst, archivist.ctx, "bimatquocgia")  # searched: caches are warm
    needles = ["bimatquocgia", COMMON, "riengmuctuyet_mat", "Tỉnh ủy Lào Cai", "tinh uy lao cai"]
    needles += ["9khtu", "9-KH/TU", "công tác năm 2024", "cong tac nam"]
    forms = []
    for needle in needles:
        for text in {needle, needle.lower(), needle.upper()}:
            forms += [text.encode(enc) for enc in ("utf-8", "utf-16-le", "utf-16-be")]
    blobs = _index_bytes(inst)
    assert blobs
    assert [f for f in forms for data in blobs if f in data] == []


def test_reclassified_and_destroyed_documents_are_updated_at_once(inst, corpus, archivist):
    reader = add_person(inst, "canbo", "reader", "mat")
    assert query.search(inst, reader.ctx, "riengmucmat")
    with inst.sessions.begin() as session:  # re-classification (issue 9 will own this action)
        session.get(Document, corpus["mat"]).level = "toi_mat"
    feed.refresh(inst, [corpus["mat"]])
    assert query.run(inst, reader.ctx, SearchRequest("riengmucmat")).total == 0
    assert query.search(inst, archivist.ctx, "riengmucmat")
    filing.shred(inst, archivist.ctx, corpus["thuong"], "test")
    feed.refresh(inst, [corpus["thuong"]])
    assert query.run(inst, archivist.ctx, SearchRequest("riengmucthuong")).total == 0
    assert feed.reindex(inst, archivist.ctx) == len(corpus) - 1  # destroyed: not re-indexed
    assert feed.missing_from_index(inst) == (set(), set())
    with inst.sessions() as session:
        assert session.execute(select(Document.id)).scalars().all()  # the stub remains


def test_shared_and_granted_documents_are_searchable_within_clearance(inst, corpus):
    from archive.records import grants

    officer = add_person(inst, "baomat", "security_officer", "tuyet_mat", "VP")
    outsider = add_person(inst, "ngoai", "reader", "mat", "BTGDV")
    assert query.run(inst, outsider.ctx, SearchRequest(COMMON)).total == 0
    grants.share(inst, officer.ctx, corpus["thuong"], "BTGDV")
    grants.share(inst, officer.ctx, corpus["toi_mat"], "BTGDV")  # above the reader's clearance
    result = query.run(inst, outsider.ctx, SearchRequest(COMMON))
    assert ([h.id for h in result.hits], result.total) == ([corpus["thuong"]], 1)
    assert dict(result.facets["level"]) == {"thuong": 1}
    grant_id = grants.request(inst, outsider.ctx, corpus["mat"], "cần cho công việc")
    grants.decide(inst, officer.ctx, grant_id, approve=True, days=7)
    assert {h.id for h in query.search(inst, outsider.ctx, COMMON)} == {
        corpus["thuong"],
        corpus["mat"],
    }
