"""Words the header parser recognises, as data: edit these tables, not the parser.

Keys are upper case with old-style tone placement (see ``ingest.describe.text.match_key``).
"""

from __future__ import annotations

# Title line -> type code.
DOC_TYPES: dict[str, str] = {
    "NGHỊ QUYẾT": "NQ",
    "QUYẾT ĐỊNH": "QĐ",
    "CHỈ THỊ": "CT",
    "KẾT LUẬN": "KL",
    "QUY CHẾ": "QC",
    "QUY ĐỊNH": "QĐi",
    "THÔNG TRI": "TT",
    "HƯỚNG DẪN": "HD",
    "THÔNG BÁO": "TB",
    "BÁO CÁO": "BC",
    "KẾ HOẠCH": "KH",
    "CHƯƠNG TRÌNH": "CTr",
    "ĐỀ ÁN": "ĐA",
    "TỜ TRÌNH": "TTr",
    "BIÊN BẢN": "BB",
    "CÔNG VĂN": "CV",
    "PHƯƠNG ÁN": "PA",
    "DỰ ÁN": "DA",
    "THÔNG CÁO": "TC",
    "NGHỊ ĐỊNH": "NĐ",
    "THÔNG TƯ": "TT",
    "CÔNG ĐIỆN": "CĐ",
    "GIẤY MỜI": "GM",
    "HỢP ĐỒNG": "HĐ",
    "PHÁP LỆNH": "PL",
    # (?) codes below are unconfirmed: the 399-QĐ/TW list names the types, not these symbols.
    "CƯƠNG LĨNH": "CL",
    "ĐIỀU LỆ": "ĐL",
    "CHIẾN LƯỢC": "CLc",
    "QUY HOẠCH": "QH",
    "TUYÊN BỐ": "TBo",
    "LỜI KÊU GỌI": "LKG",
    "THÔNG TƯ LIÊN TỊCH": "TTLT",
    "LUẬT": "L",
}
# Every type code a symbol may carry: Party and state (Nghị định 30/2020, appendix III), with
# the codes of copies and papers ("BS" bản sao, "GGT" giấy giới thiệu, "GUQ" giấy ủy quyền).
TYPE_CODES: frozenset[str] = frozenset(DOC_TYPES.values()) | {
    "QyĐ", "BS", "GGT", "GUQ", "GM", "GXN", "GNP", "PC", "PG", "TTLT", "CĐ", "HĐ", "PL", "NĐ",
    "TT", "CT", "NQ", "QĐ", "KH", "TB", "BC", "TTr", "CTr", "HD", "ĐA", "QĐi", "QC", "KL", "BB",
    "CV", "PA", "DA", "TC", "SL", "BĐX",
}  # fmt: skip
# State documents use other codes for some titles (Nghị định 30/2020, appendix III).
STATE_DOC_TYPES: dict[str, str] = {"QUY ĐỊNH": "QyĐ"}

LEVELS = {"MẬT": "mat", "TỐI MẬT": "toi_mat", "TUYỆT MẬT": "tuyet_mat"}
URGENCIES = {
    "KHẨN": "khan",
    "THƯỢNG KHẨN": "thuong_khan",
    "HỎA TỐC": "hoa_toc",
    "HỎA TỐC HẸN GIỜ": "hoa_toc_hen_gio",
}
LEVEL_RANK = ["thuong", "mat", "toi_mat", "tuyet_mat"]
URGENCY_RANK = ["thuong", "khan", "thuong_khan", "hoa_toc", "hoa_toc_hen_gio"]

# Stamps that say how a copy circulates (folded key -> how the register writes it). They never
# change the secrecy level; "GIẢI MẬT" is listed so it is recognised and never read as "MẬT".
CIRCULATION_NOTES: dict[str, str] = {
    "luu hanh noi bo": "Lưu hành nội bộ",
    "xem xong tra lai": "Xem xong trả lại",
    "tai lieu thu hoi": "Tài liệu thu hồi",
    "chi nguoi co ten moi duoc boc bi": "Chỉ người có tên mới được bóc bì",
    "khong pho bien": "Không phổ biến",
    "khong sao chup": "Không sao chụp",
    "ban sao": "Bản sao",
    "du thao": "Dự thảo",
    "giai mat": "Giải mật",
}

