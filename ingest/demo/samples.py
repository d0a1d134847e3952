"""Deterministic generator of invented Party documents: the `kho demo` seed and test fixtures.

Nothing is copied from real records: headers follow Quy định 66-QĐ/TW, bodies come from phrase
banks, and each document carries a unique canary token so leak scans can prove its plaintext
never reaches the disk.
"""

from __future__ import annotations

import glob
import os
import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

UNITS: dict[str, str] = {
    "VP": "Văn phòng Tỉnh ủy",
    "BTC": "Ban Tổ chức Tỉnh ủy",
    "UBKT": "Ủy ban Kiểm tra Tỉnh ủy",
    "BTGDV": "Ban Tuyên giáo và Dân vận Tỉnh ủy",
}
LEVEL_MARKS = {"thuong": "", "mat": "MẬT", "toi_mat": "TỐI MẬT", "tuyet_mat": "TUYỆT MẬT"}
URGENCY_MARKS = {"thuong": "", "khan": "KHẨN", "thuong_khan": "THƯỢNG KHẨN", "hoa_toc": "HỎA TỐC"}
TITLES = {
    "NQ": "NGHỊ QUYẾT",
    "QĐ": "QUYẾT ĐỊNH",
    "CT": "CHỈ THỊ",
    "KL": "KẾT LUẬN",
    "QĐi": "QUY ĐỊNH",
    "QC": "QUY CHẾ",
    "HD": "HƯỚNG DẪN",
    "TB": "THÔNG BÁO",
    "BC": "BÁO CÁO",
    "KH": "KẾ HOẠCH",
    "CTr": "CHƯƠNG TRÌNH",
    "ĐA": "ĐỀ ÁN",
    "TTr": "TỜ TRÌNH",
    "BB": "BIÊN BẢN",
    "CV": "",
}
COMMITTEE_TYPES = ("NQ", "QĐ", "CT", "KL", "QĐi", "QC", "HD", "TB", "BC", "KH", "CTr", "ĐA", "CV")
BOARD_TYPES = ("QĐ", "HD", "TB", "BC", "KH", "CTr", "TTr", "BB", "CV")
STATE_TYPES = ("QĐ", "KH", "BC", "CV")
FIRST_DAY, LAST_DAY = date(2015, 1, 1), date(2026, 9, 30)


@dataclass(frozen=True)
class _Issuer:
    """An issuing body; many share a symbol (every Tỉnh ủy is TU), so the header names it."""

    name: str
    code: str
    header: tuple[str, ...]
    place: str
    signs: tuple[tuple[str, ...], ...]
    types: tuple[str, ...] = BOARD_TYPES
    start: date = FIRST_DAY
    end: date = LAST_DAY
    kind: str = "party"
    weight: int = 2


