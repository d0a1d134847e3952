"""Generic error pages: a denial looks like a missing page, and nothing internal is shown."""

from __future__ import annotations

import re

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from security.crypto.stream import IntegrityError
from security.errors import KhoError, NotFound
from web.api import problems
from web.i18n import current_language

_DOCUMENT_URL = re.compile(r"^/documents/(\d+)(?:/|$)")


def init_app(app: Flask) -> None:
    """The pages' error pages; under /api/ the same errors as problem details
    (``web.api.problems``)."""
    problems.register(app)

    @app.errorhandler(NotFound)
    @app.errorhandler(404)
    def _not_found(_exc):
        if problems.is_api_request():
            if isinstance(_exc, KhoError):
                return problems.from_kho_error(_exc)
            return problems.problem(404)
        # Offered for any document address, found or not: the page says nothing about which.
        match = _DOCUMENT_URL.match(request.path)
        return render_template(
            "error.html",
            title=_("Không tìm thấy"),
            message=_("Không tìm thấy trang hoặc văn bản này."),
            request_doc=int(match.group(1)) if match else None,
        ), 404

    @app.errorhandler(KhoError)
    def _user_error(exc: KhoError):
        if problems.is_api_request():
            return problems.from_kho_error(exc)
        first, second = (exc.en, exc.vi) if current_language() == "en" else (exc.vi, exc.en)
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

    @app.errorhandler(500)
    def _server_error(_exc):
        if problems.is_api_request():
            return problems.problem(500)
        return render_template(
            "error.html",
            title=_("Lỗi hệ thống"),
            message=_("Đã xảy ra lỗi. Vui lòng thử lại hoặc báo quản trị."),
        ), 500
