"""Header parsing: Party and state headers, Vietnamese text pitfalls, marks, legacy text, noise."""

from __future__ import annotations

import itertools
import unicodedata

import pytest

from ingest.describe.header import Header, canonical_tones, parse_header
from ingest.examine.legacy import looks_like_tcvn3, tcvn3_to_unicode

PARTY_NQ = """\
      TỈNH ỦY CAO BẰNG                     ĐẢNG CỘNG SẢN VIỆT NAM
             *
      Số 09-NQ/TU                      Cao Bằng, ngày 03 tháng 02 năm 2022
                              NGHỊ QUYẾT
        về chuyển đổi số trong các cơ quan đảng giai đoạn 2022 - 2025
Căn cứ Điều lệ Đảng;
"""

STATE_QD = """\
  ỦY BAN NHÂN DÂN             CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
   TỈNH CAO BẰNG                  Độc lập - Tự do - Hạnh phúc
  Số: 1234/QĐ-UBND            Cao Bằng, ngày 17 tháng 10 năm 2023
                                QUYẾT ĐỊNH
      Về việc ban hành Quy chế quản lý tài liệu lưu trữ điện tử
"""

STATE_ND = """\
CHÍNH PHỦ                   CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
                            Độc lập - Tự do - Hạnh phúc
Số: 87/2021/NĐ-CP           Hà Nội, ngày 28 tháng 9 năm 2021
NGHỊ ĐỊNH
Quy định về cơ sở dữ liệu văn bản điện tử
"""

# A công văn as a PDF text layer returns it: left column first, then the right column.
PARTY_CV_LINES = [
    "TỈNH ỦY CAO BẰNG",
    "BAN TỔ CHỨC",
    "*",
    "Số 215-CV/BTCTU",
    "V/v rà soát, bổ sung hồ sơ đảng viên",
    "thuộc diện Ban Thường vụ quản lý",
    "ĐẢNG CỘNG SẢN VIỆT NAM",
    "Cao Bằng, ngày 8 tháng 11 năm 2024",
    "Kính gửi: Các đảng ủy trực thuộc Tỉnh ủy.",
    "Thực hiện Kế hoạch số 31-KH/TU ngày 02/3/2024 của Ban Thường vụ Tỉnh ủy.",
]
CV_EXPECTED = {
    "kind": "party",
    "doc_type": "CV",
    "number": "215-CV/BTCTU",
    "issuer": "Ban Tổ chức Tỉnh ủy Cao Bằng",
    "date": "2024-11-08",
    "place": "Cao Bằng",
    "subject": "rà soát, bổ sung hồ sơ đảng viên thuộc diện Ban Thường vụ quản lý",
}


CORE = ("kind", "doc_type", "number", "issuer", "date", "place", "subject", "level", "urgency")


def _fields(header: Header, *names: str) -> dict:
    return {name: getattr(header, name) for name in names}


def _core(header: Header) -> dict:
    """The fields of the corpus truth files (as_dict also carries signer, recipients, ...)."""
    return {name: value for name, value in header.as_dict().items() if name in CORE}


def test_party_resolution_two_columns_on_one_line() -> None:
    h = parse_header(PARTY_NQ)
    assert _core(h) == {
        "kind": "party",
        "doc_type": "NQ",
        "number": "09-NQ/TU",
        "issuer": "Tỉnh ủy Cao Bằng",
        "date": "2022-02-03",
        "place": "Cao Bằng",
        "level": "thuong",
        "urgency": "thuong",
        "subject": "về chuyển đổi số trong các cơ quan đảng giai đoạn 2022 - 2025",
    }


def test_state_decision_of_provincial_people_committee() -> None:
    h = parse_header(STATE_QD)
    assert _fields(h, "kind", "doc_type", "number", "issuer", "date") == {
        "kind": "state",
        "doc_type": "QĐ",
        "number": "1234/QĐ-UBND",
        "issuer": "Ủy ban nhân dân tỉnh Cao Bằng",
        "date": "2023-10-17",
    }
    assert h.subject == "Về việc ban hành Quy chế quản lý tài liệu lưu trữ điện tử"


