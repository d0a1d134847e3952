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

import datetime as dt
import itertools
import logging
import re
import unicodedata
from collections import Counter
from dataclasses import asdict, dataclass, field, replace

from ingest.describe import blocks, gazetteer, spelling
from ingest.describe.cells import (
    HEADER_LINES,
    Cell,
    HeadCells,
    first,
    header_cells,
    is_issuer_cell,
    subject_at,
    tail_cells,
)
from ingest.describe.issuer import Reading, read_issuer
from ingest.describe.numbers import NumberReading, read_date, read_number
from ingest.describe.subject import clean_subject
from ingest.describe.syllable import noisy, word_share
from ingest.describe.text import canonical_tones, fold, match_key
from ingest.describe.vocab import (
    DOC_TYPES,
    LEVEL_RANK,
    LEVELS,
    STATE_DOC_TYPES,
    TYPE_CODES,
    URGENCIES,
    URGENCY_RANK,
)
from ingest.examine.legacy import to_unicode

log = logging.getLogger(__name__)

__all__ = [
    "DOC_TYPES",
    "DOC_TYPE_NAMES",
    "LEVELS",
    "STATE_DOC_TYPES",
    "URGENCIES",
    "Evidence",
    "Header",
    "canonical_tones",
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
BODY_CHARS = 200_000  # of the body, to check the subject's words against
_INVISIBLE = re.compile(r"[\u200b-\u200d\ufeff]")


@dataclass
class Evidence:
    """Where a field's value came from: the line (0-based, in the NFC text), how sure we are,
    and what the reader did or doubted on the way (``note``, Vietnamese, shown in review).
    ``code`` classifies a doubt for the review queue: "blank" (a number or day left blank or
    written by hand), "unknown" (a body the gazetteer does not know). ``proposal`` is what
    the reader thinks likelier but did not dare file ("hiệu quả" for "hiệu quá"): offered to
    the person in one click, so a doubt costs a glance rather than typing."""

    line_no: int | None
    line: str | None
    confidence: float
    note: str | None = None
    code: str | None = None
    proposal: str | None = None  # the likelier value, offered to the person, never filed

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


# OCR writes the Icelandic eth (Ð, U+00D0) for the Vietnamese Đ (U+0110), which looks the same.
_LOOKALIKES = str.maketrans({"Ð": "Đ", "ð": "đ", "\xa0": " "})


def _clean(text: str) -> str:
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text)).translate(_LOOKALIKES)
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

    def put(
        self,
        name: str,
        value: object,
        line: int | None,
        confidence: float,
        note: str | None = None,
        code: str | None = None,
        proposal: str | None = None,
    ) -> None:
        setattr(self.header, name, value)
        if value in (None, [], "") and code is None:
            return
        no, text = self.line_of(line) if line is not None else (None, None)
        self.header.evidence[name] = Evidence(no, text, round(confidence, 2), note, code, proposal)


def _doc_type(
    title: Cell | None, kind: str | None, code: str | None, summary: bool
) -> tuple[str | None, float, str | None]:
    """The title line decides (a Politburo Quy định keeps QĐ/TW); else a công văn's V/v line
    (a state symbol's first part may be the body: "2191/CT-CS" is Cục Thuế's); else the code.
    Returns the type, its confidence and, when doubted, why."""
    fuzzy = title is not None and title.confidence < 0.8
    if title is not None:
        found = STATE_DOC_TYPES.get(title.value, DOC_TYPES[title.value])
        found = found if kind == "state" else DOC_TYPES[title.value]
        agrees = code in (None, "CV") or code == found or {code, found} <= {"QĐ", "QĐi", "QyĐ"}
        if code and agrees:
            return found, 0.98, None
        if code:
            return found, 0.6, f"tên loại '{title.text}' khác ký hiệu trong số văn bản ({code})"
        if fuzzy:
            return found, 0.75, f"tên loại đọc không rõ: '{title.text}'"
        return found, min(0.9, title.confidence), None
    if summary:
        if code in (None, "CV") or kind == "state":
            return "CV", 0.9, None
        return "CV", 0.7, f"có dòng V/v của công văn nhưng ký hiệu trong số là {code}"
    if code:
        return code, 0.95 if kind == "state" else 0.85, None
    return None, 0.0, None


