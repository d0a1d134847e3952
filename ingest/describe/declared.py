"""What a sending system declares about a file, beside what Kho read in it.

An e-office system depositing through the API often knows a record's number, issuer, date,
subject or urgency already. Kho still reads the file: a declared value fills a field the reader
left blank; where both exist and differ, the value read from the document stays (it has its
evidence line) and the field goes to a person with both values, so neither side is silently
wrong. The declared level is a floor (``ingest.describe.secrecy``); a sure reading that differs
from it is flagged the same way.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from ingest.describe.secrecy import SURE, Reading
from security.vocabulary import LEVEL_NAMES, level_rank

FIELDS = ("number", "doc_type", "issuer", "date", "subject", "urgency")
_SPACES = re.compile(r"\s+")
_AROUND_MARKS = re.compile(r"\s*([/\-–.])\s*")


def _same(name: str, a: str, b: str) -> bool:
    """Equal once case, Unicode form and spacing are set aside (and, for numbers, the spaces
    around / and -): the same value typed two ways is no disagreement."""

    def norm(value: str) -> str:
        value = _SPACES.sub(" ", unicodedata.normalize("NFC", str(value)).strip().casefold())
        return _AROUND_MARKS.sub(r"\1", value) if name == "number" else value

    return norm(a) == norm(b)


def _item(name: str, declared: str, read: str) -> dict:
    return {
        "field": name,
        "code": "declared",
        "reason": f"Hệ thống gửi khai {declared!r}, văn bản ghi {read!r}: xác định giá trị đúng.",
        "confidence": 0.0,
        "line_no": None,
        "line": None,
        "declared": declared,
    }


def reconcile(
    fields: dict,
    review: Iterable[dict],
    declared: dict,
    readings: Iterable[Reading] = (),
) -> tuple[dict, tuple[dict, ...], list[str]]:
    """The fields with blanks filled from ``declared``, the review items with one added per
    disagreement, and the names of the fields that disagreed."""
    fields, items, disagreed = dict(fields), list(review), []
    flagged = {i.get("field") for i in items}
    for name in FIELDS:
        value = declared.get(name)
        if value in (None, ""):
            continue
        value = str(value).strip()
        read = fields.get(name)
        if read in (None, "") or (name == "urgency" and read == "thuong"):
            fields[name] = value  # nothing read (an ordinary urgency is the absence of a mark)
        elif not _same(name, value, str(read)):
            disagreed.append(name)
            if name not in flagged:
                items.append(_item(name, value, str(read)))
    level = declared.get("level")
    sure = [r.level for r in readings if r.confidence >= SURE]
    if level and sure:
        read_level = max(sure, key=level_rank)
        if read_level != level:
            disagreed.append("level")
            if "level" not in flagged:
                items.insert(
                    0, _item("level", LEVEL_NAMES.get(level, level), LEVEL_NAMES[read_level])
                )
    return fields, tuple(items), disagreed
