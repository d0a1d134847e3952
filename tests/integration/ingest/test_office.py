"""Office files: cleaned of what reaches out or runs, printed to a PDF access copy by LibreOffice
in a sandbox (no network, no host files, RAM only), then handled like every PDF."""

from __future__ import annotations

import io
import os
import socket
import zipfile
from pathlib import Path

import pikepdf
import pytest

from archive.core.limits import Limits
from archive.records import gate
from ingest import pipeline
from ingest.delivery import preview, stamp
from ingest.examine import stages
from ingest.examine.limits import Deadline
from ingest.examine.office import clean, convert, sandbox
from ingest.examine.sniff import MediaType, media_type
from security.errors import Refused
from tests.support import documents as fx
from tests.support import office_files as ox

needs_office = pytest.mark.skipif(
    not convert.available(), reason="LibreOffice and bubblewrap (scripts/system-deps.sh)"
)


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


# --- cleaning (no LibreOffice needed) -------------------------------------------------------------


def test_docx_is_cleaned_of_everything_that_reaches_out_or_runs_and_each_is_recorded() -> None:
    cleaned = clean.clean(ox.hostile_docx(macros=True), MediaType.DOCX, Limits(), Deadline(60))
    members = _members(cleaned.data)
    everything = b"".join(members.values())
    for gone in (b"beacon.example", b"fileserver", b"file:///C:", b"DDEAUTO", b"cmd.exe", b"srv",
                 b"SELECT", b"mailMerge"):  # fmt: skip
        assert gone not in everything, gone
    assert not any(n.startswith(("word/embeddings", "word/activeX")) for n in members)
    assert "word/vbaProject.bin" not in members
    assert b"https://tinhuy.laocai.gov.vn/" in everything  # a web link is a click, kept
    assert "kết quả".encode() in members["word/document.xml"]  # the field's shown result stays
    for what in ("external attachedTemplate (http://beacon.example)", "external image (//)",
                 "DDEAUTO field", "INCLUDEPICTURE field", "mail-merge data source",
                 "embedded OLE objects", "ActiveX controls", "macros (VBA)",
                 "link to a local file or network path (file://)"):  # fmt: skip
        assert any(r.startswith(what.split(" (")[0]) for r in cleaned.removed), what


def test_odt_and_rtf_are_cleaned_too() -> None:
    odt = clean.clean(ox.hostile_odt(), MediaType.ODT, Limits(), Deadline(60))
    members = _members(odt.data)
    assert not any(n.startswith(("Basic/", "Object 1/")) for n in members)
    content = members["content.xml"]
    assert b"event-listener" not in content and b"fileserver" not in content
    assert {"macros (Basic)", "macro event bindings"} <= set(odt.removed)
    rtf = clean.clean(ox.hostile_rtf(), MediaType.RTF, Limits(), Deadline(60))
    assert (
        b"objdata" not in rtf.data and b"DDEAUTO" not in rtf.data and b"fileserver" not in rtf.data
    )
    assert b"Tinh uy Lao Cai" in rtf.data and b"ket qua" in rtf.data
    assert {"embedded OLE objects", "DDEAUTO field", "external template"} <= set(rtf.removed)


def test_a_clean_file_is_left_byte_for_byte() -> None:
    data = fx.docx_file(["Tỉnh ủy"])
    assert clean.clean(data, MediaType.DOCX, Limits(), Deadline(60)).data == data


def test_strict_ooxml_and_templates_are_word_documents() -> None:
    for data in (ox.strict_docx(), ox.dotx()):
        assert media_type(data, "x.docx") == MediaType.DOCX


def test_without_libreoffice_text_is_read_here_and_the_events_say_so(monkeypatch) -> None:
    monkeypatch.setattr(convert, "available", lambda: False)
    for data in (ox.strict_docx(), ox.dotx(), ox.hostile_docx()):
        result = stages.examine(data, "a.docx")
        assert "Tỉnh ủy Lào Cai" in result.text
        conversion = next(e for e in result.events if e.stage == "conversion")
        assert (
            conversion.outcome == "not applicable" and "LibreOffice is missing" in conversion.detail
        )
    assert result.access_media_type is None and b"beacon.example" not in result.access_copy


def test_xlsx_text_without_libreoffice(monkeypatch) -> None:
    monkeypatch.setattr(convert, "available", lambda: False)
    result = stages.examine(ox.xlsx([["Số đến", "Trích yếu"], ["12", "Nghị quyết"]]), "so.xlsx")
    assert result.media_type == MediaType.XLSX and "Trích yếu" in result.text


# --- the sandbox ------------------------------------------------------------------------------


needs_sandbox = pytest.mark.skipif(not sandbox.available(), reason="bubblewrap")


