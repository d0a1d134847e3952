"""Harder header cases than the corpus: OCR noise, reversed columns, missing "Số", signer blocks,
recipients, deadlines, circulation stamps, evidence and the review queue."""

from __future__ import annotations

import unicodedata

import pytest

from ingest.describe.header import parse_header
from ingest.describe.review import review_items, review_reasons

FULL_NQ = """\
ĐẢNG BỘ TỈNH HÀ GIANG            ĐẢNG CỘNG SẢN VIỆT NAM
TỈNH ỦY
*
Số 15-NQ/TU                      Hà Giang, ngày 09 tháng 3 năm 2024
LƯU HÀNH NỘI BỘ
NGHỊ QUYẾT
về nâng cao chất lượng sinh hoạt chi bộ
Căn cứ Điều lệ Đảng;
Căn cứ Kết luận số 21-KL/TW ngày 25/10/2021 của Ban Chấp hành Trung ương;
Ban Thường vụ Tỉnh ủy quyết nghị như sau.
Nơi nhận:                                   T/M TỈNH ỦY
- Ban Bí thư (để b/c),                       BÍ THƯ
- Các huyện ủy, thành ủy,
  đảng ủy trực thuộc,
- Lưu Văn phòng Tỉnh ủy.                    Nguyễn Văn Bình
"""


def test_full_party_document_fields_and_blocks() -> None:
    h = parse_header(FULL_NQ)
    assert (h.kind, h.doc_type, h.number, h.date) == ("party", "NQ", "15-NQ/TU", "2024-03-09")
    assert h.issuer == "Tỉnh ủy Hà Giang"
    assert h.superior == "Đảng bộ tỉnh Hà Giang"
    assert h.circulation == ["Lưu hành nội bộ"]
    assert h.subject == "về nâng cao chất lượng sinh hoạt chi bộ"
    assert (h.signer_authority, h.signer_position, h.signer_name) == (
        "T/M Tỉnh ủy",
        "Bí thư",
        "Nguyễn Văn Bình",
    )
    assert h.recipients == [
        "Ban Bí thư (để b/c)",
        "Các huyện ủy, thành ủy, đảng ủy trực thuộc",
        "Lưu Văn phòng Tỉnh ủy",
    ]
    assert h.level == "thuong"  # "LƯU HÀNH NỘI BỘ" is no secrecy level


def test_evidence_points_at_source_lines() -> None:
    h = parse_header(FULL_NQ)
    assert h.evidence["number"].line_no == 3
    assert "15-NQ/TU" in h.evidence["number"].line
    assert h.evidence["signer_name"].line.endswith("Nguyễn Văn Bình")
    assert all(0 <= ev.confidence <= 1 for ev in h.evidence.values())
    assert h.confidence("number") >= 0.9
    assert review_reasons(h) == []


def test_title_before_number() -> None:
    text = (
        "NGHỊ QUYẾT\nvề công tác lưu trữ năm 2024\nTỈNH ỦY CAO BẰNG\n*\nSố 12-NQ/TU\n"
        "ĐẢNG CỘNG SẢN VIỆT NAM\nCao Bằng, ngày 4 tháng 1 năm 2024\nCăn cứ Điều lệ Đảng;\n"
        "Số 14-NQ/TU ngày 5/1/2021 đã nêu rõ yêu cầu.\n"
    )
    h = parse_header(text)
    assert (h.number, h.doc_type, h.issuer) == ("12-NQ/TU", "NQ", "Tỉnh ủy Cao Bằng")
    assert (h.date, h.subject) == ("2024-01-04", "về công tác lưu trữ năm 2024")


def test_number_only_in_body_is_never_taken_after_a_title() -> None:
    text = "TỈNH ỦY CAO BẰNG\nNGHỊ QUYẾT\nvề công tác lưu trữ\nCăn cứ Điều lệ Đảng;\nSố 14-NQ/TU\n"
    assert parse_header(text).number is None


@pytest.mark.parametrize(
    ("line", "iso"),
    [
        ("Cao Bằng, ngày 5 thảng 3 nãm 2024", "2024-03-05"),
        ("Cao Bằng, ngàv O5 tháng O3 năm 2O24", "2024-03-05"),
        ("Cao Bang, ngay 5 thang 3 nam 2024", "2024-03-05"),
    ],
)
def test_ocr_noisy_dates(line: str, iso: str) -> None:
    text = f"TỈNH ỦY CAO BẰNG\nSố 12-NQ/TU\n{line}\nNGHỊ QUYẾT\nvề công tác lưu trữ\n"
    h = parse_header(text)
    assert h.date == iso
    assert "date" in review_reasons(h) or h.confidence("date") >= 0.8


