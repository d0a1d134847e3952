"""The web face of Kho: the application factory. Views stay thin; services do the work."""

from __future__ import annotations

import secrets

from flask import Flask, current_app
from flask_wtf.csrf import CSRFProtect

from archive.core.instance import Instance
from archive.core.limits import Limits
from web import config as kho_config

csrf = CSRFProtect()


def current_instance() -> Instance:
    """The instance of the application serving this request or command."""
    return current_app.extensions["kho"]


def create_app(config: dict | None = None) -> Flask:
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
        Limits.from_mapping(app.config),
    )
    csrf.init_app(app)

    from web import api, errors, headers, i18n, wiring
    from web.views import (
        admin,
        audit,
        auth,
        documents,
        grants,
        lifecycle,
        review,
        tokens,
        uploads,
    )

    wiring.connect()

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
        tokens.bp,
    ):
        app.register_blueprint(blueprint)
    api.init_app(app)
    return app
