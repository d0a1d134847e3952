"""Reading real headers: the failure patterns of documents nobody here wrote, on fixtures
written here in the same shapes (issuers, numbers, blanks, subjects, review items)."""

from __future__ import annotations

import json
import logging

import pytest

from ingest.describe import gazetteer
from ingest.describe.header import parse_header
from ingest.describe.numbers import read_date, read_number
from ingest.describe.review import review_items
from ingest.describe.subject import clean_subject
from ingest.describe.syllable import is_syllable, split_glued


def _review(text: str, ocr: bool = False) -> dict:
    return {item.field: item for item in review_items(parse_header(text, ocr=ocr))}


# -- issuer ----------------------------------------------------------------------------------


def test_long_party_body_wrapped_over_lines_keeps_its_place() -> None:
    text = (
        "ĐẢNG BỘ TỈNH LÀO CAI\nĐẢNG ỦY CÁC CƠ QUAN ĐẢNG\nTỈNH\n*\nSố 45-NQ/ĐU\n"
        "ĐẢNG CỘNG SẢN VIỆT NAM\nLào Cai, ngày 05 tháng 3 năm 2025\nNGHỊ QUYẾT\n"
        "về công tác xây dựng Đảng năm 2025\nCăn cứ Điều lệ Đảng;\n"
    )
    h = parse_header(text)
    assert h.issuer == "Đảng ủy các cơ quan Đảng tỉnh Lào Cai"
    assert h.superior == "Đảng bộ tỉnh Lào Cai"
    assert "issuer" not in _review(text)


@pytest.mark.parametrize(
    ("lines", "issuer"),
    [
        (["UBND TỈNH LÀO CAI", "SỞ CÔNG THƯƠNG"], "Sở Công Thương tỉnh Lào Cai"),
        (["ỦY BAN NHÂN DÂN", "TỈNH QUẢNG NGÃI"], "Ủy ban nhân dân tỉnh Quảng Ngãi"),
        (["THỦ TƯỚNG CHÍNH PHỦ"], "Thủ tướng Chính phủ"),
        (["BỘ CÔNG THƯƠNG", "CỤC HÓA CHẤT"], "Cục Hóa chất"),
        (["BAN CHẤP HÀNH TRUNG ƯƠNG", "ỦY BAN KIỂM TRA"], "Ủy ban Kiểm tra Trung ương"),
        (["ĐẢNG BỘ TỈNH QUẢNG NGÃI", "ĐẢNG ỦY ỦY BAN NHÂN DÂN TỈNH"],
         "Đảng ủy Ủy ban nhân dân tỉnh Quảng Ngãi"),
        (["UBND TỈNH LÀO CAI", "VĂN PHÒNG"], "Văn phòng Ủy ban nhân dân tỉnh Lào Cai"),
        (["ỦY BAN NHÂN DÂN", "XÃ MƯỜNG HUM"], "Ủy ban nhân dân xã Mường Hum"),
        (["TỈNH ỦY LÀO CAI", "BAN TUYÊN GIÁO VÀ DÂN VẬN"],
         "Ban Tuyên giáo và Dân vận Tỉnh ủy Lào Cai"),
        (["BAN CÁN SỰ ĐẢNG", "UBND TỈNH LÀO CAI"],
         "Ban cán sự đảng Ủy ban nhân dân tỉnh Lào Cai"),
    ],
)  # fmt: skip
def test_bodies_are_composed_from_parts_and_written_as_registered(
    lines: list[str], issuer: str
) -> None:
    state = not lines[-1].startswith(("ĐẢNG", "TỈNH ỦY", "BAN"))
    motto = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" if state else "ĐẢNG CỘNG SẢN VIỆT NAM"
    text = "\n".join([*lines, "*", motto, "Hà Nội, ngày 05 tháng 3 năm 2025", "QUYẾT ĐỊNH",
                      "về công tác cán bộ", "Căn cứ Điều lệ;"])  # fmt: skip
    h = parse_header(text)
    assert h.issuer == issuer
    assert h.evidence["issuer"].confidence >= 0.8  # read as printed, or composed: no doubt


def test_other_column_word_glued_to_a_body_line_is_removed_and_said() -> None:
    text = (
        "UBND TỈNH LÀO CAI CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT\n"
        "SỞ NỘI VỤ NAM\nĐộc lập - Tự do - Hạnh phúc\n"
        "Số: 88/SNV-VTLT Lào Cai, ngày 02 tháng 4 năm 2025\n"
        "V/v chỉnh lý tài liệu tồn đọng\nKính gửi: Các sở, ban, ngành tỉnh.\n"
    )
    h = parse_header(text, ocr=True)
    assert h.issuer == "Sở Nội vụ tỉnh Lào Cai"
    assert "NAM" in h.evidence["issuer"].note


def test_ocr_damaged_name_snaps_to_the_gazetteer_and_says_so() -> None:
    text = (
        "BỘ CÔNG THƯƠNG CỌNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "CỤC HÓA CHÁT Độc lập — Tự do -Hạnh phúc\n"
        "Số: 813/HC-CNHC Hà Nội, ngày 22 tháng 4 năm 2026\n"
        "V/v trao đổi về một số quy định\ntrong lĩnh vực hóa chất\nKính gửi: Cục Hải quan\n"
    )
    h = parse_header(text, ocr=True)
    assert (h.issuer, h.superior) == ("Cục Hóa chất", "Bộ Công Thương")
    assert "'HÓA CHÁT' → 'Hóa chất'" in h.evidence["issuer"].note
    assert h.subject == "trao đổi về một số quy định trong lĩnh vực hóa chất"
    assert h.doc_type == "CV"


def test_a_place_one_letter_off_is_put_right_but_sent_to_review() -> None:
    text = (
        "ỦY BAN NHÂN DÂN\nTỈNH QUẢNG NZGÃI\nSố: 5/QĐ-UBND\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "Quảng Ngãi, ngày 05 tháng 3 năm 2025\nQUYẾT ĐỊNH\nvề công tác cán bộ\nCăn cứ Luật;\n"
    )
    assert parse_header(text, ocr=True).issuer == "Ủy ban nhân dân tỉnh Quảng Ngãi"
    assert _review(text, ocr=True)["issuer"].code == "unsure"


def test_unknown_body_is_kept_as_printed_and_flagged() -> None:
    text = (
        "UBND TỈNH LÀO CAI\nSỞ DU LỊCH VÀ ẨM THỰC\nSố: 7/KH-SDLAT\n"
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nLào Cai, ngày 05 tháng 3 năm 2025\nKẾ HOẠCH\n"
        "tổ chức lễ hội\nCăn cứ Luật;\n"
    )
    assert parse_header(text).issuer == "Sở Du lịch và Ẩm thực tỉnh Lào Cai"
    assert _review(text)["issuer"].code == "unknown"


