"""Subject words OCR misread, put right against the document's own body and a word list
(``ingest.describe.spelling``): the patterns of real scans ("vật liệu nỗ", "Nhâm Dằn", "Quảng
Nzgãi"), and the cases where nothing may change (a body that misreads too, a compound)."""

from __future__ import annotations

import pytest

from ingest.describe import spelling
from ingest.describe.header import parse_header
from ingest.describe.review import review_items

HEAD = (
    "ỦY BAN NHÂN DÂN\nTỈNH QUẢNG NGÃI\nSố: 16/CT-UBND\n\n"
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
    "Quảng Ngãi, ngày 27 tháng 12 năm 2021\n\nCHỈ THỊ\n\n{subject}\n\n{body}"
)


def _read(subject: str, body: str) -> tuple[str | None, dict]:
    h = parse_header(HEAD.format(subject=subject, body=body), ocr=True)
    review = {item.field: item for item in review_items(h)}
    return h.subject, review


def test_the_word_list_is_installed_and_knows_year_names() -> None:
    lexicon = spelling.lexicon()
    assert len(lexicon) > 20_000  # pyvi's dictionary, not only the year names
    assert {"nổ", "đầm ấm", "nhâm dần", "giáp thìn"} <= lexicon
    assert "nỗ" not in lexicon and "giáp sửu" not in lexicon  # stem and branch of other parity


def test_a_year_name_is_put_right_by_the_body_and_the_names_of_years() -> None:
    """The body reads the year three ways ("Dân", "Dần", "Dằn"); "Nhâm Dần" is a year."""
    body = (
        "Thực hiện Chỉ thị về việc tổ chức Tết Nhâm Dân năm 2022 và dịp Tết Nguyên đán\n"
        "Nhâm Dần năm 2022; chuẩn bị đón Tết Nhâm Dần an toàn, tiết kiệm. Lễ hội xuân\n"
        "Nhâm Dằn năm 2022 và Tết Nguyên đán Nhâm Dần, năm 2022.\n"
    )
    subject, review = _read("Về việc đón Tết Nguyên đán Nhâm Dằn năm 2022 an toàn", body)
    assert subject == "Về việc đón Tết Nguyên đán Nhâm Dần năm 2022 an toàn"
    assert "subject" not in review


def test_garbled_letters_of_a_known_place_are_put_right_surely() -> None:
    """ "Nzgãi" is no syllable; the body writes "tỉnh Quảng Ngãi" twice, and the gazetteer
    knows the place: the change is shown in the evidence, not sent to a person."""
    body = "UBND tỉnh Quảng Ngãi chỉ đạo. Kho bạc tỉnh Quảng Ngãi và các sở thực hiện.\n"
    h = parse_header(
        HEAD.format(subject="Về việc nộp thuế trên địa bàn tỉnh Quảng Nzgãi", body=body), ocr=True
    )
    assert h.subject == "Về việc nộp thuế trên địa bàn tỉnh Quảng Ngãi"
    assert "'Nzgãi' → 'Ngãi'" in h.evidence["subject"].note
    assert "subject" not in {item.field for item in review_items(h)}


def test_garbled_letters_of_a_name_nobody_knows_are_put_right_but_stay_with_a_person() -> None:
    """ "Khzương" is no syllable; the body writes "xã Tịnh Khương" twice, but neither the word
    list nor the gazetteer knows the name: shown, and the subject still goes to review."""
    body = "UBND xã Tịnh Khương chỉ đạo. Kho bạc xã Tịnh Khương và các ban thực hiện.\n"
    subject, review = _read("Về việc nộp thuế trên địa bàn xã Tịnh Khzương", body)
    assert subject == "Về việc nộp thuế trên địa bàn xã Tịnh Khương"
    assert "'Khzương' → 'Khương'" in review["subject"].reason


def test_a_compound_the_body_misreads_is_kept() -> None:
    """The body reads "đầm âm" three times and never "đầm ấm"; "đầm ấm" is a compound of the
    word list and "đầm âm" is none: the body misreads, the subject is kept and sure."""
    body = "Căn cứ chỉ đạo, Tết đầm âm, lành mạnh. Năm mới đầm âm và an toàn. Nhà đầm âm.\n"
    subject, review = _read("Về việc đón Tết đầm ấm và an toàn", body)
    assert subject == "Về việc đón Tết đầm ấm và an toàn"
    assert "subject" not in review


