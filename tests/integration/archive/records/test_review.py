"""The classifier's output becomes a review queue; confirming clears it, corrections go through
the editing rules; evidence lines stay sealed."""

from __future__ import annotations

import pytest

from archive.records import gate, review
from ingest import pipeline
from ingest.demo import samples
from security.errors import Refused
from tests.support.people import add_person


def _file(inst, ctx, level: str, number: str = "21-NQ/TU") -> int:
    truth = {
        "kind": "party",
        "doc_type": "NQ",
        "number": number,
        "issuer": "Tỉnh ủy Lào Cai",
        "date": "2024-03-05",
        "subject": "về phát triển đảng viên",
        "level": level,
        "urgency": "thuong",
    }
    text = samples.render_text(truth, ["Nội dung nghị quyết."]).encode()
    result = pipeline.ingest_bytes(inst, ctx, text, f"{number.replace('/', '_')}.txt")
    assert result.status == "stored", result.reason
    return result.id


def test_secret_marks_go_to_review_with_their_source_line(inst, archivist):
    ordinary = _file(inst, archivist.ctx, "thuong", "1-NQ/TU")
    secret = _file(inst, archivist.ctx, "mat", "2-NQ/TU")
    queued = {v.id: v for v in review.queue(inst, archivist.ctx)}
    assert secret in queued and ordinary not in queued
    items = queued[secret].details["review"]
    level_item = next(i for i in items if i["field"] == "level")
    assert level_item["line"].strip() == "MẬT"
    suggestions = queued[secret].details["suggestions"]
    assert suggestions and suggestions[0]["reason"]  # e.g. type NQ → Vĩnh viễn


def test_confirming_clears_the_queue_and_corrections_follow_the_rules(inst, archivist):
    doc_id = _file(inst, archivist.ctx, "mat")
    low = add_person(inst, "vanthu.mat", "archivist", "mat")
    with pytest.raises(Refused):  # an archivist may not lower a level
        review.confirm(inst, low.ctx, doc_id, {"level": "thuong"})
    review.confirm(inst, archivist.ctx, doc_id, {"subject": "về phát triển đảng viên mới"})
    assert review.queue(inst, archivist.ctx) == []
    assert gate.view_document(inst, archivist.ctx, doc_id).subject.endswith("mới")
    reader = add_person(inst, "canbo", "reader", "mat")
    with pytest.raises(Refused):
        review.confirm(inst, reader.ctx, doc_id)