def test_authority_line_and_incoming_stamp_do_not_leak_into_the_issuer() -> None:
    text = (
        "ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "TỈNH QUẢNG NGÃI Độc lập - Tự do - Hạnh phúc\n"
        "Số: 08/CT-UBND Quảng Ngãi, ngày 03 tháng 4 năm 2018\n"
        "ĐẾN Số: 2770 Ngày: 05/4\nCHỈ THỊ\nVề việc tăng cường công tác quản lý nhà nước\n"
        "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI\nThời gian qua, các cấp đã cố gắng.\n"
    )
    h = parse_header(text, ocr=True)
    assert (h.issuer, h.number, h.date) == (
        "Ủy ban nhân dân tỉnh Quảng Ngãi", "08/CT-UBND", "2018-04-03",
    )  # fmt: skip
    assert h.subject == "Về việc tăng cường công tác quản lý nhà nước"


def test_authority_line_is_only_a_last_resort_and_then_doubted() -> None:
    text = (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nSố: 26/QĐ-XPVPHC Hà Nội, ngày 08 tháng 7 năm 2026\n"
        "QUYẾT ĐỊNH\nXử phạt vi phạm hành chính\nCỤC TRƯỞNG CỤC HÓA CHẤT\nCăn cứ Luật;\n"
    )
    h = parse_header(text)
    assert h.issuer == "Cục Hóa chất"
    assert _review(text)["issuer"].code == "unsure"


def test_former_province_after_the_merger_is_noted_not_doubted() -> None:
    text = (
        "TỈNH ỦY YÊN BÁI\n*\nSố 5-NQ/TU\nĐẢNG CỘNG SẢN VIỆT NAM\n"
        "Yên Bái, ngày 05 tháng 9 năm 2025\nNGHỊ QUYẾT\nvề công tác cán bộ\nCăn cứ Điều lệ;\n"
    )
    h = parse_header(text)
    assert h.issuer == "Tỉnh ủy Yên Bái"  # the document's own issuer is kept
    assert "Lào Cai" in h.evidence["issuer"].note
    assert "issuer" not in _review(text)


# -- gazetteer as data -------------------------------------------------------------------------


def _copy_with(tmp_path, **changes) -> None:
    data = json.loads(gazetteer.DEFAULT_PATH.read_text(encoding="utf-8"))
    for key, extra in changes.items():
        data[key] = data[key] + extra
    (tmp_path / gazetteer.FILE_NAME).write_text(json.dumps(data, ensure_ascii=False), "utf-8")


def test_instance_copy_wins_and_is_reread_on_change(tmp_path) -> None:
    text = (
        "ỦY BAN NHÂN DÂN\nXÃ NA HẦU\nSố: 5/QĐ-UBND\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "Na Hầu, ngày 05 tháng 3 năm 2025\nQUYẾT ĐỊNH\nvề công tác cán bộ\nCăn cứ Luật;\n"
    )
    ocr_text = text.replace("NA HẦU", "NA HẤU")  # OCR put the wrong mark
    shipped = gazetteer.for_home(tmp_path)
    assert shipped.source == str(gazetteer.DEFAULT_PATH)
    assert parse_header(ocr_text, ocr=True, bodies=shipped).issuer.endswith("Na Hấu")
    _copy_with(tmp_path, localities=["Na Hầu"])
    mine = gazetteer.for_home(tmp_path)
    assert mine.source == str(tmp_path / gazetteer.FILE_NAME)
    h = parse_header(ocr_text, ocr=True, bodies=mine)
    assert h.issuer == "Ủy ban nhân dân xã Na Hầu" and "Na Hầu" in h.evidence["issuer"].note
    path = tmp_path / gazetteer.FILE_NAME
    data = json.loads(path.read_text(encoding="utf-8"))
    data["localities"].remove("Na Hầu")
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    import os

    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 5))
    assert gazetteer.for_home(tmp_path) is not mine


def test_kho_home_copy_is_used_by_default(tmp_path, monkeypatch) -> None:
    _copy_with(tmp_path, localities=["Na Hầu"])
    monkeypatch.setenv("KHO_HOME", str(tmp_path))
    assert gazetteer.for_home().source == str(tmp_path / gazetteer.FILE_NAME)


def test_broken_copy_falls_back_to_the_shipped_table_and_is_logged(tmp_path, caplog) -> None:
    (tmp_path / gazetteer.FILE_NAME).write_text('{"heads": [{"name": "Sở", "role": "x"}]}')
    with caplog.at_level(logging.ERROR):
        table = gazetteer.for_home(tmp_path)
    assert table.source == str(gazetteer.DEFAULT_PATH)
    assert "gazetteer is broken" in caplog.text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"heads": [{"name": "Sở", "role": "boss"}]}, "role must be one of"),
        ({"heads": [{"name": "Sở", "role": "department", "functions": "nope"}]}, "no function"),
        ({"provinces": [{"name": "Lào Cai", "until": "30/6/2025"}]}, "not an ISO date"),
        ({"bodies": [{"symbol": "CP"}]}, "needs a 'name'"),
        ([], "JSON object"),
    ],
)
def test_gazetteer_validation_names_the_entry(data: object, message: str) -> None:
    with pytest.raises(gazetteer.GazetteerError, match=message):
        gazetteer.parse(data, "bodies.json")


def test_shipped_gazetteer_knows_the_2025_mergers() -> None:
    table = gazetteer.load()
    yen_bai = table.places[gazetteer.key_of("Yên Bái")]
    assert yen_bai.merged_into == "Lào Cai" and str(yen_bai.until) == "2025-06-30"
    provinces = [e for e in table.places.values() if e.level in ("tỉnh", "thành phố")]
    assert len({e.name for e in provinces if e.until is None}) == 34


# -- numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "number", "code"),
    [
        ("Số: 66.19/2026/NQ-CP", "66.19/2026/NQ-CP", "NQ"),
        ("Số: 139/2025/NĐ-CP", "139/2025/NĐ-CP", "NĐ"),
        ("Số: 07/CT-TTg", "07/CT-TTg", "CT"),
        ("Số: 26/QĐ-XPVPHC", "26/QĐ-XPVPHC", "QĐ"),
        ("Số: 24/TTr -UBND", "24/TTr-UBND", "TTr"),
        ("Số 445-KL/TƯ", "445-KL/TU", "KL"),
        ("Số 12-CTIr/TU", "12-CTr/TU", "CTr"),
        ("Nghị quyết số: 11-NQ/TW", "11-NQ/TW", "NQ"),
        ("Số: 575/UBND-KTTH", "575/UBND-KTTH", "CV"),
        ("Số: 3/QĐĐ-UBND", "3/QĐ-UBND", "QĐ"),
        ("Số: 1060/BTC-QLGCS", "1060/BTC-QLGCS", "CV"),
    ],
)
def test_number_forms(cell: str, number: str, code: str) -> None:
    found = read_number(cell)
    assert (found.value, found.code) == (number, code)