def test_a_word_the_body_misreads_with_the_other_mark_is_put_right_and_left_to_a_person() -> None:
    """The subject reads "nô", the body "nỗ" (no word; hỏi and ngã are the marks OCR confuses
    most, and "nổ" is a word): the body's reading counts for "nổ", put in, and the subject
    still goes to review, since "nô" is a word too."""
    body = (
        "Căn cứ quy định về bảo quản vật liệu nỗ công nghiệp; sử dụng vật liệu nỗ công nghiệp;\n"
        "kho vật liệu nỗ công nghiệp; vật liệu nô và công cụ hỗ trợ.\n"
    )
    subject, review = _read("Kết quả kiểm tra bảo quản vật liệu nô công nghiệp", body)
    assert subject == "Kết quả kiểm tra bảo quản vật liệu nổ công nghiệp"
    assert "'nô' → 'nổ'" in review["subject"].reason


def test_a_syllable_that_is_no_word_is_kept_as_printed() -> None:
    """ "công ghiệp" is a typing slip of the document itself, not OCR's (OCR's slips are marks or
    letters that make no syllable): the subject is registered as printed."""
    body = "Căn cứ phát triển công nghiệp; khu công nghiệp và cụm công nghiệp của tỉnh.\n"
    subject, _ = _read("Về việc phát triển công ghiệp nông thôn", body)
    assert subject == "Về việc phát triển công ghiệp nông thôn"


def test_a_garbled_abbreviation_is_put_right_to_the_one_the_body_writes() -> None:
    """ "ITNIN" is no syllable and no abbreviation; the body writes "TNDN" (a known one) three
    times: put right surely. "thuê" then takes the body's "thuế TNDN", sure too: "TNDN" stands
    for "thu nhập doanh nghiệp", and the word list knows "thuế thu nhập", not "thuê thu nhập"."""
    body = (
        "Kính gửi: Thuế tỉnh Ninh Bình.\n\nCục Thuế nhận được công văn của Thuế tỉnh.\n"
        "Điều 12 Luật Thuế TNDN số 67/2025/QH15 quy định ưu đãi thuế TNDN.\n"
        "Căn cứ khoản 1 Điều 13 Luật Thuế TNDN thì doanh nghiệp được ưu đãi.\n"
    )
    h = parse_header(HEAD.format(subject="Về chính sách thuê ITNIN", body=body), ocr=True)
    assert h.subject == "Về chính sách thuế TNDN"
    assert "'ITNIN' → 'TNDN'" in h.evidence["subject"].note
    assert "'thuê' → 'thuế'" in h.evidence["subject"].note
    assert "subject" not in {item.field for item in review_items(h)}


def test_a_word_beside_an_abbreviation_stays_with_a_person_when_its_words_do_not_decide() -> None:
    """ "UBND" stands for "ủy ban nhân dân", which backs neither "huyện" nor "huyền": the body
    decides alone, and the subject goes to a person."""
    body = "Chủ tịch UBND huyện chỉ đạo; UBND huyện và các xã; UBND huyện thực hiện.\n"
    mended = spelling.mend("báo cáo UBND huyền về đất đai", [body])
    assert mended.text == "báo cáo UBND huyện về đất đai" and not mended.sure


def test_an_abbreviation_spelled_out_by_the_body_backs_the_correction() -> None:
    body = "Thuế giá trị gia tăng của hàng hóa; hoàn thuế giá trị gia tăng cho doanh nghiệp.\n"
    mended = spelling.mend("hoàn thuế GTCT cho doanh nghiệp", [body])
    assert mended.text == "hoàn thuế GTGT cho doanh nghiệp" and mended.sure


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        # A known abbreviation is never changed into another one of the body.
        ("chính sách thuế TNCN", "Luật Thuế TNDN; thuế TNDN; ưu đãi TNDN."),
        # Two abbreviations of the body as close: none is chosen.
        ("chính sách thuế TNQN", "thuế TNDN, thuế TNDN, thuế TNCN, thuế TNCN."),
        # One reading in the body is not enough.
        ("chính sách thuế ITNIN", "Luật Thuế TNDN số 67/2025/QH15."),
        # A known abbreviation closer than the body's: "TNCM" is rather "TNCN" than "TNDN".
        ("chính sách thuế TNCM", "thuế TNDN, thuế TNDN, thuế TNDN."),
        # An abbreviation the body writes is kept.
        ("về VLNCN", "sử dụng VLNCN, kho VLNCN, vận chuyển VLUNCN."),
    ],
)
def test_an_abbreviation_is_left_alone_unless_one_of_the_body_is_clearly_meant(
    subject: str, body: str
) -> None:
    assert spelling.mend(subject, [body]).text == subject


