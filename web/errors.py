"""Generic error pages: a denial looks like a missing page, and nothing internal is shown."""

from __future__ import annotations

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError

from security.errors import KhoError, NotFound
from security.stream import IntegrityError


def init_app(app: Flask) -> None:
    @app.errorhandler(NotFound)
    @app.errorhandler(404)
    def _not_found(_exc):
        return render_template(
            "error.html", title="Không tìm thấy", message="Không tìm thấy trang hoặc văn bản này."
        ), 404

    @app.errorhandler(KhoError)
    def _user_error(exc: KhoError):
        return render_template(
            "error.html", title="Không thực hiện được", message=exc.vi, detail=exc.en
        ), 400

    @app.errorhandler(IntegrityError)
    def _damaged(_exc: IntegrityError):
        return render_template(
            "error.html",
            title="Tệp lưu trữ bị hỏng",
            message="Văn bản này không đọc được vì dữ liệu lưu trữ đã bị thay đổi. "
            "Vui lòng báo quản trị để khôi phục từ bản sao lưu.",
        ), 500

    @app.errorhandler(CSRFError)
    def _csrf(_exc):
        return render_template(
            "error.html",
            title="Phiên làm việc đã hết hạn",
            message="Vui lòng tải lại trang và thử lại.",
        ), 400

    @app.errorhandler(500)
    def _server_error(_exc):
        return render_template(
            "error.html",
            title="Lỗi hệ thống",
            message="Đã xảy ra lỗi. Vui lòng thử lại hoặc báo quản trị.",
        ), 500
