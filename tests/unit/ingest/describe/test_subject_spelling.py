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


def test_garbled_letters_are_put_right_from_the_body_but_stay_with_a_person() -> None:
    """ "Nzgãi" is no syllable; the body writes "tỉnh Quảng Ngãi" twice. The word list does not
    know the name, so the change is shown and the subject still goes to review."""
    body = "UBND tỉnh Quảng Ngãi chỉ đạo. Kho bạc tỉnh Quảng Ngãi và các sở thực hiện.\n"
    subject, review = _read("Về việc nộp thuế điện tử trên địa bàn tỉnh Quảng Nzgãi", body)
    assert subject == "Về việc nộp thuế điện tử trên địa bàn tỉnh Quảng Ngãi"
    assert "'Nzgãi' → 'Ngãi'" in review["subject"].reason


def test_a_compound_the_body_misreads_is_kept_and_doubted() -> None:
    """The body reads "đầm âm" three times; "đầm ấm" is a word and "đầm âm" is not."""
    body = "Căn cứ chỉ đạo, Tết đầm âm, lành mạnh. Năm mới đầm âm và an toàn. Nhà đầm âm.\n"
    subject, review = _read("Về việc đón Tết đầm ấm và an toàn", body)
    assert subject == "Về việc đón Tết đầm ấm và an toàn"
    assert "đầm ấm" in review["subject"].reason  # the body's other reading is shown


def test_a_subject_word_misread_otherwise_by_the_body_too_is_left_to_a_person() -> None:
    """The subject reads "nô", the body "nỗ" (no word on its own) most often: nothing is
    changed, and the subject goes to review, never filed as sure."""
    body = (
        "Căn cứ quy định về bảo quản vật liệu nỗ công nghiệp; sử dụng vật liệu nỗ công nghiệp;\n"
        "kho vật liệu nỗ công nghiệp; vật liệu nô và công cụ hỗ trợ.\n"
    )
    subject, review = _read("Kết quả kiểm tra bảo quản vật liệu nô công nghiệp", body)
    assert subject == "Kết quả kiểm tra bảo quản vật liệu nô công nghiệp"
    assert "subject" in review


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
