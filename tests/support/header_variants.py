"""Header texts as Party and state offices write them, in the shapes extraction and OCR return.

Invented here (no file is read): bodies with their registered names, numbers, dates, subjects
and marks, laid out as a PDF text layer returns them (left column, then right), interleaved, on
one line with wide gaps (Word, plain text), on one line with single spaces (whole-page OCR) and
as column-wise OCR; optionally damaged the way OCR damages headers (lost or wrong diacritics,
the other column's "NAM" glued to a body line), with numbers and days written by hand into the
printed blanks, and unnumbered working copies. Each variant carries what a reader must return.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field

PROVINCES = (
    "LÀO CAI", "YÊN BÁI", "QUẢNG NGÃI", "CAO BẰNG", "THANH HÓA", "ĐẮK LẮK", "HÀ TĨNH",
    "BÌNH ĐỊNH", "KHÁNH HÒA", "TUYÊN QUANG", "NGHỆ AN", "LẠNG SƠN", "BẮC NINH", "GIA LAI",
)  # fmt: skip
DISTRICTS = ("BẢO THẮNG", "LỤC YÊN", "VĂN CHẤN", "TƯ NGHĨA", "BẢO YÊN")
# Communes: some the gazetteer knows, some it does not (read as printed).
COMMUNES = ("PHONG HẢI", "TÂN AN", "NGHĨA HÒA", "MƯỜNG HUM", "XUÂN QUANG", "CAM ĐƯỜNG")
DEPARTMENTS = (
    ("NỘI VỤ", "Nội vụ", "SNV"), ("CÔNG THƯƠNG", "Công Thương", "SCT"),
    ("TÀI CHÍNH", "Tài chính", "STC"), ("GIÁO DỤC VÀ ĐÀO TẠO", "Giáo dục và Đào tạo", "SGDĐT"),
    ("VĂN HÓA, THỂ THAO VÀ DU LỊCH", "Văn hóa, Thể thao và Du lịch", "SVHTTDL"),
    ("NÔNG NGHIỆP VÀ MÔI TRƯỜNG", "Nông nghiệp và Môi trường", "SNNMT"),
    ("KHOA HỌC VÀ CÔNG NGHỆ", "Khoa học và Công nghệ", "SKHCN"), ("Y TẾ", "Y tế", "SYT"),
    ("XÂY DỰNG", "Xây dựng", "SXD"), ("TƯ PHÁP", "Tư pháp", "STP"),
)  # fmt: skip
BOARDS = (
    ("BAN TỔ CHỨC", "Ban Tổ chức", "BTC"),
    ("BAN TUYÊN GIÁO VÀ DÂN VẬN", "Ban Tuyên giáo và Dân vận", "BTGDV"),
    ("BAN NỘI CHÍNH", "Ban Nội chính", "BNC"),
    ("ỦY BAN KIỂM TRA", "Ủy ban Kiểm tra", "UBKT"),
    ("VĂN PHÒNG", "Văn phòng", "VP"),
    ("BAN DÂN VẬN", "Ban Dân vận", "BDV"),
)
SUBJECTS = (
    "về phát triển du lịch cộng đồng gắn với bảo tồn bản sắc văn hóa các dân tộc",
    "về việc thành lập Đoàn kiểm tra của Ban Thường vụ Tỉnh ủy",
    "về tăng cường công tác văn thư, lưu trữ trong các cơ quan đảng",
    "về tiếp nhận, xử lý văn bản điện tử trong các cơ quan đảng của tỉnh",
    "về việc miễn nhiệm chức danh Ủy viên Ủy ban nhân dân tỉnh nhiệm kỳ 2021 - 2026",
    "về lãnh đạo thực hiện nhiệm vụ chính trị năm 2026",
    "kết quả kiểm tra khi có dấu hiệu vi phạm đối với tổ chức đảng",
    "về công tác phòng, chống tham nhũng, lãng phí, tiêu cực",
    "về việc tăng cường các biện pháp bảo đảm đón Tết Nguyên đán Bính Ngọ năm 2026 an toàn",
    "Quy định chi tiết một số điều của Luật Lưu trữ về tài liệu lưu trữ điện tử",
)
CV_SUBJECTS = (
    "rà soát, bổ sung hồ sơ đảng viên thuộc diện Ban Thường vụ quản lý",
    "tham gia ý kiến các dự thảo Nghị định của Chính phủ",
    "báo cáo nhanh tình hình thiệt hại do mưa lũ và công tác khắc phục",
    "cử cán bộ tham gia lớp bồi dưỡng nghiệp vụ lưu trữ",
)
TITLES = {
    "NQ": "NGHỊ QUYẾT", "QĐ": "QUYẾT ĐỊNH", "CT": "CHỈ THỊ", "KL": "KẾT LUẬN", "HD": "HƯỚNG DẪN",
    "TB": "THÔNG BÁO", "BC": "BÁO CÁO", "KH": "KẾ HOẠCH", "CTr": "CHƯƠNG TRÌNH", "TTr": "TỜ TRÌNH",
    "QĐi": "QUY ĐỊNH", "NĐ": "NGHỊ ĐỊNH",
}  # fmt: skip
PARTY_TYPES = ("NQ", "QĐ", "CT", "KL", "HD", "TB", "BC", "KH", "CTr", "CV", "QĐi")
STATE_TYPES = ("QĐ", "KH", "BC", "TB", "CT", "TTr", "CV")
BODY = (
    "Căn cứ Điều lệ Đảng; Kết luận số 82-KL/TW ngày 16/8/2010 của Bộ Chính trị về cải cách "
    "thủ tục hành chính trong Đảng;",
    "Thực hiện Kế hoạch số 117-KH/TU ngày 13/4/2022 của Ban Thường vụ Tỉnh ủy về chuyển đổi số,",
    "Ngày 15 tháng 3 năm 2024, Ban Thường vụ đã họp và thống nhất những nội dung sau đây.",
)
# OCR's usual confusions of capitals with marks.
_CONFUSE = {"Ủ": "Ú", "Ỉ": "Í", "Ả": "Á", "Ấ": "Á", "Ệ": "Ê", "Ộ": "Ọ", "Ờ": "Ớ", "Ư": "U"}


@dataclass
class Issuer:
    lines: tuple[str, ...]
    name: str
    kind: str  # party | state
    code: str  # body part of the symbol
    place: str  # where the date line says it is


@dataclass
class Variant:
    id: str
    text: str
    truth: dict
    ocr: bool = False  # read from a page image
    blank: set[str] = field(default_factory=set)  # fields that must be flagged "blank"
    # The parts, for rendering as a file: left column (unwrapped), right column, title and
    # subject, body.
    parts: tuple[list[str], list[str], list[str], list[str]] = ([], [], [], [])


def _cap(text: str) -> str:
    return " ".join(w.capitalize() for w in text.split())


def issuers(rng: random.Random) -> list[Issuer]:
    """One of each shape of body, at a random province, district or commune."""
    p = rng.choice(PROVINCES)
    pn = _cap(p)
    d, c = rng.choice(DISTRICTS), rng.choice(COMMUNES)
    board, board_name, board_code = rng.choice(BOARDS)
    dept, dept_name, dept_code = rng.choice(DEPARTMENTS)
    return [
        Issuer((f"TỈNH ỦY {p}",), f"Tỉnh ủy {pn}", "party", "TU", pn),
        Issuer((f"ĐẢNG BỘ TỈNH {p}", "TỈNH ỦY"), f"Tỉnh ủy {pn}", "party", "TU", pn),
        Issuer(
            (f"TỈNH ỦY {p}", board), f"{board_name} Tỉnh ủy {pn}", "party", f"{board_code}TU", pn
        ),
        Issuer(
            (f"ĐẢNG BỘ TỈNH {p}", "ĐẢNG ỦY CÁC CƠ QUAN ĐẢNG TỈNH"),
            f"Đảng ủy các cơ quan Đảng tỉnh {pn}",
            "party",
            "ĐU",
            pn,
        ),
        Issuer(
            (f"ĐẢNG BỘ TỈNH {p}", "ĐẢNG ỦY ỦY BAN NHÂN DÂN TỈNH"),
            f"Đảng ủy Ủy ban nhân dân tỉnh {pn}",
            "party",
            "ĐU",
            pn,
        ),
        Issuer(
            (f"ĐẢNG BỘ TỈNH {p}", f"HUYỆN ỦY {d}"), f"Huyện ủy {_cap(d)}", "party", "HU", _cap(d)
        ),
        Issuer(
            (f"ĐẢNG BỘ TỈNH {p}", f"ĐẢNG ỦY XÃ {c}"),
            f"Đảng ủy xã {_cap(c)}",
            "party",
            "ĐU",
            _cap(c),
        ),
        Issuer(
            ("BAN CHẤP HÀNH TRUNG ƯƠNG", "VĂN PHÒNG"),
            "Văn phòng Trung ương Đảng",
            "party",
            "VPTW",
            "Hà Nội",
        ),
        Issuer(
            ("BAN CHẤP HÀNH TRUNG ƯƠNG", "ỦY BAN KIỂM TRA"),
            "Ủy ban Kiểm tra Trung ương",
            "party",
            "UBKTTW",
            "Hà Nội",
        ),
        Issuer(("BỘ CHÍNH TRỊ",), "Bộ Chính trị", "party", "TW", "Hà Nội"),
        Issuer(("ỦY BAN NHÂN DÂN", f"TỈNH {p}"), f"Ủy ban nhân dân tỉnh {pn}", "state", "UBND", pn),
        Issuer(
            (f"UBND TỈNH {p}", f"SỞ {dept}"), f"Sở {dept_name} tỉnh {pn}", "state", dept_code, pn
        ),
        Issuer(
            (f"ỦY BAN NHÂN DÂN TỈNH {p}", "VĂN PHÒNG"),
            f"Văn phòng Ủy ban nhân dân tỉnh {pn}",
            "state",
            "VPUBND",
            pn,
        ),
        Issuer(
            ("ỦY BAN NHÂN DÂN", f"XÃ {c}"),
            f"Ủy ban nhân dân xã {_cap(c)}",
            "state",
            "UBND",
            _cap(c),
        ),
        Issuer(("THỦ TƯỚNG CHÍNH PHỦ",), "Thủ tướng Chính phủ", "state", "TTg", "Hà Nội"),
        Issuer(("BỘ CÔNG THƯƠNG", "CỤC HÓA CHẤT"), "Cục Hóa chất", "state", "HC", "Hà Nội"),
        Issuer(("BỘ TÀI CHÍNH", "CỤC THUẾ"), "Cục Thuế", "state", "CT", "Hà Nội"),
    ]


def _wrap(line: str, width: int) -> list[str]:
    out: list[str] = []
    for word in line.split():
        if out and len(out[-1]) + 1 + len(word) <= width:
            out[-1] += f" {word}"
        else:
            out.append(word)
    return out


def _number(rng: random.Random, issuer: Issuer, doc_type: str) -> str:
    n = rng.randint(1, 2400)
    if issuer.kind == "party":
        return f"{n}-{doc_type}/{issuer.code}"
    if doc_type == "CV":
        return f"{n}/{issuer.code}-{rng.choice(('VP', 'KTTH', 'TCCB', 'QLHC'))}"
    return f"{n}/{doc_type}-{issuer.code}"


def _damage(rng: random.Random, line: str, rate: float) -> str:
    """OCR slips on a line in capitals: a wrong mark, or every mark lost."""
    if rng.random() < rate / 3:
        text = unicodedata.normalize("NFD", line.replace("Đ", "D"))
        return "".join(ch for ch in text if not unicodedata.combining(ch))
    chars = list(line)
    for i, ch in enumerate(chars):
        if ch in _CONFUSE and rng.random() < rate:
            chars[i] = _CONFUSE[ch]
    return "".join(chars)


def variant(rng: random.Random, issuer: Issuer, layout: str, n: int) -> Variant:
    """One document header (and a little body) of the issuer, laid out as ``layout`` says:
    columns | interleaved | gap | ocr_line | ocr_columns | blank_text | handwritten."""
    ocr = layout in ("ocr_line", "ocr_columns", "handwritten")
    types = PARTY_TYPES if issuer.kind == "party" else STATE_TYPES
    doc_type = rng.choice(types)
    if issuer.name in ("Thủ tướng Chính phủ",):
        doc_type = rng.choice(("CT", "QĐ"))
    year = rng.randint(2016, 2026)
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    number = _number(rng, issuer, doc_type)
    cv = doc_type == "CV"
    subject = rng.choice(CV_SUBJECTS if cv else SUBJECTS)
    state = issuer.kind == "state"
    written = ("Số: " if state or rng.random() < 0.3 else "Số ") + number
    day_text = f"{day:02d}" if day < 10 or rng.random() < 0.5 else str(day)
    month_text = f"{month:02d}" if month < 3 else str(month)
    date_line = f"{issuer.place}, ngày {day_text} tháng {month_text} năm {year}"
    truth = {
        "kind": issuer.kind, "doc_type": doc_type, "number": number, "issuer": issuer.name,
        "date": f"{year}-{month:02d}-{day:02d}", "subject": subject, "level": "thuong",
        "urgency": "thuong",
    }  # fmt: skip
    blank: set[str] = set()
    printed = number[len(number.split("/")[0].split("-")[0]) :]
    if layout == "blank_text":  # an unnumbered working copy, typed
        written = f"Số:{' ' * rng.randint(6, 12)}{printed}"
        date_line = f"{issuer.place}, ngày{' ' * rng.randint(6, 10)}tháng {month_text} năm {year}"
        truth.update(number="", date="")
        blank = {"number", "date"}
    elif layout == "handwritten":  # filled in by hand, OCR reads debris
        junk = rng.choice(("O{_", "2 #ˆ", "đ", "#4", "b3", "⁄‡6", ""))
        written = f"Số: {junk} {printed}"
        date_line = date_line.replace(
            f"ngày {day_text}", f"ngày {rng.choice(('Z', 'Ø3', '0†', ''))}"
        )
        truth.update(number=printed, date="")
        blank = {"number", "date"}
    width = rng.randint(24, 34)
    left = [w for line in issuer.lines for w in _wrap(line, width)]
    flat = [*issuer.lines, *([] if state else ["*"]), written]
    if not state:
        left.append("*")
    left.append(written)
    if cv:
        left += _wrap(f"V/v {subject}", width + 4)
        flat.append(f"V/v {subject}")
    marks = []
    if rng.random() < 0.3:
        level = rng.choice(("mat", "toi_mat"))
        marks.append({"mat": "MẬT", "toi_mat": "TỐI MẬT"}[level])
        truth["level"] = level
    if rng.random() < 0.2:
        marks.append("KHẨN")
        truth["urgency"] = "khan"
    left += marks
    flat += marks
    motto = (
        ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
        if state
        else ["ĐẢNG CỘNG SẢN VIỆT NAM"]
    )
    right = [*motto, date_line]
    if ocr and state and rng.random() < 0.3 and len(issuer.lines) > 1:
        # the motto wrapped: its "NAM" is read on the line of the issuing body
        right[0] = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT"
        at = next(i for i, line in enumerate(left) if line.startswith(issuer.lines[-1][:6]))
        left[at] += " NAM"
    if ocr:
        rate = rng.choice((0.0, 0.1, 0.3))
        left = [_damage(rng, line, rate) if line.isupper() else line for line in left]
    head = _layout(rng, layout, left, right)
    opening = [] if cv else [TITLES[doc_type], *_wrap(subject, rng.randint(50, 80))]
    if cv:
        opening = [
            f"Kính gửi: {rng.choice(('Các sở, ban, ngành tỉnh.', 'Các đảng ủy trực thuộc.'))}"
        ]
    body = rng.sample(BODY, 2)
    text = "\n".join([*head, *opening, *body]) + "\n"
    parts = (flat, [*motto, date_line] if not ocr else right, opening, body)
    return Variant(f"{n}-{layout}-{issuer.code}-{doc_type}", text, truth, ocr, blank, parts)


def _layout(rng: random.Random, layout: str, left: list[str], right: list[str]) -> list[str]:
    if (layout in ("columns", "blank_text") and rng.random() < 0.5) or layout == "ocr_columns":
        return [*left, *([""] if layout == "ocr_columns" else []), *right]
    if layout == "interleaved":
        out, lefts, rights = [], iter(left), iter(right)
        for i in range(len(left) + len(right)):
            nxt = next(rights, None) if i % 2 else next(lefts, None)
            nxt = nxt if nxt is not None else next(lefts, None) or next(rights, None)
            if nxt is not None:
                out.append(nxt)
        return out
    # one line per row: a wide gap (Word, plain text) or one space (whole-page OCR)
    gap = " " if layout in ("ocr_line", "handwritten") else " " * rng.randint(3, 12)
    rows = max(len(left), len(right))
    # the right column starts level with the first line; the date sits beside the number
    at = next((i for i, line in enumerate(left) if line.startswith("Số")), len(left) - 1)
    placed = [""] * rows
    placed[: len(right) - 1] = right[:-1]
    placed[at if at < rows else rows - 1] = right[-1]
    out = []
    for i in range(rows):
        a = left[i] if i < len(left) else ""
        b = placed[i]
        out.append(f"{a}{gap}{b}".strip() if a and b else a or b)
    return out


LAYOUTS = ("columns", "interleaved", "gap", "ocr_line", "ocr_columns", "blank_text", "handwritten")


def variants(seed: int = 12, rounds: int = 3) -> list[Variant]:
    """Every shape of body in every layout, ``rounds`` times with fresh draws."""
    rng = random.Random(seed)
    out = []
    n = 0
    for _ in range(rounds):
        for issuer in issuers(rng):
            for layout in LAYOUTS:
                out.append(variant(rng, issuer, layout, n))
                n += 1
    return out


# -- files -----------------------------------------------------------------------------------


def to_pdf(v: Variant) -> bytes:
    """A text-layer PDF: the header in two columns (the left one wraps at its own width)."""
    from ingest.demo import samples

    left, right, opening, body = v.parts
    blocks = ["\n".join([*left, *right]), "\n".join(opening), "\n".join(body)]
    return samples.render_pdf("\n\n".join(b for b in blocks if b))


def to_scan(v: Variant, dpi: int = 200) -> bytes:
    """An image-only PDF: the text-layer PDF's first page rendered at ``dpi`` in gray."""
    import io

    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(to_pdf(v))
    try:
        image = document[0].render(scale=dpi / 72, grayscale=True).to_pil()
    finally:
        document.close()
    out = io.BytesIO()
    image.convert("L").save(out, format="PDF", resolution=dpi)
    return out.getvalue()