# Names the issuer casing rules cannot derive.
SPECIAL_BODIES: dict[str, str] = {
    "BAN CHẤP HÀNH TRUNG ƯƠNG": "Ban Chấp hành Trung ương",
    "BỘ CHÍNH TRỊ": "Bộ Chính trị",
    "BAN CHẤP HÀNH TRUNG ƯƠNG ĐẢNG": "Ban Chấp hành Trung ương",
    "BAN BÍ THƯ": "Ban Bí thư",
    "VĂN PHÒNG TRUNG ƯƠNG ĐẢNG": "Văn phòng Trung ương Đảng",
    "CHÍNH PHỦ": "Chính phủ",
    "BAN THƯỜNG VỤ": "Ban Thường vụ",
    "UBND": "Ủy ban nhân dân",
    "HĐND": "Hội đồng nhân dân",
    "ỦY BAN NHÂN DÂN": "Ủy ban nhân dân",
    "HỘI ĐỒNG NHÂN DÂN": "Hội đồng nhân dân",
}

# Words of header lines, used to put back diacritics OCR dropped ("BAN DAN VAN" -> "BAN DÂN
# VẬN"). Only a line whose every word is covered is restored; phrases beat single words, so
# ambiguous syllables ("van": văn / vận) are only restored inside a phrase.
HEADER_PHRASES: tuple[str, ...] = (
    "ĐẢNG BỘ", "ĐẢNG ỦY", "TỈNH ỦY", "HUYỆN ỦY", "THÀNH ỦY", "THỊ ỦY", "QUẬN ỦY", "ĐẢNG ĐOÀN",
    "BAN CÁN SỰ ĐẢNG", "BAN CHẤP HÀNH TRUNG ƯƠNG", "BỘ CHÍNH TRỊ", "BAN BÍ THƯ", "BAN THƯỜNG VỤ",
    "BAN TỔ CHỨC", "BAN TUYÊN GIÁO", "BAN DÂN VẬN", "BAN TUYÊN GIÁO VÀ DÂN VẬN", "BAN NỘI CHÍNH",
    "ỦY BAN KIỂM TRA", "VĂN PHÒNG", "ỦY BAN NHÂN DÂN", "HỘI ĐỒNG NHÂN DÂN", "SỞ NỘI VỤ",
    "TRUNG ƯƠNG", "TỈNH", "HUYỆN", "XÃ", "PHƯỜNG", "THÀNH PHỐ", "THỊ XÃ", "KHỐI", "CÁC CƠ QUAN",
    "DOANH NGHIỆP", "LÀO CAI", "YÊN BÁI", "CAO BẰNG", "HÀ GIANG", "TUYÊN QUANG", "HÀ NỘI",
    "THÁI NGUYÊN", "LAI CHÂU", "ĐIỆN BIÊN", "SƠN LA", "PHÚ THỌ", "BẮC KẠN", "LẠNG SƠN",
    "BẢO THẮNG", "LỤC YÊN", "BẢO YÊN", "VĂN BÀN", "BÁT XÁT", "SA PA", "PHONG HẢI",
)  # fmt: skip

# Signature block: authority prefixes and the positions people sign in (upper case keys).
SIGN_AUTHORITY = r"T\s*/\s*M|K\s*/\s*T|T\s*/\s*L|T\s*/\s*U\s*Q|TM\.|KT\.|TL\.|TUQ\.|Q\."
POSITIONS: dict[str, str] = {
    "TỔNG BÍ THƯ": "Tổng Bí thư",
    "PHÓ BÍ THƯ THƯỜNG TRỰC": "Phó Bí thư Thường trực",
    "PHÓ BÍ THƯ": "Phó Bí thư",
    "BÍ THƯ": "Bí thư",
    "PHÓ CHỦ NHIỆM THƯỜNG TRỰC": "Phó Chủ nhiệm Thường trực",
    "PHÓ CHỦ NHIỆM": "Phó Chủ nhiệm",
    "CHỦ NHIỆM": "Chủ nhiệm",
    "PHÓ CHÁNH VĂN PHÒNG": "Phó Chánh Văn phòng",
    "CHÁNH VĂN PHÒNG": "Chánh Văn phòng",
    "PHÓ TRƯỞNG BAN THƯỜNG TRỰC": "Phó Trưởng ban Thường trực",
    "PHÓ TRƯỞNG BAN": "Phó Trưởng ban",
    "TRƯỞNG BAN": "Trưởng ban",
    "PHÓ CHỦ TỊCH": "Phó Chủ tịch",
    "CHỦ TỊCH": "Chủ tịch",
    "PHÓ GIÁM ĐỐC": "Phó Giám đốc",
    "GIÁM ĐỐC": "Giám đốc",
    "THỨ TRƯỞNG": "Thứ trưởng",
    "BỘ TRƯỞNG": "Bộ trưởng",
    "THỦ TƯỚNG": "Thủ tướng",
    "PHÓ THỦ TƯỚNG": "Phó Thủ tướng",
    "TRƯỞNG PHÒNG": "Trưởng phòng",
    "PHÓ TRƯỞNG PHÒNG": "Phó Trưởng phòng",
    "CHỦ TỌA": "Chủ tọa",
    "THƯ KÝ": "Thư ký",
    "NGƯỜI GHI BIÊN BẢN": "Người ghi biên bản",
}


