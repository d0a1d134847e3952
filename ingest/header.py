"""Parse the header of a Party or state document from extracted text.

Text comes from PDF text layers, OCR, Word files and plain-text copies, so the parser works on
"cells" (lines, and two-column lines split at wide gaps) and recognises each header element by its
own shape rather than by position: extraction may interleave the left and right columns in any
order, and may put the title before the number. Body text is never searched for the document's
own number, date or marks, because bodies cite other documents ("Kết luận số 82-KL/TW ngày
16/8/2010") and talk about "bảo mật". Every field carries its evidence (line and confidence) so
the review queue can show an archivist the line a value came from.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field

from ingest.classify import blocks
from ingest.classify.cells import (
    Cell,
    first,
    header_cells,
    is_issuer_cell,
    parse_date,
    parse_number,
    subject_at,
    tail_cells,
)
from ingest.classify.issuer import compose_issuer, compose_superior, symbol_agrees
from ingest.classify.text import canonical_tones, match_key
from ingest.classify.vocab import (
    DOC_TYPES,
    LEVEL_RANK,
    LEVELS,
    STATE_DOC_TYPES,
    URGENCIES,
    URGENCY_RANK,
)
from ingest.legacy import to_unicode

__all__ = [
    "DOC_TYPES",
    "DOC_TYPE_NAMES",
    "LEVELS",
    "STATE_DOC_TYPES",
    "URGENCIES",
    "Evidence",
    "Header",
    "canonical_tones",
    "compose_issuer",
    "match_key",
    "parse_header",
]

# Code → the type's name as people read it ("NQ" → "Nghị quyết"); the first title of a code wins.
DOC_TYPE_NAMES: dict[str, str] = {
    code: title.capitalize() for title, code in reversed(DOC_TYPES.items())
}
HEAD_LINES = 70  # the header is looked for this far down (cells past HEADER_LINES only if needed)
TAIL_LINES = 80  # signature and recipients are looked for in the last lines
MAX_LINE = 2000
_INVISIBLE = re.compile(r"[\u200b-\u200d\ufeff]")


@dataclass
class Evidence:
    """Where a field's value came from: the line (0-based, in the NFC text) and how sure we are."""

    line_no: int | None
    line: str | None
    confidence: float

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Header:
    """Fields of a document header; None where the text did not show them."""

    kind: str | None = None
    doc_type: str | None = None
    number: str | None = None
    issuer: str | None = None
    date: str | None = None
    place: str | None = None
    subject: str | None = None
    level: str = "thuong"
    urgency: str = "thuong"
    superior: str | None = None
    deadline: str | None = None  # ISO "2024-09-09T15:00" for HỎA TỐC HẸN GIỜ
    circulation: list[str] = field(default_factory=list)
    signer_authority: str | None = None  # "T/M Ban Thường vụ", "K/T Bí thư"
    signer_position: str | None = None  # "Phó Bí thư"
    signer_name: str | None = None
    recipients: list[str] = field(default_factory=list)
    evidence: dict[str, Evidence] = field(default_factory=dict)

    def as_dict(self) -> dict:
        """Plain dict for storage and JSON: the truth-file keys plus the new fields, no evidence
        (it holds whole lines of the document; see ``evidence_dict``)."""
        out = asdict(self)
        out.pop("evidence")
        return out

    def evidence_dict(self) -> dict[str, dict]:
        """Evidence as plain dicts; holds document text, so store it sealed like the text."""
        return {name: ev.as_dict() for name, ev in self.evidence.items()}

    def confidence(self, name: str) -> float:
        ev = self.evidence.get(name)
        return ev.confidence if ev else 0.0


def _clean(text: str) -> str:
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text)).replace("\xa0", " ")
    return unicodedata.normalize("NFC", to_unicode(text))


