"""What every `kho` command shares: the group that runs it, the instance, acting as an account,
printing results and errors.

The command line acts as a named account (``--as``) with the machine-level trust of whoever can
read the key file; every read still goes through the gate and is audited with address "cli".
Commands that act for the operator rather than a person (``kho user add``, ``kho keys …``) use
``OPERATOR``, recorded as "cli" without an account.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import click
from flask.cli import AppGroup

from archive.accounts import accounts
from archive.core import faults, schema
from archive.core.instance import Instance
from archive.operations import incidents
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


def _say(exc: KhoError, as_json: bool, one_line: bool = False) -> None:
    if as_json:
        click.echo(json.dumps({"error": exc.code, "reason": str(exc)}, ensure_ascii=False))
    elif one_line:
        click.echo(f"Lỗi / Error: {exc.vi} / {exc.en}", err=True)
    else:
        click.echo(f"Lỗi: {exc.vi}\nError: {exc.en}", err=True)


def unexpected(exc: Exception) -> KhoError:
    """One line for an error nobody foresaw: what failed, and where its details are logged
    (sealed: the message may quote a file name). ``KHO_DEBUG=1`` shows the traceback instead."""
    command = click.get_current_context(silent=True)
    doing = " ".join(["kho", *(command.command_path.split()[1:] if command else [])])
    seen = f"{type(exc).__name__} at {incidents.where(exc)}"
    try:
        ref = incidents.record(instance(), exc, doing)
    except Exception:  # no instance, or nowhere to write: the traceback on demand instead
        return KhoError(
            f"`{doing}` gặp lỗi không lường trước ({seen}); xem chi tiết: KHO_DEBUG=1 {doing}.",
            f"`{doing}` failed unexpectedly ({seen}); for the details: KHO_DEBUG=1 {doing}.",
        )
    return KhoError(
        f"`{doing}` gặp lỗi không lường trước ({seen}); chi tiết: kho incident {ref}.",
        f"`{doing}` failed unexpectedly ({seen}); details: kho incident {ref}.",
    )


def user_errors(func: Callable) -> Callable:
    """Every way a command can end badly becomes a two-language message with exit status 1
    (or 130 when interrupted), never a traceback: a KhoError says what to do, a machine fault
    (disk full, database gone) is explained, anything else is logged as an incident."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        as_json = bool(kwargs.get("as_json"))
        try:
            return func(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("Đã dừng. / Interrupted.", err=True)
            sys.exit(130)
        except BrokenPipeError:
            _reader_gone()
        except Exception as exc:
            if os.environ.get("KHO_DEBUG") and not isinstance(exc, KhoError):
                raise
            try:
                home = instance().home
            except Exception:
                home = Path(os.environ.get("KHO_HOME", ".")).resolve()
            known = faults.explain(exc, home)
            _say(known or unexpected(exc), as_json, one_line=known is None)
            sys.exit(1)

    return wrapper


def _reader_gone() -> NoReturn:
    """What reads the output stopped reading (`kho search … | head`): nothing went wrong here,
    so no message and no incident; the exit status is a pipe's (128 + SIGPIPE), as a shell
    command's would be. Standard output goes to /dev/null first, so that Python's own flush
    on the way out does not fail again."""
    with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(128 + signal.SIGPIPE)


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