def _marks_past(cells: list[Cell], region: int) -> list[Cell]:
    """Standalone marks below where the header region was cut but above the header's last
    element ("KHẨN" between a summary whose first line OCR damaged, which ended the region,
    and the motto and date of the other column): still marks, but a person confirms them
    (they were filed as ordinary and not urgent, silently). A mark word below the whole
    header is the body's."""
    elements = [c.line for c in cells if c.role in ("motto", "date", "number", "title")]
    last = max(elements, default=-1)
    return [
        replace(c, confidence=min(c.confidence, 0.7))
        for c in cells[region:]
        if c.role == "mark" and c.line < min(last, HEADER_LINES)
    ]


def _mark_note(mark: Cell, past: list[Cell]) -> str | None:
    """Why a mark's reading is doubted, for the person who confirms it."""
    if mark.confidence >= 0.8:
        return None
    if mark in past:
        return "dấu nằm dưới phần đầu văn bản đọc được (bị cắt ngang): cần xác nhận"
    return f"chữ của dấu đọc không rõ: '{mark.text}'"


def _marks(cells: list[Cell], past: list[Cell], b: _Builder) -> None:
    """Highest secrecy and urgency among the standalone stamps of the header region, and of
    ``past`` (see ``_marks_past``).

    Missing a secrecy mark would expose the document, an extra one only restricts it: so OCR-
    damaged stamps count (with low confidence), and disagreeing stamps resolve upward.
    """
    cells = cells + past
    levels = [c for c in cells if c.role == "mark" and c.level != "thuong"]
    urgent = [c for c in cells if c.role == "mark" and c.urgency != "thuong"]
    deadline = any(c.role == "deadline" for c in cells)
    if levels:
        best = max(levels, key=lambda c: (LEVEL_RANK.index(c.level), c.confidence))
        mixed = len({c.level for c in levels}) > 1
        note = "các dấu độ mật khác nhau: lấy mức cao nhất" if mixed else _mark_note(best, past)
        b.put("level", best.level, best.line, min(best.confidence, 0.7 if mixed else 1.0), note)
    else:
        b.header.evidence["level"] = Evidence(None, None, 0.9)
    if urgent:
        best = max(urgent, key=lambda c: (URGENCY_RANK.index(c.urgency), c.confidence))
        value = "hoa_toc_hen_gio" if best.urgency == "hoa_toc" and deadline else best.urgency
        b.put("urgency", value, best.line, best.confidence, _mark_note(best, past))


_TOKEN = re.compile(r"[^\W_]+")
_OPENING = ("về", "việc")  # "về việc" opens a summary; ``clean_subject`` restores its marks


def _pairs(text: str) -> list[tuple[str, str]]:
    """Neighbouring words; a number is a token, so no pair is made across it."""
    words = _TOKEN.findall(canonical_tones(text.lower()))
    return [p for p in itertools.pairwise(words) if p[0].isalpha() and p[1].isalpha()]


def _misread_by_body(ours: tuple[str, str], theirs: tuple[str, str]) -> bool:
    """The body's form is the misreading by the word list: its word is no word ("nỗ công"
    beside "nổ công"), or the subject's pair is a compound and the body's is not."""
    if spelling.is_word(" ".join(ours)) and not spelling.is_word(" ".join(theirs)):
        return True
    differ = [k for k in (0, 1) if ours[k] != theirs[k]]
    return all(spelling.is_word(ours[k]) and not spelling.is_word(theirs[k]) for k in differ)


def _compound(pair: tuple[str, str], others: Counter[tuple[str, str]]) -> bool:
    """A compound of the word list that the body reads only as no compound ("đầm ấm" /
    "đầm âm"): the body's misreading, however often the body repeats it."""
    return spelling.is_word(" ".join(pair)) and not any(
        spelling.is_word(" ".join(other)) for other in others if other != pair
    )


