"""`kho serve`: the production server — gunicorn (2+ worker processes, threads in each) plus the
ingest worker process that files web uploads. `kho run` stays Flask's development server.

Secure cookies (``__Host-kho``) are on unless ``--plain-http`` is given (a trial on a laptop
without TLS): production is meant to sit behind a TLS front (``--behind-proxy`` then trusts
its X-Forwarded-For/-Proto so addresses in the audit log are the clients'; without it, or
``KHO_TRUSTED_PROXIES``, those headers are ignored).
"""

from __future__ import annotations

import gc
import hashlib
import os
import sys
import tempfile
from pathlib import Path

import click

from web import config
from web.accesslog import ACCESS_LOG_FORMAT
from web.cli.support import KhoGroup
from web.supervisor import Supervisor

commands = KhoGroup("serve")
# Longer than a proxy's idle timeout (nginx keeps upstream connections 60 s): the proxy closes
# an idle connection first, never the server under a request the proxy just sent on it.
KEEP_ALIVE = 75


# How long a web worker's thread keeps the interpreter's lock while another asks for it. A
# request's thread gives it up at every database statement, file open and system call, and
# then may wait up to Python's default 5 ms for a thread busy rendering or decrypting to let
# it go: a search page makes some forty such calls (bench/search_load.py measures the effect).
SWITCH_INTERVAL = 0.001


def build_app(behind_proxy: bool):
    from web import create_app, wiring

    sys.setswitchinterval(SWITCH_INTERVAL)  # in each web worker (the app is not preloaded)

    app = create_app({"KHO_TRUSTED_PROXIES": 1} if behind_proxy else None)
    # this worker's index follows the log (what others filed: once they have left it a while)
    wiring.follow_in_background(app.extensions["kho"], defer=wiring.SERVING_DEFER)
    warm_up(app)
    freeze_startup()
    return app


def freeze_startup() -> None:
    """Set what a new worker has built so far (modules, the app, compiled pages, the opened
    index) apart from the garbage collector's full passes: it lives as long as the worker, yet
    every full pass walked it all again. Such a pass comes now and then as requests leave
    long-lived objects behind, and it made one request in twenty slow: 120 ms more CPU than its
    neighbours for ~230,000 objects on the bench machine (bench/pages.py --each shows each
    round's passes). After ``gc.freeze`` a full pass walks only what came after."""
    gc.collect()  # what startup left as garbage is freed, not frozen
    gc.freeze()


def warm_up(app) -> None:
    """Before a new worker takes requests, what its first ones would otherwise wait for (a
    first search took 3 s against 0.3 s for the next on a busy machine): every page template
    compiled, the search index's segments opened (``search.engine.reader`` keeps them), and the
    dummy password hash made, so that the first sign-in of an unknown name costs what any
    other does."""
    import logging

    from search.engine import reader
    from security.identity import passwords

    passwords.warm_up()

    for name in app.jinja_env.list_templates(filter_func=lambda n: n.endswith(".html")):
        app.jinja_env.get_template(name)
    inst = app.extensions["kho"]
    if inst.index_dir.exists():
        try:
            reader.snapshot(inst.index_dir, inst.keyring.index_key)
        except Exception:  # a search will say what is wrong with the index; serving goes on
            logging.getLogger(__name__).warning("index not opened at start", exc_info=True)


def gunicorn_application(options: dict, behind_proxy: bool):
    from gunicorn.app.base import BaseApplication

    class KhoServer(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self):
            return build_app(behind_proxy)

    return KhoServer()


@commands.command("serve", instance=False, with_appcontext=False)
@click.option("--bind", "-b", default="127.0.0.1:8000", show_default=True, help="host:port")
@click.option("--workers", "-w", default=2, show_default=True, type=click.IntRange(2, 64))
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64))
@click.option(
    "--keep-alive",
    default=KEEP_ALIVE,
    show_default=True,
    type=click.IntRange(1, 3600),
    help="Seconds an idle connection stays open: longer than the proxy's (nginx: 60).",
)
@click.option("--no-ingest-worker", is_flag=True, help="Do not start the ingest worker here.")
@click.option("--plain-http", is_flag=True, help="Cookies without Secure (no TLS in front).")
@click.option("--behind-proxy", is_flag=True, help="Trust one proxy's X-Forwarded-* headers.")
def serve_command(
    bind: str,
    workers: int,
    threads: int,
    keep_alive: int,
    no_ingest_worker: bool,
    plain_http: bool,
    behind_proxy: bool,
) -> None:
    """Serve Kho with gunicorn and a supervised ingest worker (production)."""
    os.environ.setdefault("KHO_SECURE_COOKIES", "0" if plain_http else "1")
    home = Path(config.home_of(None))
    supervisor = None if no_ingest_worker else Supervisor(os.environ.copy())

    def when_ready(_server) -> None:
        if supervisor is not None:
            supervisor.start()
            click.echo("Tiến trình nộp văn bản được giám sát / ingest worker supervised")

    def on_exit(_server) -> None:
        if supervisor is not None:
            supervisor.stop()

    options = {
        "bind": bind,
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "timeout": 120,
        "graceful_timeout": 20,
        "keepalive": keep_alive,
        "control_socket": str(control_socket(home)),
        "control_socket_mode": 0o600,
        "accesslog": "-",
        "access_log_format": ACCESS_LOG_FORMAT,  # the path alone: no query string, no referrer
        "limit_request_line": 8190,
        "preload_app": False,  # each worker opens its own database engine and keyring
        "when_ready": when_ready,
        "on_exit": on_exit,
    }
    try:
        gunicorn_application(options, behind_proxy).run()
    finally:
        if supervisor is not None:
            supervisor.stop()


def control_socket(home: Path) -> Path:
    """gunicorn's control socket inside the instance (``run/``), not the per-account default
    that two instances under one account would share; a home too deep for a socket path (108
    bytes) gets a private folder named after it under the temporary directory."""
    path = home / "run" / "gunicorn.ctl"
    if len(os.fsencode(path)) > 100:
        digest = hashlib.sha256(os.fsencode(home)).hexdigest()[:16]
        path = Path(tempfile.gettempdir()) / f"kho-{digest}" / "gunicorn.ctl"
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path
