"""What the pages show instead of codes: actions, outcomes, retention periods, statuses and units in
words (Vietnamese, English through the catalog), and times in the office's local time.

Every page shows times as dd/mm/yyyy HH:mm in Asia/Ho_Chi_Minh (UTC+7 all year: Vietnam keeps no
summer time, so a fixed offset is exact and needs no time-zone database). Exports (the audit
log's zip, CSV, the API) keep UTC. ``tests/unit/web/test_display.py`` checks that every action of
``archive.audit.actions.Action`` has a label.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from flask import Flask, g
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import select

from archive.audit.actions import Action
from archive.models import Unit
from ingest.describe.header import DOC_TYPE_NAMES
from security.vocabulary import Level, RetentionPeriod, Role, Urgency

LOCAL = timezone(timedelta(hours=7), "ICT")  # Asia/Ho_Chi_Minh

ACTION_NAMES = {
    Action.VIEW: _l("Xem mô tả văn bản"),
    Action.READ: _l("Đọc văn bản"),
    Action.PREVIEW: _l("Xem trước trang"),
    Action.ASSIGN: _l("Giao xử lý văn bản đến"),
    Action.ASSIGN_START: _l("Nhận xử lý văn bản"),
    Action.ASSIGN_DONE: _l("Xử lý xong văn bản"),
    Action.ASSIGN_LIST: _l("Xem danh sách văn bản cần xử lý"),
    Action.STATISTICS: _l("Xem thống kê văn bản"),
    Action.STATISTICS_EXPORT: _l("Xuất thống kê văn bản (CSV)"),
    Action.DOWNLOAD: _l("Tải văn bản"),
    Action.DOWNLOAD_ORIGINAL: _l("Tải bản gốc"),
    Action.HISTORY: _l("Xem lịch sử văn bản"),
    Action.VERSIONS: _l("Xem các phiên bản"),
    Action.EXPORT: _l("Xuất văn bản"),
    Action.LIST: _l("Xem danh sách văn bản"),
    Action.SEARCH: _l("Tìm kiếm"),
    Action.PAGE: _l("Xem trước trang (bản cũ)"),
    Action.TRACE: _l("Bản có mã truy vết (bản cũ)"),
    Action.UPLOAD: _l("Nộp tệp"),
    Action.INGEST: _l("Lưu văn bản vào kho"),
    Action.OCR: _l("Nhận dạng chữ"),
    Action.EDIT: _l("Sửa mô tả"),
    Action.SECRECY_CHANGE: _l("Đổi độ mật"),
    Action.FILE_VERSION: _l("Thêm phiên bản tệp"),
    Action.REVIEW_CONFIRM: _l("Xác nhận thông tin văn bản"),
    Action.SHARE: _l("Chia sẻ cho đơn vị khác"),
    Action.GRANT_REQUEST: _l("Xin quyền xem"),
    Action.GRANT_APPROVE: _l("Duyệt quyền xem"),
    Action.GRANT_REFUSE: _l("Từ chối quyền xem"),
    Action.QUARANTINE_RELEASE: _l("Đưa văn bản ra khỏi cách ly"),
    Action.SIGNATURE_VERIFY: _l("Kiểm tra chữ ký số"),
    Action.FONDS: _l("Phông lưu trữ"),
    Action.FONDS_ASSIGN: _l("Gán phông lưu trữ"),
    Action.FILEPLAN: _l("Danh mục hồ sơ"),
    Action.FILEPLAN_LIST: _l("Xem danh mục hồ sơ"),
    Action.DOSSIER_ADD: _l("Đưa văn bản vào hồ sơ"),
    Action.DOSSIER_REMOVE: _l("Rút văn bản khỏi hồ sơ"),
    Action.DOSSIER_CLOSE: _l("Kết thúc hồ sơ"),
    Action.DOSSIER_VIEW: _l("Xem hồ sơ"),
    Action.RETENTION_RULE: _l("Sửa bảng thời hạn bảo quản"),
    Action.RETENTION: _l("Đặt thời hạn bảo quản"),
    Action.DUE_LIST: _l("Xem danh sách hết hạn bảo quản"),
    Action.HOLD: _l("Tạm giữ văn bản"),
    Action.HOLD_RELEASE: _l("Bỏ tạm giữ"),
    Action.DISPOSE_PROPOSE: _l("Đề nghị hủy tài liệu"),
    Action.DISPOSE_APPROVE: _l("Duyệt hủy tài liệu"),
    Action.DISPOSE_EXECUTE: _l("Thực hiện hủy tài liệu"),
    Action.DISPOSE: _l("Hủy văn bản"),
    Action.SHRED: _l("Xóa vĩnh viễn tệp"),
    Action.REGISTER_ADD: _l("Vào sổ văn bản"),
    Action.REGISTER_LIST: _l("Xem sổ văn bản"),
    Action.REGISTER_EXPORT: _l("Xuất sổ văn bản"),
    Action.DECLASSIFY_DUE: _l("Xem danh sách đến hạn giải mật"),
    Action.PROTECTION_EXTEND: _l("Gia hạn bảo vệ bí mật"),
    Action.TRANSFER_APPROVAL: _l("Duyệt nộp lưu"),
    Action.TRANSFER_EXPORT: _l("Xuất gói nộp lưu"),
    Action.TRANSFER_IMPORT: _l("Nhận gói nộp lưu"),
    Action.LOGIN: _l("Đăng nhập"),
    Action.LOGOUT: _l("Đăng xuất"),
    Action.REAUTH: _l("Xác nhận lại mật khẩu"),
    Action.SESSION_END: _l("Kết thúc phiên"),
    Action.SESSION_END_ALL: _l("Kết thúc mọi phiên"),
    Action.USER_ADD: _l("Tạo tài khoản"),
    Action.USER_CHANGE: _l("Sửa tài khoản"),
    Action.USER_UNLOCK: _l("Mở khóa tài khoản"),
    Action.PASSWORD_CHANGE: _l("Đổi mật khẩu"),
    Action.PASSWORD_RESET: _l("Đặt lại mật khẩu"),
    Action.CLEARANCE_REQUEST: _l("Đề nghị nâng mức được xem"),
    Action.CLEARANCE_APPROVE: _l("Duyệt nâng mức được xem"),
    Action.CLEARANCE_REFUSE: _l("Từ chối nâng mức được xem"),
    Action.TOTP_RESET: _l("Đặt lại xác thực hai lớp"),
    Action.ADMIN_READ: _l("Xem trang quản trị"),
    Action.NOT_FOUND: _l("Hỏi trang không có"),
    Action.TOKEN_CREATE: _l("Tạo mã truy cập API"),
    Action.TOKEN_REVOKE: _l("Thu hồi mã truy cập API"),
    Action.TOKEN_LIST: _l("Xem mã truy cập API"),
    Action.API_CALL: _l("Gọi API"),
    Action.AUDIT_READ: _l("Xem nhật ký"),
    Action.AUDIT_VERIFY: _l("Kiểm tra tính toàn vẹn nhật ký"),
    Action.AUDIT_EXPORT: _l("Xuất nhật ký"),
    Action.AUDIT_CHECKPOINT: _l("Điểm kiểm tra nhật ký"),
    Action.AUDIT_TAMPER: _l("Phát hiện nhật ký bị sửa"),
    Action.BACKUP: _l("Sao lưu"),
    Action.RESTORE: _l("Khôi phục"),
    Action.FIXITY: _l("Kiểm tra toàn vẹn tệp"),
    Action.KEY_ROTATE: _l("Thay khóa mã hóa"),
    Action.KEY_RETIRE: _l("Hủy khóa cũ"),
    Action.KEY_EXPORT: _l("Xuất bản sao khóa"),
    Action.REINDEX: _l("Lập lại chỉ mục tìm kiếm"),
    Action.MODEL_TRAIN: _l("Huấn luyện mô hình phân loại"),
    Action.TRUST_ADD: _l("Thêm chứng thư tin cậy"),
    Action.TRUST_REMOVE: _l("Bỏ chứng thư tin cậy"),
    Action.TRUST_LIST: _l("Xem chứng thư tin cậy"),
    Action.CRL_IMPORT: _l("Nạp danh sách thu hồi chứng thư"),
}

# The vocabulary's names (security.vocabulary, Vietnamese) through the catalog, for the pages.
LEVEL_NAMES = {
    Level.THUONG: _l("Thường"),
    Level.MAT: _l("Mật"),
    Level.TOI_MAT: _l("Tối mật"),
    Level.TUYET_MAT: _l("Tuyệt mật"),
}
URGENCY_NAMES = {
    Urgency.THUONG: _l("Thường"),
    Urgency.KHAN: _l("Khẩn"),
    Urgency.THUONG_KHAN: _l("Thượng khẩn"),
    Urgency.HOA_TOC: _l("Hỏa tốc"),
    Urgency.HOA_TOC_HEN_GIO: _l("Hỏa tốc hẹn giờ"),
}
# The auditor is named for what they do (oversee the log), apart from the archivist's queue of
# documents to confirm ("Xác nhận văn bản") and from the Ủy ban Kiểm tra, a unit.
ROLE_NAMES = {
    Role.ADMIN: _l("Quản trị viên"),
    Role.ARCHIVIST: _l("Văn thư - lưu trữ"),
    Role.READER: _l("Cán bộ"),
    Role.AUDITOR: _l("Giám sát nhật ký"),
    Role.SECURITY_OFFICER: _l("Bảo mật"),
}

OUTCOME_NAMES = {
    "allowed": _l("Được phép"),
    "denied": _l("Bị từ chối"),
    "ok": _l("Thành công"),
    "failed": _l("Thất bại"),
    "requested": _l("Đã gửi yêu cầu"),
    "done": _l("Đã xong"),
    "damaged": _l("Hư hỏng"),
    "rejected": _l("Không nhận"),
    "started": _l("Bắt đầu"),
    "resume": _l("Tiếp tục"),
    "replayed": _l("Trả lại kết quả cũ"),
    "expired": _l("Hết hạn"),
    "duplicate": _l("Trùng văn bản đã có"),
    "destroyed": _l("Đã hủy"),
    "throttled": _l("Bị hạn chế vì gọi quá nhiều"),
    "placed": _l("Đã đặt"),
    "approved": _l("Đã duyệt"),
    "queued": _l("Đang chờ xử lý"),
    "stored": _l("Đã lưu"),
    "released": _l("Đã bỏ"),
    "totp": _l("Chờ mã xác thực hai lớp"),
    "enroll": _l("Chờ đăng ký xác thực hai lớp"),
    "preview": _l("Xem trước (chưa thực hiện)"),
    "status": _l("Xem tình trạng"),
}

# The keys of an audit entry's detail, and how their values read.
DETAIL_NAMES = {
    "ids": _l("Văn bản"),
    "snippets": _l("Trích đoạn từ văn bản"),
    "query": _l("Từ khóa tìm"),
    "level": _l("Độ mật"),
    "clearance": _l("Mức được phép"),
    "role": _l("Vai trò"),
    "unit": _l("Đơn vị"),
    "username": _l("Tài khoản"),
    "doc_type": _l("Loại văn bản"),
    "what": _l("Nội dung xem"),
    "step": _l("Bước"),
    "page": _l("Trang"),
    "trace": _l("Mã truy vết"),
    "register": _l("Sổ"),
    "year": _l("Năm"),
    "entries": _l("Mục"),
    "dossiers": _l("Hồ sơ"),
    "unit_head": _l("Trưởng đơn vị"),
    "service": _l("Tài khoản hệ thống"),
    "reason": _l("Lý do"),
    "kind": _l("Loại tệp"),
    "version": _l("Phiên bản"),
}

RETENTION_NAMES = {
    RetentionPeriod.PERMANENT: _l("Vĩnh viễn"),
    RetentionPeriod.YEARS_70: _l("70 năm"),
    RetentionPeriod.YEARS_20: _l("20 năm"),
    RetentionPeriod.YEARS_10: _l("10 năm"),
    RetentionPeriod.YEARS_5: _l("5 năm"),
    RetentionPeriod.UNTIL_OUT_OF_FORCE: _l("Đến khi hết hiệu lực"),
}

# The description's fields, as the review queue names what to check.
FIELD_NAMES = {
    "number": _l("Số, ký hiệu"),
    "doc_type": _l("Loại văn bản"),
    "issuer": _l("Cơ quan ban hành"),
    "date": _l("Ngày ban hành"),
    "subject": _l("Trích yếu"),
    "level": _l("Độ mật"),
    "urgency": _l("Độ khẩn"),
    "signature": _l("Chữ ký số"),
    "signer": _l("Người ký"),
    "recipients": _l("Nơi nhận"),
}

# Dossiers (planned, open, closed) and disposal lists (proposed, approved, executed).
STATUS_NAMES = {
    "planned": _l("Dự kiến"),
    "open": _l("Đang mở"),
    "closed": _l("Đã kết thúc"),
    "proposed": _l("Đã đề nghị"),
    "approved": _l("Đã duyệt"),
    "executed": _l("Đã thực hiện"),
}


def said(label: object) -> str:
    """A label in the request's language, translated once per request and language: a list
    page shows the same few labels (actions, outcomes, levels) hundreds of times."""
    if not isinstance(label, LazyString):
        return str(label)
    try:
        memo = g.setdefault("said", {})
    except RuntimeError:  # no application context: nothing to remember it in
        return str(label)
    key = (id(label), str(get_locale()))  # module-level labels: their ids stay theirs
    text = memo.get(key)
    if text is None:
        text = memo[key] = str(label)
    return text


def named(names: dict, code: object) -> str:
    """The label of a code; an unknown code is shown as it is (never an empty cell)."""
    if code is None or code == "":
        return "—"
    return said(names.get(code, code))


def local_time(value: datetime | str | None, with_time: bool = True) -> str:
    """A moment (a datetime, naive meaning UTC, or an ISO text as the log stores it) as the office
    reads it: dd/mm/yyyy HH:mm in Vietnam."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(LOCAL)
        return value.strftime("%d/%m/%Y %H:%M" if with_time else "%d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


# Words some details hold as codes (what an administrator or auditor looked at, a login's step).
DETAIL_VALUES = {
    "what": {
        "entries": _l("các mục nhật ký"),
        "counts": _l("số mục theo ngày"),
        "anomalies": _l("bất thường"),
        "clearance requests": _l("đề nghị nâng mức được xem"),
        "grants": _l("quyền xem đã cấp"),
        "keys": _l("khóa mã hóa"),
        "quarantine": _l("văn bản cách ly"),
        "units": _l("đơn vị"),
        "users": _l("tài khoản"),
    },
    "step": {"password": _l("mật khẩu"), "totp": _l("mã xác thực hai lớp")},
}


YES, NO = _l("Có"), _l("Không")


def detail_items(detail: dict | None) -> list[tuple[str, str]]:
    """An audit entry's detail as (label, value) pairs in words: levels, roles, units, types
    and yes/no by name; lists joined; unknown keys as they are."""
    values = {
        "level": LEVEL_NAMES,
        "clearance": LEVEL_NAMES,
        "role": ROLE_NAMES,
        "doc_type": DOC_TYPE_NAMES,
    }
    items = []
    for key, value in (detail or {}).items():
        if key in values:
            shown = named(values[key], value)
        elif key in DETAIL_VALUES and isinstance(value, str):
            shown = named(DETAIL_VALUES[key], value)
        elif key == "unit":
            shown = unit_name(value)
        elif isinstance(value, bool):
            shown = said(YES if value else NO)
        elif isinstance(value, list | tuple):
            shown = ", ".join(str(v) for v in value) if value else "—"
        else:
            shown = str(value)
        items.append((said(DETAIL_NAMES.get(key, key)), shown))
    return items


def unit_names() -> dict[str, str]:
    """Unit codes to full names ("VP" → "Văn phòng Tỉnh ủy"), read once per request (not secret)."""
    if "unit_names" not in g:
        from web import current_instance

        with current_instance().read_sessions() as session:
            g.unit_names = {c: n or c for c, n in session.execute(select(Unit.code, Unit.name))}
    return g.unit_names


def unit_name(code: str | None) -> str:
    if not code:
        return "—"
    return unit_names().get(code, code)


def init_app(app: Flask) -> None:
    app.add_template_filter(local_time, "local")
    app.add_template_filter(lambda v: local_time(v, with_time=False), "local_date")
    app.add_template_filter(unit_name, "unit_name")
    app.add_template_filter(lambda code: named(ACTION_NAMES, code), "action_name")
    app.add_template_filter(lambda code: named(OUTCOME_NAMES, code), "outcome_name")
    app.add_template_filter(lambda code: named(RETENTION_NAMES, code), "retention_name")
    app.add_template_filter(lambda code: named(STATUS_NAMES, code), "status_name")
    app.add_template_filter(lambda code: named(FIELD_NAMES, code), "field_name")
    app.add_template_filter(detail_items, "detail_items")
