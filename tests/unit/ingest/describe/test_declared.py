"""What a sending system declares, against what was read in the file."""

from __future__ import annotations

from ingest.describe.declared import reconcile
from ingest.describe.secrecy import Reading


def test_a_declared_value_fills_a_blank_and_agreement_is_no_noise():
    fields = {"number": "12 / CV-TU", "issuer": None, "urgency": "thuong", "level": "thuong"}
    merged, review, disagreed = reconcile(
        fields, (), {"number": "12/CV-TU", "issuer": "Tỉnh ủy Lào Cai", "urgency": "khan"}
    )
    assert merged["issuer"] == "Tỉnh ủy Lào Cai"
    assert merged["urgency"] == "khan"
    assert merged["number"] == "12 / CV-TU"  # the same number typed two ways
    assert review == () and disagreed == []


def test_a_disagreement_keeps_what_was_read_and_goes_to_a_person_with_both_values():
    fields = {"number": "12-CV/TU", "date": "2024-03-01", "subject": "Về việc A"}
    merged, review, disagreed = reconcile(
        fields, ({"field": "subject", "reason": "unsure"},), {"number": "13-CV/TU", "subject": "B"}
    )
    assert merged["number"] == "12-CV/TU"
    assert disagreed == ["number", "subject"]
    items = {i["field"]: i for i in review}
    assert items["number"]["declared"] == "13-CV/TU" and items["number"]["code"] == "declared"
    assert "13-CV/TU" in items["number"]["reason"] and "12-CV/TU" in items["number"]["reason"]
    assert items["subject"]["reason"] == "unsure"  # one item per field


def test_a_sure_reading_that_differs_from_the_declared_level_is_flagged():
    sure_mat = (Reading("mat", 0.95, "header"),)
    _, review, disagreed = reconcile({"level": "mat"}, (), {"level": "thuong"}, sure_mat)
    assert disagreed == ["level"] and review[0]["field"] == "level"
    _, review, disagreed = reconcile({"level": "mat"}, (), {"level": "mat"}, sure_mat)
    assert disagreed == [] and review == ()
    doubtful = (Reading("toi_mat", 0.4, "stamp"),)  # nothing sure read: nothing to contradict
    _, review, disagreed = reconcile({"level": "mat"}, (), {"level": "mat"}, doubtful)
    assert disagreed == []