def test_state_decree_number_with_year() -> None:
    h = parse_header(STATE_ND)
    assert (h.kind, h.doc_type, h.number, h.issuer) == ("state", "NĐ", "87/2021/NĐ-CP", "Chính phủ")
    assert (h.date, h.place) == ("2021-09-28", "Hà Nội")


def test_state_cong_van_symbol_without_type_code() -> None:
    text = """\
UBND TỈNH CAO BẰNG          CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
SỞ NỘI VỤ                   Độc lập - Tự do - Hạnh phúc
Số: 742/SNV-CCVC            Cao Bằng, ngày 02 tháng 4 năm 2024
V/v cử cán bộ tham gia lớp bồi dưỡng nghiệp vụ lưu trữ
"""
    h = parse_header(text)
    assert (h.doc_type, h.number, h.issuer) == ("CV", "742/SNV-CCVC", "Sở Nội vụ tỉnh Cao Bằng")
    assert h.subject == "cử cán bộ tham gia lớp bồi dưỡng nghiệp vụ lưu trữ"  # without "V/v"


def test_cong_van_wrapped_summary() -> None:
    h = parse_header("\n".join(PARTY_CV_LINES))
    assert _fields(h, *CV_EXPECTED) == CV_EXPECTED


@pytest.mark.parametrize(
    ("title", "symbol", "expected"),
    [
        ("QUY ĐỊNH", "22-QĐ/TW", "QĐi"),  # Politburo Quy định keeps the QĐ symbol
        ("QUYẾT ĐỊNH", "22-QĐ/TW", "QĐ"),
        ("QUY ĐỊNH", "05-QĐi/TU", "QĐi"),
        ("Quy định", "05-QĐi/TU", "QĐi"),
    ],
)
def test_title_line_decides_quy_dinh_against_quyet_dinh(
    title: str, symbol: str, expected: str
) -> None:
    text = (
        f"BỘ CHÍNH TRỊ\n*\nSố {symbol}\nĐẢNG CỘNG SẢN VIỆT NAM\n"
        f"Hà Nội, ngày 12 tháng 5 năm 2020\n{title}\nvề công tác lưu trữ của Đảng\n"
    )
    h = parse_header(text)
    assert (h.doc_type, h.number, h.subject) == (expected, symbol, "về công tác lưu trữ của Đảng")


def _interleavings(left: list[str], right: list[str]) -> list[list[str]]:
    """Every merge of two columns that keeps each column's own order."""
    merged = []
    for places in itertools.combinations(range(len(left) + len(right)), len(right)):
        lefts, rights, out = iter(left), iter(right), []
        for i in range(len(left) + len(right)):
            out.append(next(rights) if i in places else next(lefts))
        merged.append(out)
    return merged


@pytest.mark.parametrize("order", _interleavings(PARTY_CV_LINES[:6], PARTY_CV_LINES[6:8]))
def test_interleaved_columns_in_any_order(order: list[str]) -> None:
    h = parse_header("\n".join(order + PARTY_CV_LINES[8:]))
    assert _fields(h, *CV_EXPECTED) == CV_EXPECTED


def test_nfd_input_is_normalized() -> None:
    h = parse_header(unicodedata.normalize("NFD", PARTY_NQ))
    assert (h.issuer, h.doc_type, h.place) == ("Tỉnh ủy Cao Bằng", "NQ", "Cao Bằng")
    assert h.subject == unicodedata.normalize("NFC", h.subject)
    assert h.subject.startswith("về chuyển đổi số")


def test_new_style_tone_placement() -> None:
    text = PARTY_NQ.replace("TỈNH ỦY", "TỈNH UỶ")
    assert parse_header(text).issuer == "Tỉnh ủy Cao Bằng"
    state = STATE_QD.replace("CỘNG HÒA", "CỘNG HOÀ")
    assert parse_header(state).kind == "state"
    assert canonical_tones("hoà thuỷ UỶ khoẻ quý hoàn") == "hòa thủy ỦY khỏe quý hoàn"