_TU_SIGNS = (
    ("T/M BAN THƯỜNG VỤ", "BÍ THƯ"),
    ("T/M BAN THƯỜNG VỤ", "PHÓ BÍ THƯ"),
    ("K/T BÍ THƯ", "PHÓ BÍ THƯ"),
)
_BAN_SIGNS = (("TRƯỞNG BAN",), ("K/T TRƯỞNG BAN", "PHÓ TRƯỞNG BAN"))
_LC, _CHANH = "TỈNH ỦY LÀO CAI", (("K/T CHÁNH VĂN PHÒNG", "PHÓ CHÁNH VĂN PHÒNG"),)
ISSUERS: tuple[_Issuer, ...] = (
    _Issuer("Tỉnh ủy Lào Cai", "TU", (_LC,), "Lào Cai", _TU_SIGNS, COMMITTEE_TYPES, weight=6),
    _Issuer(
        "Tỉnh ủy Yên Bái",
        "TU",
        ("TỈNH ỦY YÊN BÁI",),
        "Yên Bái",
        _TU_SIGNS,
        COMMITTEE_TYPES,
        end=date(2025, 6, 30),
    ),
    _Issuer("Văn phòng Tỉnh ủy Lào Cai", "VPTU", (_LC, "VĂN PHÒNG"), "Lào Cai", _CHANH, weight=3),
    _Issuer(
        "Ban Tổ chức Tỉnh ủy Lào Cai",
        "BTCTU",
        (_LC, "BAN TỔ CHỨC"),
        "Lào Cai",
        _BAN_SIGNS,
        weight=3,
    ),
    _Issuer(
        "Ủy ban Kiểm tra Tỉnh ủy Lào Cai",
        "UBKTTU",
        (_LC, "ỦY BAN KIỂM TRA"),
        "Lào Cai",
        (("T/M ỦY BAN KIỂM TRA", "CHỦ NHIỆM"),),
        weight=3,
    ),
    _Issuer(
        "Ban Tuyên giáo Tỉnh ủy Lào Cai",
        "BTGTU",
        (_LC, "BAN TUYÊN GIÁO"),
        "Lào Cai",
        _BAN_SIGNS,
        end=date(2025, 2, 28),
    ),
    _Issuer(
        "Ban Tuyên giáo và Dân vận Tỉnh ủy Lào Cai",
        "BTGDVTU",
        (_LC, "BAN TUYÊN GIÁO VÀ DÂN VẬN"),
        "Lào Cai",
        _BAN_SIGNS,
        start=date(2025, 3, 1),
    ),
    _Issuer(
        "Huyện ủy Bảo Thắng",
        "HU",
        ("ĐẢNG BỘ TỈNH LÀO CAI", "HUYỆN ỦY BẢO THẮNG"),
        "Bảo Thắng",
        _TU_SIGNS,
        COMMITTEE_TYPES,
        end=date(2025, 6, 30),
        weight=1,
    ),
    _Issuer(
        "Đảng ủy phường Cam Đường",
        "ĐU",
        ("ĐẢNG BỘ TỈNH LÀO CAI", "ĐẢNG ỦY PHƯỜNG CAM ĐƯỜNG"),
        "Cam Đường",
        (("T/M ĐẢNG ỦY", "BÍ THƯ"),),
        COMMITTEE_TYPES,
        start=date(2025, 7, 1),
        weight=1,
    ),
    _Issuer(
        "Văn phòng Trung ương Đảng",
        "VPTW",
        ("BAN CHẤP HÀNH TRUNG ƯƠNG", "VĂN PHÒNG"),
        "Hà Nội",
        _CHANH,
        weight=1,
    ),
    _Issuer(
        "Ủy ban nhân dân tỉnh Lào Cai",
        "UBND",
        ("ỦY BAN NHÂN DÂN", "TỈNH LÀO CAI"),
        "Lào Cai",
        (("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"), ("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH")),
        STATE_TYPES,
        kind="state",
    ),
    _Issuer(
        "Sở Nội vụ tỉnh Lào Cai",
        "SNV",
        ("UBND TỈNH LÀO CAI", "SỞ NỘI VỤ"),
        "Lào Cai",
        (("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"),),
        STATE_TYPES,
        kind="state",
    ),
)
_BY_NAME = {issuer.name: issuer for issuer in ISSUERS}

