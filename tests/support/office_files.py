"""Office files for the tests, built in memory: hostile DOCX/ODT/RTF, Strict OOXML, a DOTX
template, a minimal XLSX, and legacy DOC/XLS printed by LibreOffice itself (in the sandbox)."""

from __future__ import annotations

import io
import zipfile

from ingest.examine.office import sandbox
from tests.support import documents as fx

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
STRICT_W = "http://purl.oclc.org/ooxml/wordprocessingml/main"
STRICT_R = "http://purl.oclc.org/ooxml/officeDocument/relationships"
BEACON = "http://beacon.example/t.dotm"
UNC = "\\\\fileserver\\share\\logo.png"


def edit_zip(data: bytes, edits: dict[str, bytes | None]) -> bytes:
    """The package with members replaced, added (bytes) or removed (None)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        names = [i.filename for i in source.infolist()]
        for name in names:
            if name in edits:
                if edits[name] is not None:
                    target.writestr(name, edits[name])
            else:
                target.writestr(name, source.read(name))
        for name, content in edits.items():
            if name not in names and content is not None:
                target.writestr(name, content)
    return out.getvalue()


def _member(data: bytes, name: str) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(name).decode()


def hostile_docx(text: str = fx.SENTENCE, macros: bool = False) -> bytes:
    """An external template, a linked picture on a UNC path, a file: hyperlink and a web one,
    an OLE object, an ActiveX control, a DDEAUTO field split over two runs, a mail-merge
    source with its query; with ``macros``, a VBA project too (a DOCM, which ingest refuses)."""
    base = fx.docx_file([text, "Nơi nhận: như trên"])
    document = _member(base, "word/document.xml")
    fields = (
        f'<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        f'<w:r><w:instrText xml:space="preserve"> DDE</w:instrText></w:r>'
        f'<w:r><w:instrText xml:space="preserve">AUTO c:\\\\windows\\\\system32\\\\cmd.exe '
        f'"/k calc"</w:instrText></w:r>'
        f'<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>kết quả</w:t></w:r>'
        f'<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
        f'<w:p><w:fldSimple w:instr="INCLUDEPICTURE &quot;{UNC}&quot;"><w:r><w:t>ảnh</w:t></w:r>'
        f"</w:fldSimple></w:p>"
        f'<w:p><w:hyperlink r:id="rIdLocal"><w:r><w:t>hồ sơ gốc</w:t></w:r></w:hyperlink>'
        f'<w:hyperlink r:id="rIdWeb"><w:r><w:t>cổng thông tin</w:t></w:r></w:hyperlink></w:p>'
    )
    document = document.replace("<w:sectPr", fields + "<w:sectPr", 1)
    rels = _member(base, "word/_rels/document.xml.rels").replace(
        "</Relationships>",
        f'<Relationship Id="rIdImg" Type="{R}/image" Target="{UNC}" TargetMode="External"/>'
        f'<Relationship Id="rIdLocal" Type="{R}/hyperlink" Target="file:///C:/hoso/mat.docx" '
        'TargetMode="External"/>'
        f'<Relationship Id="rIdWeb" Type="{R}/hyperlink" Target="https://tinhuy.laocai.gov.vn/" '
        'TargetMode="External"/>'
        f'<Relationship Id="rIdOle" Type="{R}/oleObject" Target="embeddings/oleObject1.bin"/>'
        f'<Relationship Id="rIdAx" Type="{R}/control" Target="activeX/activeX1.xml"/>'
        + (
            '<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/'
            'relationships/vbaProject" Target="vbaProject.bin"/>'
            if macros
            else ""
        )
        + "</Relationships>",
    )
    settings = _member(base, "word/settings.xml").replace(
        "</w:settings>",
        '<w:attachedTemplate r:id="rIdTpl"/><w:mailMerge><w:mainDocumentType w:val="formLetters"/>'
        '<w:connectString w:val="Provider=Microsoft.ACE.OLEDB.12.0;Data Source=\\\\srv\\d.xlsx"/>'
        '<w:query w:val="SELECT * FROM `Sheet1$`"/><w:dataSource r:id="rIdDs"/></w:mailMerge>'
        "</w:settings>",
    )
    if 'xmlns:r="' not in settings.split(">", 2)[1]:
        settings = settings.replace("<w:settings ", f'<w:settings xmlns:r="{R}" ', 1)
    settings_rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rIdTpl" Type="{R}/attachedTemplate" Target="{BEACON}" '
        'TargetMode="External"/>'
        f'<Relationship Id="rIdDs" Type="{R}/mailMergeSource" Target="file:///\\\\srv\\d.xlsx" '
        'TargetMode="External"/></Relationships>'
    )
    return edit_zip(
        base,
        {
            "word/document.xml": document.encode(),
            "word/_rels/document.xml.rels": rels.encode(),
            "word/settings.xml": settings.encode(),
            "word/_rels/settings.xml.rels": settings_rels.encode(),
            "word/embeddings/oleObject1.bin": b"\xd0\xcf\x11\xe0" + b"OLE" * 50,
            "word/activeX/activeX1.xml": b"<ax:ocx xmlns:ax='x' ax:classid='{1}'/>",
            "word/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"VBA" * 50 if macros else None,
        },
    )


def strict_docx(text: str = fx.SENTENCE) -> bytes:
    """The same document in Strict OOXML (ISO 29500 strict namespaces), as mammoth's sample."""
    base = fx.docx_file([text])
    edits: dict[str, bytes | None] = {}
    with zipfile.ZipFile(io.BytesIO(base)) as archive:
        for name in archive.namelist():
            if name.endswith((".xml", ".rels")):
                content = archive.read(name).decode()
                content = content.replace(W, STRICT_W).replace(R, STRICT_R)
                content = content.replace(
                    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/",
                    f"{STRICT_R}/",
                )
                if name == "word/document.xml":
                    content = content.replace(
                        "<w:document ", '<w:document w:conformance="strict" ', 1
                    )
                edits[name] = content.encode()
    return edit_zip(base, edits)