def test_missing_so_word_falls_back_with_low_confidence() -> None:
    text = "TỈNH ỦY CAO BẰNG\n117-KH/TU\nCao Bằng, ngày 5 tháng 1 năm 2023\nKẾ HOẠCH\nvề lưu trữ\n"
    h = parse_header(text)
    assert h.number == "117-KH/TU"
    assert "number" in review_reasons(h)


def test_ocr_without_diacritics_issuer_title_and_motto() -> None:
    text = (
        "TINH UY YEN BAI DANG CONG SAN VIET NAM\nBAN DAN VAN\n* Yên Bái, ngày 18 tháng 4 năm 2024\n"
        "Số 1475-QC/BDVTU\nTOI MAT\nQUY CHE\nvề công tác dân vận\n"
    )
    h = parse_header(text)
    assert (h.kind, h.doc_type, h.issuer) == ("party", "QC", "Ban Dân vận Tỉnh ủy Yên Bái")
    assert h.level == "toi_mat"  # an OCR-damaged stamp still counts: errors go upward
    assert "level" in review_reasons(h)
    # the name lost its diacritics but is a known body: put right from the gazetteer, said so
    assert "danh mục" in h.evidence["issuer"].note


def test_state_two_line_issuer_year_in_number_and_vv_over_two_lines() -> None:
    text = """\
ỦY BAN NHÂN DÂN                CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
TỈNH TUYÊN QUANG               Độc lập - Tự do - Hạnh phúc
Số: 15/2024/QĐ-UBND            Tuyên Quang, ngày 20 tháng 5 năm 2024
QUYẾT ĐỊNH
Ban hành quy định về công tác văn thư
"""
    h = parse_header(text)
    assert (h.kind, h.doc_type, h.number) == ("state", "QĐ", "15/2024/QĐ-UBND")
    assert h.issuer == "Ủy ban nhân dân tỉnh Tuyên Quang"
    cv = """\
UBND TỈNH LÀO CAI              CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
SỞ NỘI VỤ                      Độc lập - Tự do - Hạnh phúc
Số: 88/SNV-VTLT                Lào Cai, ngày 02 tháng 4 năm 2025
V/v chỉnh lý tài liệu tồn đọng
của các cơ quan, tổ chức
Kính gửi: Các sở, ban, ngành tỉnh.
"""
    h = parse_header(cv)
    assert h.subject == "chỉnh lý tài liệu tồn đọng của các cơ quan, tổ chức"
    assert (h.doc_type, h.superior) == ("CV", "Ủy ban nhân dân tỉnh Lào Cai")
    assert h.recipients == ["Các sở, ban, ngành tỉnh"]


def test_reversed_columns_right_column_first() -> None:
    text = (
        "ĐẢNG CỘNG SẢN VIỆT NAM\nCao Bằng, ngày 8 tháng 11 năm 2024\nTỈNH ỦY CAO BẰNG\n"
        "BAN TỔ CHỨC\n*\nSố 215-CV/BTCTU\nV/v rà soát hồ sơ đảng viên\nKính gửi: Các đảng ủy.\n"
    )
    h = parse_header(text)
    assert (h.number, h.issuer, h.date) == (
        "215-CV/BTCTU",
        "Ban Tổ chức Tỉnh ủy Cao Bằng",
        "2024-11-08",
    )
    assert h.superior == "Tỉnh ủy Cao Bằng"


def test_hoa_toc_hen_gio_with_time() -> None:
    text = (
        "TỈNH ỦY LÀO CAI\n*\nSố 2145-CV/TU\nĐẢNG CỘNG SẢN VIỆT NAM\n"
        "Lào Cai, ngày 09 tháng 9 năm 2024\nV/v báo cáo nhanh thiệt hại do mưa lũ\n"
        "HỎA TỐC HẸN GIỜ\nHẹn giờ: 15 giờ 30, ngày 10/9/2024\nKính gửi: Các huyện ủy.\n"
    )
    h = parse_header(text)
    assert (h.urgency, h.deadline) == ("hoa_toc_hen_gio", "2024-09-10T15:30")
    same_day = text.replace(", ngày 10/9/2024", "")
    assert parse_header(same_day).deadline == "2024-09-09T15:30"


