"""`kho` commands of the archive: user add, show, get; plus the CLI helpers
the other packages' commands share (the instance, acting as a user, printing results and errors).

The command line acts as a named account (``--as``) with the machine-level trust of whoever can
read the key file; every read still goes through the gate and is audited with address "cli".
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from archive import access, accounts, schema
from archive.audit import Context
from archive.instance import Instance
from security.errors import KhoError
from security.passwords import generate_password
from security.policy import LEVELS, ROLES

# -- helpers shared by every package's commands -------------------------------------------------


def instance() -> Instance:
    return current_app.extensions["kho"]


def ready_instance() -> Instance:
    """The instance, after checking that `kho init` has run (a clear error instead of SQL noise)."""
    inst = instance()
    if not inst.key_file.exists() or not schema.is_initialized(inst):
        raise KhoError(
            f"Chưa khởi tạo kho tại {inst.home}: chạy `kho init` (hoặc đặt KHO_HOME).",
            f"No Kho instance at {inst.home}: run `kho init` (or set KHO_HOME).",
        )
    return inst


def acting_as(username: str | None, role: str | None = None) -> Context:
    """The context of the named account; without a name, ``KHO_USER`` or the only account
    of ``role`` (so a one-archivist office need not type ``--as`` for every ingest)."""
    inst = ready_instance()
    username = username or os.environ.get("KHO_USER")
    with inst.sessions() as session:
        if not username and role:
            names = accounts.usernames_with_role(session, role)
            if len(names) != 1:
                raise KhoError(
                    f"Hãy chỉ định --as (các tài khoản {role}: {', '.join(names) or 'không có'}).",
                    f"Give --as (accounts with role {role}: {', '.join(names) or 'none'}).",
                )
            username = names[0]
        if not username:
            raise KhoError("Hãy chỉ định --as TÊN.", "Give --as USER.")
        return accounts.context_for(accounts.require_user(session, username), "cli")


def emit(obj: dict, as_json: bool, text: str) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, default=str) if as_json else text)


def user_errors(func: Callable) -> Callable:
    """Turn a KhoError into a two-language message and exit status 1, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except KhoError as exc:
            if kwargs.get("as_json"):
                click.echo(json.dumps({"error": exc.code, "reason": str(exc)}, ensure_ascii=False))
            else:
                click.echo(f"Lỗi: {exc.vi}\nError: {exc.en}", err=True)
            sys.exit(1)

    return wrapper


def read_secret_file(path: str | None) -> str | None:
    if path is None:
        return None
    return Path(path).read_text(encoding="utf-8").strip("\r\n")


as_option = click.option(
    "--as",
    "as_user",
    required=True,
    metavar="USER",
    help="Account to act as (its clearance and unit apply).",
)
json_option = click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")

# -- users --------------------------------------------------------------------------------------


@click.group("user")
def user_group() -> None:
    """Manage accounts."""


@user_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--clearance", type=click.Choice(LEVELS), required=True)
@click.option("--unit", "unit_code", help="Unit code (created on first use).")
@click.option("--full-name", default="")
@click.option("--password-file", type=click.Path(exists=True, dir_okay=False))
@click.option("--unit-head", is_flag=True, help="Head of the unit: approves its grants.")
@with_appcontext
@user_errors
def user_add_command(
    name: str,
    role: str,
    clearance: str,
    unit_code: str | None,
    full_name: str,
    password_file: str | None,
    unit_head: bool,
) -> None:
    """Add an account; without --password-file a password is generated and printed once."""
    password = read_secret_file(password_file) if password_file else generate_password()
    accounts.create_account(
        ready_instance(),
        Context(None, "cli"),
        name,
        password,
        role,
        clearance,
        unit_code,
        full_name,
        unit_head,
    )
    click.echo(f"Đã tạo tài khoản / account created: {name} ({role}, {clearance})")
    if not password_file:
        click.echo(f"Mật khẩu / password: {password}  (chỉ hiện một lần / shown once)")


# -- reading ------------------------------------------------------------------------------------


@click.command("show")
@click.argument("doc_id", type=int)
@as_option
@json_option
@click.option("--text", "with_text", is_flag=True, help="Also print the full text.")
@with_appcontext
@user_errors
def show_command(doc_id: int, as_user: str, as_json: bool, with_text: bool) -> None:
    """Show a document's description (and text) if the account may read it."""
    inst = ready_instance()
    ctx = acting_as(as_user)
    if with_text:
        view, text = access.read_document(inst, ctx, doc_id)
    else:
        view, text = access.view_document(inst, ctx, doc_id), None
    data = view.as_dict() | ({"text": text} if text is not None else {})
    data["signatures"] = (view.details.get("signatures") or {}).get("items", [])
    lines = [
        f"{k}: {v}" for k, v in data.items() if k not in ("text", "signatures") and v is not None
    ]
    lines += [
        f"chữ ký số / signature: {s['signer']} ({s['organization'] or '-'}) — {s['status']}, "
        f"{s['signed_at'] or '-'} ({s['time_source']})"
        for s in data["signatures"]
    ]
    emit(data, as_json, "\n".join(lines) + (f"\n\n{text}" if text else ""))


@click.command("get")
@click.argument("doc_id", type=int)
@as_option
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    help="Where to write the file.",
)
@click.option("--original", is_flag=True, help="The original bitstream, not the access copy.")
@with_appcontext
@user_errors
def get_command(doc_id: int, as_user: str, output: str, original: bool) -> None:
    """Write a document's file (the sanitized access copy unless --original) to OUTPUT."""
    content = access.open_content(ready_instance(), acting_as(as_user), doc_id, original)
    target = Path(output)
    tmp = target.with_name(target.name + ".part")
    try:
        with open(tmp, "wb") as fh:
            for chunk in content.chunks:
                fh.write(chunk)
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    click.echo(f"{target} ({content.size} bytes, {content.media_type})")


COMMANDS = [user_group, show_command, get_command]