def _marks_differ(
    subject: str, body: list[str], fixed: frozenset[str] = frozenset()
) -> list[spelling.Slip]:
    """Subject words OCR may have given the wrong marks: a pair of words that the body also
    has, but only with other marks ("Nhâm Dằn" / "Nhâm Dần", "chỉ tiết" / "chi tiết"). The body
    usually repeats the subject's words; a pair, not a word, since many words share letters.
    OCR errs in the body too, so a pair the body also has counts as odd when the body writes
    it more often with other marks ("vật liệu nỗ" once, "vật liệu nổ" four times). Each word
    the body writes otherwise is a slip, with its pair as the note shows it."""
    seen: dict[tuple[str, str], Counter[tuple[str, str]]] = {}
    for line in body:
        for pair in _pairs(line):
            seen.setdefault((fold(pair[0]), fold(pair[1])), Counter())[pair] += 1
    tokens = list(_TOKEN.finditer(subject))
    words = [canonical_tones(t.group().lower()) for t in tokens]
    at = [i for i in range(len(words) - 1) if words[i].isalpha() and words[i + 1].isalpha()]
    pairs = [(i, (words[i], words[i + 1])) for i in at]
    others_of = {i: seen.get((fold(p[0]), fold(p[1])), Counter()) for i, p in pairs}
    # Words a compound confirms are confirmed beside their other neighbour too ("ấm và").
    compounds = {w for i, pair in pairs if _compound(pair, others_of[i]) for w in pair}
    odd = []
    for i, pair in pairs:
        if pair == _OPENING:
            continue  # the summary's opening formula: its marks are the reader's, not OCR's
        others = others_of[i]
        best, count = others.most_common(1)[0] if others else (pair, 0)
        # The body confirms our form, or the reader just put this word right (surely, so
        # the word list backs it): a body form that is no word does not put it in doubt.
        backed = others[pair] >= spelling.MIN_BODY or bool(fixed.intersection(pair))
        confirmed = (backed or _compound(pair, others)) and _misread_by_body(pair, best)
        differ = {w for w, b in zip(pair, best, strict=True) if w != b}
        if best != pair and count > others[pair] and not confirmed and not differ <= compounds:
            read, likely = " ".join(pair), " ".join(best)
            for k in (0, 1):
                if pair[k] != best[k]:
                    token = tokens[i + k]
                    put = spelling.apply_case(token.group(), best[k])
                    if spelling.backing(words, i + k, best[k]) < spelling.backing(
                        words, i + k, pair[k]
                    ):  # the word list prefers ours ("vốn ngân sách", "nổ"): no offer
                        put = token.group()
                    odd.append(spelling.Slip(token.start(), token.end(), read, likely, put))
    return odd


