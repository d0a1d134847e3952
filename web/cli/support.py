"""What every `kho` command shares: the group that runs it, the instance, acting as an account,
printing results and errors.

The command line acts as a named account (``--as``) with the machine-level trust of whoever can
read the key file; every read still goes through the gate and is audited with address "cli".
Commands that act for the operator rather than a person (``kho user add``, ``kho keys …``) use
``OPERATOR``, recorded as "cli" without an account.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

import click
from flask.cli import AppGroup

from archive.accounts import accounts
from archive.core import schema
from archive.core.instance import Instance
from security.actor import Context
from security.errors import KhoError
from web import current_instance
from web.params import MAX_ID, YEARS

OPERATOR = Context(None, "cli")
# Numbers typed on the command line, bounded like the web's (web.params): a clear usage error
# instead of a database overflow.
RECORD_ID = click.IntRange(1, MAX_ID)
YEAR = click.IntRange(*YEARS)


def instance() -> Instance:
    """The app's instance, initialized or not (``kho init`` and ``kho restore`` create it)."""
    return current_instance()


def ready_instance() -> Instance:
    """The instance, after checking that `kho init` has run (a clear error instead of SQL noise)."""
    inst = instance()
    if not inst.key_file.exists() or not schema.is_initialized(inst):
        raise KhoError(
            f"Chưa khởi tạo kho tại {inst.home}: chạy `kho init` (hoặc đặt KHO_HOME).",
            f"No Kho instance at {inst.home}: run `kho init` (or set KHO_HOME).",
        )
    return inst


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


def _with_instance(func: Callable) -> Callable:
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return func(ready_instance(), *args, **kwargs)

    return wrapper


class KhoGroup(AppGroup):
    """A group of `kho` commands. Each command runs in the application context (``AppGroup``),
    turns a ``KhoError`` into a two-language message (``user_errors``), and gets the ready
    ``Instance`` as its first argument; ``instance=False`` for the few that create one."""

    def command(self, *args, instance: bool = True, **kwargs):  # type: ignore[override]
        register = super().command(*args, **kwargs)

        def decorator(func: Callable) -> click.Command:
            return register(user_errors(_with_instance(func) if instance else func))

        return decorator

    def group(self, *args, **kwargs):  # type: ignore[override]
        kwargs.setdefault("cls", KhoGroup)
        return super().group(*args, **kwargs)


def acting_as(inst: Instance, username: str | None, role: str | None = None) -> Context:
    """The context of the named account; without a name, ``KHO_USER`` or the only account
    of ``role`` (so a one-archivist office need not type ``--as`` for every ingest)."""
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
