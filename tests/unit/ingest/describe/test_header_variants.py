"""The header reader on generated headers in every layout: right, or sent to review; never
silently wrong. Clean layouts are read without needless doubt."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter

import pytest

from ingest.describe.header import parse_header
from ingest.describe.review import review_items
from tests.support.header_variants import LAYOUTS, Variant, variants

FIELDS = ("number", "issuer", "date", "subject", "doc_type", "level", "urgency", "kind")
CLEAN = ("columns", "interleaved", "gap")


def _norm(name: str, value: object) -> str:
    text = " ".join(unicodedata.normalize("NFC", str(value or "")).split())
    if name == "subject":
        return re.sub(r"^v/v\s*", "", text.casefold())
    return text


@functools.cache
def _all() -> tuple[Variant, ...]:
    return tuple(variants(seed=12, rounds=2) + variants(seed=99, rounds=1))


def _read(v: Variant) -> tuple[dict, dict]:
    header = parse_header(v.text, ocr=v.ocr)
    return header.as_dict(), {item.field: item for item in review_items(header)}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_never_silently_wrong(layout: str) -> None:
    """Every field is right, or it is in the review list (with its reason)."""
    silent = []
    for v in (v for v in _all() if v.id.split("-")[1] == layout):
        fields, review = _read(v)
        for name in FIELDS:
            if _norm(name, fields.get(name)) != _norm(name, v.truth[name]) and name not in review:
                silent.append(f"{v.id} {name}: {fields.get(name)!r} != {v.truth[name]!r}")
    assert silent == []


@pytest.mark.parametrize("layout", ("blank_text", "handwritten"))
def test_blank_numbers_and_days_are_never_guessed(layout: str) -> None:
    """A typed blank is an unnumbered copy (empty); a scan's keeps its printed part; both are
    flagged "blank" with the line they were read on."""
    for v in (v for v in _all() if v.id.split("-")[1] == layout):
        fields, review = _read(v)
        for name in ("number", "date"):
            assert review[name].code == "blank", (v.id, name)
            assert _norm(name, fields[name]) == _norm(name, v.truth[name]), (v.id, name)
            assert review[name].line, v.id
        if layout == "handwritten":
            assert fields["number"].startswith(("/", "-")), v.id
        else:
            assert fields["number"] is None and fields["date"] is None, v.id


def test_clean_layouts_are_right_without_needless_flags() -> None:
    """Text layers, Word and plain text in the usual layouts: every field right, and nothing
    flagged but a secrecy level (always confirmed by rule)."""
    wrong, needless = [], Counter()
    for v in (v for v in _all() if v.id.split("-")[1] in CLEAN):
        fields, review = _read(v)
        for name in FIELDS:
            if _norm(name, fields.get(name)) != _norm(name, v.truth[name]):
                wrong.append(f"{v.id} {name}: {fields.get(name)!r} != {v.truth[name]!r}")
            elif name in review and not (name == "level" and fields["level"] != "thuong"):
                needless[name] += 1
    assert wrong == []
    assert sum(needless.values()) == 0, needless


def test_ocr_layouts_are_mostly_right() -> None:
    """Whole-page and column-wise OCR with damaged marks: most fields right, and the doubts
    concentrated where OCR damaged something."""
    ocr = [v for v in _all() if v.id.split("-")[1] in ("ocr_line", "ocr_columns")]
    right = total = 0
    for v in ocr:
        fields, _ = _read(v)
        for name in FIELDS:
            total += 1
            right += _norm(name, fields.get(name)) == _norm(name, v.truth[name])
    assert right / total >= 0.97