# Themes: (subjects without "về", body sentences). Placeholders: {n} {p} {k} {m} {year}.
THEMES: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (
        (
            "đẩy mạnh chuyển đổi số trong các cơ quan đảng của tỉnh năm {year}",
            "triển khai phần mềm quản lý văn bản và hồ sơ công việc trong các cơ quan đảng",
            "sử dụng chữ ký số trong gửi, nhận văn bản điện tử giữa các cơ quan đảng",
        ),
        (
            "Đến nay, {p}% văn bản không mật được gửi, nhận trên môi trường mạng.",
            "Phần mềm quản lý văn bản được triển khai đồng bộ tới {k} đảng ủy trực thuộc.",
            "Chữ ký số chỉ được sử dụng đối với văn bản không chứa nội dung bí mật nhà nước.",
            "Mạng thông tin diện rộng của Đảng ở tỉnh được nâng cấp, bảo đảm kết nối ổn định.",
            "Máy tính soạn thảo, lưu giữ tài liệu mật tuyệt đối không kết nối mạng Internet.",
            "Tiếp tục số hóa tài liệu lưu trữ có giá trị sử dụng thường xuyên.",
        ),
    ),
    (
        (
            "tăng cường công tác phát triển đảng viên trong tình hình mới",
            "nâng cao chất lượng sinh hoạt chi bộ và công tác quản lý đảng viên",
            "rà soát, sàng lọc, đưa những đảng viên không còn đủ tư cách ra khỏi Đảng",
        ),
        (
            "Trong năm {year}, toàn Đảng bộ kết nạp {n} đảng viên mới, đạt {p}% chỉ tiêu đề ra.",
            "Các chi bộ chú trọng bồi dưỡng quần chúng ưu tú để xem xét kết nạp đảng viên mới.",
            "Hồ sơ đảng viên được quản lý chặt chẽ, cập nhật kịp thời vào cơ sở dữ liệu.",
            "Tỷ lệ đảng viên được xếp loại hoàn thành tốt nhiệm vụ trở lên đạt {p}%.",
            "Cán bộ, đảng viên đang công tác giữ mối liên hệ với chi ủy và nhân dân nơi cư trú.",
            "Chi bộ sinh hoạt định kỳ hằng tháng; đảng viên vắng mặt phải có lý do chính đáng.",
        ),
    ),
    (
        (
            "thành lập Đoàn kiểm tra việc thực hiện nhiệm vụ kiểm tra, giám sát",
            "chương trình kiểm tra, giám sát năm {year} của Ban Thường vụ Tỉnh ủy",
            "kết quả kiểm tra việc thu, nộp, quản lý và sử dụng đảng phí",
        ),
        (
            "Đoàn kiểm tra làm việc trực tiếp với {k} tổ chức đảng và {m} đảng viên.",
            "Các tổ chức đảng cơ bản chấp hành nghiêm nguyên tắc tổ chức và sinh hoạt đảng.",
            "Ủy ban Kiểm tra các cấp giải quyết dứt điểm đơn thư tố cáo, không để tồn đọng.",
            "Việc thu, nộp, quản lý và sử dụng đảng phí được thực hiện đúng quy định.",
            "Tổ chức được kiểm tra chuẩn bị báo cáo, cung cấp đầy đủ hồ sơ, tài liệu cho Đoàn.",
            "Kiến nghị xem xét trách nhiệm của tập thể, cá nhân để xảy ra hạn chế, vi phạm.",
        ),
    ),
    (
        (
            "tăng cường công tác văn thư, lưu trữ trong các cơ quan đảng",
            "lập hồ sơ và nộp lưu hồ sơ, tài liệu vào Lưu trữ cơ quan năm {year}",
            "bàn giao hồ sơ, tài liệu khi sắp xếp, tinh gọn tổ chức bộ máy",
        ),
        (
            "Các cơ quan, đơn vị ban hành danh mục hồ sơ từ đầu năm và nộp lưu đúng thời hạn.",
            "Tài liệu hết giá trị chỉ được tiêu hủy khi có quyết định của người có thẩm quyền.",
            "Sổ đăng ký văn bản đi, văn bản đến được ghi chép đầy đủ, rõ ràng, không tẩy xóa.",
            "Hồ sơ của tổ chức đảng giải thể được bàn giao nguyên trạng về Lưu trữ lịch sử tỉnh.",
            "Văn bản đến được đăng ký, trình và chuyển giao ngay trong ngày làm việc.",
            "Năm {year}, các cơ quan đã chỉnh lý {m} mét giá tài liệu tồn đọng.",
        ),
    ),
    (
        (
            "đẩy mạnh cải cách hành chính trong các cơ quan tham mưu, giúp việc Tỉnh ủy",
            "rút ngắn quy trình giải quyết công việc tại Văn phòng Tỉnh ủy",
            "sửa đổi Quy chế làm việc của Ban Chấp hành Đảng bộ tỉnh",
        ),
        (
            "Thời gian xử lý văn bản tại các cơ quan tham mưu giảm {k}% so với năm trước.",
            "Rà soát, cắt giảm thủ tục không cần thiết trong giải quyết công việc của cấp ủy.",
            "Người đứng đầu chịu trách nhiệm trước Ban Thường vụ về kết quả cải cách hành chính.",
            "Quy chế làm việc phân định rõ thẩm quyền, trách nhiệm của tập thể và cá nhân.",
            "Các cuộc họp được tổ chức theo hình thức trực tuyến tới {k} điểm cầu cơ sở.",
        ),
    ),
    (
        (
            "nâng cao năng lực lãnh đạo và sức chiến đấu của tổ chức cơ sở đảng",
            "công tác cán bộ và quy hoạch cán bộ thuộc diện Ban Thường vụ Tỉnh ủy quản lý",
            "công tác phòng, chống tham nhũng, lãng phí, tiêu cực năm {year}",
        ),
        (
            "Các cấp ủy tổ chức học tập, quán triệt nghị quyết nghiêm túc, đúng thời gian.",
            "Tiếp tục thực hiện nghiêm nguyên tắc tập trung dân chủ, tự phê bình và phê bình.",
            "Công tác quy hoạch, đào tạo, bồi dưỡng cán bộ được thực hiện công khai, minh bạch.",
            "Cán bộ, đảng viên phải giữ bí mật của Đảng, không trao đổi tài liệu qua mạng xã hội.",
            "Toàn tỉnh có {n} tổ chức cơ sở đảng được đánh giá hoàn thành tốt nhiệm vụ.",
        ),
    ),
)
_DANG_VIEN = 1  # the theme whose sentences all contain "đảng viên"
CITED = (
    ("Nghị quyết", "NQ", "TW", "Ban Chấp hành Trung ương", "sắp xếp tổ chức bộ máy"),
    ("Kết luận", "KL", "TW", "Bộ Chính trị", "công tác phát triển đảng viên"),
    ("Chỉ thị", "CT", "TW", "Ban Bí thư", "công tác văn thư, lưu trữ của Đảng"),
    ("Quy định", "QĐ", "TW", "Bộ Chính trị", "công tác kiểm tra, giám sát của Đảng"),
    ("Kế hoạch", "KH", "TU", "Ban Thường vụ Tỉnh ủy", "chuyển đổi số trong các cơ quan đảng"),
    ("Hướng dẫn", "HD", "VPTW", "Văn phòng Trung ương Đảng", "số hóa tài liệu lưu trữ"),
)
CLOSINGS = (
    "Đề nghị các cấp ủy, tổ chức đảng nghiêm túc quán triệt, triển khai thực hiện.",
    "Quá trình thực hiện có vướng mắc, phản ánh về Văn phòng Tỉnh ủy để tổng hợp.",
    "Giao Văn phòng Tỉnh ủy theo dõi, đôn đốc và định kỳ báo cáo kết quả thực hiện.",
)
RECIPIENTS = (
    "- Ban Thường vụ Tỉnh ủy (b/c),",
    "- Các đảng bộ trực thuộc Tỉnh ủy,",
    "- Các ban xây dựng Đảng Tỉnh ủy,",
    "- Thường trực HĐND, UBND tỉnh,",
    "- Các đồng chí Tỉnh ủy viên,",
    "- Đảng ủy các cơ quan Đảng tỉnh,",
)
ADDRESSEES = (
    "Các đảng ủy trực thuộc Tỉnh ủy.",
    "Các ban, cơ quan tham mưu, giúp việc Tỉnh ủy.",
    "Ban cán sự đảng Ủy ban nhân dân tỉnh.",
    "Các sở, ban, ngành của tỉnh.",
)
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Giàng", "Lò", "Hà")
MIDDLE = ("Văn", "Thị", "Đức", "Minh", "Thanh", "Hữu", "Ngọc", "Seo")
GIVEN = ("Hùng", "Lan", "Sơn", "Thắng", "Hương", "Dũng", "Hải", "Phương", "Thủy", "Hòa", "Chiến")
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
)
_VN_PROBE = "ẢẠẤỆỘỮỸđĐưƯơƠ"
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_PDF_DATE = datetime(2026, 1, 1, tzinfo=UTC)  # fixed, so equal seeds give equal bytes
_WIDTHS: dict[tuple[str, float, str], float] = {}  # fpdf2 string measuring is the hot spot


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _tracking_sentence(canary: str) -> str:
    """Derived from the canary alone, so `.sentence` needs no extra stored field."""
    return f"Mã theo dõi nội bộ: {canary}."