def _lines(text: str) -> tuple[list[str], int]:
    """The head and tail lines of the text (NFC, legacy encodings converted), and the line
    number of the tail's first line. A huge text layer costs no more than a few pages."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    all_lines = text.split("\n")
    head = [line[:MAX_LINE] for line in all_lines[:HEAD_LINES]]
    tail_from = max(HEAD_LINES, len(all_lines) - TAIL_LINES)
    tail = [line[:MAX_LINE] for line in all_lines[tail_from:]]
    return _clean("\n".join(head)).split("\n") + (
        _clean("\n".join(tail)).split("\n") if tail else []
    ), tail_from - HEAD_LINES


class _Builder:
    """Collects field values with their evidence."""

    def __init__(self, lines: list[str], offset: int) -> None:
        self.header = Header()
        self.lines, self.offset = lines, offset

    def line_of(self, index: int) -> tuple[int, str]:
        """Real line number and text of a line index (tail lines are offset)."""
        real = index if index < HEAD_LINES else index + self.offset
        return real, self.lines[index].strip() if index < len(self.lines) else ""

    def put(self, name: str, value: object, line: int | None, confidence: float) -> None:
        setattr(self.header, name, value)
        if value in (None, [], ""):
            return
        no, text = self.line_of(line) if line is not None else (None, None)
        self.header.evidence[name] = Evidence(no, text, round(confidence, 2))


def _doc_type(
    title: Cell | None, kind: str | None, code: str | None, summary: bool
) -> tuple[str | None, float]:
    """The title line decides (a Politburo Quy định keeps QĐ/TW); else the symbol; else V/v."""
    fuzzy = title is not None and title.confidence < 0.9
    if kind == "state" and code and code != "CV":
        return code, 0.95
    if title is not None:
        found = STATE_DOC_TYPES.get(title.value, DOC_TYPES[title.value])
        found = found if kind == "state" else DOC_TYPES[title.value]
        agrees = code is None or code == found or {code, found} == {"QĐ", "QĐi"}
        if code and agrees:
            return found, 0.98
        return found, (0.6 if code else 0.75 if fuzzy else 0.9)
    if code:
        return code, 0.85
    return ("CV", 0.8) if summary else (None, 0.0)


def _marks(cells: list[Cell], b: _Builder) -> None:
    """Highest secrecy and urgency among the standalone stamps of the header region.

    Missing a secrecy mark would expose the document, an extra one only restricts it: so OCR-
    damaged stamps count (with low confidence), and disagreeing stamps resolve upward.
    """
    levels = [c for c in cells if c.role == "mark" and c.level != "thuong"]
    urgent = [c for c in cells if c.role == "mark" and c.urgency != "thuong"]
    deadline = any(c.role == "deadline" for c in cells)
    if levels:
        best = max(levels, key=lambda c: (LEVEL_RANK.index(c.level), c.confidence))
        mixed = len({c.level for c in levels}) > 1
        b.put("level", best.level, best.line, min(best.confidence, 0.7 if mixed else 1.0))
    else:
        b.header.evidence["level"] = Evidence(None, None, 0.9)
    if urgent:
        best = max(urgent, key=lambda c: (URGENCY_RANK.index(c.urgency), c.confidence))
        value = "hoa_toc_hen_gio" if best.urgency == "hoa_toc" and deadline else best.urgency
        b.put("urgency", value, best.line, best.confidence)


def _parse(text: str) -> Header:
    lines, offset = _lines(text)
    b = _Builder(lines, offset)
    head = header_cells(lines[:HEAD_LINES])
    region = head.region
    cells = head.cells
    title = first(cells, "title", region)
    number_at = head.number_at
    if title is not None:
        subject, subject_conf = subject_at(cells, title + 1, skip_header=False)
        b.put("subject", subject, cells[title + 1].line if subject else None, subject_conf)
    elif head.summary_at is not None:
        subject, subject_conf = subject_at(cells, head.summary_at, skip_header=True)
        b.put("subject", subject, cells[head.summary_at].line, subject_conf)
    code = symbol_body = number_kind = None
    if number_at is not None and (parsed := parse_number(cells[number_at].text)):
        number, number_kind, code, symbol_body = parsed
        b.put("number", number, cells[number_at].line, head.number_confidence)
    date_at = first(cells, "date", region if title is None else title)
    if date_at is None:
        date_at = first(cells, "date", region if title is not None else len(cells))
    if date_at is not None and (found := parse_date(cells[date_at].text)):
        iso, place, date_conf = found
        b.put("date", iso, cells[date_at].line, date_conf)
        b.put("place", place, cells[date_at].line, date_conf)
    _marks(cells[:region], b)
    lo, hi = head.subject_span
    candidates = [c for i, c in enumerate(cells[:region]) if not lo <= i < hi]
    issuer_cells = [c for c in candidates[: head.issuer_end] if is_issuer_cell(c)]
    if not issuer_cells:  # the number came first: take the body lines after it
        issuer_cells = [c for c in candidates if is_issuer_cell(c)]
    keys = [c.key for c in issuer_cells]
    issuer = compose_issuer(keys)
    if issuer:
        agrees = symbol_agrees(issuer, symbol_body)
        conf = min(c.confidence for c in issuer_cells)
        conf = min(conf, 0.97 if agrees else 0.85 if agrees is None else 0.65)
        b.put("issuer", issuer, issuer_cells[-1].line, conf)
        superior = compose_superior(keys)
        sup_line = issuer_cells[0].line if superior else None
        b.put("superior", superior, sup_line, 0.85)
    mottos = [c for c in cells[:region] if c.role == "motto"]
    party = next((c for c in mottos if c.value == "party"), None)
    motto = party or (mottos[0] if mottos else None)
    if motto is not None:
        b.put("kind", motto.value, motto.line, motto.confidence)
    elif number_kind:
        b.put("kind", number_kind, cells[number_at].line, 0.8)
    elif b.header.date or title is not None or b.header.issuer:
        b.put("kind", "other", None, 0.6)
    doc_type, type_conf = _doc_type(
        cells[title] if title is not None else None,
        b.header.kind,
        code,
        head.summary_at is not None,
    )
    type_line = cells[title].line if title is not None else cells[number_at].line if code else None
    if type_line is None and head.summary_at is not None:
        type_line = cells[head.summary_at].line
    b.put("doc_type", doc_type, type_line, type_conf)
    region_lines = [(c.line, c.text) for c in cells[:region]]
    notes = blocks.find_circulation(region_lines)
    b.put("circulation", [n.value for n in notes], notes[0].line_no if notes else None, 0.85)
    if b.header.urgency in ("hoa_toc", "hoa_toc_hen_gio"):
        found = blocks.find_deadline(region_lines, b.header.date)
        if found:
            b.put("deadline", found.value, found.line_no, found.confidence)
            b.header.urgency = "hoa_toc_hen_gio"
    _tail(b, lines, cells, region)
    return b.header


def _tail(b: _Builder, lines: list[str], cells: list[Cell], region: int) -> None:
    """Signature block and recipients, from the cells after the header region."""
    body_line = cells[region].line if region < len(cells) else len(lines)
    tail = blocks.split_glued(tail_cells(lines, body_line))
    signer = blocks.find_signer(tail)
    for name, found in (
        ("signer_authority", signer.authority),
        ("signer_position", signer.position),
        ("signer_name", signer.name),
    ):
        if found:
            b.put(name, found.value, found.line_no, found.confidence)
    head_recipients = [(c.line, c.text) for c in cells if c.line < body_line + 12]
    found = blocks.find_recipients(tail) or blocks.find_recipients(head_recipients)
    if found:
        b.put("recipients", found.value, found.line_no, found.confidence)


def parse_header(text: str) -> Header:
    """Parse the header fields of a document; fields that cannot be found stay None.

    Ingestion must not stop on one damaged document, so unexpected input yields an empty Header
    instead of an exception.
    """
    try:
        return _parse(text)
    except Exception:  # a bad scan must not abort a batch import
        return Header()
