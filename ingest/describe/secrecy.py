"""The secrecy decision: the level a record is filed at, and whether it is held back.

A secret document filed as ordinary is the one failure Kho exists to prevent; a record flagged
for nothing is noise that buries the real doubts. So the decision separates three things:

- **Readings** of a level: the header's own mark (from the text), stamps read on the page images
  (``Mark`` of kind ``level``), and the level the archivist declared. A reading at or above
  ``SURE`` confidence counts; the level filed is the highest counted reading, never below the
  declared level (a floor). A reading under ``SURE`` never lowers anything and never raises the
  level by itself: it holds the record back and is offered to the person as ``suggested``.
- **Doubts about a reading** (``DOUBTS``): a level read with low confidence above the level
  filed, or a stamp-like mark in the header that could not be read while the level is below
  TỐI MẬT (it may be a higher mark). These hold the record back whatever was declared.
- **Could not look** (``UNREAD``): no readable text at all; a first page without text; or a
  first page whose text came from OCR (of a scan, or of a garbled text layer) where the page
  images were not searched for stamps (OCR of a whole page misses red rubber stamps), or the
  header itself was not found. Nothing there says the record is secret, but nothing could have.
  These hold the record back unless the archivist declared a level above ordinary: a person
  who says "these are at least MẬT" has made the decision the review would ask for. A declared
  "ordinary" is the floor every record has and clears nothing.

Not held back: a good text layer, a Word or plain-text file (the parser reads a mark there with
full confidence, and "bảo mật" in a sentence is not a mark), or a scan whose page images were
searched and showed no stamp-like mark, or only known ones (ĐẾN, urgency, circulation), with
the header read.

Pending (chờ xác định độ mật) keeps the record from everyone but its filer and security officers
until a person sets the level (security.policy, archive.editing).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from ingest.examine import sniff, stages
from security.vocabulary import LEVEL_NAMES, LEVELS, level_rank

if TYPE_CHECKING:
    from ingest.describe.header import Header

SURE = 0.8  # a reading at or above this confidence is taken as read
HEADER_DEPTH = 0.5  # an unread mark counts when it sits in this top share of page 1
LONE_MARK = 0.6  # a mark standing alone on a line outside the header: seen, but not read as one
HEADER_FIELDS = ("number", "date", "issuer", "doc_type")  # at least two: the header was read
_TEXT_FORMATS = frozenset({sniff.MediaType.DOCX, sniff.MediaType.ODT, sniff.MediaType.RTF,
                           sniff.MediaType.TEXT})  # fmt: skip


@dataclass(frozen=True)
class Reason:
    """Why a record is held back, in Vietnamese (shown first) and English."""

    code: str
    vi: str
    en: str

    def as_dict(self) -> dict:
        return asdict(self)


# Reasons a declared level above ordinary clears (nothing could be seen) ...
UNREAD = frozenset({"no_text", "first_page_no_text", "header_not_found", "stamps_not_searched"})
# ... and reasons it does not (something was seen and may be higher).
DOUBTS = frozenset({"doubtful_level", "unread_mark"})


@dataclass(frozen=True)
class Reading:
    level: str
    confidence: float
    source: str  # header (text layer or Word), header_ocr, stamp
    page: int | None = None


@dataclass(frozen=True)
class Assessment:
    level: str  # the level to file at (provisional while pending)
    pending: bool
    reasons: tuple[Reason, ...] = ()  # why it is held back (empty when it is not)
    waived: tuple[Reason, ...] = ()  # "could not look" reasons the declared level cleared
    suggested: str | None = None  # a higher level read with doubt: what the review proposes
    readings: tuple[Reading, ...] = ()
    header_source: str = "none"  # text | ocr | garbled | none (page 1)
    declared: str | None = None
    stamps_searched: bool = False
    marks: tuple[dict, ...] = field(default=())

    @property
    def doubts(self) -> tuple[Reason, ...]:
        """The reasons a declared level (or a person's earlier decision) does not clear."""
        return tuple(r for r in self.reasons if r.code in DOUBTS)

    def evidence(self) -> dict:
        """What the decision rested on, sealed with the record (mark texts are content)."""
        return {
            "pending": self.pending,
            "level": self.level,
            "suggested": self.suggested,
            "declared": self.declared,
            "reasons": [r.as_dict() for r in self.reasons],
            "waived": [r.as_dict() for r in self.waived],
            "readings": [asdict(r) for r in self.readings],
            "header_source": self.header_source,
            "stamps_searched": self.stamps_searched,
            "marks": list(self.marks),
        }


def header_source(examined: stages.Examined) -> str:
    """Where page 1's text came from. ``Examined.page_sources`` says so when the examination
    filled it in; otherwise it is inferred, erring towards "ocr" (which asks more questions)."""
    if examined.page_sources:
        return examined.page_sources[0]
    if not examined.text.strip() or 0 in examined.pages_needing_ocr:
        return "none"
    if examined.media_type in _TEXT_FORMATS:
        return "text"
    if examined.media_type in sniff.IMAGES:
        return "ocr"
    ocr_ran = any(e.stage == stages.OCR and e.outcome == "success" for e in examined.events)
    return "ocr" if ocr_ran else "text"


def header_read(header: Header | None) -> bool:
    """The header was found: at least two of number, date, issuer and type were read."""
    return header is not None and sum(bool(getattr(header, n)) for n in HEADER_FIELDS) >= 2


def _in_header(mark: stages.Mark) -> bool:
    return mark.page == 0 and mark.box[1] < HEADER_DEPTH


# A line that is nothing but a secrecy mark, as offices type or stamp it ("MẬT", "TỐI MẬT",
# "TUYỆT MẬT", "ĐỘ MẬT: MẬT", in brackets or a box drawn with characters); "bảo mật" in a
# sentence never matches.
_LONE_MARK = re.compile(r"^[\W_]*(?:ĐỘ\s*MẬT\s*:?\s*)?(TUYỆT\s+MẬT|TỐI\s+MẬT|MẬT)[\W_]*$")
_LONE_LEVELS = {"MẬT": "mat", "TỐI MẬT": "toi_mat", "TUYỆT MẬT": "tuyet_mat"}


def lone_marks(text: str) -> list[str]:
    """Levels of the lines of ``text`` that are a secrecy mark and nothing else (upper case, as
    marks are written). The header reader looks only at the header; a mark elsewhere (a text box
    anchored lower in a Word file, a mark repeated at the foot of a page) is still a mark."""
    found = []
    for line in unicodedata.normalize("NFC", text).splitlines():
        match = _LONE_MARK.match(line.strip())
        if match:
            found.append(_LONE_LEVELS[" ".join(match.group(1).split())])
    return found


def _readings(examined: stages.Examined, header: Header | None, source: str) -> list[Reading]:
    """Every reading of a level. A lone mark line anywhere in the text counts as a reading with
    doubt (``LONE_MARK``): when the header did not read that level, the record is held back and
    the level offered to the person, never filed silently below it."""
    found = []
    if header is not None and header.level in LEVELS and header.level != "thuong":
        origin = "header" if source == "text" else "header_ocr"
        found.append(Reading(header.level, header.confidence("level"), origin, 0))
    for mark in examined.marks:
        if mark.kind == "level" and mark.value in LEVELS and mark.value != "thuong":
            found.append(Reading(mark.value, mark.confidence, "stamp", mark.page))
    for level in sorted(set(lone_marks(examined.text)), key=level_rank):
        found.append(Reading(level, LONE_MARK, "text_line", None))
    return found


def _unread_marks(examined: stages.Examined) -> list[stages.Mark]:
    """Stamp-like marks in the header whose text could not be read (or read as no level)."""
    return [
        m
        for m in examined.marks
        if _in_header(m) and (m.kind == "unknown" or (m.kind == "level" and m.value not in LEVELS))
    ]


def _mark_dict(mark: stages.Mark) -> dict:
    return {
        "kind": mark.kind,
        "value": mark.value,
        "text": mark.text[:200],
        "confidence": round(mark.confidence, 2),
        "page": mark.page,
        "box": [round(v, 4) for v in mark.box],
        "angle": round(mark.angle, 1),
    }


def _max_level(levels: list[str]) -> str:
    return max(levels, key=level_rank, default="thuong")


def assess(
    examined: stages.Examined, header: Header | None, declared_level: str | None = None
) -> Assessment:
    """The level to file at, whether the record is held back, and why (see the module)."""
    source = header_source(examined)
    has_text = examined.text.strip() != ""
    readings = _readings(examined, header, source)
    sure = [r.level for r in readings if r.confidence >= SURE]
    declared = declared_level if declared_level in LEVELS else None
    level = _max_level([*sure, declared or "thuong"])
    doubtful = [
        r for r in readings if r.confidence < SURE and level_rank(r.level) > level_rank(level)
    ]
    suggested = _max_level([r.level for r in doubtful]) if doubtful else None

    reasons: list[Reason] = []
    if doubtful:
        best = max(doubtful, key=lambda r: (level_rank(r.level), r.confidence))
        name = LEVEL_NAMES[best.level].upper()
        reasons.append(
            Reason(
                "doubtful_level",
                f"Đọc được dấu {name} nhưng không chắc chắn (độ tin cậy {best.confidence:.2f}).",
                f"Secrecy mark {name} read with low confidence ({best.confidence:.2f}).",
            )
        )
    if _unread_marks(examined) and level_rank(level) < level_rank("toi_mat"):
        reasons.append(
            Reason(
                "unread_mark",
                "Có dấu dạng con dấu ở phần đầu văn bản nhưng không đọc được chữ: "
                "có thể là dấu mật.",
                "A stamp-like mark in the header could not be read: it may be a secrecy mark.",
            )
        )
    if not has_text:
        reasons.append(
            Reason(
                "no_text",
                "Không có chữ đọc được (bản quét chưa nhận dạng, hoặc nhận dạng không được): "
                "không thấy được dấu mật.",
                "No readable text (a scan not recognised yet, or OCR failed): a secrecy mark "
                "cannot be seen.",
            )
        )
    elif source == "none":
        reasons.append(
            Reason(
                "first_page_no_text",
                "Trang đầu không có chữ đọc được: không thấy được dấu mật.",
                "The first page has no readable text: a secrecy mark there cannot be seen.",
            )
        )
    elif source in ("ocr", "garbled"):
        if not examined.stamps_searched:
            reasons.append(
                Reason(
                    "stamps_not_searched",
                    "Trang đầu là bản quét chưa được dò tìm con dấu (nhận dạng chữ thường bỏ sót "
                    "dấu mật đỏ).",
                    "The first page is a scan whose image was not searched for stamps (OCR "
                    "often misses a red secrecy stamp).",
                )
            )
        if not header_read(header):
            reasons.append(
                Reason(
                    "header_not_found",
                    "Không tìm thấy phần đầu văn bản trong chữ nhận dạng được.",
                    "The header was not found in the recognised text.",
                )
            )
    cleared = declared is not None and declared != "thuong"
    waived = tuple(r for r in reasons if cleared and r.code in UNREAD)
    held = tuple(r for r in reasons if r not in waived)
    return Assessment(
        level=level,
        pending=bool(held),
        reasons=held,
        waived=waived,
        suggested=suggested,
        readings=tuple(readings),
        header_source=source,
        declared=declared,
        stamps_searched=examined.stamps_searched,
        marks=tuple(_mark_dict(m) for m in examined.marks),
    )


def with_review_item(assessment: Assessment, review: tuple[dict, ...] | list[dict]) -> tuple:
    """Review items with the level first, saying why the record is held back and what was read
    with doubt (replacing any earlier level item)."""
    reasons = " ".join(r.vi for r in assessment.reasons) or (
        "Chưa có người xác định độ mật."  # still held back from an earlier reading
    )
    item = {
        "field": "level",
        "reason": f"Chờ xác định độ mật: {reasons}",
        "confidence": max((r.confidence for r in assessment.readings), default=0.0),
        "line_no": None,
        "line": None,
        "pending": True,
        "suggested": assessment.suggested,
    }
    return (item, *(i for i in review if i.get("field") != "level"))
