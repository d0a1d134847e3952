"""Generic error pages: a denial looks like a missing page, and nothing internal is shown."""

from __future__ import annotations

import re

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from archive.core import faults
from archive.operations import incidents
from security.crypto.stream import IntegrityError
from security.errors import KhoError, NotFound
from web import current_instance as kho
from web.i18n import current_language

_DOCUMENT_URL = re.compile(r"^/documents/(\d+)(?:/|$)")


def init_app(app: Flask) -> None:
    @app.errorhandler(NotFound)
    @app.errorhandler(404)
    def _not_found(_exc):
        # Offered for any document address, found or not: the page says nothing about which.
        match = _DOCUMENT_URL.match(request.path)
        return render_template(
            "error.html",
            title=_("Không tìm thấy"),
            message=_("Không tìm thấy trang hoặc văn bản này."),
            request_doc=int(match.group(1)) if match else None,
        ), 404

    @app.errorhandler(faults.DiskFull)
    def _disk_full_raised(exc: faults.DiskFull):
        return _disk_full(exc)

    @app.errorhandler(KhoError)
    def _user_error(exc: KhoError):
        first, second = (exc.en, exc.vi) if current_language() == "en" else (exc.vi, exc.en)
        return render_template(
            "error.html", title=_("Không thực hiện được"), message=first, detail=second
        ), 400

    @app.errorhandler(IntegrityError)
    def _damaged(_exc: IntegrityError):
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

    @app.errorhandler(500)
    def _server_error(exc):
        cause = getattr(exc, "original_exception", None) or exc
        known = faults.explain(cause, kho().home) if cause is not exc else None
        if isinstance(known, faults.DiskFull):
            return _disk_full(known)
        if known is not None:
            return _user_error(known)
        try:
            ref = incidents.record(kho(), cause, f"{request.method} {request.endpoint}")
        except Exception:  # nowhere to write it: the server's own log has the traceback
            ref = None
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