def dotx(text: str = fx.SENTENCE) -> bytes:
    """A Word template: the main part's content type says ``template.main``."""
    base = fx.docx_file([text])
    types = _member(base, "[Content_Types].xml").replace(
        "wordprocessingml.document.main+xml", "wordprocessingml.template.main+xml"
    )
    return edit_zip(base, {"[Content_Types].xml": types.encode()})


def xlsx(rows: list[list[str]]) -> bytes:
    """A minimal workbook with inline strings (what a generator would write)."""
    cells = "".join(
        f'<row r="{r}">'
        + "".join(
            f'<c r="{chr(65 + c)}{r}" t="inlineStr"><is><t>{value}</t></is></c>'
            for c, value in enumerate(row)
        )
        + "</row>"
        for r, row in enumerate(rows, 1)
    )
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    members = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{R}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{main}" xmlns:r="{R}">'
            '<sheets><sheet name="Sổ" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{R}/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{main}">'
            f"<sheetData>{cells}</sheetData></worksheet>"
        ),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def hostile_odt(text: str = fx.SENTENCE) -> bytes:
    """Basic macros bound to the open event, a linked picture on a UNC path, an OLE object."""
    base = fx.odt_file([text])
    content = (
        _member(base, "content.xml")
        .replace(
            "<office:body>",
            "<office:scripts><office:event-listeners><script:event-listener "
            'xmlns:script="urn:oasis:names:tc:opendocument:xmlns:script:1.0" '
            'script:event-name="dom:load" xlink:href="vnd.sun.star.script:Standard.M.Main"/>'
            "</office:event-listeners></office:scripts><office:body>",
        )
        .replace(
            "</office:text>",
            '<text:p><draw:frame><draw:image xlink:href="file:////fileserver/share/logo.png"/>'
            '</draw:frame><draw:frame><draw:object xlink:href="./Object 1"/></draw:frame></text:p>'
            "</office:text>",
        )
        .replace(
            'xmlns:office="',
            'xmlns:xlink="http://www.w3.org/1999/xlink" '
            'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:office="',
            1,
        )
    )
    return edit_zip(
        base,
        {
            "content.xml": content.encode(),
            "Basic/Standard/M.xml": b'<script>Shell("calc")</script>',
            "Object 1/content.xml": b"<x/>",
        },
    )


def hostile_rtf(text: str = "Tinh uy Lao Cai ban hanh nghi quyet") -> bytes:
    """An OLE object (with the picture Word shows for it), a DDEAUTO field, an external
    template."""
    return (
        "{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Times New Roman;}}"
        "{\\*\\template \\\\\\\\fileserver\\\\share\\\\t.dotm}"
        f"\\pard {text}\\par "
        "{\\object\\objemb{\\*\\objclass Package}{\\*\\objdata 01050000020000000b000000}"
        "{\\result {\\pict\\pngblip 00}}}\\par "
        '{\\field{\\*\\fldinst {DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe "/c calc"}}'
        "{\\fldrslt {ket qua}}}\\par }"
    ).encode("ascii")


_MAKE = """set -e
mkdir -p /tmp/in /tmp/out /tmp/home
cat > /tmp/in/source.{source}
soffice --headless --norestore "-env:UserInstallation=file:///tmp/home/p" {infilter} \\
  --convert-to '{target}' --outdir /tmp/out /tmp/in/source.{source} >&2
cat /tmp/out/source.{suffix}
"""


def legacy(data: bytes, source: str, target: str) -> bytes:
    """A legacy file saved by LibreOffice: ``legacy(docx, "docx", "doc:MS Word 97")``,
    ``legacy(csv, "csv", "xls:MS Excel 97")``."""
    suffix = target.split(":", 1)[0]
    infilter = '"--infilter=CSV:44,34,76"' if source == "csv" else ""  # UTF-8 text
    script = _MAKE.format(source=source, target=target, suffix=suffix, infilter=infilter)
    done = sandbox.run(script, data, 120, 2 * 1024**3)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return done.stdout