def test_number_slips_are_corrected_and_said() -> None:
    assert read_number("Số 12-CTIr/TU").fixes == ["'CTIr' → 'CTr'"]
    assert read_number("Số 445-KL/TƯ").fixes == ["'TƯ' → 'TU'"]


@pytest.mark.parametrize(
    ("cell", "printed", "seen"),
    [
        ("Số: 2 #ˆ /CT-UBND", "/CT-UBND", "2 #ˆ"),
        ("Số:⁄‡6 /CT-UBND", "/CT-UBND", "⁄‡6"),
        ("Só:4@' /TB-UBND", "/TB-UBND", "4@'"),
        ("Số: ___/CT-UBND", "/CT-UBND", None),
        ("Số: /UBND-KTTH", "/UBND-KTTH", None),
        ("Số:  -NQ/TU", "-NQ/TU", None),
    ],
)
def test_blank_or_handwritten_number_keeps_only_the_printed_part(
    cell: str, printed: str, seen: str | None
) -> None:
    found = read_number(cell)
    assert (found.value, found.printed, found.handwritten) == (None, printed, seen)


def test_digits_in_a_scan_blank_are_handwriting_not_print() -> None:
    assert read_number("Số: 53 /TB-UBND").value == "53/TB-UBND"
    found = read_number("Số: 53 /TB-UBND", ocr=True)
    assert (found.value, found.printed, found.handwritten) == (None, "/TB-UBND", "53")


@pytest.mark.parametrize(
    ("line", "iso", "printed"),
    [
        ("Quảng Ngãi, ngày tháng 01 năm 2025", None, "tháng 01 năm 2025"),
        ("Quảng Ngãi, ngày Z tháng 4 năm 2020", None, "tháng 4 năm 2020"),
        ("Hà Nội ngày 0Ÿ tháng # năm 2026", None, "năm 2026"),
        ("Quảng Ngãi, ngày 04tháng 02 năm 2025", "2025-02-04", ""),
        ("Hà Nội, ngày 06 tháng 01 năm 2012", "2012-01-06", ""),
    ],
)
def test_dates_blank_handwritten_and_glued(line: str, iso: str | None, printed: str) -> None:
    found = read_date(line)
    assert (found.iso, found.printed) == (iso, printed)
    assert found.blank is (iso is None)


SCAN = """\
ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
TỈNH QUẢNG NGÃI Độc lập - Tự do - Hạnh phúc
Số: 2 #ˆ /CT-UBND Quảng Ngãi, ngày Z tháng 4 năm 2020
CHỈ THỊ
,Vêviệc triển khai thực hiện mở rộng nộp thuế điện tử
đối với cá nhân kinh doanh trên địa bàn tỉnh Quảng Ngãi
Thực hiện Quyết định số 2545/QĐ-TTg ngày 30/12/2016 của Thủ tướng Chính phủ;
"""


def test_handwritten_scan_header_goes_to_review_with_its_reasons() -> None:
    h = parse_header(SCAN, ocr=True)
    review = _review(SCAN, ocr=True)
    assert (h.number, h.date, h.doc_type, h.issuer) == (
        "/CT-UBND", None, "CT", "Ủy ban nhân dân tỉnh Quảng Ngãi",
    )  # fmt: skip
    assert review["number"].code == review["date"].code == "blank"
    assert "viết tay" in review["number"].reason and "2 #ˆ" in review["number"].reason
    assert "tháng 4 năm 2020" in review["date"].reason
    assert review["number"].line.startswith("Số: 2 #ˆ")
    assert h.subject == (
        "Về việc triển khai thực hiện mở rộng nộp thuế điện tử đối với cá nhân kinh doanh "
        "trên địa bàn tỉnh Quảng Ngãi"
    )
    assert "issuer" not in review and "doc_type" not in review


@pytest.mark.parametrize(
    ("number_line", "offer"),
    [
        ("Số: 1050 /CT-UBND", "1050/CT-UBND"),  # clean digits with a gap: typed or clear pen
        ("Số: 01 /CT-UBND", "01/CT-UBND"),
        ("Số: 2 #ˆ /CT-UBND", None),  # what OCR makes of handwriting: nothing to offer
        ("Số: ___/CT-UBND", None),  # an empty blank
    ],
)
def test_clean_digits_in_a_number_blank_are_offered_never_filed(number_line, offer) -> None:
    """The archivist sees the crop and, when OCR read clean digits in the blank, the whole
    number offered in one click; the field itself keeps only the printed part until then."""
    text = SCAN.replace("Số: 2 #ˆ /CT-UBND", number_line)
    h = parse_header(text, ocr=True)
    item = {i.field: i for i in review_items(h)}["number"]
    assert (h.number, item.code, item.proposal) == ("/CT-UBND", "blank", offer)


@pytest.mark.parametrize(
    ("number_line", "number"),
    [
        ("Số:      /CT-UBND", None),  # nothing read, and the image shows nothing: unnumbered
        ("Số: ___/CT-UBND", None),
        ("Số: 2 #ˆ /CT-UBND", "/CT-UBND"),  # something was read there: a hand-written number
        ("Số: 1050 /CT-UBND", "/CT-UBND"),
    ],
)
def test_a_scan_blank_the_image_proved_empty_is_an_unnumbered_copy(number_line, number) -> None:
    """A scan's blank is where a number is written by hand, so its printed part is kept for
    the archivist; when the page image proved it empty (``Examined.empty_number_blank``: no
    ink at all there), it is an unnumbered copy printed and scanned: no number, for review."""
    text = SCAN.replace("Số: 2 #ˆ /CT-UBND", number_line)
    h = parse_header(text, ocr=True, empty_number_blank=True)
    item = {i.field: i for i in review_items(h)}["number"]
    assert (h.number, item.code) == (number, "blank")
    if number is None:
        assert "chưa có số" in item.reason and "để trống" in item.reason
    assert parse_header(text, ocr=True).number == "/CT-UBND"  # not proved: kept as before


_LOST_HEAD = (
    "BỘ CÔNG THƯƠNG\nCỤC HÓA CHẤT\n{number}\n\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
    "Độc lập - Tự do - Hạnh phúc\nHà Nội, ngày OÂ tháng 7 năm 2026\n\nQUYẾT ĐỊNH\n"
    "Xử phạt vi phạm hành chính\n\nCỤC TRƯỞNG CỤC HÓA CHẤT\n\nCăn cứ Luật Xử lý vi phạm.\n"
)