@pytest.mark.parametrize(
    "body",
    [
        "Căn cứ quy định, vật liệu nỗ công nghiệp được bảo quản.\n",  # one misreading is not enough
        "Căn cứ vật liệu nổ và vật liệu nỗ, vật liệu nỗ công nghiệp.\n",  # "nỗ" is no word
        "",
    ],
)
def test_a_right_subject_is_never_changed(body: str) -> None:
    subject, _ = _read("Về việc bảo quản vật liệu nổ công nghiệp", body)
    assert subject == "Về việc bảo quản vật liệu nổ công nghiệp"


def test_two_forms_as_likely_change_nothing() -> None:
    mended = spelling.mend(
        "đón Tết Nhâm Dằn năm 2022", ["Nhâm Dân năm, Nhâm Dần năm, Nhâm Dân năm, Nhâm Dần năm"]
    )
    # "Dần" is a year name, so it wins over "Dân" read as often.
    assert mended.text == "đón Tết Nhâm Dần năm 2022" and mended.sure
    tie = spelling.mend("hàng hóa bình ổn giá", ["bình ôn giá, bình ổn giá, bình ồn giá"])
    assert tie.fixes == []


def test_text_layers_are_never_mended() -> None:
    """Only OCR'd subjects are checked against the body: a text layer is what was typed."""
    text = HEAD.format(
        subject="Về việc bảo quản vật liệu nỗ công nghiệp",
        body="Căn cứ vật liệu nổ công nghiệp; vật liệu nổ và công cụ hỗ trợ; vật liệu nổ.\n",
    )
    assert parse_header(text).subject == "Về việc bảo quản vật liệu nỗ công nghiệp"


def test_a_mark_that_breaks_a_compound_sends_the_subject_to_a_person() -> None:
    """ "chỉ tiết": both are words, the pair is no compound, and "chi tiết" is one. With no body
    to tell which was printed (a scan's first page of a decree), the subject holds the compound
    (right in every such case the benches met: "hiệu quả", "dấu hiệu", "vật liệu nổ") and goes
    to a person with what was read shown, never filed as sure."""
    subject, review = _read("Quy định chỉ tiết một số điều của Luật Lưu trữ", "")
    assert subject == "Quy định chi tiết một số điều của Luật Lưu trữ"
    reason = review["subject"].reason
    assert "'chỉ tiết' / 'chi tiết'" in reason and "'Quy định chỉ tiết một số điều" in reason


@pytest.mark.parametrize(
    "subject",
    [
        "Quy định chi tiết một số điều của Luật Lưu trữ",
        "Về việc tăng cường công tác phòng cháy, chữa cháy trong dịp Tết Nguyên đán",
        "Kế hoạch kiểm tra việc chấp hành pháp luật về thuế năm 2026",
        "Về việc nâng cao trách nhiệm của người đứng đầu trong cải cách hành chính",
        "Về việc tổ chức hội nghị cấp tỉnh",  # "cấp tỉnh": vocab.COMPOUNDS, not "cấp tính"
        "Kế hoạch kỷ niệm ngày giải phóng Thủ đô, Đông Đô xưa",  # names keep their marks
    ],
)
def test_a_subject_made_of_compounds_is_not_doubted_for_its_marks(subject: str) -> None:
    assert spelling.compound_slips(subject) == []
    _, review = _read(subject, "")
    assert "subject" not in review