def test_number_with_colon_stray_spaces_and_en_dash() -> None:
    text = PARTY_NQ.replace("Số 09-NQ/TU", "Số:  09 \u2013 NQ/ TU")
    assert parse_header(text).number == "09-NQ/TU"
    assert parse_header(PARTY_NQ.replace("Số 09-NQ/TU", "SỐ 09\u2014nq/TU")).number == "09-NQ/TU"


def test_body_citation_is_not_the_own_number() -> None:
    body = (
        "Căn cứ Kết luận số 82-KL/TW ngày 16/8/2010 của Bộ Chính trị;\n"
        "Số 14-NQ/TU ngày 5/1/2021 đã nêu rõ yêu cầu.\n"
    )
    h = parse_header(PARTY_NQ + body)
    assert (h.number, h.date) == ("09-NQ/TU", "2022-02-03")
    no_number = PARTY_NQ.replace("Số 09-NQ/TU", "").replace("Cao Bằng, ngày 03 tháng 02", "")
    h = parse_header(no_number + body)
    assert (h.number, h.date) == (None, None)


def test_bao_mat_in_a_sentence_is_no_secrecy_mark() -> None:
    lines = [
        *PARTY_CV_LINES[:4],
        "V/v tăng cường công tác bảo mật trên không gian mạng",
        *PARTY_CV_LINES[6:9],
        "Yêu cầu các đơn vị thực hiện nghiêm quy định bảo mật.",
    ]
    h = parse_header("\n".join(lines))
    assert h.level == "thuong"
    assert h.subject == "tăng cường công tác bảo mật trên không gian mạng"


def _with_marks(*marks: str) -> str:
    head, title = PARTY_NQ.split("                              NGHỊ QUYẾT")
    return head + "\n".join(marks) + "\nNGHỊ QUYẾT" + title


@pytest.mark.parametrize(
    ("marks", "level"),
    [
        (("MẬT",), "mat"),
        (("TỐI MẬT",), "toi_mat"),
        (("TUYỆT MẬT",), "tuyet_mat"),
        (("TUYỆT", "MẬT"), "tuyet_mat"),
        (("Tối mật",), "toi_mat"),
        (("GIẢI MẬT",), "thuong"),
        ((), "thuong"),
    ],
)
def test_secrecy_levels(marks: tuple[str, ...], level: str) -> None:
    assert parse_header(_with_marks(*marks)).level == level


@pytest.mark.parametrize(
    ("marks", "urgency"),
    [
        (("KHẨN",), "khan"),
        (("THƯỢNG KHẨN",), "thuong_khan"),
        (("HỎA TỐC",), "hoa_toc"),
        (("HOẢ TỐC",), "hoa_toc"),
        (("HỎA TỐC HẸN GIỜ",), "hoa_toc_hen_gio"),
        (("HỎA TỐC", "Hẹn giờ: 9 giờ 00, ngày 04/02/2022"), "hoa_toc_hen_gio"),
        (("KHẨN TRƯƠNG",), "thuong"),
    ],
)
def test_urgency_marks(marks: tuple[str, ...], urgency: str) -> None:
    assert parse_header(_with_marks(*marks)).urgency == urgency


def test_secrecy_and_urgency_together() -> None:
    h = parse_header(_with_marks("TỐI MẬT", "THƯỢNG KHẨN"))
    assert (h.level, h.urgency) == ("toi_mat", "thuong_khan")


