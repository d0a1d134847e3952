"""Which extracted fields an archivist must look at before filing.

Wrong secrecy is the costliest error (it decides who sees the file), so any level other than
ordinary always goes to review, whatever its confidence; so does a field the register needs but
the parser did not find, and any field whose confidence is under the threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

from ingest.header import Header

# Fields every register entry needs; missing ones are worth a look.
REQUIRED = ("kind", "doc_type", "number", "issuer", "date", "subject")
# Review order, as the form shows them.
ORDER = (
    "level", "urgency", "deadline", "kind", "doc_type", "number", "issuer", "superior", "date",
    "place", "subject", "circulation", "signer_authority", "signer_position", "signer_name",
    "recipients",
)  # fmt: skip


@dataclass(frozen=True)
class ReviewItem:
    """One field to check, why, and the source line to highlight (None if not found)."""

    field: str
    reason: str  # Vietnamese, shown to the archivist
    confidence: float
    line_no: int | None
    line: str | None


def review_items(header: Header, threshold: float = 0.8) -> list[ReviewItem]:
    """Fields needing a human look, in form order, each with its reason and source line."""
    items: list[ReviewItem] = []
    for name in ORDER:
        ev = header.evidence.get(name)
        value = getattr(header, name)
        conf = ev.confidence if ev else 0.0
        line_no, line = (ev.line_no, ev.line) if ev else (None, None)
        if name == "level" and value != "thuong":
            reason = f"độ mật {value}: luôn cần văn thư xác nhận"
        elif name in REQUIRED and value in (None, ""):
            reason = "không tìm thấy trong văn bản"
        elif name == "deadline" and header.urgency == "hoa_toc_hen_gio" and not value:
            reason = "hỏa tốc hẹn giờ nhưng không đọc được giờ hẹn"
        elif ev is not None and conf < threshold:
            reason = f"độ tin cậy thấp ({conf:.2f})"
        else:
            continue
        items.append(ReviewItem(name, reason, conf, line_no, line))
    return items


def review_reasons(header: Header, threshold: float = 0.8) -> list[str]:
    """Names of the fields needing a human look (see ``review_items`` for why and where)."""
    return [item.field for item in review_items(header, threshold)]
