"""Configuration the Flask way: defaults, then the instance's config.py, then KHO_* variables.

``KHO_HOME`` (default ``./instance``) is the data directory; its ``config.py`` is written by
``kho init`` with a random ``SECRET_KEY``. ``KHO_BLOBS`` (``s3://bucket/prefix``) and
``KHO_S3_ENDPOINT`` put the blobs in object storage instead of ``$KHO_HOME/blobs``. Explicit
settings passed to ``create_app`` win over all.

Cookies: with ``KHO_SECURE_COOKIES`` on, the session cookie is ``__Host-kho`` (Secure, HttpOnly,
SameSite=Lax, path /, no domain). ``kho serve`` (production, behind TLS) turns it on by default;
``kho run`` (development over plain HTTP on 127.0.0.1) leaves it off, because a Secure cookie is
not sent back over plain HTTP by every browser. ``KHO_SECURE_COOKIES=1`` or ``0`` decides.

``KHO_TRUSTED_PROXIES`` (default 0): how many reverse proxies in front of Kho set
X-Forwarded-For; only then is the client's address taken from it (``kho serve --behind-proxy``
sets 1).

``KHO_SERVER_TIMING=1``: every answer says the server's own time (web/timing.py); otherwise
only an administrator's pages do.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Config

DEFAULTS = {
    "KHO_HOME": "instance",
    "KHO_DATABASE_URL": None,
    "KHO_KEY_FILE": None,
    "KHO_BLOBS": None,
    "KHO_S3_ENDPOINT": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "PERMANENT_SESSION_LIFETIME": 8 * 3600,
    "MAX_CONTENT_LENGTH": 200 * 1024 * 1024,
    "WTF_CSRF_TIME_LIMIT": None,
}
ENV_KEYS = (
    "KHO_HOME",
    "KHO_DATABASE_URL",
    "KHO_KEY_FILE",
    "KHO_BLOBS",
    "KHO_S3_ENDPOINT",
    "KHO_SECRET_KEY",
    "KHO_SECURE_COOKIES",
    "KHO_TRUSTED_PROXIES",
    "KHO_SERVER_TIMING",
)
SECURE_COOKIE_NAME = "__Host-kho"
PLAIN_COOKIE_NAME = "kho"


def home_of(explicit: dict | None) -> Path:
    home = (explicit or {}).get("KHO_HOME") or os.environ.get("KHO_HOME") or DEFAULTS["KHO_HOME"]
    return Path(home).resolve()


def load(config: Config, explicit: dict | None) -> None:
    config.from_mapping(DEFAULTS)
    home = home_of(explicit)
    config.from_pyfile(str(home / "config.py"), silent=True)
    for key, value in os.environ.items():
        if value and (key in ENV_KEYS or key.startswith(("KHO_MAX_", "KHO_API_"))):  # limits
            config[key] = value
    if explicit:
        config.from_mapping(explicit)
    config["KHO_HOME"] = str(home)
    if config.get("KHO_SECRET_KEY"):
        config["SECRET_KEY"] = config["KHO_SECRET_KEY"]
    secure = str(config.get("KHO_SECURE_COOKIES", "0")).lower() in ("1", "true", "yes", "on")
    config["SESSION_COOKIE_SECURE"] = secure
    config["SESSION_COOKIE_NAME"] = SECURE_COOKIE_NAME if secure else PLAIN_COOKIE_NAME
    config["SESSION_COOKIE_PATH"] = "/"
    config["SESSION_COOKIE_DOMAIN"] = None