def test_multi_line_subject_stops_at_body() -> None:
    text = """\
ĐẢNG BỘ TỈNH CAO BẰNG
ĐẢNG ỦY XÃ TÂN AN
*
Số 31-BC/ĐU
ĐẢNG CỘNG SẢN VIỆT NAM
Tân An, ngày 30 tháng 6 năm 2025
BÁO CÁO
sơ kết công tác xây dựng Đảng sáu tháng đầu năm và phương hướng,
nhiệm vụ sáu tháng cuối năm 2025 của
Ban Chấp hành Đảng bộ xã
Thực hiện chương trình công tác năm 2025 của Đảng ủy, Văn phòng báo cáo như sau.
"""
    h = parse_header(text)
    assert h.subject == (
        "sơ kết công tác xây dựng Đảng sáu tháng đầu năm và phương hướng, "
        "nhiệm vụ sáu tháng cuối năm 2025 của Ban Chấp hành Đảng bộ xã"
    )
    assert (h.issuer, h.doc_type, h.date) == ("Đảng ủy xã Tân An", "BC", "2025-06-30")


def test_subject_tail_word_pushed_to_next_line() -> None:
    text = PARTY_NQ.replace(
        "về chuyển đổi số trong các cơ quan đảng giai đoạn 2022 - 2025",
        "về đưa những đảng viên không còn đủ tư cách ra khỏi\nĐảng",
    )
    assert parse_header(text).subject == "về đưa những đảng viên không còn đủ tư cách ra khỏi Đảng"


@pytest.mark.parametrize("wrapped", ["2021- 2026", "2021 - 2026", "2021-2026", "2021 – 2026"])
def test_a_term_wrapped_whole_onto_the_next_line_stays_in_the_subject(wrapped: str) -> None:
    """OCR closes the space before the dash ("2021- 2026"): a year range is never a list item
    ("1- ...") that would open the body and silently cut the subject short."""
    text = STATE_QD.replace(
        "Về việc ban hành Quy chế quản lý tài liệu lưu trữ điện tử",
        f"về việc miễn nhiệm chức danh Ủy viên Ủy ban nhân dân tỉnh nhiệm kỳ\n{wrapped}\n\n"
        "Căn cứ Luật Tổ chức chính quyền địa phương;",
    )
    h = parse_header(text, ocr=wrapped == "2021- 2026")
    want = f"về việc miễn nhiệm chức danh Ủy viên Ủy ban nhân dân tỉnh nhiệm kỳ {wrapped}"
    assert h.subject == want


def test_a_numbered_item_still_opens_the_body() -> None:
    text = STATE_QD + "1- Giao Sở Nội vụ thực hiện các nội dung sau đây\n"
    assert parse_header(text).subject == "Về việc ban hành Quy chế quản lý tài liệu lưu trữ điện tử"


def test_committee_named_by_superior_line() -> None:
    text = (
        "ĐẢNG BỘ TỈNH CAO BẰNG\nTỈNH ỦY\n*\nSố 77-CT/TU\nĐẢNG CỘNG SẢN VIỆT NAM\n"
        "Cao Bằng, ngày 01 tháng 7 năm 2025\nCHỈ THỊ\nvề công tác văn thư\n"
    )
    h = parse_header(text)
    assert (h.issuer, h.doc_type) == ("Tỉnh ủy Cao Bằng", "CT")


def test_central_office_and_numeric_date() -> None:
    text = (
        "BAN CHẤP HÀNH TRUNG ƯƠNG\nVĂN PHÒNG\n*\nSố 402-HD/VPTW\nĐẢNG CỘNG SẢN VIỆT NAM\n"
        "Hà Nội, ngày 5/3/2024\nHƯỚNG DẪN\nlập hồ sơ điện tử\n"
    )
    h = parse_header(text)
    assert (h.issuer, h.date, h.doc_type) == ("Văn phòng Trung ương Đảng", "2024-03-05", "HD")


# TCVN3 (.VnTime) text read as Latin-1: written by hand for this test.
TCVN3_HEADER = (
    "HuyÖn ñy B¶o Th¾ng              §¶ng Céng s¶n ViÖt Nam\n"
    "         *\n"
    "   Sè 08-TB/HU          B¶o Th¾ng, ngµy 17 th¸ng 9 n¨m 2001\n"
    "                  Th«ng b¸o\n"
    "   kÕt luËn cña Ban Th\xadêng vô vÒ c«ng t¸c c¸n bé\n"
)