@dataclass(frozen=True)
class SampleDocument:
    """One generated file plus the metadata an extractor should recover from it."""

    filename: str
    content: bytes
    truth: dict = field(hash=False)

    @property
    def sentence(self) -> str:
        """A body sentence found in this document only (what leak scans look for)."""
        return _tracking_sentence(self.truth["canary"])


def _quota(rng: random.Random, count: int, shares: tuple[tuple[str, float], ...]) -> list[str]:
    """Exact shares rather than independent draws, so 20 documents already hold every value."""
    out: list[str] = []
    for value, share in shares[1:]:
        out += [value] * (max(1, round(count * share)) if count >= 20 else round(count * share))
    out = out[:count] + [shares[0][0]] * max(0, count - len(out))
    rng.shuffle(out)
    return out


def _unique(rng: random.Random, used: set[str], make: Callable[[random.Random], str]) -> str:
    """Re-draws until unseen: numbers, citations and canaries never repeat within a run."""
    while (value := make(rng)) in used:
        pass
    used.add(value)
    return value


def _number(rng: random.Random, issuer: _Issuer, doc_type: str, used: set[str]) -> str:
    top = 2400 if doc_type == "CV" else 420
    if issuer.kind == "party":
        return _unique(rng, used, lambda r: f"{r.randint(1, top)}-{doc_type}/{issuer.code}")
    symbol = f"{issuer.code}-VP" if doc_type == "CV" else f"{doc_type}-{issuer.code}"
    return _unique(rng, used, lambda r: f"{r.randint(1, top)}/{symbol}")