# Abbreviations documents write in their subjects and bodies, with what they stand for: an OCR'd
# subject's garbled abbreviation ("thuế ITNIN") is put right to one of these that the same
# document's body writes ("Luật Thuế TNDN"), or whose words it spells out ("thuế thu nhập doanh
# nghiệp"). Edit this table, not the reader.
ABBREVIATIONS: dict[str, str] = {
    "UBND": "ủy ban nhân dân",
    "HĐND": "hội đồng nhân dân",
    "MTTQ": "mặt trận tổ quốc",
    "BCH": "ban chấp hành",
    "BTV": "ban thường vụ",
    "ĐBQH": "đại biểu quốc hội",
    "TNDN": "thu nhập doanh nghiệp",
    "TNCN": "thu nhập cá nhân",
    "GTGT": "giá trị gia tăng",
    "TTĐB": "tiêu thụ đặc biệt",
    "NSNN": "ngân sách nhà nước",
    "KTXH": "kinh tế xã hội",
    "BHXH": "bảo hiểm xã hội",
    "BHYT": "bảo hiểm y tế",
    "BHTN": "bảo hiểm thất nghiệp",
    "KHCN": "khoa học công nghệ",
    "CNTT": "công nghệ thông tin",
    "CCHC": "cải cách hành chính",
    "TTHC": "thủ tục hành chính",
    "PCCC": "phòng cháy chữa cháy",
    "ANTT": "an ninh trật tự",
    "ATGT": "an toàn giao thông",
    "GPMB": "giải phóng mặt bằng",
    "XDCB": "xây dựng cơ bản",
    "VLNCN": "vật liệu nổ công nghiệp",
    "QPAN": "quốc phòng an ninh",
    "THCS": "trung học cơ sở",
    "THPT": "trung học phổ thông",
    "DNNN": "doanh nghiệp nhà nước",
    "HTX": "hợp tác xã",
    "TMCP": "thương mại cổ phần",
    "TNHH": "trách nhiệm hữu hạn",
    "MTV": "một thành viên",
    "CSGT": "cảnh sát giao thông",
    "TDTT": "thể dục thể thao",
    "VHTTDL": "văn hóa thể thao và du lịch",
    "CCVC": "công chức viên chức",
    "CBCCVC": "cán bộ công chức viên chức",
    "ĐTM": "đánh giá tác động môi trường",
    "CMCN": "cách mạng công nghiệp",
    "ĐMST": "đổi mới sáng tạo",
    "CĐS": "chuyển đổi số",
}

# Compounds of administrative writing that the general word list (pyvi's) lacks: they back a
# subject's words as its own compounds do ("UBND cấp tỉnh" is no misreading of "cấp tính").
COMPOUNDS = (
    "cấp tỉnh",
    "cấp huyện",
    "cấp xã",
    "cấp trung ương",
    "cấp cơ sở",
    "cấp ủy",
    "đứng đầu",
    "người đứng đầu",
    "cả nước",
    "không đúng",
    "làm tăng",
    "bình xét",
    "thi đua khen thưởng",
    "nguồn vốn",
    "vốn ngân sách",
    "vốn đầu tư",
)

# Pairs of words that make a compound ("phòng chống") but that documents write apart, with a
# comma, as two coordinated words ("Luật Phòng, chống tham nhũng", "xuất, nhập khẩu"). Any other
# compound an OCR'd subject shows broken by a comma ("chấn, chỉnh") is a speck read as a comma.
COORDINATED = frozenset((
    "phòng chống",
    "xuất nhập",
    "thu chi",
    "mua bán",
    "đi đến",
    "rách nát",
    "trong ngoài",
    "nam nữ",
    "ra vào",
    "tỉnh thành",
))  # fmt: skip