@pytest.mark.parametrize(
    ("line", "number"),
    [
        ("/QĐ-XPVPHC", "/QĐ-XPVPHC"),  # "Số: 26" written over by a pen, read as nothing
        ("-KH/TU", "-KH/TU"),
        ("/2024/NĐ-CP", "/2024/NĐ-CP"),
        ("/xử-lý", None),  # lower case: no printed symbol
        ("/UBND", None),  # no dash: too little to tell from other words
    ],
)
def test_a_bare_printed_symbol_is_a_number_whose_head_was_lost(line: str, number) -> None:
    """On a scan whose "Số: 26" a pen wrote over, OCR read the number line as its printed
    symbol alone: kept as the printed part, for the archivist to complete (before: no number
    found at all)."""
    text = _LOST_HEAD.format(number=line)
    h = parse_header(text, ocr=True)
    assert h.number == number
    if number:
        assert _review(text, ocr=True)["number"].code == "blank"


PRINTED_DAY = SCAN.replace("ngày Z tháng", "ngày 06 tháng")


def test_a_day_beside_a_handwritten_number_is_doubted_unless_its_ink_proved_it_printed() -> None:
    """A pen that filled the number may have filled the day: without proof the date goes to a
    person. The day's ink proved printed (``date_ink``) for this very date: it is no doubt."""
    for proof in (None, "2020-04-16", "2020-05-06", "2021-04-06"):  # none, or another date's
        h = parse_header(PRINTED_DAY, ocr=True, printed_date=proof)
        review = {i.field: i for i in review_items(h)}
        assert h.date == "2020-04-06" and h.evidence["date"].confidence <= 0.7
        assert "viết tay" in review["date"].reason
    h = parse_header(PRINTED_DAY, ocr=True, printed_date="2020-04-06")
    review = {i.field: i for i in review_items(h)}
    assert h.date == "2020-04-06" and "date" not in review
    assert h.evidence["date"].note is None and h.evidence["date"].confidence >= 0.9
    assert (h.number, review["number"].code) == ("/CT-UBND", "blank")  # the number still is


def test_a_proven_day_says_nothing_for_a_blank_one() -> None:
    h = parse_header(SCAN, ocr=True, printed_date="2020-04-06")  # "ngày Z tháng 4": not read
    assert h.date is None and {i.field: i for i in review_items(h)}["date"].code == "blank"


def test_unnumbered_working_copy_has_empty_number_and_date_flagged() -> None:
    text = SCAN.replace("Số: 2 #ˆ /CT-UBND", "Số:          /CT-UBND").replace(
        "ngày Z tháng", "ngày        tháng"
    )
    h = parse_header(text)  # a typed text layer: nobody writes into it by hand
    review = _review(text)
    assert (h.number, h.date, h.place) == (None, None, "Quảng Ngãi")
    assert review["number"].code == review["date"].code == "blank"
    assert "chưa có số" in review["number"].reason


def test_dates_and_numbers_of_the_body_are_never_taken() -> None:
    text = (
        "TỈNH ỦY LÀO CAI\n*\nĐẢNG CỘNG SẢN VIỆT NAM\nKẾT LUẬN\nvề công tác cán bộ\n"
        "Ngày 15 tháng 3 năm 2024, Ban Thường vụ đã họp và kết luận như sau.\n"
        "Số 82-KL/TW ngày 16/8/2010 của Bộ Chính trị đã nêu.\n"
    )
    h = parse_header(text)
    assert (h.number, h.date) == (None, None)
    assert {"number", "date"} <= set(_review(text))


def test_number_and_date_on_one_line_after_the_type_name() -> None:
    text = (
        "BỘ CHÍNH TRỊ\nĐẢNG CỘNG SẢN VIỆT NAM\n"
        "Nghị quyết số: 11-NQ/TW Hà Nội, ngày 06 tháng 01 năm 2012\nNGHỊ QUYẾT\n"
        "VỀ PHƯƠNG HƯỚNG, NHIỆM VỤ PHÁT TRIỂN THỦ ĐÔ HÀ NỘI GIAI ĐOẠN\n2011-2020\n"
        "I- Tình hình và kết quả 10 năm thực hiện Nghị quyết 15-NQ/TW của Bộ Chính trị\n"
    )
    h = parse_header(text)
    assert (h.number, h.date, h.issuer, h.doc_type) == (
        "11-NQ/TW", "2012-01-06", "Bộ Chính trị", "NQ",
    )  # fmt: skip
    # the subject in capitals is registered as a sentence; known names keep their capitals
    assert h.subject == "Về phương hướng, nhiệm vụ phát triển thủ đô Hà Nội giai đoạn 2011-2020"


def test_state_symbol_whose_first_part_looks_like_a_type_is_a_cong_van() -> None:
    text = (
        "BỘ TÀI CHÍNH CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nCỤC THUẾ Độc lập - Tự do - Hạnh phúc\n"
        "Số: 2191/CT-CS Hà Nội, ngày 08 tháng 4 năm 2026\nV/v chính sách thuế TNDN\n"
        "Kính gửi: Thuế tỉnh Ninh Bình.\n"
    )
    h = parse_header(text)
    assert (h.doc_type, h.number, h.issuer, h.subject) == (
        "CV", "2191/CT-CS", "Cục Thuế", "chính sách thuế TNDN",
    )  # fmt: skip


# -- subjects --------------------------------------------------------------------------------


def test_conference_title_block_is_not_the_subject() -> None:
    text = (
        "BAN CHẤP HÀNH TRUNG ƯƠNG\n*\nSố 19-NQ/TW\nĐẢNG CỘNG SẢN VIỆT NAM\n"
        "Hà Nội, ngày 16 tháng 6 năm 2022\nNGHỊ QUYẾT\n"
        "HỘI NGHỊ LẦN THỨ NĂM BAN CHẤP HÀNH TRUNG ƯƠNG ĐẢNG KHÓA XIII\n"
        "về nông nghiệp, nông dân, nông thôn đến năm 2030,\ntầm nhìn đến năm 2045\n"
        "I- TÌNH HÌNH VÀ NGUYÊN NHÂN\n"
    )
    h = parse_header(text)
    assert h.subject == "về nông nghiệp, nông dân, nông thôn đến năm 2030, tầm nhìn đến năm 2045"
    assert h.issuer == "Ban Chấp hành Trung ương"


