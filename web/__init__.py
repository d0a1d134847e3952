"""The web face of Kho: the application factory. Views stay thin; services do the work."""

from __future__ import annotations

import sys

from web import stopping

# First, before anything else (imports take seconds on a busy machine): a `kho worker` stops
# on a signal that comes while it starts (web/stopping.py).
stopping.early(sys.argv)

from typing import TYPE_CHECKING  # noqa: E402

if TYPE_CHECKING:
    from flask import Flask

    from archive.core.instance import Instance

# Flask, the instance and what they import are imported inside the functions below: `kho`
# starts with web/cli/launch.py, which must not pay for them (web/cli/launch.py says why).


def current_instance() -> Instance:
    """The instance of the application serving this request or command."""
    from flask import current_app

    return current_app.extensions["kho"]


def trust_proxies(app: Flask) -> None:
    """Believe X-Forwarded-For/-Proto only from as many proxies as ``KHO_TRUSTED_PROXIES``
    says (0 by default): otherwise anyone could pick the address the audit log records and the
    login back-off counts, by sending the header themselves."""
    count = int(app.config.get("KHO_TRUSTED_PROXIES") or 0)
    if count > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)  # type: ignore[method-assign]


def create_app(config: dict | None = None, *, pages: bool = True) -> Flask:
    """The application: configuration, the instance, the index following the archive and, with
    ``pages``, every page (blueprints, sign-in, headers, error pages, translations). The `kho`
    command builds it without pages: a command that never serves a page does not import the
    views and what they import (previews, uploads, the ingest pipeline)."""
    import secrets

    from flask import Flask

    from archive.core.instance import Instance
    from archive.core.limits import Limits
    from web import config as kho_config
    from web import params

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
    trust_proxies(app)
    app.url_map.converters["int"] = params.BoundedInt

    from web import wiring

    wiring.connect()
    if pages:
        _add_pages(app)
    return app


def _add_pages(app: Flask) -> None:
    from flask_wtf.csrf import CSRFProtect  # loads Babel: only where pages are served

    from web import accesslog, api, display, errors, headers, i18n, timing
    from web.views import (
        admin,
        audit,
        auth,
        declassify,
        disposal,
        documents,
        grants,
        holds,
        lifecycle,
        review,
        services,
        tokens,
        uploads,
        workflow,
    )

    csrf = CSRFProtect(app)
    i18n.init_app(app)
    display.init_app(app)
    auth.init_app(app)
    headers.init_app(app)
    accesslog.init_app(app)
    errors.init_app(app)
    timing.init_app(app)

    @app.context_processor
    def _demo() -> dict:
        """A demo instance (``kho init --demo``, ``KHO_DEMO`` in its config.py) says so on
        every page: its passwords are published and its documents generated."""
        return {"DEMO_INSTANCE": bool(app.config.get("KHO_DEMO"))}

    for blueprint in (
        auth.bp,
        documents.bp,
        uploads.bp,
        grants.bp,
        audit.bp,
        admin.bp,
        review.bp,
        lifecycle.bp,
        disposal.bp,
        holds.bp,
        declassify.bp,
        tokens.bp,
        workflow.bp,
        services.bp,
    ):
        app.register_blueprint(blueprint)
    api.init_app(app, csrf)
