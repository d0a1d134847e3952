"""The `kho` command group: Flask's group (run, shell, routes) plus Kho's commands, loaded on
demand from one module per subject (``catalog.COMMANDS``).
"""

from __future__ import annotations

import importlib

import click
from flask.cli import FlaskGroup

from web import create_app
from web.cli.catalog import COMMANDS

SUBJECTS = tuple(dict.fromkeys(COMMANDS.values()))  # the modules under web/cli/ with commands


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
