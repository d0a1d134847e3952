"""Every commune and ward since the 2025 reform is a known place (``gazetteer.communes``, from
the vietnam-provinces package's data): a commune's name read by OCR is no longer doubted as an
unknown place, while a name one letter off a commune is never taken for it, two communes told
apart by their marks alone are doubted on a scan, and commune names that are also words never
turn words into names."""

from __future__ import annotations

import pytest

from ingest.describe import gazetteer
from ingest.describe.header import parse_header
from ingest.describe.review import review_items

HEAD = (
    "ỦY BAN NHÂN DÂN\nXÃ {place}\nSố: 5/QĐ-UBND\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
    "Độc lập - Tự do - Hạnh phúc\nLào Cai, ngày 05 tháng 3 năm 2026\nQUYẾT ĐỊNH\n"
    "{subject}\nCăn cứ Luật Tổ chức chính quyền địa phương;\n"
)


def _read(place: str, ocr: bool, subject: str = "về công tác cán bộ"):
    text = HEAD.format(place=place, subject=subject)
    header = parse_header(text, ocr=ocr, bodies=gazetteer.load())
    return header, {item.field: item for item in review_items(header)}


def test_the_package_gives_every_commune_and_ward() -> None:
    names = set(gazetteer.communes())
    assert len(names) > 2500 and {"Mường Hum", "Xuân Quang", "Sa Pa"} <= names
    assert not any(n.startswith(("Xã ", "Phường ")) for n in names)


@pytest.mark.parametrize("ocr", (False, True))
def test_a_commune_read_clean_is_known_and_not_doubted(ocr: bool) -> None:
    """Before, "Mường Hum" was an unknown place: kept as printed and, on a scan, doubted."""
    header, review = _read("MƯỜNG HUM", ocr)
    assert header.issuer == "Ủy ban nhân dân xã Mường Hum"
    assert "issuer" not in review
    assert "danh mục" not in (header.evidence["issuer"].note or "")


def test_a_name_one_letter_off_a_commune_is_kept_as_printed() -> None:
    """Communes are short and many: "Na Hấu" is one letter from the real "Nà Tấu", and must
    not become it."""
    header, review = _read("NA HẤU", ocr=True)
    assert header.issuer == "Ủy ban nhân dân xã Na Hấu"
    assert review["issuer"].confidence < 0.8


def test_communes_told_apart_by_their_marks_alone_are_doubted_on_a_scan() -> None:
    """ "Thanh Xuân" and "Thạnh Xuân" are both communes: the one printed is kept; on a scan,
    where OCR drops and swaps marks, it goes to a person."""
    assert gazetteer.load().ambiguous(gazetteer.key_of("Thạnh Xuân"))
    header, review = _read("THẠNH XUÂN", ocr=True)
    assert header.issuer == "Ủy ban nhân dân xã Thạnh Xuân"
    assert "chỉ khác dấu" in review["issuer"].reason
    header, review = _read("THẠNH XUÂN", ocr=False)
    assert header.issuer == "Ủy ban nhân dân xã Thạnh Xuân" and "issuer" not in review


def test_commune_names_that_are_words_stay_words_in_a_subject() -> None:
    """ "Đoàn Kết", "Thống Nhất" are communes too; a subject in capitals written as a sentence
    keeps them as the words they are there."""
    assert {"Đoàn Kết", "Thống Nhất"} <= set(gazetteer.communes())
    subject = "VỀ TĂNG CƯỜNG ĐOÀN KẾT VÀ THỐNG NHẤT TRONG CƠ QUAN"
    header, _ = _read("MƯỜNG HUM", ocr=False, subject=subject)
    assert header.subject == "Về tăng cường đoàn kết và thống nhất trong cơ quan"


def test_a_vowel_ocr_read_twice_is_the_known_name_with_one() -> None:
    """ "ĐẢẲNG": OCR could not settle the marks of one vowel and wrote two. The known name
    with one of them is taken, said as a correction, and not sent to a person (before: a
    fuzzy match, doubted). Only when the word as read is no known one."""
    text = (
        "ĐẢNG BỘ TỈNH CAO BẰNG\nĐẢNG ỦY CÁC CƠ QUAN ĐẢẲNG\n*\nSố 12-QĐ/ĐU\n"
        "ĐẢNG CỘNG SẢN VIỆT NAM\nCao Bằng, ngày 05 tháng 3 năm 2026\nQUYẾT ĐỊNH\n"
        "về công tác cán bộ\nCăn cứ Điều lệ Đảng;\n"
    )
    header = parse_header(text, ocr=True, bodies=gazetteer.load())
    assert header.issuer == "Đảng ủy các cơ quan Đảng tỉnh Cao Bằng"
    assert header.evidence["issuer"].confidence >= 0.8
    assert "ĐẢẲNG" in header.evidence["issuer"].note


def test_the_tables_own_place_keeps_its_spelling_against_a_commune() -> None:
    """A place of the table ("Tân An", a locality of bodies.json) is spelled as the table spells
    it: a commune of the same letters and other marks does not make another spelling of it
    known, so a reading with those marks is still said to be corrected."""
    table = gazetteer.load()
    key = gazetteer.key_of("Tân An")
    assert key in table.near_places and not table.ambiguous(key)
    assert table.spellings[key] == {"TÂN AN"}
