"""Filing rules (data, validation, first match wins), the sealed subject model, suggestions."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ingest.describe.header import Header
from ingest.describe.model import open_model, retrain, seal_model, train
from ingest.describe.rules import DEFAULT_PATH, RulesError, load_rules, parse_rules
from ingest.describe.suggest import suggest_filing
from ingest.describe.text import fold
from security.crypto.stream import IntegrityError

TOPICS = {
    "08.TC": ["kết nạp đảng viên mới", "chuyển sinh hoạt đảng chính thức", "bổ nhiệm cán bộ"],
    "09.KT": ["kiểm tra dấu hiệu vi phạm", "thi hành kỷ luật đảng viên", "giám sát chuyên đề"],
    "07.KH": ["kế hoạch chuyển đổi số", "kỷ niệm ngày thành lập Đảng", "chương trình công tác"],
}
PLACES = ["xã Tân An", "huyện Bảo Thắng", "năm 2024", "tỉnh Lào Cai", "đợt 2", "quý III"]


def _examples(n: int = 120) -> list[tuple[str, str]]:
    out = []
    for i in range(n):
        series = list(TOPICS)[i % 3]
        out.append((f"{TOPICS[series][i % 3]} {PLACES[i % len(PLACES)]}", series))
    return out


def test_fold() -> None:
    assert fold("Tỉnh UỶ  Lào-Cai, Đảng") == "tinh uy lao cai dang"


def test_shipped_rules_load_and_explain_in_vietnamese() -> None:
    table = load_rules()
    nq = Header(kind="party", doc_type="NQ", issuer="Tỉnh ủy Lào Cai", subject="về chuyển đổi số")
    first = table.match(nq)[0]
    assert (first.series.code, first.retention) == ("01.NQ", "vinh_vien")
    assert "loại NQ" in first.reason and "Vĩnh viễn" in first.reason


def test_first_match_wins_and_keywords_are_whole_words() -> None:
    table = load_rules()
    discipline = Header(kind="party", doc_type="QĐ", subject="về thi hành kỷ luật đảng viên")
    assert table.match(discipline)[0].series.code == "09.KT"
    monthly = Header(kind="party", doc_type="BC", subject="báo cáo công tác tháng 5")
    assert table.match(monthly)[0].series.code == "06.BCK"
    central = Header(kind="party", doc_type="NQ", issuer="Bộ Chính trị", subject="về đối ngoại")
    assert table.match(central)[0].series.code == "11.TW"
    assert table.match(Header())[0].series.code == "99.KHAC"  # the fallback always matches


def _rules(tmp_path: Path, **change: object) -> Path:
    data = json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
    data["rules"][0].update(change)
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "change",
    [{"series": "nope"}, {"retention": 15}, {"keywords": "not a list"}, {"colour": "red"}],
)
def test_bad_rules_fail_loudly(tmp_path: Path, change: dict) -> None:
    with pytest.raises(RulesError):
        load_rules(_rules(tmp_path, **change))


def test_edited_copy_is_used(tmp_path: Path) -> None:
    table = load_rules(_rules(tmp_path, issuer=["lao cai"], series="13.CV"))
    assert table.match(Header(issuer="Tỉnh ủy Lào Cai"))[0].series.code == "13.CV"
    with pytest.raises(RulesError):
        parse_rules({"version": 2})


def test_model_learns_suggests_and_explains() -> None:
    model = train(_examples())
    top = model.suggest("Quyết định thi hành kỷ luật đối với đồng chí A")
    assert top[0][0] == "09.KT" and top[0][1] > 0.5
    assert "trích yếu có" in top[0][2]
    assert model.suggest("ket nap dang vien")[0][0] == "08.TC"  # folded, no diacritics
    assert abs(sum(p for _, p, _ in model.suggest("kế hoạch", k=3)) - 1) < 0.01


def test_model_is_sealed_and_tamper_fails_before_parsing() -> None:
    model, key = train(_examples()), os.urandom(32)
    blob = seal_model(model, key)
    assert b"ket nap" not in blob and "kết nạp".encode() not in blob
    again = open_model(blob, key)
    assert again.suggest("bổ nhiệm cán bộ")[0][0] == model.suggest("bổ nhiệm cán bộ")[0][0]
    bad = bytearray(blob)
    bad[-20] ^= 1
    with pytest.raises(IntegrityError):
        open_model(bytes(bad), key)
    with pytest.raises(IntegrityError):
        open_model(blob, os.urandom(32))


def test_retrain_needs_two_series() -> None:
    assert retrain([("kết nạp đảng viên", "08.TC")] * 5) is None
    assert retrain(_examples(30)) is not None


def test_suggestions_combine_rules_and_model() -> None:
    rules, model = load_rules(), train(_examples())
    nq = Header(kind="party", doc_type="NQ", issuer="Tỉnh ủy Lào Cai", subject="về công tác")
    best = suggest_filing(nq, rules, model)[0]
    assert (best.source, best.series, best.retention) == ("rule", "01.NQ", "vinh_vien")
    other = Header(kind="other", subject="kết nạp đảng viên mới xã Tân An")
    found = suggest_filing(other, rules, model)
    assert found[0].source == "model" and found[0].series == "08.TC"
    assert found[0].retention == 70 and "học từ" in found[0].reason
    assert len({s.series for s in found}) == len(found)