def test_a_comma_inside_a_compound_sends_the_subject_to_a_person() -> None:
    """ "VỀ VIỆC CHẤN, CHỈNH CÔNG TÁC": a speck over the space between the two words of
    "chấn chỉnh" is read as a comma. The subject is left as read, and a person sees why."""
    subject, review = _read("Về việc chấn, chỉnh công tác quản lý các khu kinh tế", "")
    assert subject == "Về việc chấn chỉnh công tác quản lý các khu kinh tế"
    assert "'chấn, chỉnh'" in review["subject"].reason and "đọc được" in review["subject"].reason
    assert (
        parse_header(  # a text layer is what was typed
            HEAD.format(subject="Về việc chấn, chỉnh công tác quản lý", body="")
        ).confidence("subject")
        >= 0.8
    )


@pytest.mark.parametrize(
    "subject",
    [
        "Về công tác phòng, chống tham nhũng, lãng phí, tiêu cực",  # written apart, by style
        "Về việc kiểm tra hoạt động xuất, nhập khẩu hóa chất",
        "Về công tác văn thư, lưu trữ năm 2026",  # each word in a compound on its own side
        "Về việc tổng kết công tác của các tỉnh, thành phố",
    ],
)
def test_words_written_apart_on_purpose_are_not_doubted(subject: str) -> None:
    assert spelling.broken_compounds(subject) == []
    _, review = _read(subject, "")
    assert "subject" not in review


def test_a_word_that_lives_only_in_compounds_read_in_none_is_doubted() -> None:
    """ "nỗ" is a word only in "nỗ lực"; "vật liệu nỗ công nghiệp" read so on a scan (the
    body read the same) holds "nổ" and goes to a person with what was read shown."""
    subject, review = _read(
        "Kết quả kiểm tra sử dụng vật liệu nỗ công nghiệp trên địa bàn tỉnh",
        "Đoàn kiểm tra sử dụng vật liệu nỗ công nghiệp tại các mỏ đá.",
    )
    assert subject == "Kết quả kiểm tra sử dụng vật liệu nổ công nghiệp trên địa bàn tỉnh"
    assert "'nỗ' / 'nổ'" in review["subject"].reason and "liệu nỗ công" in review["subject"].reason
    assert review["subject"].confidence < 0.8
    assert spelling.compound_slips("Về việc nỗ lực hoàn thành kế hoạch năm 2026") == []
    assert spelling.compound_slips("Về việc giữ ổn định tình hình") == []
    assert spelling.compound_slips("Kế hoạch tổ chức Lễ kỷ niệm tại Nỗ Lực") == []  # a name


def test_a_proposal_puts_every_slip_right_in_the_case_read() -> None:
    subject = "Chỉ tiết về việc chấn, chỉnh hiệu quá hoạt động"
    slips = spelling.compound_slips(subject) + spelling.broken_compounds(subject)
    assert spelling.propose(subject, slips) == "Chi tiết về việc chấn chỉnh hiệu quả hoạt động"
    assert spelling.propose(subject, []) == subject


def test_a_body_misreading_is_shown_but_not_offered_against_a_compound() -> None:
    """The body reads "vôn ngân sách" three times (OCR's slip there). The subject's "vốn ngân
    sách" is a compound and "vôn ngân sách" none: the doubt is shown, but the body's form is
    not offered as the likelier reading."""
    subject = "Về việc phân bổ vốn ngân sách năm 2026"
    body = "Các dự án dùng vôn ngân sách tỉnh, vôn ngân sách huyện và vôn ngân sách xã.\n"
    read, review = _read(subject, body)
    assert read == subject
    assert "'vốn ngân' / 'vôn ngân'" in review["subject"].reason
    assert review["subject"].proposal is None
    _, review = _read(subject.replace("phân bổ ", ""), body.replace("vôn", "vốn"))
    assert "subject" not in review
    # "nổ" is a word; the body's "nỗ" is none outside "nỗ lực": shown, not offered
    subject = "Kết quả kiểm tra sử dụng vật liệu nổ công nghiệp"
    body = "Kho vật liệu nỗ công nghiệp; vật liệu nỗ công nghiệp; vật liệu nỗ công nghiệp.\n"
    read, review = _read(subject, body)
    assert read == subject and "'liệu nổ' / 'liệu nỗ'" in review["subject"].reason
    assert review["subject"].proposal is None