def test_subject_over_lines_with_proper_names_is_read_whole() -> None:
    text = (
        "ỦY BAN NHÂN DÂN\nTỈNH QUẢNG NGÃI\nSố: 16/CT-UBND\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "Quảng Ngãi, ngày 27 tháng 12 năm 2021\nCHỈ THỊ\n"
        "Về việc tăng cường các biện pháp bảo đảm đón Tết Nguyên đán\n"
        "Nhâm Dần năm 2022 đầm ấm, an toàn và tiết kiệm\ntrên địa bàn tỉnh\n"
        "Thực hiện Chỉ thị số 11-CT/TW ngày 08/12/2021 của Ban Bí thư;\n"
    )
    assert parse_header(text).subject == (
        "Về việc tăng cường các biện pháp bảo đảm đón Tết Nguyên đán Nhâm Dần năm 2022 đầm ấm, "
        "an toàn và tiết kiệm trên địa bàn tỉnh"
    )


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("V/v chính sách thuế TNDN", "chính sách thuế TNDN"),
        ("\\ việc miễn nhiệm chức danh", "Về việc miễn nhiệm chức danh"),
        (",Vêviệc triển khai", "Về việc triển khai"),
        ("VỀTHỂ THỨC VĂN BẢN CỦA ĐẢNG", "VỀ THỂ THỨC VĂN BẢN CỦA ĐẢNG"),
        ("về thẩmquyền ban hành", "về thẩm quyền ban hành"),
        ("giải quyết đề nghị huấn luyện KTAT VLNCN", "giải quyết đề nghị huấn luyện KTAT VLNCN"),
    ],
)
def test_subject_cleaning(raw: str, clean: str) -> None:
    assert clean_subject(raw)[0] == clean


def test_subject_in_capitals_becomes_a_sentence_keeping_known_names() -> None:
    table = gazetteer.load()
    raw = "QUY ĐỊNH VỀ PHÂN CẤP TRONG LĨNH VỰC CỦA BỘ CÔNG THƯƠNG TẠI LÀO CAI, VĂN BẢN CỦA ĐẢNG"
    assert clean_subject(raw, table)[0] == (
        "Quy định về phân cấp trong lĩnh vực của Bộ Công Thương tại Lào Cai, văn bản của Đảng"
    )  # "VĂN BẢN" is no "Văn Bàn" (a district) though the letters are the same


def test_ocr_subject_with_words_that_are_no_vietnamese_is_doubted() -> None:
    text = SCAN.replace("trên địa bàn tỉnh Quảng Ngãi", "trên địa bàn tỉnh Quảng Nzgãi")
    assert _review(text, ocr=True)["subject"].code == "unsure"


# -- syllables -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "word", ["Tỉnh", "ỦY", "nghĩa", "giữa", "quyết", "người", "Yên", "khuya", "gì", "xuan"]
)
def test_syllables(word: str) -> None:
    assert is_syllable(word)


@pytest.mark.parametrize("word", ["ITNIN", "Nzgãi", "ChÌnh", "ph4m", "UBND", "tỉnhh"])
def test_not_syllables(word: str) -> None:
    assert not is_syllable(word)


def test_glued_syllables_split_at_the_longest_onset() -> None:
    assert split_glued("VỀTHỂ") == ["VỀ", "THỂ"]
    assert split_glued("BộChính") == ["Bộ", "Chính"]
    assert split_glued("Tỉnh") is None and split_glued("Internet") is None


def test_ocr_subject_whose_words_have_other_marks_in_the_body_is_doubted() -> None:
    text = SCAN.replace("trên địa bàn tỉnh Quảng Ngãi\n", "dịp Tết Nhâm Dằn\n") + (
        "Các cấp chuẩn bị đón Tết Nhâm Dần an toàn, tiết kiệm.\n"
    )
    review = _review(text, ocr=True)
    assert review["subject"].code == "unsure"
    assert "'nhâm dằn' / 'nhâm dần'" in review["subject"].reason
    assert review["subject"].proposal.endswith("dịp Tết Nhâm Dần")  # the body's marks, offered
    clean = text.replace("Dằn", "Dần").replace(",Vêviệc", "Về việc")
    assert "subject" not in _review(clean, ocr=True)


@pytest.mark.parametrize(
    ("lines", "issuer"),
    [
        (["ĐẢNG BỘ TỈNH LÀO CAI", "ĐẢNG ỦY QUÂN SỰ TỈNH"], "Đảng ủy Quân sự tỉnh Lào Cai"),
        (["ỦY BAN MẶT TRẬN TỔ QUỐC VIỆT NAM", "TỈNH LÀO CAI"],
         "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh Lào Cai"),
        (["BỘ TÀI CHÍNH", "CỤC THUẾ", "CHI CỤC THUẾ KHU VỰC II"], "Chi cục Thuế khu vực II"),
        (["TỈNH ỦY LÀO CAI", "TRƯỜNG CHÍNH TRỊ"], "Trường Chính trị tỉnh Lào Cai"),
        (["ĐẢNG BỘ XÃ TÂN AN", "CHI BỘ THÔN 3"], "Chi bộ thôn 3"),
        (["BAN TỔ CHỨC TRUNG ƯƠNG"], "Ban Tổ chức Trung ương"),
        (["UBND TP. HỒ CHÍ MINH"], "Ủy ban nhân dân thành phố Hồ Chí Minh"),
        (["ỦY BAN NHÂN DÂN", "TÍNH QUẢNG NGÃI"], "Ủy ban nhân dân tỉnh Quảng Ngãi"),
        (["HỘI ĐỒNG NHÂN DÂN TỈNH LÀO CAI", "BAN PHÁP CHẾ"],
         "Ban Pháp chế Hội đồng nhân dân tỉnh Lào Cai"),
    ],
)  # fmt: skip
def test_more_bodies_from_parts(lines: list[str], issuer: str) -> None:
    """Units below a body, levels below a commune, a mark OCR got wrong on "TỈNH", and "QUÂN
    SỰ" which is no "QUẬN" though the letters are the same."""
    from ingest.describe.issuer import read_issuer

    reading = read_issuer(lines, gazetteer.load())
    assert reading.issuer == issuer
    assert reading.confidence >= 0.8


# -- scans: debris, decisions and the body's own spelling --------------------------------------

_DECISION_SCAN = (
    "BỘ CÔNG THƯƠNG\nCỤC HÓA CHẤT\nSố: pổế /QĐ-XPVPHC\n\n"
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
    "Hà Nội, ngàyOẨ tháng 7 năm 2026\n\n{title}\n{subject}\n\nCỤC TRƯỞNG CỤC HÓA CHẤT\n\n"
    "Căn cứ Luật Xử lý vi phạm hành chính năm 2012;\n\nQUYẾT ĐỊNH:\n\nĐiều 1.\n"
    "1. Xử phạt vi phạm hành chính đối với Công ty có tên sau đây:\n"
)


