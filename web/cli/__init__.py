"""The `kho` command: Flask's group (run, shell, routes) plus every package's commands."""

from __future__ import annotations

import os

import click
from flask.cli import FlaskGroup, with_appcontext

from archive import access_commands, audit_commands, lifecycle_commands, store_commands
from archive import commands as archive_commands
from archive.bootstrap import initialize
from archive.commands import instance, read_secret_file, user_errors
from ingest import commands as ingest_commands
from ingest.signatures import commands as signature_commands
from search import commands as search_commands
from search import index
from security import keyfile
from web import create_app
from web.serve import serve_command


@click.command("init")
@click.option(
    "--admin-password-file",
    type=click.Path(exists=True, dir_okay=False),
    help="File holding the first administrator's password (else one is generated).",
)
@click.option(
    "--seal",
    is_flag=True,
    help="Seal the new key file with a passphrase (from KHO_KEY_PASSPHRASE_FD, or asked).",
)
@with_appcontext
@user_errors
def init_command(admin_password_file: str | None, seal: bool) -> None:
    """Create the instance: folders, key file, database schema, empty index, first admin."""
    inst = instance()
    passphrase = None
    if seal and not inst.key_file.exists():
        passphrase = keyfile.read_passphrase(os.environ, "Cụm mật khẩu mới / new passphrase: ")
    password = initialize(inst, read_secret_file(admin_password_file), passphrase)
    index.open_index(inst.index_dir, inst.keyring.index_key)
    click.echo(f"Kho đã sẵn sàng tại / instance ready at: {inst.home}")
    click.echo(f"Tệp khóa / key file: {inst.key_file} (sao lưu riêng / back it up separately)")
    if password:
        click.echo(f"Tài khoản quản trị / admin account: admin  mật khẩu / password: {password}")
        click.echo("Mật khẩu chỉ hiện một lần. / This password is shown only once.")


@click.group(cls=FlaskGroup, create_app=lambda: create_app(), add_version_option=False)
def main() -> None:
    """Kho — kho lưu trữ văn bản của cơ quan Đảng / the secure archive of Party offices."""


for command in [
    init_command,
    serve_command,
    *archive_commands.COMMANDS,
    *audit_commands.COMMANDS,
    *access_commands.COMMANDS,
    *lifecycle_commands.COMMANDS,
    *store_commands.COMMANDS,
    *ingest_commands.COMMANDS,
    *signature_commands.COMMANDS,
    *search_commands.COMMANDS,
]:
    main.add_command(command)
