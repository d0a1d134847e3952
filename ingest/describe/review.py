"""Which extracted fields an archivist must look at before filing, and why.

Wrong secrecy is the costliest error (it decides who sees the file), so any level other than
ordinary always goes to review, whatever its confidence. So does a number or day left blank or
written by hand (never guessed), a field the register needs but the parser did not find, and
any field whose confidence is under the threshold. Fields read with confidence are not sent:
flagging what is right buries the real doubts. Each item carries a machine-readable ``code``
(``secret``, ``blank``, ``missing``, ``unknown``, ``unsure``, ``deadline``) beside the reason
shown to the archivist, and the line the value came from.
"""

from __future__ import annotations

from dataclasses import dataclass

from ingest.describe.header import Header
from security.vocabulary import LEVEL_NAMES

# Fields every register entry needs; missing ones are worth a look.
REQUIRED = ("kind", "doc_type", "number", "issuer", "date", "subject")
# Review order, as the form shows them.
ORDER = (
    "level", "urgency", "deadline", "kind", "doc_type", "number", "issuer", "superior", "date",
    "place", "subject", "circulation", "signer_authority", "signer_position", "signer_name",
    "recipients",
)  # fmt: skip
THRESHOLD = 0.8


@dataclass(frozen=True)
class ReviewItem:
    """One field to check, why, and the source line to highlight (None if not found)."""

    field: str
    reason: str  # Vietnamese, shown to the archivist
    confidence: float
    line_no: int | None
    line: str | None
    code: str = "unsure"  # secret | blank | missing | unknown | unsure | deadline
    proposal: str | None = None  # a likelier value the page offers in one click


def _reason(header: Header, name: str, threshold: float) -> tuple[str, str] | None:
    """(code, reason) when the field needs a look, else None."""
    ev = header.evidence.get(name)
    value = getattr(header, name)
    conf = ev.confidence if ev else 0.0
    note = f": {ev.note}" if ev and ev.note else ""
    if name == "level" and value != "thuong":
        return "secret", f"độ mật {LEVEL_NAMES.get(value, value)}: luôn cần văn thư xác nhận"
    if ev is not None and ev.code == "blank":
        return "blank", (ev.note or "để trống hoặc viết tay") + ": cần văn thư điền"
    if name in REQUIRED and value in (None, ""):
        return "missing", "không tìm thấy trong văn bản"
    if name == "deadline" and header.urgency == "hoa_toc_hen_gio" and not value:
        return "deadline", "hỏa tốc hẹn giờ nhưng không đọc được giờ hẹn"
    if ev is not None and conf < threshold:
        return (ev.code or "unsure"), f"độ tin cậy thấp ({conf:.2f}){note}"
    return None


def review_items(header: Header, threshold: float = THRESHOLD) -> list[ReviewItem]:
    """Fields needing a human look, in form order, each with its reason and source line."""
    items: list[ReviewItem] = []
    for name in ORDER:
        found = _reason(header, name, threshold)
        if found is None:
            continue
        ev = header.evidence.get(name)
        conf = ev.confidence if ev else 0.0
        line_no, line = (ev.line_no, ev.line) if ev else (None, None)
        proposal = ev.proposal if ev and ev.proposal != getattr(header, name) else None
        items.append(ReviewItem(name, found[1], conf, line_no, line, found[0], proposal))
    return items


def review_reasons(header: Header, threshold: float = THRESHOLD) -> list[str]:
    """Names of the fields needing a human look (see ``review_items`` for why and where)."""
    return [item.field for item in review_items(header, threshold)]
