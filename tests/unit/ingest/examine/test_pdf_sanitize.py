"""PDF validation, repair and sanitization: hostile PDFs give a clean access copy or a refusal."""

from __future__ import annotations

import io

import pikepdf
import pytest

from archive.core.limits import Limits
from ingest.examine import stages
from ingest.examine.pdf import check_pdf
from security.errors import Refused
from tests.support import documents as fx

_ACTIVE = (b"/JavaScript", b"/JS", b"/Launch", b"/SubmitForm", b"/EmbeddedFile", b"/XFA", b"/AA")


def _all_objects(access_copy: bytes) -> bytes:
    """Every object of the copy, uncompressed, so nothing hides in an object stream."""
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(access_copy)) as doc:
        doc.save(out, object_stream_mode=pikepdf.ObjectStreamMode.disable, compress_streams=False)
    return out.getvalue()


def _assert_clean(access_copy: bytes) -> None:
    flat = _all_objects(access_copy)
    for marker in _ACTIVE:
        assert marker not in flat, marker
    assert b"MZ\x90\x00" not in flat


def test_plain_pdf_passes_untouched_apart_from_the_rewrite() -> None:
    result = stages.examine(fx.pdf(), "a.pdf")
    assert (result.repaired, result.removed_active_content, result.pages) == (False, [], 1)
    assert "Tỉnh ủy Lào Cai" in result.text
    stages_seen = [e.stage for e in result.events]
    assert stages_seen == ["format identification", "validation", "sanitization", "text extraction"]
    assert all(e.outcome == "success" for e in result.events)
    assert "pikepdf" in result.events[1].software


def test_javascript_and_open_action_are_removed() -> None:
    original = fx.hostile_pdf(javascript=True)
    result = stages.examine(original, "js.pdf")
    assert "JavaScript" in result.removed_active_content
    assert "OpenAction" in result.removed_active_content
    _assert_clean(result.access_copy)
    assert b"/JavaScript" in original  # the original bitstream is untouched (kept as evidence)
    assert "removed from access copy: OpenAction, JavaScript" in result.events[2].detail
    assert "Tỉnh ủy Lào Cai" in result.text


def test_embedded_exe_is_removed() -> None:
    result = stages.examine(fx.hostile_pdf(embedded_exe=True), "exe.pdf")
    assert "EmbeddedFiles" in result.removed_active_content
    assert "FileAttachment annotation" in result.removed_active_content
    _assert_clean(result.access_copy)


def test_launch_submit_and_additional_actions_are_removed_links_kept() -> None:
    result = stages.examine(fx.hostile_pdf(launch=True, submit=True, aa=True), "aa.pdf")
    removed = result.removed_active_content
    for what in ("Launch action", "SubmitForm action", "Page AA", "Annot AA"):
        assert what in removed, what
    _assert_clean(result.access_copy)
    with pikepdf.open(io.BytesIO(result.access_copy)) as doc:
        annots = doc.pages[0].obj.Annots
        assert len(annots) == 3  # the links stay, only their dangerous actions went
        assert [str(a.A.S) for a in annots if "/A" in a] == ["/URI"]


def test_xfa_form_is_removed() -> None:
    result = check_pdf(fx.hostile_pdf(xfa=True))
    assert result.removed == ["XFA"]
    _assert_clean(result.access_copy)


def test_encrypted_pdf_without_password_asks_for_it() -> None:
    with pytest.raises(Refused) as caught:
        stages.examine(fx.encrypted_pdf(), "khoa.pdf")
    assert "--password-file" in caught.value.en and "password-protected" in caught.value.en
    assert "mật khẩu" in caught.value.vi
    assert caught.value.stage == "validation"


def test_encrypted_pdf_with_its_password_is_ingested_and_the_copy_unlocked() -> None:
    result = stages.examine(fx.encrypted_pdf("u-secret"), "khoa.pdf", password="u-secret")
    assert "Tỉnh ủy Lào Cai" in result.text
    assert "opened with the password" in result.events[1].detail
    with pikepdf.open(io.BytesIO(result.access_copy)) as doc:
        assert not doc.is_encrypted


def test_encrypted_pdf_with_a_wrong_password_says_so() -> None:
    with pytest.raises(Refused, match="password supplied does not open"):
        stages.examine(fx.encrypted_pdf("u-secret"), "khoa.pdf", password="wrong")


def test_truncated_pdf_is_repaired_and_the_repair_recorded() -> None:
    data = fx.pdf()
    result = stages.examine(data[: int(len(data) * 0.9)], "cut.pdf", run_ocr=False)
    assert result.repaired
    validation = result.events[1]
    assert validation.outcome == "repaired" and "repaired by qpdf" in validation.detail
    assert result.access_copy.startswith(b"%PDF-")


def test_pdf_damaged_beyond_repair_is_refused() -> None:
    with pytest.raises(Refused) as caught:
        stages.examine(b"%PDF-1.7\n garbage that is not a pdf \x00\x01", "hong.pdf")
    assert "damaged" in caught.value.en and "bị hỏng" in caught.value.vi


def test_page_limit_is_enforced() -> None:
    with pytest.raises(Refused) as caught:
        stages.examine(fx.pdf_pages(3), "dai.pdf", Limits(max_pages=2))
    assert "KHO_MAX_PAGES" in caught.value.en and "3 pages" in caught.value.en


def test_huge_image_inside_a_pdf_is_refused_before_decoding() -> None:
    with pytest.raises(Refused, match="KHO_MAX_IMAGE_PIXELS"):
        check_pdf(fx.scanned_pdf(fx.image()), Limits(max_image_pixels=10_000))
