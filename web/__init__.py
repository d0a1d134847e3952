"""The web face of Kho: the application factory. Views stay thin; services do the work."""

from __future__ import annotations

import secrets

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from archive.instance import Instance
from web import config as kho_config

csrf = CSRFProtect()


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
        app.config["KHO_BLOBS"],
        app.config["KHO_S3_ENDPOINT"],
    )
    csrf.init_app(app)

    from archive import events, lifecycle_events
    from web import (
        admin,
        audit,
        auth,
        documents,
        errors,
        grants,
        headers,
        i18n,
        records,
        review,
        uploads,
    )

    events.record_changed.connect(_reindex_changed, weak=False)
    lifecycle_events.record_destroyed.connect(_reindex_changed, weak=False)

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
        records.bp,
    ):
        app.register_blueprint(blueprint)
    return app


def _reindex_changed(inst: Instance, doc_id: int) -> None:
    """The index is derived: a changed, released or destroyed record is updated at once
    (re-indexed with its new level, or removed when it is no longer active)."""
    from search import feed

    feed.refresh(inst, [doc_id])
