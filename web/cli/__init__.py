"""The `kho` command: Flask's group (run, shell, routes) plus Kho's commands, one module per
subject. Every command is thin: it parses, calls a service with the Instance, and prints.

    accounts.py    kho user …, kho grant …, kho share
    api.py         kho token …, kho api spec
    records.py     kho show, get, edit, history, review …, quarantine …
    lifecycle.py   kho fonds, fileplan, dossier, retention, due, hold, dispose, register, declassify
    transfer.py    kho export …, kho import …
    store.py       kho init, keys …, verify, check, backup, restore
    audit.py       kho audit …
    ingest.py      kho ingest, watch, worker, ocr, classify …, demo
    signatures.py  kho trust …, kho signatures …
    search.py      kho search, reindex, snapshot
    serve.py       kho serve
    workflow.py    kho task … (assign, start, done, list), kho stats
"""

from __future__ import annotations

import importlib

import click
from flask.cli import FlaskGroup

from web import create_app

# command → the module under web/cli/ that defines it: a command imports only its own module
# (and what that imports), never its neighbours' (ingest, pyHanko, …). A command missing here
# is still found (every module is then imported); tests/e2e/cli/test_cli_imports.py keeps the
# table complete.
COMMANDS = {
    "user": "accounts",
    "token": "api",
    "api": "api",
    "grant": "accounts",
    "share": "accounts",
    "show": "records",
    "get": "records",
    "edit": "records",
    "history": "records",
    "review": "records",
    "quarantine": "records",
    "fonds": "lifecycle",
    "fileplan": "lifecycle",
    "dossier": "lifecycle",
    "retention": "lifecycle",
    "due": "lifecycle",
    "hold": "lifecycle",
    "dispose": "lifecycle",
    "register": "lifecycle",
    "declassify": "lifecycle",
    "export": "transfer",
    "import": "transfer",
    "init": "store",
    "keys": "store",
    "verify": "store",
    "check": "store",
    "backup": "store",
    "restore": "store",
    "incident": "store",
    "audit": "audit",
    "trace": "audit",
    "ingest": "ingest",
    "watch": "ingest",
    "worker": "ingest",
    "ocr": "ingest",
    "classify": "ingest",
    "demo": "ingest",
    "trust": "signatures",
    "signatures": "signatures",
    "search": "search",
    "reindex": "search",
    "snapshot": "search",
    "serve": "serve",
    "task": "workflow",
    "stats": "workflow",
}
SUBJECTS = (
    "accounts",
    "api",
    "records",
    "lifecycle",
    "transfer",
    "store",
    "audit",
    "ingest",
    "signatures",
    "search",
    "serve",
    "workflow",
)


def commands_of(subject: str) -> dict[str, click.Command]:
    """The commands a module of web/cli/ defines (importing it)."""
    return importlib.import_module(f"web.cli.{subject}").commands.commands


class KhoCommands(FlaskGroup):
    """Flask's group (run, shell, routes) with Kho's commands loaded on demand."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(COMMANDS))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        subject = COMMANDS.get(name)
        if subject is not None:
            return commands_of(subject)[name]
        found = super().get_command(ctx, name)
        if found is None:  # a command not yet in COMMANDS: look everywhere
            for subject in SUBJECTS:
                found = found or commands_of(subject).get(name)
        return found


FLASK_PAGES = frozenset({"run", "routes", "shell"})  # Flask's own commands that use the pages


def _app():
    """The app for the command being run: with pages only for Flask's run, routes and shell
    (``kho serve`` builds its own)."""
    ctx = click.get_current_context(silent=True)
    name = ctx.find_root().invoked_subcommand if ctx is not None else None
    return create_app(pages=name is None or name in FLASK_PAGES)


@click.group(cls=KhoCommands, create_app=_app, add_version_option=False)
def main() -> None:
    """Kho — kho lưu trữ văn bản của cơ quan Đảng / the secure archive of Party offices."""
