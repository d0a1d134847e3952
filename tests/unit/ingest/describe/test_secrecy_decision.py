"""The secrecy decision on examinations built directly: what holds a record back, and what not.

Each case is one line of the rule in ``ingest.describe.secrecy``; the two failure directions are
both checked: a doubt that must hold the record back, and a good reading that must not be
flagged (noise buries the real doubts).
"""

from __future__ import annotations

import pytest

from ingest.describe import secrecy
from ingest.describe.header import Evidence, Header, parse_header
from ingest.examine.sniff import MediaType
from ingest.examine.stages import Event, Examined, Mark

HEADER_TEXT = """\
TỈNH ỦY LÀO CAI                         ĐẢNG CỘNG SẢN VIỆT NAM
        *
Số 31-KH/TU                       Lào Cai, ngày 27 tháng 5 năm 2024
                       KẾ HOẠCH
          về công tác bảo mật thông tin trong các cơ quan đảng
Các cơ quan thực hiện nghiêm quy định bảo mật.
"""
SECRET_TEXT = HEADER_TEXT.replace("        *\n", "        *\n   MẬT\n")


def _header(level: str = "thuong", confidence: float = 1.0, found: bool = True) -> Header:
    header = Header(level=level)
    if found:
        header.number, header.date, header.issuer, header.doc_type = (
            "31-KH/TU",
            "2024-05-27",
            "Tỉnh ủy Lào Cai",
            "KH",
        )
    header.evidence["level"] = (
        Evidence(3, "MẬT", confidence) if level != "thuong" else Evidence(None, None, 0.9)
    )
    return header


def _scan(sources=("ocr",), marks=(), searched=True, text="TỈNH ỦY LÀO CAI\nKẾ HOẠCH") -> Examined:
    return Examined(
        media_type=MediaType.PDF,
        text=text,
        pages=len(sources),
        page_sources=list(sources),
        marks=list(marks),
        stamps_searched=searched,
    )


def _mark(kind, value=None, confidence=0.95, page=0, top=0.12) -> Mark:
    return Mark(kind, value, "…", confidence, page, (0.1, top, 0.3, top + 0.05), 8.0)


def _codes(assessment) -> set[str]:
    return {r.code for r in assessment.reasons}


# -- readable text: never held back for nothing ------------------------------------------------


@pytest.mark.parametrize("kind", [MediaType.DOCX, MediaType.TEXT, MediaType.PDF])
def test_good_text_with_a_header_is_not_held_back(kind):
    examined = Examined(kind, HEADER_TEXT, 1, page_sources=["text"])
    decided = secrecy.assess(examined, parse_header(HEADER_TEXT), None)
    assert (decided.level, decided.pending, decided.reasons) == ("thuong", False, ())


def test_bao_mat_in_a_sentence_is_not_a_mark_and_a_real_mark_is_read_with_confidence():
    plain = Examined(MediaType.DOCX, HEADER_TEXT, 1, page_sources=["text"])
    assert secrecy.assess(plain, parse_header(HEADER_TEXT)).level == "thuong"
    secret = Examined(MediaType.DOCX, SECRET_TEXT, 1, page_sources=["text"])
    decided = secrecy.assess(secret, parse_header(SECRET_TEXT))
    assert (decided.level, decided.pending) == ("mat", False)
    assert decided.readings[0].source == "header"


def test_a_doubtful_mark_in_a_text_layer_holds_back_with_the_level_suggested():
    examined = _scan(sources=("text",), searched=False)
    decided = secrecy.assess(examined, _header("toi_mat", confidence=0.6))
    assert decided.pending and decided.level == "thuong" and decided.suggested == "toi_mat"
    assert _codes(decided) == {"doubtful_level"}
    assert "TỐI MẬT" in decided.reasons[0].vi and "TỐI MẬT" in decided.reasons[0].en


# -- nothing readable -----------------------------------------------------------------------------


def test_no_text_at_all_is_held_back():
    decided = secrecy.assess(_scan(sources=("none",), searched=False, text=""), None)
    assert decided.pending and _codes(decided) == {"no_text"} and decided.level == "thuong"


