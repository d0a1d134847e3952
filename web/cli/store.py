"""`kho keys …` and `kho verify`: key rotation, retirement, escrow, and fixity checks."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from archive import fixity, keyops
from archive.audit import Context
from archive.commands import ready_instance, user_errors
from security import keyfile

CLI = Context(None, "cli")


@click.group("keys")
def keys_group() -> None:
    """Key-encryption keys: status, rotation, retirement, escrow."""


@keys_group.command("status")
@with_appcontext
@user_errors
def keys_status_command() -> None:
    """Show the KEK versions and how many data keys each one wraps."""
    state = keyops.status(ready_instance())
    click.echo(f"Nguồn khóa / key source: {state.source}")
    for version, count in sorted(state.keys_per_version.items()):
        mark = " (hiện hành / current)" if version == state.current else ""
        click.echo(f"  KEK v{version}: {count} data keys{mark}")


@keys_group.command("rotate")
@click.option("--resume", is_flag=True, help="Finish an interrupted rotation (no new KEK).")
@with_appcontext
@user_errors
def keys_rotate_command(resume: bool) -> None:
    """Make a new KEK and re-wrap every data key under it (ciphertexts are not touched)."""
    version, count = keyops.rotate(ready_instance(), CLI, resume=resume)
    click.echo(f"KEK v{version} hiện hành / current; {count} data keys re-wrapped.")


@keys_group.command("retire")
@click.argument("version", type=int)
@with_appcontext
@user_errors
def keys_retire_command(version: int) -> None:
    """Remove KEK VERSION from the key file, once no data key needs it."""
    keyops.retire(ready_instance(), CLI, version)
    click.echo(f"Đã hủy KEK v{version} / retired KEK v{version}.")


@keys_group.command("export")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
@with_appcontext
@user_errors
def keys_export_command(output: str) -> None:
    """Write a passphrase-sealed copy of the keyring for escrow (keep it apart from the data).

    The passphrase is read from the descriptor in KHO_KEY_PASSPHRASE_FD, or asked twice.
    """
    passphrase = keyfile.read_passphrase(os.environ, "Cụm mật khẩu / passphrase: ")
    if not os.environ.get(keyfile.ENV_PASSPHRASE_FD):
        again = keyfile.read_passphrase(os.environ, "Nhập lại / again: ")
        if again != passphrase:
            raise click.ClickException("Hai lần nhập không khớp / passphrases differ.")
    keyops.export_sealed(ready_instance(), CLI, Path(output), passphrase)
    click.echo(f"Bản sao khóa đã niêm phong / sealed keyring written: {output}")


@click.command("verify")
@click.option("--deep", is_flag=True, help="Also decrypt and authenticate every object.")
@with_appcontext
@user_errors
def verify_command(deep: bool) -> None:
    """Fixity: check every stored object's hash (and, --deep, its authentication)."""
    checked, damage = fixity.verify(ready_instance(), CLI, deep=deep)
    for item in damage:
        click.echo(f"DAMAGE: {item}")
    click.echo(f"{checked} objects checked{' (deep)' if deep else ''}, {len(damage)} damaged.")
    if damage:
        sys.exit(1)


COMMANDS = [keys_group, verify_command]
