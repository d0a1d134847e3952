"""The web face of Kho: the application factory. Views stay thin; services do the work."""

from __future__ import annotations

import secrets

from flask import Flask, current_app

from archive.core.instance import Instance
from archive.core.limits import Limits
from web import config as kho_config


def current_instance() -> Instance:
    """The instance of the application serving this request or command."""
    return current_app.extensions["kho"]


def create_app(config: dict | None = None, *, pages: bool = True) -> Flask:
    """The application: configuration, the instance, the index following the archive and, with
    ``pages``, every page (blueprints, sign-in, headers, error pages, translations). The `kho`
    command builds it without pages: a command that never serves a page does not import the
    views and what they import (previews, uploads, the ingest pipeline)."""
    app = Flask(
        __name__, instance_path=str(kho_config.home_of(config)), instance_relative_config=True
    )
    kho_config.load(app.config, config)
    if not app.config.get("SECRET_KEY"):
        # No instance yet (before `kho init`): sessions simply do not survive a restart.
        app.config["SECRET_KEY"] = secrets.token_hex(32)
    app.extensions["kho"] = Instance.from_settings(
        app.config["KHO_HOME"],
        app.config["KHO_DATABASE_URL"],
        app.config["KHO_KEY_FILE"],
        app.config["KHO_BLOBS"],
        app.config["KHO_S3_ENDPOINT"],
        Limits.from_mapping(app.config),
    )
    from web import wiring

    wiring.connect()
    if pages:
        _add_pages(app)
    return app


def _add_pages(app: Flask) -> None:
    from flask_wtf.csrf import CSRFProtect  # loads Babel: only where pages are served

    from web import errors, headers, i18n
    from web.views import admin, audit, auth, documents, grants, lifecycle, review, uploads

    CSRFProtect(app)
    i18n.init_app(app)
    auth.init_app(app)
    headers.init_app(app)
    errors.init_app(app)
    for blueprint in (
        auth.bp,
        documents.bp,
        uploads.bp,
        grants.bp,
        audit.bp,
        admin.bp,
        review.bp,
        lifecycle.bp,
    ):
        app.register_blueprint(blueprint)