def test_a_first_page_without_text_is_held_back_even_when_later_pages_have_text():
    decided = secrecy.assess(_scan(sources=("none", "text")), _header())
    assert decided.pending and _codes(decided) == {"first_page_no_text"}


def test_a_declared_secret_level_is_a_persons_decision_and_clears_what_could_not_be_read():
    decided = secrecy.assess(_scan(sources=("none",), searched=False, text=""), None, "mat")
    assert (decided.level, decided.pending) == ("mat", False)
    assert [r.code for r in decided.waived] == ["no_text"]


def test_a_declared_ordinary_level_clears_nothing():
    decided = secrecy.assess(_scan(sources=("none",), searched=False, text=""), None, "thuong")
    assert decided.pending


# -- scans ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["ocr", "garbled"])
def test_ocr_page_not_searched_for_stamps_is_held_back(source):
    decided = secrecy.assess(_scan(sources=(source,), searched=False), _header())
    assert decided.pending and _codes(decided) == {"stamps_not_searched"}


@pytest.mark.parametrize("source", ["ocr", "garbled"])
def test_ocr_page_whose_header_was_not_found_is_held_back(source):
    decided = secrecy.assess(_scan(sources=(source,)), _header(found=False))
    assert decided.pending and _codes(decided) == {"header_not_found"}
    assert secrecy.assess(_scan(sources=(source,)), None).pending


def test_searched_scan_with_header_and_no_stamp_is_not_held_back():
    decided = secrecy.assess(_scan(), _header())
    assert (decided.level, decided.pending) == ("thuong", False)


def test_known_non_secrecy_stamps_do_not_hold_back():
    marks = [
        _mark("other", None, 0.4),  # an incoming ĐẾN stamp with handwriting
        _mark("urgency", "khan"),
        _mark("circulation", None),
    ]
    decided = secrecy.assess(_scan(marks=marks), _header())
    assert (decided.level, decided.pending) == ("thuong", False)
    assert len(decided.evidence()["marks"]) == 3


def test_an_unread_stamp_in_the_header_holds_back_unless_the_level_is_already_high():
    unread = [_mark("unknown", None, 0.3)]
    decided = secrecy.assess(_scan(marks=unread), _header())
    assert decided.pending and _codes(decided) == {"unread_mark"}
    # A declared MẬT does not clear it: the stamp may say TỐI MẬT.
    assert secrecy.assess(_scan(marks=unread), _header(), "mat").pending
    assert not secrecy.assess(_scan(marks=unread), _header(), "toi_mat").pending
    # A level mark whose value was not read counts as unread.
    assert secrecy.assess(_scan(marks=[_mark("level", None, 0.3)]), _header()).pending


def test_an_unread_mark_far_from_the_header_is_not_a_secrecy_stamp():
    seal = [_mark("unknown", None, 0.3, top=0.8), _mark("unknown", None, 0.3, page=2, top=0.1)]
    assert not secrecy.assess(_scan(marks=seal), _header()).pending


def test_confident_level_stamps_raise_the_level_to_the_highest_reading():
    marks = [_mark("level", "toi_mat", 0.9)]
    decided = secrecy.assess(_scan(marks=marks), _header("mat", 1.0))
    assert (decided.level, decided.pending) == ("toi_mat", False)
    assert {r.source for r in decided.readings} == {"stamp", "header_ocr"}


def test_a_stamp_read_with_low_confidence_holds_back_and_never_raises_by_itself():
    marks = [_mark("level", "mat", 0.5)]
    decided = secrecy.assess(_scan(marks=marks), _header())
    assert (decided.level, decided.pending, decided.suggested) == ("thuong", True, "mat")
    assert _codes(decided) == {"doubtful_level"}
    # Not higher than what was declared: nothing to doubt.
    assert not secrecy.assess(_scan(marks=marks), _header(), "mat").pending
    # Higher than what was declared: held back whatever the declaration.
    high = [_mark("level", "toi_mat", 0.5)]
    assert secrecy.assess(_scan(marks=high), _header(), "mat").pending


