"""Active content hidden off the catalogue-and-pages path never reaches the access copy, the
copy is checked after it is written, and valid PDFs with odd structures are accepted."""

from __future__ import annotations

import io

import pikepdf
import pytest

from ingest.examine import pdf as pdf_stage
from ingest.examine import pdf_sanitize, stages
from ingest.examine.pdf import check_pdf
from security.errors import Refused
from tests.support import documents as fx
from tests.support import hostile_pdfs as hp


def _flat(copy: bytes) -> bytes:
    """Every object of the copy, uncompressed, so nothing hides in an object stream."""
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(copy)) as doc:
        doc.save(out, object_stream_mode=pikepdf.ObjectStreamMode.disable, compress_streams=False)
    return out.getvalue()


def _left(copy: bytes) -> list[str]:
    with pikepdf.open(io.BytesIO(copy)) as doc:
        return pdf_sanitize.leftovers(doc)


def test_field_actions_reached_only_through_widget_parent_are_removed() -> None:
    checked = check_pdf(hp.widget_parent_actions())
    flat = _flat(checked.access_copy)
    for marker in (b"/JS", b"/JavaScript", b"/Launch", b"/AA", b"cmd.exe", b"evil.example"):
        assert marker not in flat, marker
    assert {"Field AA", "Launch action", "JavaScript"} <= set(checked.removed)
    assert _left(checked.access_copy) == []


def test_popup_does_not_keep_the_removed_attachment_alive() -> None:
    checked = check_pdf(hp.popup_keeps_attachment())
    flat = _flat(checked.access_copy)
    assert b"This program cannot be run" not in flat and b"/EmbeddedFile" not in flat
    assert b"/FileAttachment" not in flat  # neither the annotation nor its note remain
    assert "FileAttachment annotation" in checked.removed


def test_associated_files_on_structure_elements_are_removed() -> None:
    checked = check_pdf(hp.associated_files_on_structure())
    flat = _flat(checked.access_copy)
    assert b"/AF" not in flat and b"This program cannot be run" not in flat
    assert b"/StructTreeRoot" in flat  # the tagging itself stays (accessibility)
    assert "associated files (AF)" in checked.removed


def test_external_streams_unc_paths_and_local_links_are_removed_web_links_kept() -> None:
    checked = check_pdf(hp.external_image_streams())
    flat = _flat(checked.access_copy)
    for marker in (b"beacon.example", b"fileserver", b"/FS /URL"):
        assert marker not in flat, marker
    assert b"https://tinhuy.laocai.gov.vn/" in flat
    assert {"external stream data (F)", "external page reference"} <= set(checked.removed)
    assert "URI action to a local file or network path" in checked.removed
    assert _left(checked.access_copy) == []


def test_twelve_hundred_sibling_bookmarks_are_sanitized_without_recursion() -> None:
    result = stages.examine(hp.many_bookmarks(1200), "bo-luat.pdf")
    assert "JavaScript" in result.removed_active_content
    with pikepdf.open(io.BytesIO(result.access_copy)) as doc, doc.open_outline() as outline:
        titles = [item.title for item in outline.root]
    assert len(titles) == 1200 and titles[-1] == "Điều 1200"
    assert b"/JS" not in _flat(result.access_copy)


def test_image_with_a_name_for_its_size_is_a_warning_not_a_crash() -> None:
    result = stages.examine(hp.bad_image_size(), "issue4575.pdf")
    assert "Tỉnh ủy Lào Cai" in result.text
    validation = next(e for e in result.events if e.stage == "validation")
    assert validation.outcome == "repaired" and "no numeric size" in validation.detail


def test_dictionary_key_that_is_not_utf8_does_not_crash_the_sanitizer() -> None:
    checked = check_pdf(hp.non_utf8_key())
    assert checked.pages == 1
    assert {"OpenAction", "JavaScript"} <= set(checked.removed)
    assert b"app.alert" not in _flat(checked.access_copy)


def test_page_tree_with_a_loop_is_read_as_viewers_read_it() -> None:
    result = stages.examine(hp.page_tree_loop(), "test_3725.pdf")
    assert result.pages == 1
    assert "Nghi quyet ve cong tac can bo" in result.text
    validation = next(e for e in result.events if e.stage == "validation")
    assert "page tree had a loop" in validation.detail
    with pikepdf.open(io.BytesIO(result.access_copy)) as doc:  # a sound tree, attributes kept
        assert len(doc.pages) == 1 and list(doc.pages[0].mediabox) == [0, 0, 595, 842]


def test_pdf_whose_only_attachments_are_encrypted_opens_without_password() -> None:
    data = hp.attachment_encrypted()
    with pytest.raises(pikepdf.PasswordError):  # qpdf alone refuses it
        pikepdf.open(io.BytesIO(data))
    result = stages.examine(data, "encrypted-attachment.pdf")
    assert "Nghi quyet ve cong tac can bo" in result.text
    assert "encrypted attachments (pages were not encrypted)" in result.removed_active_content
    flat = _flat(result.access_copy)
    assert b"/Encrypt" not in flat and b"/EmbeddedFile" not in flat