def _fill(rng: random.Random, template: str, year: int) -> str:
    return template.format(
        n=rng.randint(12, 480),
        p=rng.randint(82, 99),
        k=rng.randint(3, 28),
        m=rng.randint(5, 90),
        year=year,
    )


def _citation(rng: random.Random, before: date, used: set[str]) -> str:
    """Cites an earlier document; its number is reserved so that no sample owns it."""
    name, sym, body, author, topic = rng.choice(CITED)
    ref = _unique(rng, used, lambda r: f"{r.randint(1, 320)}-{sym}/{body}")
    d = before - timedelta(days=rng.randint(30, 1500))
    return f"Thực hiện {name} số {ref} ngày {d.day}/{d.month}/{d.year} của {author} về {topic}."


def _body(rng: random.Random, truth: dict, theme: int, used: set[str], dv: bool) -> list[str]:
    """5-12 sentences: optional citation, theme sentences, the tracking sentence, a closing."""
    when = date.fromisoformat(truth["date"])
    opener = [_citation(rng, when, used)] if rng.random() < 0.55 else []
    other = rng.choice([i for i in range(len(THEMES)) if i != theme])
    pool = list(THEMES[theme][1] + THEMES[other][1])
    core = rng.sample(pool, min(len(pool), rng.randint(5, 12) - len(opener) - 2))
    if dv and not any("đảng viên" in s for s in core):
        core[-1] = rng.choice([s for s in THEMES[_DANG_VIEN][1] if s not in core])
    sentences = opener + [_fill(rng, s, when.year) for s in core] + [rng.choice(CLOSINGS)]
    sentences.insert(rng.randint(1, len(sentences) - 1), _tracking_sentence(truth["canary"]))
    paragraphs, current = [], []
    for sentence in sentences:
        current.append(sentence)
        if rng.random() < 0.55:
            paragraphs.append(" ".join(current))
            current = []
    return [_nfc(p) for p in paragraphs + ([" ".join(current)] if current else [])]


def _truth(rng: random.Random, kind: str, used: set[str]) -> tuple[dict, int]:
    pool = [i for i in ISSUERS if i.kind == kind]
    issuer = rng.choices(pool, weights=[i.weight for i in pool])[0]
    doc_type = rng.choice(issuer.types)
    when = issuer.start + timedelta(days=rng.randrange((issuer.end - issuer.start).days + 1))
    theme = rng.randrange(len(THEMES))
    # A công văn prints its summary as "V/v ..."; registers (and the truth) keep what follows.
    subject = ("" if doc_type == "CV" else "về ") + _fill(
        rng, rng.choice(THEMES[theme][0]), when.year
    )
    return {
        "kind": kind,
        "doc_type": doc_type,
        "number": _number(rng, issuer, doc_type, used),
        "issuer": issuer.name,
        "issuer_code": issuer.code,
        "place": issuer.place,
        "date": when.isoformat(),
        "subject": _nfc(subject),
    }, theme


def _issuer_for(truth: dict) -> _Issuer:
    """Known issuers keep their real header; an unknown one gets its name in capitals."""
    if truth["issuer"] in _BY_NAME:
        return _BY_NAME[truth["issuer"]]
    return _Issuer(
        truth["issuer"],
        truth.get("issuer_code", ""),
        (truth["issuer"].upper(),),
        truth.get("place", "Lào Cai"),
        (("T/M BAN THƯỜNG VỤ", "BÍ THƯ"),),
        kind=truth.get("kind", "party"),
    )


