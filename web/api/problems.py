"""Errors of the API as RFC 9457 problem details (``application/problem+json``), in Vietnamese
and English: ``title`` and ``detail`` in the language the client asks for (``Accept-Language``,
Vietnamese by default), both languages in ``messages``. A denial of a record reads exactly like
a missing one (404), as on the web pages; nothing internal is ever shown.
"""

from __future__ import annotations

from http import HTTPStatus

from flask import Response, json, request
from werkzeug.exceptions import HTTPException

from archive.audit.log import EmptyRange
from ingest.doors.deposit import KeyConflict
from ingest.doors.deposited import Misplaced
from security.errors import KhoError, NotFound, Refused

PREFIX = "/api/"
MEDIA_TYPE = "application/problem+json"

# Titles of the statuses the API answers with, (vi, en).
TITLES = {
    400: ("Yêu cầu không hợp lệ", "Bad request"),
    401: ("Chưa xác thực", "Unauthorized"),
    403: ("Không được phép", "Forbidden"),
    404: ("Không tìm thấy", "Not found"),
    405: ("Phương thức không được hỗ trợ", "Method not allowed"),
    406: ("Không có định dạng phù hợp", "Not acceptable"),
    409: ("Xung đột", "Conflict"),
    413: ("Tệp quá lớn", "Content too large"),
    415: ("Định dạng không được hỗ trợ", "Unsupported media type"),
    422: ("Dữ liệu không hợp lệ", "Unprocessable content"),
    429: ("Quá nhiều yêu cầu", "Too many requests"),
    500: ("Lỗi hệ thống", "Internal server error"),
}
# What to do, per status, when the error carries no message of its own (vi, en).
ADVICE = {
    400: ("Kiểm tra lại yêu cầu theo tài liệu API.", "Check the request against the API docs."),
    401: (
        "Gửi tiêu đề Authorization: Bearer <mã truy cập> với một mã còn hiệu lực.",
        "Send Authorization: Bearer <token> with a valid, unexpired token.",
    ),
    404: ("Không tìm thấy địa chỉ hoặc văn bản này.", "No such address or record."),
    405: ("Phương thức này không dùng được ở địa chỉ này.", "This method is not allowed here."),
    413: (
        "Tệp vượt quá giới hạn tải lên của kho; chia nhỏ hoặc báo quản trị.",
        "The file exceeds the archive's upload limit; split it or ask the administrator.",
    ),
    422: ("Sửa các trường được nêu rồi gửi lại.", "Fix the fields listed and send again."),
    429: ("Chờ rồi thử lại (xem Retry-After).", "Wait and retry (see Retry-After)."),
    500: (
        "Đã xảy ra lỗi. Vui lòng thử lại hoặc báo quản trị.",
        "Something went wrong. Retry, or tell the administrator.",
    ),
}


def is_api_request() -> bool:
    return request.path.startswith(PREFIX)


def _english() -> bool:
    return request.accept_languages.best_match(["vi", "en"], default="vi") == "en"


def problem(
    status: int,
    vi: str | None = None,
    en: str | None = None,
    code: str | None = None,
    headers: dict | None = None,
    **extra,
) -> Response:
    """One problem details response."""
    default_vi, default_en = ADVICE.get(status, ADVICE[400] if status < 500 else ADVICE[500])
    vi, en = vi or default_vi, en or default_en
    title_vi, title_en = TITLES.get(status, (HTTPStatus(status).phrase,) * 2)
    english = _english()
    body = {
        "type": f"urn:kho:problem:{code}" if code else "about:blank",
        "title": title_en if english else title_vi,
        "status": status,
        "detail": en if english else vi,
        "instance": request.path,
        "messages": {"vi": vi, "en": en},
        **extra,
    }
    response = Response(json.dumps(body, ensure_ascii=False), status, mimetype=MEDIA_TYPE)
    response.headers["Content-Language"] = "en" if english else "vi"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def from_kho_error(exc: KhoError) -> Response:
    if isinstance(exc, NotFound | EmptyRange):
        status = 404
    elif isinstance(exc, Refused):
        status = 403
    elif isinstance(exc, KeyConflict):
        status = 409
    else:
        status = 422
    extra = {}
    if isinstance(exc, Misplaced):  # which field, as a 422 of the form's validation says
        extra["errors"] = {"form": {exc.field: [exc.en if _english() else exc.vi]}}
    return problem(status, exc.vi, exc.en, exc.code, **extra)


def from_http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    headers = {}
    if status == 405 and getattr(exc, "valid_methods", None):
        headers["Allow"] = ", ".join(exc.valid_methods)
    extra = {}
    messages = getattr(exc, "data", {}).get("messages") if hasattr(exc, "data") else None
    if messages:  # webargs: which fields are wrong and why
        extra["errors"] = messages
    return problem(status, code=None, headers=headers, **extra)


def damaged() -> Response:
    return problem(
        500,
        "Dữ liệu lưu trữ của văn bản này đã bị thay đổi; báo quản trị để khôi phục.",
        "The stored data of this record was altered; ask the administrator to restore it.",
        "damaged",
    )