@needs_sandbox
def test_sandbox_has_no_network_no_host_files_and_writes_only_to_its_own_ram(tmp_path) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    secret = tmp_path / "secret.txt"
    secret.write_text("khóa bí mật")
    marker = f"kho-sandbox-{os.getpid()}"
    connect = f"import socket; socket.create_connection(('127.0.0.1', {port}), 2)"
    script = "\n".join(
        [
            "awk -F: 'NR > 2 {print $1}' /proc/net/dev | tr -d ' ' | tr '\\n' ' '; echo",
            f'python3 -c "{connect}" 2>/dev/null && echo CONNECTED || echo REFUSED',
            f"test -e {secret} && echo SEEN || echo UNSEEN",
            f"test -e {Path.home()}/.bashrc -o -e /work && echo HOST || echo NOHOST",
            f"cat > /tmp/{marker}; wc -c < /tmp/{marker}",
            "df -T /tmp | tail -1 | tr -s ' ' | cut -d' ' -f2",
        ]
    )
    done = sandbox.run(script, b"noi dung van ban", 60, 256 * 1024**2)
    listener.close()
    lines = done.stdout.decode().split("\n")
    assert lines[0].split() == ["lo"], done.stderr  # its own loopback, no interface out
    assert lines[1:4] == ["REFUSED", "UNSEEN", "NOHOST"]
    assert lines[4].strip() == "16" and lines[5] == "tmpfs"
    assert not Path(f"/tmp/{marker}").exists()  # the host's /tmp never saw it


@needs_sandbox
def test_sandbox_time_and_memory_limits() -> None:
    with pytest.raises(TimeoutError):
        sandbox.run("sleep 60", b"", 2, 256 * 1024**2)
    done = sandbox.run(
        "exec /usr/bin/python3 -c 'b = bytearray(1024**3); print(len(b))'", b"", 60, 256 * 1024**2
    )
    assert done.returncode != 0 and b"MemoryError" in done.stderr


# --- LibreOffice: the PDF access copy ---------------------------------------------------------


@needs_office
@pytest.mark.slow
def test_hostile_docx_becomes_a_clean_pdf_access_copy_people_download(inst, archivist) -> None:
    data = ox.hostile_docx()
    result = pipeline.ingest_bytes(inst, archivist.ctx, data, "cong-van.docx")
    assert result.status == "stored", result.reason
    assert any("removed from the access copy: " in w and "DDEAUTO field" in w
               for w in result.warnings)  # fmt: skip
    copy = gate.open_content(inst, archivist.ctx, result.id)
    assert copy.media_type == "application/pdf" and copy.filename == "cong-van.pdf"
    pdf = copy.read()
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        assert len(doc.pages) >= 1
    for gone in (b"beacon.example", b"fileserver", b"cmd.exe"):
        assert gone not in pdf
    doc_view, text = gate.read_document(inst, archivist.ctx, result.id)
    assert "Tỉnh ủy Lào Cai" in text and doc_view.previewable
    assert preview.page_png(inst, archivist.ctx, result.id, 0).startswith(b"\x89PNG")
    stamped = stamp.stamped_download(inst, archivist.ctx, result.id, "Trần Văn Minh", "VP")
    assert stamped.filename == "cong-van.pdf" and stamped.media_type == "application/pdf"
    original = gate.open_content(inst, archivist.ctx, result.id, original=True)
    assert original.read() == data and original.filename == "cong-van.docx"  # evidence, as is


@needs_office
@pytest.mark.slow
@pytest.mark.parametrize("make", [ox.strict_docx, ox.dotx, ox.hostile_odt])
def test_strict_templates_and_odt_are_printed_to_pdf(make) -> None:
    result = stages.examine(make(), "a.docx")
    assert result.access_media_type == MediaType.PDF and result.access_copy.startswith(b"%PDF-")
    assert "Tỉnh ủy Lào Cai" in result.text
    assert [e.stage for e in result.events][:4] == [
        "format identification", "sanitization", "conversion", "validation",
    ]  # fmt: skip


@needs_office
@pytest.mark.slow
def test_legacy_word_and_excel_are_accepted(monkeypatch) -> None:
    doc = ox.legacy(fx.docx_file([fx.SENTENCE]), "docx", "doc:MS Word 97")
    xls = ox.legacy(
        "Số đến,Trích yếu\n12,Nghị quyết về cán bộ\n".encode(), "csv", "xls:MS Excel 97"
    )
    assert media_type(doc) == MediaType.DOC and media_type(xls) == MediaType.XLS
    word = stages.examine(doc, "van-ban.doc")
    assert "Tỉnh ủy Lào Cai" in word.text and word.access_media_type == MediaType.PDF
    sheet = stages.examine(xls, "so-den.xls")
    assert "Nghị quyết về cán bộ" in sheet.text
    monkeypatch.setattr(convert, "available", lambda: False)
    with pytest.raises(Refused, match="need LibreOffice"):
        stages.examine(doc, "van-ban.doc")