def to_docx(v: Variant, table: bool) -> bytes:
    """A Word file: the header in a two-cell table, or as paragraphs with a tab between the
    columns (both are how office templates are made)."""
    import io

    import docx

    left, right, opening, body = v.parts
    document = docx.Document()
    if table:
        cells = document.add_table(rows=1, cols=2).rows[0].cells
        for cell, lines in zip(cells, (left, right), strict=True):
            cell.paragraphs[0].text = lines[0]
            for line in lines[1:]:
                cell.add_paragraph(line)
    else:
        rows = max(len(left), len(right))
        for i in range(rows):
            a = left[i] if i < len(left) else ""
            b = right[i] if i < len(right) else ""
            document.add_paragraph(f"{a}\t{b}" if b else a)
    for line in [*opening, *body]:
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def documents(count: int, seed: int = 2026) -> list[tuple[str, bytes, dict, str]]:
    """(file name, bytes, truth, format) for ``count`` documents in every file format."""
    rng = random.Random(seed)
    out = []
    formats = ("pdf", "docx", "txt", "scan")
    for n in range(count):
        fmt = formats[n % len(formats)]
        issuer = rng.choice(issuers(rng))
        if fmt == "txt":
            layout = rng.choice(("columns", "interleaved", "gap", "blank_text"))
        elif fmt == "scan":
            layout = "columns"
        else:
            layout = rng.choice(("columns", "columns", "blank_text"))
        v = variant(rng, issuer, layout, n)
        truth = dict(v.truth, file=f"g{n:04d}.{'pdf' if fmt == 'scan' else fmt}", format=fmt)
        if fmt == "pdf":
            data = to_pdf(v)
        elif fmt == "scan":
            data = to_scan(v, rng.choice((150, 200, 300)))
        elif fmt == "docx":
            data = to_docx(v, table=rng.random() < 0.5)
        else:
            data = v.text.encode("utf-8")
        out.append((truth["file"], data, truth, fmt))
    return out