def test_tcvn3_legacy_text_is_converted() -> None:
    assert looks_like_tcvn3(TCVN3_HEADER)
    h = parse_header(TCVN3_HEADER)
    assert _core(h) == {
        "kind": "party",
        "doc_type": "TB",
        "number": "08-TB/HU",
        "issuer": "Huyện ủy Bảo Thắng",
        "date": "2001-09-17",
        "place": "Bảo Thắng",
        "level": "thuong",
        "urgency": "thuong",
        "subject": "kết luận của Ban Thường vụ về công tác cán bộ",
    }


def test_tcvn3_lost_soft_hyphen_and_capitals() -> None:
    assert tcvn3_to_unicode("Ban Th\xadêng vô") == "Ban Thường vụ"
    assert tcvn3_to_unicode("Ban Thêng vô") == "Ban Thường vụ"  # 0xAD "ư" dropped by a tool
    assert tcvn3_to_unicode("TØNH ñY B¾C K¹N") == "TỈNH ỦY BẮC KẠN"  # .VnTimeH capitals


def test_unicode_text_is_not_taken_for_tcvn3() -> None:
    assert not looks_like_tcvn3(PARTY_NQ)
    assert not looks_like_tcvn3("Điều 5 § 2: giá trị × 3 µm, Tỉnh ủy Cao Bằng ban hành.")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\n  ",
        "@@@ ### !!!",
        "\x00\x01\x02",
        "lorem ipsum dolor sit amet",
        "Số",
        "ngày 31 tháng 2 năm 2024",
        "S0 l2-KH/T U ng4y 5 thang 3",
        "ĐẢNG" * 500,
    ],
)
def test_garbage_gives_empty_fields(text: str) -> None:
    h = parse_header(text)
    assert (h.kind, h.doc_type, h.number, h.issuer, h.date, h.subject) == (None,) * 6
    assert (h.level, h.urgency) == ("thuong", "thuong")


def test_ocr_noise_degrades_field_by_field() -> None:
    damaged = PARTY_NQ.replace("ngày 03 tháng 02", "ngàv O3 thảng 02").replace("NGHỊ QUYẾT", "NGH1")
    h = parse_header(damaged)
    assert h.number == "09-NQ/TU"
    assert h.issuer == "Tỉnh ủy Cao Bằng"
    assert h.date == "2022-02-03"  # OCR slips in the date words are read, with less trust
    assert h.confidence("date") < 0.8
    assert h.doc_type == "NQ"  # from the symbol once the title is unreadable


def test_as_dict_keys() -> None:
    assert set(Header().as_dict()) >= {
        "kind",
        "doc_type",
        "number",
        "issuer",
        "date",
        "place",
        "subject",
        "level",
        "urgency",
    }


@pytest.mark.parametrize(
    ("mark", "urgency", "sure"),
    [
        ("KHẨN", "khan", True),
        ("KHAN", "khan", True),  # OCR dropped every diacritic of a mark in capitals
        ("THUONG KHAN", "thuong_khan", True),
        ("HOA TOC", "hoa_toc", True),
        ("KHĂN", "khan", False),  # read with other diacritics: a person looks
        ("Khan", "khan", False),  # not in capitals, as marks are set
    ],
)
def test_an_urgency_mark_read_without_its_diacritics(mark: str, urgency: str, sure: bool) -> None:
    from ingest.describe.review import review_reasons

    h = parse_header(_with_marks(mark))
    assert h.urgency == urgency
    assert ("urgency" not in review_reasons(h)) is sure


@pytest.mark.parametrize("mark", ["MAT", "TOI MAT", "MAT KHAN"])
def test_a_secrecy_mark_read_without_its_diacritics_stays_unsure(mark: str) -> None:
    h = parse_header(_with_marks(mark))
    assert h.level != "thuong" and h.confidence("level") < 0.8
