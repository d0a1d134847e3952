"""Snippets: the words searched for found as the index folds them, marked, in a bounded window."""

from __future__ import annotations

from search import snippets
from search.snippets import Snippeter


def _marked(snippet) -> list[str]:
    return [p.text for p in snippet if p.marked]


def test_words_with_or_without_diacritics_are_marked_in_the_original_spelling():
    text = "Nghị quyết về công tác phát triển Đảng viên ở cơ sở, đảng viên mới."
    for typed in ("dang vien", "đảng viên", "DANG VIEN", "ddang vien"):
        snippet = Snippeter(typed)(text)
        assert _marked(snippet) == ["Đảng", "viên", "đảng", "viên"], typed
    assert "".join(p.text for p in snippet) == text


def test_a_phrase_is_marked_whole_and_words_inside_other_words_are_not():
    text = "Ban Chấp hành Đảng bộ; ban hành kèm theo; Bàn giao; banner."
    assert _marked(Snippeter('"ban chap hanh"')(text)) == ["Ban Chấp hành"]
    # folded like the index ("Bàn" too), whole words only ("banner" is not "ban")
    assert _marked(Snippeter("ban")(text)) == ["Ban", "ban", "Bàn"]


def test_field_filters_are_not_highlighted_and_no_match_gives_no_snippet():
    text = "Kế hoạch số 12-KH/TU về chuyển đổi số."
    assert not Snippeter("loai:KH mat:mat nam:2024")
    assert Snippeter("loai:KH mat:mat")(text) is None
    assert Snippeter("khongcotu")(text) is None
    assert _marked(Snippeter("loai:KH chuyen doi")(text)) == ["chuyển", "đổi"]


def test_the_window_is_bounded_and_cut_at_spaces_around_the_first_match():
    text = "mở đầu " * 200 + "từ khóa quyhoach ở giữa" + " kết thúc" * 200
    snippet = Snippeter("quyhoach")(text)
    body = "".join(p.text for p in snippet)
    assert body.startswith("… ") and body.endswith(" …")
    assert len(body) <= snippets.WINDOW + 6
    assert "quyhoach" in _marked(snippet)
    words = body.strip("… ").split(" ")
    assert all(
        w in {"mở", "đầu", "từ", "khóa", "quyhoach", "ở", "giữa", "kết", "thúc"} for w in words
    )


def test_work_is_bounded_scan_marks_and_terms():
    late = "chữ " * (snippets.SCAN_CHARS // 4) + "quyhoach"
    assert Snippeter("quyhoach")(late) is None  # beyond the scanned part
    many = " ".join(["quyhoach"] * 100)
    assert len(_marked(Snippeter("quyhoach")(many))) == snippets.MAX_MARKS
    query = " ".join(f"tu{i}" for i in range(50))
    assert len(snippets.terms_of(query)) == snippets.MAX_TERMS


def test_line_and_page_breaks_become_spaces():
    snippet = Snippeter("bao cao")("Trang 1 kết thúc\n\fBáo\ncáo tổng kết")
    assert "\n" not in "".join(p.text for p in snippet)
    assert _marked(snippet) == ["Báo", "cáo"]


def test_the_window_with_the_most_words_searched_for_wins_over_the_first_match():
    text = "ĐẢNG CỘNG SẢN VIỆT NAM. " + "Nội dung khác. " * 30 + "Đảng viên tham gia quyhoach."
    marked = _marked(Snippeter("dang quyhoach")(text))
    assert marked == ["Đảng", "quyhoach"]


def test_a_text_whose_folding_changes_its_length_is_matched_on_the_text_itself():
    """ "İ" lower-cases to two characters: the fast path (the folded text) would shift every
    offset, so the character classes search the text itself."""
    text = "İstanbul gửi thư. Đảng viên ở cơ sở."
    assert len(text.lower()) != len(text)
    snippet = Snippeter("dang vien")(text)
    assert _marked(snippet) == ["Đảng", "viên"]
    assert "".join(p.text for p in snippet) == text


def test_matches_before_the_best_one_inside_the_window_are_marked_too():
    text = "Đảng bộ tỉnh. Đảng viên mới tham gia quyhoach."
    assert _marked(Snippeter("dang quyhoach")(text)) == ["Đảng", "Đảng", "quyhoach"]
