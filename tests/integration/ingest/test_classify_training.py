"""The filing model learns from confirmed filings, is stored sealed, and feeds suggestions."""

from __future__ import annotations

from archive.lifecycle import plan
from archive.records import review
from ingest import pipeline
from ingest.demo import samples
from ingest.describe import training
from security.actor import Context
from tests.support.people import add_person

SUBJECTS = {
    "VP.2026.01": [
        "về phát triển đảng viên mới ở cơ sở",
        "về kết nạp đảng viên trong thanh niên",
        "về công tác phát triển đảng viên năm 2026",
    ],
    "VP.2026.02": [
        "về chuyển đổi số trong cơ quan đảng",
        "về ứng dụng công nghệ thông tin",
        "về chữ ký số và văn bản điện tử",
    ],
}


def _file(inst, ctx, n: int, subject: str) -> int:
    truth = {
        "kind": "party",
        "doc_type": "CV",
        "number": f"{n}-CV/VPTU",
        "issuer": "Văn phòng Tỉnh ủy Lào Cai",
        "date": "2026-03-05",
        "subject": subject,
        "level": "thuong",
        "urgency": "thuong",
    }
    text = samples.render_text(truth, [f"Nội dung số {n}."]).encode()
    result = pipeline.ingest_bytes(inst, ctx, text, f"{n}.txt")
    assert result.status == "stored", result.reason
    return result.id


def test_model_learns_from_dossiers_and_is_stored_sealed(inst):
    archivist = add_person(inst, "vanthu.mat", "archivist", "mat")
    n = 0
    for code, subjects in SUBJECTS.items():
        plan.plan(inst, archivist.ctx, 2026, code, f"Hồ sơ {code}", "10", "VP")
        ids = []
        for subject in subjects:
            n += 1
            ids.append(_file(inst, archivist.ctx, n, subject))
            review.confirm(inst, archivist.ctx, ids[-1])
        plan.add(inst, archivist.ctx, code, ids)
    assert training.retrain_and_store(inst, Context(None, "test")) == 6
    stored = (inst.home / training.MODEL_FILE).read_bytes()
    assert "đảng viên".encode() not in stored and b"dang vien" not in stored
    model = training.load(inst)
    assert model.suggest("về phát triển đảng viên trẻ", k=1)[0][0] == "VP.2026.01"
    fields = {"doc_type": "CV", "subject": "về chữ ký số trong văn bản đi", "kind": "party"}
    series = [
        s["series"] for s in pipeline.filing_suggestions(inst, fields) if s["source"] == "model"
    ]
    assert series and series[0] == "VP.2026.02"
    (inst.home / training.MODEL_FILE).write_bytes(stored[:-1] + bytes([stored[-1] ^ 1]))
    assert training.load(inst) is None  # tampered: ignored, never parsed