def _vn_date(place: str, iso: str) -> str:
    """Day under 10 and months 1-2 zero-padded, as offices usually write them."""
    d = date.fromisoformat(iso)
    month = f"{d.month:02d}" if d.month < 3 else str(d.month)
    return f"{place}, ngày {d.day:02d} tháng {month} năm {d.year}"


def render_text(truth: dict, body: list[str]) -> str:
    """Plain text, blocks split by blank lines; header: left column lines, then right column."""
    issuer = _issuer_for(truth)
    pick = random.Random(f"{truth['number']}|{truth['issuer']}")  # stable signer and recipients
    state = truth.get("kind") == "state"
    number = ("Số: " if state else "Số ") + truth["number"]
    left = [*issuer.header, *([] if state else ["*"]), number]
    if truth["doc_type"] == "CV":
        summary = truth["subject"]
        left.append(summary if summary.startswith("V/v") else f"V/v {summary}")
    marks = LEVEL_MARKS[truth.get("level", "thuong")], URGENCY_MARKS[truth.get("urgency", "thuong")]
    left += [m for m in marks if m]
    right = (
        ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
        if state
        else ["ĐẢNG CỘNG SẢN VIỆT NAM"]
    ) + [_vn_date(issuer.place, truth["date"])]
    if truth["doc_type"] == "CV":
        opening = [f"Kính gửi: {pick.choice(ADDRESSEES)}"]
    else:
        opening = [TITLES.get(truth["doc_type"]) or truth["doc_type"].upper(), truth["subject"]]
    recipients = ["Nơi nhận:", *pick.sample(RECIPIENTS, 3), "- Lưu: VT." if state else "- Lưu VT."]
    sign = list(pick.choice(issuer.signs))
    if truth["doc_type"] == "TB" and issuer.code == "TU":
        sign = ["T/L BAN THƯỜNG VỤ", "CHÁNH VĂN PHÒNG"]
    name = f"{pick.choice(FAMILY)} {pick.choice(MIDDLE)} {pick.choice(GIVEN)}"
    blocks = [left + right, opening, body, recipients, [*sign, name]]
    return _nfc("\n\n".join("\n".join(block) for block in blocks) + "\n")


def _covers_vietnamese(path: str) -> bool:
    try:
        from fontTools.ttLib import TTFont

        cmap = TTFont(path, lazy=True).getBestCmap() or {}
    except Exception:  # a malformed font file anywhere must not break discovery
        return False
    return all(ord(c) in cmap for c in _VN_PROBE)


@lru_cache(maxsize=1)
def find_unicode_font() -> str | None:
    """Kho runs offline, so PDFs must use an installed TTF that has every Vietnamese glyph."""
    found = sorted(glob.glob("/usr/share/fonts/**/*.ttf", recursive=True))
    for path in (*FONT_CANDIDATES, *found):
        if os.path.isfile(path) and _covers_vietnamese(path):
            return path
    return None


class _Layout:
    """Line layout over fpdf2 with cached word widths: multi_cell made 50 documents too slow."""

    def __init__(self, font: str) -> None:
        from fpdf import FPDF

        self.pdf = FPDF(format="A4", unit="mm")
        self.pdf.set_producer("Kho")
        self.pdf.set_creation_date(_PDF_DATE)
        self.pdf.set_auto_page_break(False)
        self.pdf.add_font("kho", "", font)
        self.pdf.add_page()
        self.font, self.y, self.points = font, 20.0, 12.0

    def size(self, points: float) -> None:
        self.points = points
        self.pdf.set_font("kho", size=points)

    def width(self, text: str) -> float:
        words = text.split(" ")
        for word in (*words, " "):
            if (self.font, self.points, word) not in _WIDTHS:
                _WIDTHS[(self.font, self.points, word)] = self.pdf.get_string_width(word)
        widths = [_WIDTHS[(self.font, self.points, w)] for w in words]
        return sum(widths) + (len(words) - 1) * _WIDTHS[(self.font, self.points, " ")]

    def wrap(self, text: str, width: float) -> list[str]:
        lines: list[str] = []
        for word in text.split():
            if lines and self.width(f"{lines[-1]} {word}") <= width:
                lines[-1] += f" {word}"
            else:
                lines.append(word)
        return lines

    def lines(
        self,
        lines: list[str],
        x0: float,
        x1: float,
        center: bool,
        y: float,
        underline: bool = False,
    ) -> float:
        """Draws from y and returns the y below; an empty line is vertical space."""
        for i, line in enumerate(lines):
            for part in self.wrap(line, x1 - x0) or [""]:
                if y > 280:
                    self.pdf.add_page()
                    y = 20.0
                x = x0 + (x1 - x0 - self.width(part)) / 2 if center else x0
                self.pdf.text(x, y, part)
                if underline and i == 0:
                    self.pdf.line(x, y + 1, x + self.width(part), y + 1)
                y += self.points * 0.5
        return y

    def columns(
        self,
        left: list[str],
        right: list[str],
        size: float,
        center_left: bool,
        underline: bool = False,
    ) -> None:
        """Left column drawn first, so text extraction returns it before the right one."""
        self.size(size)
        if self.y + (len(left) + len(right)) * size * 0.5 > 280:
            self.pdf.add_page()
            self.y = 20.0
        end = self.lines(left, 20, 95, center_left, self.y)
        self.y = max(end, self.lines(right, 100, 195, True, self.y, underline)) + 6