@pytest.mark.parametrize(
    ("title", "subject"),
    [
        ("M1... QUYÉT ĐỊNH", "'møt0..2Ÿ.../2/ Xử phạt vi phạm hành chính"),
        ("Qx7/. QUYẾT ĐỊNH", "Xử phạt vi phạm hành chính"),
    ],
)
def test_a_decisions_title_behind_ocr_debris_is_its_title_and_the_articles_never_its_subject(
    title: str, subject: str
) -> None:
    """A handwritten mark before the title, and the decision's own "QUYẾT ĐỊNH:" over its
    articles: the subject is the line under the title, never "Điều 1."."""
    text = _DECISION_SCAN.format(title=title, subject=subject)
    h = parse_header(text, ocr=True)
    assert h.doc_type == "QĐ" and h.evidence["doc_type"].line == title
    assert h.subject == "Xử phạt vi phạm hành chính"
    # What was dropped is shown in the evidence; it holds no syllable, so no word of the
    # subject can have been lost with it and the subject is not sent to a person for it.
    debris = subject != "Xử phạt vi phạm hành chính"
    assert ("møt0" in (h.evidence["subject"].note or "")) is debris
    assert "subject" not in _review(text, ocr=True)


@pytest.mark.parametrize(
    ("raw", "sure"),
    [
        (", \\ việc triển khai nộp thuế", True),  # signs dropped, "Về" restored
        ("'x7..2/ Triển khai nộp thuế", True),  # a pen's mark: no syllable in it
        ("'tỉnh2..4/ Triển khai nộp thuế", False),  # a syllable went with the mark
        ("Triển khai thựchiện nộp thuế", False),  # "thự chiện": a split the word list denies
        ("Triển khai nộpthuế điện tử", True),  # "nộp" and "thuế" are both words
    ],
)
def test_a_scans_subject_cleaned_goes_to_a_person_only_when_a_word_may_have_changed(
    raw: str, sure: bool
) -> None:
    _, notes, cleaned_surely = clean_subject(raw)
    assert notes and cleaned_surely is sure
    text = _DECISION_SCAN.format(title="QUYẾT ĐỊNH", subject=raw)
    assert ("subject" in _review(text, ocr=True)) is not sure


def test_the_decision_clause_with_its_colon_is_not_a_title() -> None:
    text = _DECISION_SCAN.format(title="", subject="")
    h = parse_header(text, ocr=True)
    assert h.subject is None or not h.subject.startswith("Điều")
    assert h.evidence.get("doc_type") is None or h.evidence["doc_type"].line != "QUYẾT ĐỊNH:"


def test_subject_words_spelled_otherwise_by_most_of_the_body_are_put_right() -> None:
    """OCR errs in the body too: "vật liệu nỗ" once there is outvoted by "vật liệu nổ", and
    "nỗ" is no word on its own: the subject is put right, and says so."""
    head = (
        "UBND TỈNH LÀO CAI\nSỞ CÔNG THƯƠNG\nSố: 1050/QĐ-SCT\n\n"
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
        "Lào Cai, ngày 06 tháng 3 năm 2026\n\nQUYẾT ĐỊNH\n\n"
        "Kiểm tra việc bảo quản vật liệu {word} công nghiệp năm 2026\n\n"
        "GIÁM ĐỐC SỞ CÔNG THƯƠNG TỈNH LÀO CAI\n\n"
        "Căn cứ Luật Quản lý, sử dụng vũ khí, vật liệu nổ và công cụ hỗ trợ;\n"
        "Căn cứ Nghị định quy định về vật liệu nỗ và tiền chất thuốc nổ;\n"
        "Căn cứ Thông tư quy định về quản lý vật liệu nổ công nghiệp;\n"
    )
    wrong, right = head.format(word="nỗ"), head.format(word="nổ")
    h = parse_header(wrong, ocr=True)
    assert h.subject == "Kiểm tra việc bảo quản vật liệu nổ công nghiệp năm 2026"
    assert "'nỗ' → 'nổ' (2 lần trong thân văn bản)" in h.evidence["subject"].note
    assert "subject" not in _review(wrong, ocr=True)  # the body and the word list agree
    assert "subject" not in _review(right, ocr=True)


@pytest.mark.parametrize(
    ("number", "doubted"),
    [
        ("Số: 26/QĐ-XPVPHC", False),  # a penalty decision's field, no body's symbol
        ("Số: 597/HC-QLHC", False),  # the drafting unit
        ("Số: 26/QĐ-SNV", True),  # Sở Nội vụ's symbol under Cục Hóa chất's name
    ],
)
def test_a_symbol_part_no_body_owns_does_not_doubt_the_issuer(number: str, doubted: bool) -> None:
    text = (
        f"BỘ CÔNG THƯƠNG\nCỤC HÓA CHẤT\n{number}\n"
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
        "Hà Nội, ngày 08 tháng 7 năm 2026\nQUYẾT ĐỊNH\nXử phạt vi phạm hành chính\n"
        "Căn cứ Luật Xử lý vi phạm hành chính năm 2012;\n"
    )
    h = parse_header(text)
    assert h.issuer == "Cục Hóa chất"
    assert ("issuer" in _review(text)) is doubted


@pytest.mark.parametrize(
    ("blank", "doubted"), [("Số: 4@` /TB-UBND", True), ("Số: /TB-UBND", False)]
)
def test_a_scans_day_is_doubted_only_when_the_number_beside_it_was_written_by_hand(
    blank: str, doubted: bool
) -> None:
    """Digits written into both blanks read like print; a number blank with nothing in it
    says nothing against the printed day."""
    text = (
        f"ỦY BAN NHÂN DÂN\nTỈNH QUẢNG NGÃI\n{blank}\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "Độc lập - Tự do - Hạnh phúc\nQuảng Ngãi, ngày 24 tháng 01 năm 2025\nTHÔNG BÁO\n"
        "Kết luận của Chủ tịch Ủy ban nhân dân tỉnh tại cuộc họp\n"
        "Thực hiện chương trình công tác năm 2025;\n"
    )
    h = parse_header(text, ocr=True)
    assert h.date == "2025-01-24"
    assert ("date" in _review(text, ocr=True)) is doubted


_PARTY_SCAN = (
    "ĐẢNG BỘ XÃ XUÂN QUANG\nĐẢNG ỦY XÃ XUÂN QUANG\n*\nSố {number}\n\nĐẢNG CỘNG SẢN VIỆT NAM\n"
    "Xuân Quang, ngày 12 tháng 3 năm 2025\n\nV/v triển khai công tác kiểm tra\n\n"
    "Kính gửi: các chi bộ.\n\nThực hiện kế hoạch của cấp trên.\n"
)


@pytest.mark.parametrize(
    ("number", "doubted"),
    [
        ("1933-CV/ĐĐU", True),  # a letter doubled by OCR: one off the Đảng ủy's "ĐU"
        ("1933-CV/ĐU", False),
        ("1933-CV/BTCTU", False),  # far from it: another matter, the issuer's check notes it
    ],
)
def test_a_scanned_numbers_symbol_one_letter_off_the_issuers_goes_to_a_person(
    number: str, doubted: bool
) -> None:
    text = _PARTY_SCAN.format(number=number)
    h = parse_header(text, ocr=True)
    assert h.number == number and h.issuer == "Đảng ủy xã Xuân Quang"
    review = _review(text, ocr=True)
    assert ("number" in review) is doubted
    if doubted:
        assert "(ĐU)" in review["number"].reason
    assert "number" not in _review(text)  # a text layer's symbol is what was typed