@needs_office
@pytest.mark.slow
def test_conversion_leaves_no_plaintext_on_disk(inst, archivist, tmp_path) -> None:
    """The host's /tmp and the instance hold nothing new in clear after a DOCX is filed."""
    canary = "ChimCanhCut7431"
    before = {p for p in Path("/tmp").iterdir()}
    result = pipeline.ingest_bytes(
        inst, archivist.ctx, ox.hostile_docx(f"{fx.SENTENCE} {canary}"), "x.docx"
    )
    assert result.status == "stored"
    new = [p for p in Path("/tmp").iterdir() if p not in before]
    roots = [*new, inst.home]
    for root in roots:
        files = [root] if root.is_file() else [p for p in root.rglob("*") if p.is_file()]
        for path in files:
            try:
                content = path.read_bytes()
            except OSError:
                continue
            assert canary.encode() not in content, path
            assert canary.encode("utf-16-le") not in content, path


# --- the header read from the file's own structure ------------------------------------------------

_CV_HEADER = [
    [
        "BỘ CÔNG THƯƠNG\nCỤC HÓA CHẤT\nSố: 597/HC-QLHC\nV/v cấp Giấy phép xuất khẩu, nhập khẩu hóa "
        "chất cần kiểm soát đặc biệt cho các doanh nghiệp trong khu vực hải quan riêng",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n\n"
        "Hà Nội, ngày 27 tháng 3 năm 2026",
    ]
]


@needs_office
@pytest.mark.slow
def test_word_text_and_header_come_from_the_file_not_from_its_printed_pdf() -> None:
    """The PDF LibreOffice prints of a two-column header breaks the wrapped V/v line and sets
    it beside the date; the paragraphs and table cells of the file itself keep it whole."""
    data = fx.docx_file(["Kính gửi: Sở Công Thương tỉnh Lào Cai", fx.SENTENCE], _CV_HEADER)
    described = pipeline.describe(data, "cv.docx", None, Limits(), None)
    examined = described.examined
    assert examined.access_media_type == MediaType.PDF
    extraction = [e for e in examined.events if e.stage == stages.EXTRACTION]
    assert [e.software.split()[0] for e in extraction] == ["pypdfium2", "python-docx"]
    assert examined.text.startswith("BỘ CÔNG THƯƠNG\nCỤC HÓA CHẤT\nSố: 597/HC-QLHC\n")
    assert described.fields["subject"] == (
        "cấp Giấy phép xuất khẩu, nhập khẩu hóa chất cần kiểm soát đặc biệt cho các doanh "
        "nghiệp trong khu vực hải quan riêng"
    )
    assert described.fields["number"] == "597/HC-QLHC"
    assert described.fields["date"] == "2026-03-27"
    assert "subject" not in {item["field"] for item in described.review}


@needs_office
@pytest.mark.slow
def test_a_word_file_of_pictures_keeps_the_pdf_reading(monkeypatch) -> None:
    """No text in the file's own structure: what the PDF gave stays (it is not emptied)."""
    monkeypatch.setattr(stages.text, "docx_text", lambda *a, **k: stages.text.Extracted("  "))
    result = stages.examine(fx.docx_file([fx.SENTENCE]), "a.docx")
    assert fx.SENTENCE.split()[0] in result.text
    extraction = [e for e in result.events if e.stage == stages.EXTRACTION]
    assert extraction[-1].outcome == "not applicable"


def _with_text_box(data: bytes, words: str) -> bytes:
    """The DOCX with a VML text box holding ``words`` in its first paragraph (where offices put
    a typed secrecy mark): text python-docx's paragraphs do not reach."""
    import docx
    from docx.oxml import parse_xml

    document = docx.Document(io.BytesIO(data))
    box = parse_xml(
        '<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
        'xmlns:v="urn:schemas-microsoft-com:vml"><w:pict><v:shape style="width:120pt;'
        'height:30pt"><v:textbox><w:txbxContent><w:p><w:r><w:t>'
        f"{words}</w:t></w:r></w:p></w:txbxContent></v:textbox></v:shape></w:pict></w:r>"
    )
    document.paragraphs[0]._p.append(box)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@needs_office
@pytest.mark.slow
def test_a_mark_in_a_text_box_keeps_the_pdf_reading_so_it_is_never_lost() -> None:
    data = _with_text_box(
        fx.docx_file(["Kính gửi: Sở Công Thương", fx.SENTENCE], _CV_HEADER), "TỐI MẬT"
    )
    described = pipeline.describe(data, "cv.docx", None, Limits(), None)
    extraction = [e for e in described.examined.events if e.stage == stages.EXTRACTION]
    assert extraction[-1].outcome == "not applicable" and "text boxes" in extraction[-1].detail
    assert "TỐI MẬT" in described.examined.text  # where the header reader can see it
