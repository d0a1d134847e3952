"""Search: Vietnamese as people type it, trimmed by policy inside the query, through the gate."""

from __future__ import annotations

from sqlalchemy import select

from archive.models import AuditEntry
from ingest import pipeline, samples
from search import query
from tests.conftest import add_person

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
    assert (entry.action, entry.detail["query"], entry.detail["ids"]) == (
        "search",
        "dang vien",
        [doc_id],
    )
