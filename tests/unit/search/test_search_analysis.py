"""Vietnamese analysis and the search box language, without an instance (fast, pure)."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search.engine import bits
from search.index.analysis import exact, fold, number_key, number_keys, unify_tones, words
from search.parse import DateRange, parse, parse_dates
from security.policy.reading import ReadScope
from security.vocabulary import level_rank


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("hoà", "hòa"),
        ("thuỷ", "thủy"),
        ("Tỉnh uỷ", "Tỉnh ủy"),
        ("TỈNH UỶ", "TỈNH ỦY"),
        ("khoẻ", "khỏe"),
        ("hoá", "hóa"),
        ("tuỳ", "tùy"),
        ("hoạ", "họa"),
    ],
)
def test_both_tone_placements_become_one(old, new):
    assert unify_tones(old) == new
    assert exact(old) == exact(new) == new.lower()
    assert fold(old) == fold(new)


@pytest.mark.parametrize("word", ["hoàng", "toán", "khuyến", "quý", "quỳ", "thuế", "hoặc", "Thủy"])
def test_words_with_one_correct_placement_are_left_alone(word):
    assert unify_tones(word) == word


def test_nfd_input_is_read_as_nfc():
    decomposed = unicodedata.normalize("NFD", "Đảng viên hoà giải")
    assert words(decomposed, folded=False) == ["đảng", "viên", "hòa", "giải"]
    assert words(decomposed) == ["dang", "vien", "hoa", "giai"]


def test_folding_maps_d_stroke_and_telex_leftovers():
    assert fold("ĐẢNG VIÊN") == fold("đảng viên") == fold("ddang vien") == "dang vien"
    assert fold("Lào Cai") == "lao cai"


def test_short_vietnamese_words_are_kept():
    """The English stop list would drop these."""
    assert words("an do to a") == ["an", "do", "to", "a"]


@pytest.mark.parametrize(
    "typed", ["117-KH/TU", "117 KH TU", "117/KH-TU", "117-kh/tu", "117khtu", " 117 - KH / TU "]
)
def test_every_spelling_of_a_number_has_one_key(typed):
    assert number_key(typed) == "117khtu"


def test_number_keys_allow_prefixes_and_words_are_not_numbers():
    assert number_keys("117-KH/TU") == ["117", "117kh", "117khtu"]
    assert number_keys("25-QĐ/BTCTU") == ["25", "25qd", "25qdbtctu"]
    assert number_key("dang vien") is None
    assert number_key("2024") is None


def test_parse_fields_in_vietnamese_and_english():
    p = parse('đảng viên so:117-KH/TU loại:KH coquan:"Tỉnh ủy Lào Cai" ngay:2022..2023 mật:mat')
    assert p.words == ["đảng", "viên"]
    assert p.numbers == ["117khtu"]
    assert p.doc_types == ["kh"]
    assert p.issuers == ["Tỉnh ủy Lào Cai"]
    assert p.dates == [DateRange(20220101, 20231231)]
    assert p.levels == ["mat"]
    q = parse("number:5-BC/VPTU type:QĐ issuer:VPTW date:2024-03 level:toi_mat unit:vp dossier:7")
    assert (q.numbers, q.doc_types, q.issuers) == (["5bcvptu"], ["qd"], ["VPTW"])
    assert (q.dates, q.levels, q.units, q.dossiers) == (
        [DateRange(20240301, 20240331)],
        ["toi_mat"],
        ["VP"],
        ["7"],
    )


def test_parse_phrases_unknown_fields_and_bad_values():
    p = parse('"đảng viên mới" foo:bar')
    assert p.phrases == ["đảng viên mới"]
    assert p.words == ["foo:bar"]  # not a field: read as words
    assert parse("mat:bogus").impossible
    assert parse("ngay:xyz").impossible
    assert parse("").empty


@pytest.mark.parametrize(
    ("value", "span"),
    [
        ("2022", (20220101, 20221231)),
        ("2022..2023", (20220101, 20231231)),
        ("..2023", (None, 20231231)),
        ("2022..", (20220101, None)),
        ("05/03/2024", (20240305, 20240305)),
        ("03/2024", (20240301, 20240331)),
    ],
)
def test_date_ranges(value, span):
    assert parse_dates(value) == DateRange(*span)


def test_bitsets_round_trip():
    ids = [0, 1, 7, 8, 9, 1000, 4095, 4096]
    assert bits.ids_of(bits.from_ids(ids, 5000)) == ids
    assert bits.ids_of(0) == []


def test_dossier_filter_on_a_bare_index(tmp_path):
    """``hoso:`` matches the dossier code given at indexing, in any case; levels still bound."""
    from datetime import date

    from search import engine
    from search.index import store

    key = bytes(32)
    entries = [
        store.IndexEntry(1, "thuong", 1, "KH", 2024, "đảng viên", issued=date(2024, 1, 1)),
        store.IndexEntry(2, "thuong", 1, "KH", 2024, "đảng viên", dossier="2024-VP-07"),
        store.IndexEntry(3, "toi_mat", 1, "KH", 2024, "đảng viên", dossier="2024-VP-07"),
    ]
    store.rebuild(tmp_path / "index", key, entries)
    scope = ReadScope(level_rank("mat"), frozenset({1}))

    def ids(text: str) -> list[int]:
        return engine.search(tmp_path / "index", key, scope, parse(text), {}, limit=10).ids

    assert ids("dang vien") == [1, 2]
    assert ids("hoso:2024-vp-07") == ids("dang vien hồsơ:2024-VP-07") == [2]
    assert ids("hoso:2024-VP-08") == []


def test_documents_without_a_date_have_no_year_facet(tmp_path):
    from search import engine
    from search.index import store

    key = bytes(32)
    entries = [
        store.IndexEntry(1, "thuong", 1, "KH", None, "đảng viên"),
        store.IndexEntry(2, "thuong", 1, None, 2021, "đảng viên"),
    ]
    store.rebuild(tmp_path / "index", key, entries)
    scope = ReadScope(level_rank("thuong"), frozenset({1}))
    found = engine.search(
        tmp_path / "index", key, scope, parse("dang vien"), {}, limit=10, facets=True
    )
    assert (found.total, found.facets["year"], found.facets["doc_type"]) == (
        2,
        [("2021", 1)],
        [("KH", 1)],
    )


# The table-driven analysis against the definitions it replaced (NFD, move or strip marks).

_VIETNAMESE = "aăâeêioôơuưyđAĂÂEÊIOÔƠUƯYĐqQ" + "".join(
    unicodedata.normalize("NFC", v + t)
    for v in "aeiouyAEIOUY"
    for t in "\u0300\u0301\u0303\u0309\u0323"
)
_MARKS = "\u0300\u0301\u0302\u0303\u0306\u0309\u031b\u0323"


def _reference_unify_tones(text: str) -> str:
    end = r"(?![\w\u0300-\u036f])"
    tones = "\u0300\u0301\u0303\u0309\u0323"
    new_style = re.compile(
        rf"(?<![qQ])([oO])([aAeE])([{tones}]){end}|(?<![qQ])([uU])([yY])([{tones}]){end}"
    )

    def retone(m):
        if m.group(1):
            return m.group(1) + m.group(3) + m.group(2)
        return m.group(4) + m.group(6) + m.group(5)

    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", new_style.sub(retone, decomposed))


def _reference_fold(text: str) -> str:
    lowered = unicodedata.normalize("NFC", text).lower().replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", lowered)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("dd", "d")


_TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from(_VIETNAMESE + _MARKS + " -/.hngtd"), st.characters(codec="utf-8")
    ),
    max_size=40,
)


@settings(max_examples=3000, deadline=None)
@given(_TEXT)
def test_table_driven_tones_and_folding_equal_their_definitions(text):
    assert unify_tones(text) == _reference_unify_tones(text)
    assert fold(text) == _reference_fold(text)


def test_folding_every_character_equals_its_definition():
    for code in range(0x2FFFF):
        char = chr(code)
        if 0xD800 <= code < 0xE000:
            continue
        assert fold(char) == _reference_fold(char), hex(code)
