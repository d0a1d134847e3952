"""`kho serve`: the production server — gunicorn (2+ worker processes, threads in each) plus the
ingest worker process that files web uploads. `kho run` stays Flask's development server.

Secure cookies (``__Host-kho``) are on unless ``--plain-http`` is given (a trial on a laptop
without TLS): production is meant to sit behind a TLS front (``--behind-proxy`` then trusts
its X-Forwarded-For/-Proto so addresses in the audit log are the clients'; without it, or
``KHO_TRUSTED_PROXIES``, those headers are ignored).
"""

from __future__ import annotations

import os
import subprocess
import sys

import click

from web.accesslog import ACCESS_LOG_FORMAT
from web.cli.support import KhoGroup

commands = KhoGroup("serve")
WORKER_CODE = "from web.cli import main; main(['worker'])"


def build_app(behind_proxy: bool):
    from web import create_app, wiring

    app = create_app({"KHO_TRUSTED_PROXIES": 1} if behind_proxy else None)
    wiring.follow_in_background(app.extensions["kho"])  # this worker's index follows the log
    return app


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
@click.option("--no-ingest-worker", is_flag=True, help="Do not start the ingest worker here.")
@click.option("--plain-http", is_flag=True, help="Cookies without Secure (no TLS in front).")
@click.option("--behind-proxy", is_flag=True, help="Trust one proxy's X-Forwarded-* headers.")
def serve_command(
    bind: str,
    workers: int,
    threads: int,
    no_ingest_worker: bool,
    plain_http: bool,
    behind_proxy: bool,
) -> None:
    """Serve Kho with gunicorn and the ingest worker (production)."""
    os.environ.setdefault("KHO_SECURE_COOKIES", "0" if plain_http else "1")
    worker = None
    if not no_ingest_worker:
        worker = subprocess.Popen([sys.executable, "-c", WORKER_CODE], env=os.environ.copy())
        click.echo(f"Tiến trình nộp văn bản / ingest worker: pid {worker.pid}")
    options = {
        "bind": bind,
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "timeout": 120,
        "graceful_timeout": 20,
        "accesslog": "-",
        "access_log_format": ACCESS_LOG_FORMAT,  # the path alone: no query string, no referrer
        "limit_request_line": 8190,
        "preload_app": False,  # each worker opens its own database engine and keyring
    }
    try:
        gunicorn_application(options, behind_proxy).run()
    finally:
        if worker is not None:
            worker.terminate()
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