def test_a_level_read_from_ocr_text_with_doubt_holds_back():
    decided = secrecy.assess(_scan(), _header("mat", confidence=0.6))
    assert decided.pending and decided.suggested == "mat"
    assert decided.readings[0].source == "header_ocr"


def test_the_declared_level_is_a_floor():
    examined = Examined(MediaType.DOCX, SECRET_TEXT, 1, page_sources=["text"])
    decided = secrecy.assess(examined, parse_header(SECRET_TEXT), "toi_mat")
    assert (decided.level, decided.pending) == ("toi_mat", False)
    assert secrecy.assess(examined, parse_header(SECRET_TEXT), "thuong").level == "mat"


# -- when the examination did not say where page 1's text came from ------------------------------


def test_sources_are_inferred_cautiously_when_the_examination_did_not_fill_them():
    assert secrecy.header_source(Examined(MediaType.DOCX, "chữ", 1)) == "text"
    assert secrecy.header_source(Examined(MediaType.PNG, "chữ", 1)) == "ocr"
    assert secrecy.header_source(Examined(MediaType.PNG, "", 1)) == "none"
    assert secrecy.header_source(Examined(MediaType.PDF, "chữ", 1)) == "text"
    ocr_ran = Examined(MediaType.PDF, "chữ", 2, events=[Event("OCR", "success", "", 0.1)])
    assert secrecy.header_source(ocr_ran) == "ocr"
    blank_first = Examined(MediaType.PDF, "chữ", 2, pages_needing_ocr=[0])
    assert secrecy.header_source(blank_first) == "none"


def test_held_back_records_put_the_level_first_in_review_with_the_reasons():
    decided = secrecy.assess(_scan(marks=[_mark("level", "mat", 0.5)]), _header())
    items = secrecy.with_review_item(decided, [{"field": "level"}, {"field": "number"}])
    assert [i["field"] for i in items] == ["level", "number"]
    assert items[0]["pending"] and items[0]["suggested"] == "mat"
    assert items[0]["reason"].startswith("Chờ xác định độ mật")


# -- a mark outside the header ------------------------------------------------------------------


def test_a_lone_mark_line_outside_the_header_holds_back_with_its_level_suggested():
    """A Word file whose TỐI MẬT sits in a text box anchored below the header: the header reads
    nothing, but the line is a mark and nothing else."""
    text = HEADER_TEXT + "Nội dung kế hoạch.\n  TỐI MẬT  \n"
    examined = Examined(MediaType.DOCX, text, 1, page_sources=["text"])
    decided = secrecy.assess(examined, parse_header(text))
    assert decided.pending and decided.level == "thuong" and decided.suggested == "toi_mat"
    assert _codes(decided) == {"doubtful_level"}


def test_a_lone_mark_already_read_in_the_header_adds_no_doubt():
    text = SECRET_TEXT + "\n[MẬT]\n"
    examined = Examined(MediaType.DOCX, text, 1, page_sources=["text"])
    decided = secrecy.assess(examined, parse_header(text))
    assert (decided.level, decided.pending) == ("mat", False)


@pytest.mark.parametrize(
    "line",
    ["Đảm bảo bí mật thông tin.", "BẢO MẬT THÔNG TIN", "MẬT KHẨU", "mật", "Ban Bảo mật"],
)
def test_words_about_secrecy_are_not_lone_marks(line):
    assert secrecy.lone_marks(line) == []


@pytest.mark.parametrize(
    ("line", "level"),
    [("MẬT", "mat"), ("( TỐI  MẬT )", "toi_mat"), ("TUYỆT MẬT", "tuyet_mat"),
     ("ĐỘ MẬT: MẬT", "mat"), ("M\u00c2\u0323T", "mat")],
)  # fmt: skip
def test_lone_marks_are_read_in_any_spacing_and_normal_form(line, level):
    assert secrecy.lone_marks(line) == [level]