def test_a_state_symbol_ending_in_a_unit_is_no_slip_of_the_issuers() -> None:
    text = _DECISION_SCAN.replace("pổế /QĐ-XPVPHC", "26/QĐ-XPVPHC").format(
        title="QUYẾT ĐỊNH", subject="Xử phạt vi phạm hành chính"
    )
    h = parse_header(text, ocr=True)
    assert h.number == "26/QĐ-XPVPHC"
    assert "number" not in _review(text, ocr=True)


# -- subject: what OCR adds around it -----------------------------------------------------------

_QD_HEAD = (
    "BỘ CÔNG THƯƠNG\nCỤC HÓA CHẤT\nSố: 26/QĐ-XPVPHC\n\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
    "Độc lập - Tự do - Hạnh phúc\nHà Nội, ngày 08 tháng 7 năm 2026\n\nQUYẾT ĐỊNH\n{subject}\n\n"
    "CỤC TRƯỞNG CỤC HÓA CHẤT\n\nCăn cứ Luật Xử lý vi phạm hành chính 2012 (được sửa đổi năm\n"
    "2020, 2025);\n\nTheo đề nghị của Trưởng đoàn kiểm tra.\n"
)


def test_a_speck_read_as_a_sign_before_the_subject_is_dropped_and_doubted() -> None:
    """The short rule under the title read as "+" glued to the subject: the subject is the
    rest, sent to a person; it was taken for a list item, and the subject sought on down the
    body ("2020, 2025);" filed as sure)."""
    h = parse_header(_QD_HEAD.format(subject="+ Xử phạt vi phạm hành chính"), ocr=True)
    assert h.subject == "Xử phạt vi phạm hành chính"
    assert h.evidence["subject"].confidence < 0.8
    assert "'+'" in h.evidence["subject"].note  # the person sees why it is doubted


def test_a_subject_of_six_lines_or_more_is_doubted_with_its_reason() -> None:
    lines = "\n".join(
        ["Xử phạt vi phạm hành chính trong lĩnh vực"] + ["hóa chất và vật liệu nổ công nghiệp"] * 6
    )
    h = parse_header(_QD_HEAD.format(subject=lines))
    assert h.evidence["subject"].confidence < 0.8
    assert "6 dòng" in h.evidence["subject"].note


def test_no_subject_is_sought_past_the_start_of_the_body() -> None:
    h = parse_header(_QD_HEAD.format(subject="- Căn cứ Điều lệ Đảng;"), ocr=True)
    assert h.subject is None and "subject" in _review(_QD_HEAD.format(subject=""), ocr=True)


def test_a_full_stop_between_words_of_a_subject_is_a_speck() -> None:
    subject, notes, sure = clean_subject(
        "Về việc chấn. chỉnh công tác quản lý ở 02 cấp. trong tỉnh"
    )
    assert subject == "Về việc chấn chỉnh công tác quản lý ở 02 cấp trong tỉnh" and sure
    assert notes == ["bỏ dấu chấm lẫn giữa câu"]
    assert clean_subject("Kế hoạch năm 2026. Triển khai v.v. khác")[1] == []
    assert clean_subject("VỀ VIỆC CHẤN. CHỈNH CÔNG TÁC TẠI TP. HUẾ")[0] == (
        "VỀ VIỆC CHẤN CHỈNH CÔNG TÁC TẠI TP. HUẾ"
    )


def test_a_subject_read_as_opening_with_and_opens_with_about() -> None:
    subject, notes, _ = clean_subject("và việc tham dự Hội nghị đánh giá Chương trình")
    assert subject == "về việc tham dự Hội nghị đánh giá Chương trình"
    assert notes == ["khôi phục 'Về việc' ở đầu"]


def test_an_abbreviation_wrapped_alone_ends_a_summary() -> None:
    text = (
        "UBND TỈNH LÀO CAI\nSỞ CÔNG THƯƠNG\nSố: 15/SCT-CN\nV/v giải quyết đề nghị\n"
        "huấn luyện, kiểm tra\ncấp Giấy chứng nhận\nhuấn luyện KTAT\nVLNCN\n\n"
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
        "Lào Cai, ngày 05 tháng 6 năm 2026\nKính gửi: Hợp tác xã Văn Thịnh\n"
    )
    h = parse_header(text, ocr=True)
    assert h.subject == (
        "giải quyết đề nghị huấn luyện, kiểm tra cấp Giấy chứng nhận huấn luyện KTAT VLNCN"
    )


def test_a_party_symbol_with_no_known_type_goes_to_a_person() -> None:
    """ "519-KIL/BNCTU" (OCR put an I into "KL") was filed as sure: a Party symbol always
    carries a type code; one put right from a two-letter code, or no known type, is doubted."""
    found = read_number("Số 519-KIL/BNCTU", ocr=True)
    assert (found.value, found.odd_code) == ("519-KL/BNCTU", True)
    assert read_number("Số 519-KX/BNCTU").odd_code and not read_number("Số 26-NQ/TU").odd_code
    text = (
        "ĐẢNG BỘ TỈNH YÊN BÁI\nBAN NỘI CHÍNH TỈNH ỦY\nSố 519-KIL/BNCTU\n\n"
        "ĐẢNG CỘNG SẢN VIỆT NAM\nYên Bái, ngày 05 tháng 3 năm 2025\n\nKẾT LUẬN\n"
        "về công tác kiểm tra năm 2024\n\nCăn cứ Điều lệ Đảng;\n"
    )
    assert "number" in _review(text, ocr=True)
    assert "number" not in _review(text.replace("KIL", "KL"), ocr=True)


def test_a_date_wrapped_before_its_year_is_one_date_and_no_subject() -> None:
    """A narrow right column wraps "… năm" / "2018": apart, the place and date line was taken
    for the start of the subject ("Yên Bái, ngày 18 … 2018 về việc …"), and no date found."""
    text = (
        "ỦY BAN NHÂN DÂN\nTỈNH YÊN BÁI\nSố: 2280/KH-UBND\nKẾ HOẠCH\n\n"
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA\nVIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
        "Yên Bái, ngày 18 tháng 10 năm\n2018\n\n"
        "về việc thành lập Đoàn kiểm tra của Ban Thường vụ Tỉnh ủy\n\nCăn cứ Điều lệ Đảng;\n"
    )
    h = parse_header(text, ocr=True)
    assert (h.date, h.subject) == (
        "2018-10-18",
        "về việc thành lập Đoàn kiểm tra của Ban Thường vụ Tỉnh ủy",
    )