@pytest.mark.parametrize(
    ("block", "authority", "position", "name"),
    [
        (["T/M BAN THƯỜNG VỤ", "PHÓ BÍ THƯ", "(Đã ký)", "Lê Thị Hoa"], "T/M Ban Thường vụ",
         "Phó Bí thư", "Lê Thị Hoa"),
        (["K/T BÍ THƯ", "PHÓ BÍ THƯ THƯỜNG TRỰC", "Trần Minh Đức"], "K/T Bí thư",
         "Phó Bí thư Thường trực", "Trần Minh Đức"),
        (["T/L BAN THƯỜNG VỤ", "CHÁNH VĂN PHÒNG", "Hoàng Văn An"], "T/L Ban Thường vụ",
         "Chánh Văn phòng", "Hoàng Văn An"),
        (["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Vũ Quang Hưng"],
         "TM Ủy ban nhân dân", "Phó Chủ tịch", "Vũ Quang Hưng"),
    ],
)  # fmt: skip
def test_signer_blocks(block: list[str], authority: str, position: str, name: str) -> None:
    text = FULL_NQ.split("Nơi nhận:")[0] + "Nơi nhận:\n- Như trên;\n- Lưu VP.\n" + "\n".join(block)
    h = parse_header(text)
    assert (h.signer_authority or "").replace("/", "") == authority.replace("/", "")
    assert (h.signer_position, h.signer_name) == (position, name)
    assert h.recipients == ["Như trên", "Lưu VP"]


def test_ocr_glued_footer_columns() -> None:
    text = FULL_NQ.split("Nơi nhận:")[0] + (
        "Nơi nhận: — K/T CHỦ NHIỆM\n- Như trên, “ 2 ^\n- Lưu Văn phòng. PHÓ CHỦ NHIỆM\n\n"
        "Hoàng Quốc Khánh\n"
    )
    h = parse_header(text)
    assert (h.signer_authority, h.signer_position) == ("K/T Chủ nhiệm", "Phó Chủ nhiệm")
    assert h.signer_name == "Hoàng Quốc Khánh"
    assert h.recipients == ["Như trên", "Lưu Văn phòng"]


@pytest.mark.parametrize(
    ("mark", "level"),
    [("MẬT", "mat"), ("TỐI MẬT", "toi_mat"), ("TUYỆT MẬT", "tuyet_mat"), ("Tối mật", "toi_mat"),
     ("TỐI MẶT", "toi_mat"), ("TUYET MAT", "tuyet_mat"), ("GIẢI MẬT", "thuong")],
)  # fmt: skip
def test_stamp_after_title_but_before_body_counts(mark: str, level: str) -> None:
    text = FULL_NQ.replace(
        "về nâng cao chất lượng sinh hoạt chi bộ\n", f"về sinh hoạt chi bộ\n{mark}\n"
    )
    h = parse_header(text)
    assert h.level == level
    if level != "thuong":
        assert review_reasons(h)[0] == "level"


def test_stamp_words_inside_the_body_are_not_marks() -> None:
    text = FULL_NQ.replace(
        "Ban Thường vụ Tỉnh ủy quyết nghị như sau.",
        "Ban Thường vụ Tỉnh ủy quyết nghị như sau.\nMẬT\nTăng cường công tác bảo mật thông tin.",
    )
    assert parse_header(text).level == "thuong"


def test_nfd_and_new_tone_placement_in_blocks() -> None:
    text = unicodedata.normalize("NFD", FULL_NQ.replace("TỈNH ỦY", "TỈNH UỶ"))
    h = parse_header(text)
    assert (h.issuer, h.signer_name) == ("Tỉnh ủy Hà Giang", "Nguyễn Văn Bình")


def test_review_items_explain_and_highlight() -> None:
    text = FULL_NQ.replace("LƯU HÀNH NỘI BỘ", "MẬT")
    items = review_items(parse_header(text))
    level = next(item for item in items if item.field == "level")
    assert level.line == "MẬT" and level.line_no == 4 and "độ mật" in level.reason
    missing = review_items(parse_header("NGHỊ QUYẾT\nvề việc gì đó\n"))
    assert {"number", "issuer", "date"} <= {item.field for item in missing}