def test_a_fully_encrypted_pdf_is_still_refused_without_its_password() -> None:
    with pytest.raises(Refused, match="password-protected"):
        check_pdf(fx.encrypted_pdf())


def test_written_copy_is_checked_and_a_survivor_is_a_refusal(monkeypatch) -> None:
    """A sanitizer that missed something is caught by the check of the written copy."""
    monkeypatch.setattr(pdf_stage.Sanitizer, "run", lambda self: [])
    with pytest.raises(Refused, match="Active content could not be removed") as caught:
        check_pdf(hp.popup_keeps_attachment())
    assert "EmbeddedFile" in caught.value.en or "/EF" in caught.value.en


def test_written_copy_is_sanitized_again_when_the_first_pass_missed_something(
    monkeypatch,
) -> None:
    calls = []
    real = pdf_stage.Sanitizer.run

    def first_pass_blind(self):
        calls.append(1)
        return [] if len(calls) == 1 else real(self)

    monkeypatch.setattr(pdf_stage.Sanitizer, "run", first_pass_blind)
    checked = check_pdf(hp.widget_parent_actions())
    assert len(calls) == 2 and "Launch action" in checked.removed
    assert _left(checked.access_copy) == []


def test_leftovers_lists_what_the_walk_looks_for() -> None:
    with pikepdf.open(io.BytesIO(hp.widget_parent_actions())) as doc:
        found = pdf_sanitize.leftovers(doc)
    assert "/AA" in found and "/JS" in found and "/Launch action" in found


def test_resources_merely_named_like_active_content_are_kept() -> None:
    """A font called /JS and a graphics state called /AA are names, not scripts."""
    with pikepdf.open(io.BytesIO(fx.pdf())) as doc:
        resources = doc.pages[0].obj.Resources
        font = next(iter(resources.Font.values()))
        resources.Font = pikepdf.Dictionary(JS=font, F1=font)
        resources.ExtGState = pikepdf.Dictionary(AA=pikepdf.Dictionary(CA=0.5))
        content = doc.pages[0].obj.Contents.read_bytes().replace(b"/F1 ", b"/JS ")
        doc.pages[0].obj.Contents.write(content)
        out = io.BytesIO()
        doc.save(out)
    result = stages.examine(out.getvalue(), "ten-la.pdf")
    assert result.removed_active_content == []
    assert "Tỉnh ủy Lào Cai" in result.text
    with pikepdf.open(io.BytesIO(result.access_copy)) as copy:
        assert set(copy.pages[0].obj.Resources.Font.keys()) == {"/JS", "/F1"}


def _key(obj: pikepdf.Object) -> bytes:
    return repr(obj.objgen).encode() if obj.is_indirect else obj.unparse()


def _every_dictionary(obj: object, found: list[bytes]) -> None:
    """The walk's answer worked out the slow, obvious way: the dictionary or stream and every
    direct one nested in it, through arrays of any depth."""
    if isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
        found.append(_key(obj))
        values: list[object] = list(obj.values())
    elif isinstance(obj, pikepdf.Array):
        values = list(obj)
    else:
        return
    for value in values:
        if isinstance(value, (pikepdf.Dictionary, pikepdf.Array)) and not value.is_indirect:
            _every_dictionary(value, found)


def test_the_walk_reaches_dictionaries_nested_among_numbers() -> None:
    """The walk passes over numbers without pikepdf's type test (a font's widths are hundreds
    of them): a dictionary among numbers, reals and booleans in nested arrays is still reached,
    cleaned, and its action gone from the copy."""
    with pikepdf.open(io.BytesIO(fx.pdf())) as doc:
        script = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert"))
        deep = pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("cmd.exe"))
        doc.pages[0].obj.KhoWidths = pikepdf.Array(
            [1, 2.5, True, 600, script, pikepdf.Array([3, 4.25, False, pikepdf.Array([deep, 9])])]
        )
        expected: list[bytes] = []
        for obj in [doc.trailer, *doc.objects]:
            _every_dictionary(obj, expected)
        walked = [_key(obj) for obj, _items in pdf_sanitize.all_dictionaries(doc)]
        assert sorted(walked) == sorted(expected)
        assert any(b"app.alert" in key for key in walked)
        assert any(b"cmd.exe" in key for key in walked)
        out = io.BytesIO()
        doc.save(out)
    checked = check_pdf(out.getvalue())
    flat = _flat(checked.access_copy)
    assert b"app.alert" not in flat and b"cmd.exe" not in flat
    assert {"JavaScript", "Launch action"} <= set(checked.removed)
