"""Configuration the Flask way: defaults, then the instance's config.py, then KHO_* variables.

``KHO_HOME`` (default ``./instance``) is the data directory; its ``config.py`` is written by
``kho init`` with a random ``SECRET_KEY``. Explicit settings passed to ``create_app`` win over all.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Config

DEFAULTS = {
    "KHO_HOME": "instance",
    "KHO_DATABASE_URL": None,
    "KHO_KEY_FILE": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "PERMANENT_SESSION_LIFETIME": 8 * 3600,
    "MAX_CONTENT_LENGTH": 200 * 1024 * 1024,
    "WTF_CSRF_TIME_LIMIT": None,
}
ENV_KEYS = ("KHO_HOME", "KHO_DATABASE_URL", "KHO_KEY_FILE", "KHO_SECRET_KEY")


def home_of(explicit: dict | None) -> Path:
    home = (explicit or {}).get("KHO_HOME") or os.environ.get("KHO_HOME") or DEFAULTS["KHO_HOME"]
    return Path(home).resolve()


def load(config: Config, explicit: dict | None) -> None:
    config.from_mapping(DEFAULTS)
    home = home_of(explicit)
    config.from_pyfile(str(home / "config.py"), silent=True)
    for key, value in os.environ.items():
        if value and (key in ENV_KEYS or key.startswith("KHO_MAX_")):  # ingest limits too
            config[key] = value
    if explicit:
        config.from_mapping(explicit)
    config["KHO_HOME"] = str(home)
    if config.get("KHO_SECRET_KEY"):
        config["SECRET_KEY"] = config["KHO_SECRET_KEY"]
