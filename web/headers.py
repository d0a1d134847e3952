"""Security headers on every response: strict CSP with no inline script, no framing, no caching
of pages; the style sheet, script and icon (public, the same for everyone) are cacheable.

HSTS is sent always: browsers ignore it over plain HTTP (``kho run`` on 127.0.0.1), and behind
the TLS front of a production server (``kho serve``) it pins HTTPS for a year.

No version banner: the development server (``kho run``) says ``Server: Kho`` instead of its
Werkzeug and Python versions (gunicorn, under ``kho serve``, names itself without a version).

Plain HTTP with secure cookies (``kho serve`` reached as ``http://host``, not localhost): the
browser drops the ``__Host-`` cookie, so every login ends in "session expired". Each page then
says what is wrong and what to do, and the log says it once per process.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app, request
from werkzeug.serving import WSGIRequestHandler

HSTS = "max-age=31536000; includeSubDomains"
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
STATIC_CACHE = "public, max-age=3600"
PLAIN_HTTP_HINT = (
    "Kho chỉ giữ phiên đăng nhập qua HTTPS, nhưng trang này được mở bằng HTTP thường nên trình "
    "duyệt bỏ cookie và đăng nhập luôn báo hết phiên. Hãy đặt một proxy TLS (nginx, Caddy) trước "
    "`kho serve --behind-proxy` và mở Kho bằng https://; chỉ trên mạng nội bộ khép kín mới chạy "
    "`kho serve --plain-http`.",
    "Kho keeps sessions over HTTPS only, but this page was opened over plain HTTP, so the "
    "browser drops the cookie and every login ends in 'session expired'. Put a TLS proxy "
    "(nginx, Caddy) in front of `kho serve --behind-proxy` and open Kho at https://; only on a "
    "closed network run `kho serve --plain-http`.",
)
log = logging.getLogger(__name__)
_warned: set[str] = set()

WSGIRequestHandler.server_version = "Kho"
WSGIRequestHandler.sys_version = ""


def plain_http_with_secure_cookies() -> bool:
    """Secure cookies are on, and this request came over plain HTTP from another machine
    (browsers keep secure cookies for http://localhost, so a local trial still works)."""
    if not current_app.config.get("SESSION_COOKIE_SECURE") or request.is_secure:
        return False
    return request.host.split(":")[0] not in ("localhost", "127.0.0.1", "[::1]")


def init_app(app: Flask) -> None:
    @app.context_processor
    def _transport() -> dict:
        return {"PLAIN_HTTP_HINT": PLAIN_HTTP_HINT if plain_http_with_secure_cookies() else None}

    @app.before_request
    def _warn_plain_http() -> None:
        if plain_http_with_secure_cookies() and request.host not in _warned:
            _warned.add(request.host)
            log.warning("%s", PLAIN_HTTP_HINT[1])

    @app.after_request
    def _secure(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", _CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "no-referrer"
        static = request.endpoint == "static" and response.status_code in (200, 304)
        response.headers["Cache-Control"] = STATIC_CACHE if static else "no-store"
        response.headers["Strict-Transport-Security"] = HSTS
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        return response