_CV_HEAD = (
    "BAN CHẤP HÀNH TRUNG ƯƠNG\n*\nSố 1638-CV/TW\n{summary}\nbiểu Đảng bộ tỉnh lần thứ I\n"
    "KHẨN\nĐồng chí Phó Bí thư Thường trực\nTỉnh ủy tham mưu tổng hợp kết quả.\n\n"
    "ĐẢNG CỘNG SẢN VIỆT NAM\nHà Nội, ngày 1 tháng 3 năm 2023\n\nRà soát các thủ tục.\n"
)


@pytest.mark.parametrize("mark", ["V⁄ ", "V⁄4v ", "V/1v ", "V4 ", "V⁄% ", "V„y ", "V„v ", "V„ "])
def test_a_summary_whose_v_slash_v_ocr_spoilt_is_a_summary(mark: str) -> None:
    """Its second "v" lost, or a digit read on the slash: before, the summary was not found and
    the header region ended there, so the other column's date read after it was lost too."""
    h = parse_header(_CV_HEAD.format(summary=mark + "tuyên truyền kết quả Đại hội đại"), ocr=True)
    assert h.subject == "tuyên truyền kết quả Đại hội đại biểu Đảng bộ tỉnh lần thứ I"
    assert (h.urgency, h.evidence["urgency"].confidence) == ("khan", 0.95)
    text = (
        f"BAN CHẤP HÀNH TRUNG ƯƠNG\nVĂN PHÒNG\n*\nSố 1929-CV/VPTW\n{mark}thành lập Đoàn kiểm "
        "tra của Ban\nThường vụ Tỉnh ủy\n\nĐẢNG CỘNG SẢN VIỆT NAM\nHà Nội, ngày 11 tháng 11 năm "
        "2022\n\nTổ chức tập huấn nghiệp vụ cho đội ngũ cán bộ.\n"
    )
    h = parse_header(text, ocr=True)
    assert (h.subject, h.date) == (
        "thành lập Đoàn kiểm tra của Ban Thường vụ Tỉnh ủy",
        "2022-11-11",
    )


def test_a_mark_below_a_header_region_cut_short_is_a_mark_a_person_confirms() -> None:
    """A first summary line read as a sentence ends the header region early: "KHẨN" under it,
    above the other column's motto and date, was dropped (filed not urgent, silently)."""
    text = _CV_HEAD.format(summary="Vào tuyên truyền kết quả Đại hội đại biểu Đảng bộ")
    h = parse_header(text, ocr=True)
    assert (h.urgency, h.evidence["urgency"].confidence) == ("khan", 0.7)
    assert "urgency" in _review(text, ocr=True)


@pytest.mark.parametrize(
    "text",
    [
        # the title says one type, the number's code another
        "TỈNH ỦY YÊN BÁI\n*\nSố 12-CT/TU\n\nĐẢNG CỘNG SẢN VIỆT NAM\n"
        "Yên Bái, ngày 05 tháng 3 năm 2025\n\nKẾT LUẬN\nvề công tác kiểm tra năm 2024\n\n"
        "Căn cứ Điều lệ Đảng;\n",
        # a V/v line under a number whose code is no công văn's
        "TỈNH ỦY YÊN BÁI\n*\nSố 12-KL/TU\nV/v công tác kiểm tra năm 2024\n\n"
        "ĐẢNG CỘNG SẢN VIỆT NAM\nYên Bái, ngày 05 tháng 3 năm 2025\n\nKính gửi: Các chi bộ.\n",
        # two secrecy marks that disagree
        "TỈNH ỦY YÊN BÁI\n*\nSố 12-KL/TU\nMẬT\nTỐI MẬT\n\nĐẢNG CỘNG SẢN VIỆT NAM\n"
        "Yên Bái, ngày 05 tháng 3 năm 2025\n\nKẾT LUẬN\nvề công tác kiểm tra năm 2024\n\n"
        "Căn cứ Điều lệ Đảng;\n",
        # a mark below a header region cut short
        _CV_HEAD.format(summary="Vào tuyên truyền kết quả Đại hội đại biểu Đảng bộ"),
    ],
)
def test_every_doubted_field_says_why(text: str) -> None:
    """A person sent a field to check must see the reason, not a bare confidence."""
    h = parse_header(text, ocr=True)
    doubted = {k: e for k, e in h.evidence.items() if e.confidence < 0.8 and e.code != "blank"}
    assert doubted
    assert all(e.note for e in doubted.values()), {k: e for k, e in doubted.items() if not e.note}


def test_the_summarys_opening_formula_is_not_doubted_against_the_bodys_misreading() -> None:
    """OCR read "vê việc" in the subject and in the body: the subject's is put right (a summary
    opens "về việc"), and the body's misreading is no reason to send it to a person."""
    text = (
        "ỦY BAN NHÂN DÂN\nTỈNH QUẢNG NGÃI\nSố: 12/TB-UBND\n\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "Độc lập - Tự do - Hạnh phúc\nQuảng Ngãi, ngày 05 tháng 3 năm 2024\n\nTHÔNG BÁO\n"
        "vê việc tham dự Hội nghị đánh giá chương trình\n\n"
        "Ủy ban Dân tộc có văn bản vê việc tham dự Hội nghị đánh giá chương trình.\n"
    )
    h = parse_header(text, ocr=True)
    assert h.subject == "về việc tham dự Hội nghị đánh giá chương trình"
    assert "subject" not in _review(text, ocr=True), h.evidence["subject"]


def test_a_title_whose_marks_ocr_changed_names_its_type_without_a_doubt() -> None:
    """ "QUYÉT ĐỊNH": its letters are one type's alone, so the type is not sent to a person even
    when the number was unreadable (it was, needlessly)."""
    text = _QD_HEAD.replace("Số: 26/QĐ-XPVPHC", "Số: v“ 2D-XPVPHC").replace("QUYẾT", "QUYÉT")
    text = text.format(subject="Xử phạt vi phạm hành chính")
    h = parse_header(text, ocr=True)
    assert h.doc_type == "QĐ" and "doc_type" not in _review(text, ocr=True)


def test_a_star_under_the_issuer_read_as_a_letter_is_not_part_of_the_name() -> None:
    """At 150 dpi OCR read the "*" under the body's name as "M": it was dropped as the other
    column's debris and the issuer doubted, needlessly."""
    text = (
        "ỦY BAN NHÂN DÂN\nTỈNH YÊN BÁI\nM\n:\nSố: 262/BC-UBND\n\n"
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT\nNAM\nĐộc lập - Tự do - Hạnh phúc\n"
        "Yên Bái, ngày 6 tháng 6 năm 2016\n\nBÁO CÁO\nrà soát, bổ sung quy hoạch cán bộ\n"
    )
    h = parse_header(text, ocr=True)
    assert h.issuer == "Ủy ban nhân dân tỉnh Yên Bái" and "issuer" not in _review(text, ocr=True)