def _body(text: str, line: int) -> list[str]:
    """The document's lines from ``line`` on (the head's line numbers are the text's), up to
    BODY_CHARS: the words the subject is checked against."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    return _clean("\n".join(text.split("\n", line + 1)[line + 1 :])[:BODY_CHARS]).split("\n")


def _subject(
    b: _Builder,
    head: HeadCells,
    title: int | None,
    ocr: bool,
    table: gazetteer.Gazetteer,
    text: str,
) -> None:
    """The whole trích yếu, cleaned; OCR'd words that are no Vietnamese make it doubtful, and
    so do words whose marks differ from the same words in the body."""
    cells = head.cells
    if title is not None:
        start, skip = title + 1, False
    elif head.summary_at is not None:
        start, skip = head.summary_at, True
    else:
        return
    raw, conf, why = subject_at(cells, start, skip_header=skip)
    if not raw:
        return
    subject, notes, clean_sure = clean_subject(raw, table)
    notes = [why, *notes] if why else notes
    line = cells[start].line if start < len(cells) else None
    after = head.subject_span[1]
    body = _body(text, cells[after - 1].line + 1) if ocr else []
    mended = spelling.mend(subject, body, table.place_words) if ocr else spelling.Mended(subject)
    if mended.fixes:
        subject = mended.text
        fixed = ", ".join(f.note() for f in mended.fixes)
        notes.append(f"đã sửa theo thân văn bản và từ điển: {fixed}")
    share = word_share(subject)
    proposal = None
    near = cells[max(start, after - 1) : after + 3]
    if share < 0.9 or (ocr and share < 1.0):
        conf = min(conf, 0.7)
        notes.append("có chữ không đọc rõ")
    elif ocr and any(c.role == "stamp" or noisy(c.text) for c in near):
        conf = min(conf, 0.7)
        notes.append("dấu hoặc chữ lẫn đè gần trích yếu")
    elif ocr and (found := _slips(subject, body, mended.sure_words)):
        why, slips, put_right = found
        conf = min(conf, 0.75)
        notes.append(why + ", ".join(list(dict.fromkeys(s.note() for s in slips))[:3]))
        if put_right:  # the likelier reading is kept; a person still confirms it
            notes.append(f"đã sửa, cần xem lại; đọc được: '{subject}'")
            subject = spelling.propose(subject, slips)
        else:
            proposal = spelling.propose(subject, slips)
    elif ocr and not (clean_sure and mended.sure):
        conf = min(conf, 0.75)
    elif ocr and notes:
        conf = min(conf, 0.85)  # put right surely: shown, not sent to a person
    b.put("subject", subject or None, line, conf, "; ".join(notes) or None, proposal=proposal)


def _slips(
    subject: str, body: list[str], fixed: frozenset[str]
) -> tuple[str, list[spelling.Slip], bool] | None:
    """The first kind of likely OCR slip an OCR'd subject shows, with the note that names it
    and whether the subject is put right while a person confirms it: marks the body writes
    otherwise (offered only: the body was read by the same OCR, and either reading may be the
    slip), a speck read as a comma inside a compound, then marks that break a compound (put
    right: "chỉ tiết", "hiệu quá", "vật liệu nỗ" are no Vietnamese, "chi tiết", "hiệu quả",
    "vật liệu nổ" are; the field then holds the likelier reading, not the misread one)."""
    checks = (
        (
            "dấu khác với cùng chữ trong thân văn bản: ",
            lambda: _marks_differ(subject, body, fixed),
            False,
        ),
        (
            "dấu phẩy chia đôi một từ ghép: có thể là vết bẩn: ",
            lambda: spelling.broken_compounds(subject),
            True,
        ),
        ("có thể đọc sai dấu (từ ghép): ", lambda: spelling.compound_slips(subject), True),
    )
    for why, find, put_right in checks:
        if slips := find():
            return why, slips, put_right
    return None


_WRITTEN_NUMBER = re.compile(r"[0-9]{1,5}")  # a document's number: "01", "575", "2191"


def _number(b: _Builder, head: HeadCells, ocr: bool, empty_blank: bool) -> NumberReading | None:
    """The document's own number; a blank or handwritten one is never guessed.

    A blank in a text layer or a Word file is an unnumbered working copy: the field stays
    empty. A blank on a scan was (or will be) filled in by hand: the printed part is kept
    ("/CT-UBND") for the archivist to complete, unless the page image proved the blank empty
    (``empty_blank``: no ink in it at all), which makes it an unnumbered copy too. All go to
    review.
    """
    at = head.number_at
    if at is None:
        return None
    cell = head.cells[at]
    found = read_number(cell.text, ocr)
    if found is None:
        return None
    conf = head.number_confidence
    if found.value:
        notes = [f"đã sửa lỗi nhận dạng: {', '.join(found.fixes)}"] if found.fixes else []
        if found.fixes:
            conf = min(conf, 0.85)
        if found.odd_code:
            conf = min(conf, 0.75)
            notes.append("loại văn bản trong ký hiệu không có trong danh mục")
        b.put("number", found.value, cell.line, conf, "; ".join(notes) or None)
        return found
    seen = f" (bản quét đọc được '{found.handwritten}')" if found.handwritten else ""
    if (ocr and not (empty_blank and found.blank)) or found.handwritten:
        note = f"số văn bản viết tay hoặc để trống{seen}: giữ phần in sẵn '{found.printed}'"
        # Clean digits in the blank (a number typed in, or written clearly) are offered, with
        # the printed part, next to the crop of the header: never filed unless a person takes
        # them. What OCR makes of most handwriting ("O{_", "2#") is offered nothing.
        digits = found.handwritten if _WRITTEN_NUMBER.fullmatch(found.handwritten or "") else None
        offer = f"{digits}{found.printed}" if digits and found.printed else None
        b.put("number", found.printed, cell.line, 0.3, note, "blank", proposal=offer)
    else:
        empty = "; ô số trên bản quét để trống" if ocr else ""
        note = f"văn bản chưa có số (bản chưa đăng ký hoặc dự thảo){empty}: '{cell.text}'"
        b.put("number", None, cell.line, 0.3, note, "blank")
    return found


_TYPE_CODES = frozenset(fold(c).upper() for c in (*TYPE_CODES, "CV"))


def _number_against_issuer(b: _Builder, number: NumberReading, symbols: set[str]) -> None:
    """An OCR'd number whose body code is one letter off the issuer's own symbol ("1933-CV/ĐĐU"
    from a Đảng ủy, whose symbol is "ĐU") was misread in one of the two: the number goes to a
    person, the issuer's symbol shown. A code far from it is no slip (state symbols often end
    in a unit that is no body: "QĐ-XPVPHC") and says nothing."""
    wanted = {fold(s).upper(): s for s in symbols if len(s) >= 2}
    codes = {fold(part).upper(): part for part in number.parts if part}
    if any(c.startswith(w) or w.startswith(c) for c in codes for w in wanted):
        return  # the symbol names the issuer (as issuer._fits has it)
    for code, part in codes.items():
        if code in _TYPE_CODES:
            continue
        near = sorted(wanted[w] for w in wanted if spelling.edits(code, w) == 1)
        if near:
            evidence = b.header.evidence["number"]
            note = f"ký hiệu '{part}' lệch một chữ so với ký hiệu của cơ quan ban hành ({near[0]})"
            b.put("number", number.value, evidence.line_no, min(evidence.confidence, 0.7),
                  "; ".join(n for n in (evidence.note, note) if n))  # fmt: skip
            return


def _date(b: _Builder, head: HeadCells, title: int | None, number: NumberReading | None,
          printed_date: str | None) -> None:  # fmt: skip
    """The date line of the header (never one from the body). ``printed_date``: the date whose
    day the page's ink proved printed (see ``parse_header``)."""
    cells, region = head.cells, head.region
    date_at = first(cells, "date", region if title is None else title)
    if date_at is None and title is not None:
        date_at = first(cells, "date", region)
    if date_at is None:
        return
    found = read_date(cells[date_at].text)
    if found is None:
        return
    line = cells[date_at].line
    if found.iso is None:
        seen = f" (bản quét đọc được '{found.handwritten}')" if found.handwritten else ""
        note = f"ngày ban hành viết tay hoặc để trống{seen}; in sẵn: {found.printed}"
        b.put("date", None, line, 0.3, note, "blank")
    else:
        conf = found.confidence
        note = "dòng ngày tháng đọc không rõ" if conf < 0.8 else None
        # Filled in by hand with the number: digits written into both blanks read like print.
        # A number blank where nothing was read (a stamped number OCR lost, a faint pen)
        # says nothing against a day printed with the date; nor does a handwritten number
        # against a day whose ink was proved printed, and read the same twice (``date_ink``):
        # only that very date is trusted, any other reading (pen, unsure) keeps the doubt.
        handwritten = number is not None and not number.value and number.handwritten
        if handwritten and found.iso != printed_date:
            conf, note = min(conf, 0.7), "số văn bản viết tay: ngày có thể cũng viết tay"
        b.put("date", found.iso, line, conf, note)
    if found.place:
        b.put("place", found.place, line, found.confidence or 0.75)