def render_pdf(text: str) -> bytes:
    """A4 PDF with an embedded font subset (ToUnicode), so the text layer extracts cleanly."""
    font = find_unicode_font()
    if font is None:
        raise RuntimeError(
            "No TrueType font with Vietnamese glyphs under /usr/share/fonts; "
            "install the Debian package fonts-dejavu-core"
        )
    layout = _Layout(font)
    blocks = [b.split("\n") for b in _nfc(text).strip("\n").split("\n\n")]
    split = next(
        (
            i
            for i, line in enumerate(blocks[0])
            if line in ("ĐẢNG CỘNG SẢN VIỆT NAM", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
        ),
        0,
    )
    if split:
        layout.columns(blocks[0][:split], blocks[0][split:], 11, True, underline=True)
        blocks = blocks[1:]
    for i, block in enumerate(blocks):
        if block[0] == "Nơi nhận:":
            sign = blocks[i + 1] if i + 1 < len(blocks) else [""]
            layout.columns(block, [*sign[:-1], "", "", "", sign[-1]], 10.5, False)
            break
        title = i == 0 and bool(split)
        layout.size(12.5 if title else 12)
        layout.y = layout.lines(block, 25, 190, title, layout.y) + 3
    return bytes(layout.pdf.output())


def _filename(index: int, doc_type: str, ext: str) -> str:
    slug = unicodedata.normalize("NFD", doc_type.replace("Đ", "D")).encode("ascii", "ignore")
    return f"mau-{index:04d}-{slug.decode().lower()}.{ext}"


def generate(
    count: int = 50, seed: int = 2026, formats: tuple[str, ...] = ("pdf", "txt")
) -> list[SampleDocument]:
    """Same seed, same documents byte for byte, so demos and tests are reproducible."""
    if not formats or set(formats) - {"pdf", "txt"}:
        raise ValueError(f"formats must be drawn from ('pdf', 'txt'), got {formats!r}")
    rng = random.Random(seed)
    kinds = _quota(rng, count, (("party", 0.9), ("state", 0.1)))
    levels = _quota(
        rng, count, (("thuong", 0.6), ("mat", 0.25), ("toi_mat", 0.12), ("tuyet_mat", 0.03))
    )
    urgencies = _quota(
        rng, count, (("thuong", 0.7), ("khan", 0.15), ("thuong_khan", 0.1), ("hoa_toc", 0.05))
    )
    units = [list(UNITS)[i % len(UNITS)] for i in range(count)]
    rng.shuffle(units)
    has_font = find_unicode_font() is not None
    used: set[str] = set()
    docs: list[SampleDocument] = []
    for i in range(count):
        truth, theme = _truth(rng, kinds[i], used)
        fmt = formats[i % len(formats)]
        fmt = "txt" if fmt == "pdf" and not has_font else fmt
        canary = _unique(rng, used, lambda r: "Khomau" + "".join(r.choices(_LETTERS, k=8)))
        truth.update(
            level=levels[i], urgency=urgencies[i], unit=units[i], canary=canary, format=fmt
        )
        text = render_text(truth, _body(rng, truth, theme, used, dv=i % 3 != 2))
        content = render_pdf(text) if fmt == "pdf" else text.encode("utf-8")
        docs.append(SampleDocument(_filename(i + 1, truth["doc_type"], fmt), content, truth))
    return docs
