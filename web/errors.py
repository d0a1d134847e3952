"""Error pages: every one is Kho's, in both languages; a denial looks like a missing page; nothing
internal is shown.

A page or record that does not exist, asked for by a logged-in person, is a refusal like any
other and is audited (``not_found``, with the page): probing addresses, ids out of range and
malformed numbers leave a trace. (A record the gate refused was audited by the gate already.)
"""

from __future__ import annotations

import re

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from archive.audit.actions import Action
from archive.core import faults, uow
from archive.operations import incidents
from security.crypto.stream import IntegrityError
from security.errors import KhoError, NotFound
from web import current_instance
from web.api import problems
from web.i18n import current_language
from web.params import MAX_ID

_DOCUMENT_URL = re.compile(r"^/documents/(\d{1,10})(?:/|$)")

# Status → (title, what to do), Vietnamese and English: shown in the reader's language first.
HTTP_MESSAGES: dict[int, tuple[str, str, str, str]] = {
    400: (
        "Yêu cầu không hợp lệ",
        "Bad request",
        "Trình duyệt gửi yêu cầu Kho không hiểu. Vui lòng quay lại và thử lại.",
        "The browser sent a request Kho does not understand. Go back and try again.",
    ),
    405: (
        "Thao tác không được hỗ trợ",
        "Method not allowed",
        "Trang này không nhận thao tác đó. Vui lòng mở trang từ trình đơn của Kho.",
        "This page does not accept that action. Open the page from Kho's menu.",
    ),
    413: (
        "Tệp quá lớn",
        "File too large",
        "Tổng dung lượng tải lên vượt giới hạn của Kho. Hãy gửi ít tệp hơn mỗi lần.",
        "The upload is larger than Kho accepts. Send fewer or smaller files at a time.",
    ),
    429: (
        "Quá nhiều yêu cầu",
        "Too many requests",
        "Vui lòng chờ một lát rồi thử lại.",
        "Wait a moment and try again.",
    ),
}
_GENERIC = (
    "Không thực hiện được",
    "Request not completed",
    "Kho không thực hiện được yêu cầu này. Vui lòng thử lại hoặc báo quản trị.",
    "Kho could not complete this request. Try again or tell the administrator.",
)


def _two_languages(vi: str, en: str) -> tuple[str, str]:
    return (en, vi) if current_language() == "en" else (vi, en)


def _audit_missing() -> None:
    """A logged-in person asked for something that is not there: recorded as a refusal."""
    if not current_user.is_authenticated:
        return
    from web.views.auth import current_context  # the views import this module's app

    missing = NotFound("Không tìm thấy trang này.", "Not found.")
    uow.refused(
        current_instance(),
        current_context(),
        Action.NOT_FOUND,
        "no such page or record",
        missing,
        {"page": request.path[:200], "method": request.method},
    )


def init_app(app: Flask) -> None:
    """The pages' error pages; under /api/ the same errors as problem details
    (``web.api.problems``)."""

    def _missing_page():
        # Offered for any document address, found or not: the page says nothing about which.
        match = _DOCUMENT_URL.match(request.path)
        return render_template(
            "error.html",
            title=_("Không tìm thấy"),
            message=_("Không tìm thấy trang hoặc văn bản này."),
            request_doc=int(match.group(1)) if match and int(match.group(1)) <= MAX_ID else None,
        ), 404

    @app.errorhandler(NotFound)
    def _refused(_exc):
        if problems.is_api_request():
            return problems.from_kho_error(_exc)
        return _missing_page()  # the gate or ``requires`` audited the refusal

    @app.errorhandler(404)
    def _not_found(_exc):
        if problems.is_api_request():  # an address of the API that does not exist
            return problems.problem(404)
        _audit_missing()
        return _missing_page()

    @app.errorhandler(faults.DiskFull)
    def _disk_full_raised(exc: faults.DiskFull):
        return _disk_full(exc)

    @app.errorhandler(KhoError)
    def _user_error(exc: KhoError):
        if problems.is_api_request():
            return problems.from_kho_error(exc)
        first, second = _two_languages(exc.vi, exc.en)
        return render_template(
            "error.html", title=_("Không thực hiện được"), message=first, detail=second
        ), 400

    @app.errorhandler(IntegrityError)
    def _damaged(_exc: IntegrityError):
        if problems.is_api_request():
            return problems.damaged()
        return render_template(
            "error.html",
            title=_("Tệp lưu trữ bị hỏng"),
            message=_(
                "Văn bản này không đọc được vì dữ liệu lưu trữ đã bị thay đổi. "
                "Vui lòng báo quản trị để khôi phục từ bản sao lưu."
            ),
        ), 500

    @app.errorhandler(CSRFError)
    def _csrf(_exc):
        return render_template(
            "error.html",
            title=_("Phiên làm việc đã hết hạn"),
            message=_("Vui lòng tải lại trang và thử lại."),
        ), 400

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        """405, 413 and the rest: Kho's page, both languages, the status kept."""
        if problems.is_api_request():
            return problems.from_http_error(exc)
        title_vi, title_en, message_vi, message_en = HTTP_MESSAGES.get(exc.code or 500, _GENERIC)
        title, _other_title = _two_languages(title_vi, title_en)
        message, detail = _two_languages(message_vi, message_en)
        response = exc.get_response()
        response.set_data(
            render_template("error.html", title=title, message=message, detail=detail)
        )
        response.mimetype = "text/html"
        return response

    @app.errorhandler(500)
    def _server_error(exc):
        cause = getattr(exc, "original_exception", None) or exc
        known = faults.explain(cause, current_instance().home) if cause is not exc else None
        if isinstance(known, faults.DiskFull):
            return _disk_full(known)
        if known is not None:
            return _user_error(known)
        try:
            ref = incidents.record(
                current_instance(), cause, f"{request.method} {request.endpoint}"
            )
        except Exception:  # nowhere to write it: the server's own log has the traceback
            ref = None
        if problems.is_api_request():
            return problems.problem(500)
        return render_template(
            "error.html",
            title=_("Lỗi hệ thống"),
            message=_("Đã xảy ra lỗi. Vui lòng thử lại hoặc báo quản trị."),
            detail=_("Mã sự cố cho quản trị: %(ref)s (kho incident %(ref)s).", ref=ref)
            if ref
            else None,
        ), 500

    def _disk_full(exc: faults.DiskFull):
        first, second = (exc.en, exc.vi) if current_language() == "en" else (exc.vi, exc.en)
        if request.endpoint == "auth.login":
            first = _(
                "Không đăng nhập được: mỗi lần đăng nhập phải được ghi vào nhật ký và phiên làm "
                "việc, mà ổ đĩa của Kho đã đầy. Hãy báo quản trị giải phóng chỗ trống."
            )
        return render_template(
            "error.html", title=_("Ổ đĩa đã đầy"), message=first, detail=second
        ), 507