def _issuer_lines(head: HeadCells) -> list[Cell]:
    lo, hi = head.subject_span
    region = head.region
    candidates = [c for i, c in enumerate(head.cells[:region]) if not lo <= i < hi]
    before = [c for i, c in enumerate(head.cells[: head.issuer_end])
              if not lo <= i < hi and is_issuer_cell(c)]  # fmt: skip
    if before:
        return before
    return [c for c in candidates if is_issuer_cell(c)]  # the number came first


def _day(iso: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(iso) if iso else None
    except ValueError:
        return None


def _issuer(
    b: _Builder, head: HeadCells, number: NumberReading | None, table: gazetteer.Gazetteer,
    ocr: bool,
) -> Reading | None:  # fmt: skip
    """The issuing body, read against the gazetteer; an authority line is the last resort."""
    cells = _issuer_lines(head)
    codes = number.parts if number else []
    day = _day(b.header.date)
    reading, fallback = None, False
    if cells:
        reading = read_issuer([c.text for c in cells], table, day, codes)
    if reading is None or not reading.issuer:
        authority = next((c for c in head.cells[: head.region] if c.role == "authority"), None)
        if authority is None:
            return None
        words = authority.key.split()
        body_at = next((i for i in range(1, len(words)) if fold(words[i]) in _BODY_WORDS), None)
        if body_at is None:
            return None
        reading = read_issuer([" ".join(words[body_at:])], table, day, codes)
        cells, fallback = [authority], True
        if not reading.issuer:
            return None
    conf = reading.confidence
    notes = list(reading.notes)
    if ocr and any(b.place_entry is None and b.place for b in reading.bodies):
        conf = min(conf, 0.7)  # a place not in the gazetteer, read by OCR: its marks may be off
    alike = [b.place for b in reading.bodies if b.place_ambiguous]
    if ocr and alike:  # OCR drops and swaps marks: "Thanh Xuân" may have been "Thạnh Xuân"
        conf = min(conf, 0.7)
        notes.append("địa danh trùng chữ với địa danh khác, chỉ khác dấu: " + ", ".join(alike))
    if fallback:
        conf = min(conf, 0.6)
        notes.append("không thấy dòng tên cơ quan: đọc từ dòng thẩm quyền ký")
    code = "unknown" if reading.unknown else None
    line = cells[min(reading.line or 0, len(cells) - 1)].line
    b.put("issuer", reading.issuer, line, conf, "; ".join(notes) or None, code)
    if reading.superior:
        b.put("superior", reading.superior, cells[0].line, min(conf, 0.85))
    return reading


# First words of a body in an authority line ("GIÁM ĐỐC | SỞ CÔNG THƯƠNG TỈNH LÀO CAI").
_BODY_WORDS = frozenset((
    "so", "cuc", "tong", "chi", "bo", "ban", "uy", "ubnd", "hoi", "van", "phong", "chinh",
    "thanh", "dang", "tinh", "huyen", "xa", "phuong",
))  # fmt: skip


def _parse(
    text: str,
    ocr: bool,
    table: gazetteer.Gazetteer,
    printed_date: str | None,
    empty_number_blank: bool,
) -> Header:
    lines, offset = _lines(text)
    b = _Builder(lines, offset)
    head = header_cells(lines[:HEAD_LINES])
    region = head.region
    cells = head.cells
    title = head.title_at
    _subject(b, head, title, ocr, table, text)
    number = _number(b, head, ocr, empty_number_blank)
    _date(b, head, title, number, printed_date)
    _marks(cells[:region], _marks_past(cells, region), b)
    reading = _issuer(b, head, number, table, ocr)
    if ocr and number is not None and number.value and reading is not None:
        _number_against_issuer(b, number, reading.symbols)
    mottos = [c for c in cells[:region] if c.role == "motto"]
    party = next((c for c in mottos if c.value == "party"), None)
    motto = party or (mottos[0] if mottos else None)
    if motto is not None:
        b.put("kind", motto.value, motto.line, motto.confidence)
    elif number is not None:
        b.put("kind", number.kind, cells[head.number_at].line, 0.8)
    elif reading is not None and reading.kind:
        b.put("kind", reading.kind, None, 0.8)
    elif b.header.date or title is not None or b.header.issuer:
        b.put("kind", "other", None, 0.6, "không rõ văn bản của Đảng hay của Nhà nước")
    code = number.code if number else None
    doc_type, type_conf, type_note = _doc_type(
        cells[title] if title is not None else None,
        b.header.kind,
        code,
        head.summary_at is not None,
    )
    number_line = cells[head.number_at].line if number is not None else None
    type_line = cells[title].line if title is not None else number_line if code else None
    if type_line is None and head.summary_at is not None:
        type_line = cells[head.summary_at].line
    b.put("doc_type", doc_type, type_line, type_conf, type_note)
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


def parse_header(
    text: str,
    *,
    ocr: bool = False,
    bodies: gazetteer.Gazetteer | None = None,
    printed_date: str | None = None,
    empty_number_blank: bool = False,
) -> Header:
    """Parse the header fields of a document; fields that cannot be found stay None.

    ``ocr`` says the header was read from a page image: a blank number there was filled in by
    hand (its printed part is kept, see ``_number``), and OCR'd words are trusted less.
    ``bodies`` is the gazetteer to name issuers with (default: the instance's or the shipped
    one, see ``gazetteer.for_home``). ``printed_date`` is the date (ISO) whose day the page's
    ink proved printed (``Examined.printed_date``): read beside a handwritten number, that date
    keeps its confidence instead of being doubted with the number. ``empty_number_blank``: the
    page image proved the number's blank empty (``Examined.empty_number_blank``), so a blank
    number there is an unnumbered copy's, not a hand-written one. Ingestion must not stop on
    one damaged document, so unexpected input yields an empty Header instead of an exception.
    """
    try:
        return _parse(text, ocr, bodies or gazetteer.for_home(), printed_date, empty_number_blank)
    except Exception:  # a bad scan must not abort a batch import
        log.exception("header parse failed")
        return Header()
