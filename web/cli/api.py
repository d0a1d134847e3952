"""`kho token …` (personal API tokens) and `kho api spec` (the OpenAPI document)."""

from __future__ import annotations

import json
import sys

import click

from archive.accounts import tokens as token_service
from security.identity.tokens import SCOPES, parse_lifetime
from web.cli.support import OPERATOR, KhoGroup, emit, json_option

commands = KhoGroup("api")


@commands.group("token")
def token_group() -> None:
    """Personal API tokens (Authorization: Bearer …)."""


@token_group.command("create")
@click.argument("username")
@click.option(
    "--scope",
    "scopes",
    default="read",
    show_default=True,
    help=f"Comma-separated: {', '.join(SCOPES)}.",
)
@click.option("--expires", default="90d", show_default=True, help="Lifetime: 30d, 12h, 2w.")
@click.option(
    "--code",
    help="The holder's current authenticator code (administrators, auditors, TỐI MẬT).",
)
@json_option
def token_create_command(
    inst, username: str, scopes: str, expires: str, code: str | None, as_json: bool
) -> None:
    """Create a token for USERNAME and print it once (only its hash is kept)."""
    issued = token_service.create(inst, OPERATOR, username, scopes, parse_lifetime(expires), code)
    obj = {
        "id": issued.id,
        "token": issued.secret,
        "username": issued.username,
        "scopes": list(issued.scopes),
        "expires_at": issued.expires_at.isoformat(),
    }
    emit(
        obj,
        as_json,
        f"Mã truy cập số {issued.id} cho {username} ({', '.join(issued.scopes)}), "
        f"hết hạn {issued.expires_at:%Y-%m-%d %H:%M} UTC.\n"
        f"Token {issued.id} for {username}; shown once, store it now:\n{issued.secret}",
    )


@token_group.command("list")
@click.argument("username")
@json_option
def token_list_command(inst, username: str, as_json: bool) -> None:
    """A holder's tokens with their state and last use."""
    for info in token_service.list_tokens(inst, OPERATOR, username):
        d = info.as_dict()
        emit(
            d,
            as_json,
            f"{d['id']:>5}  {d['state']:<8} {','.join(d['scopes']):<20} "
            f"expires {d['expires_at'][:16]}  last used {(d['last_used_at'] or '-')[:16]} "
            f"{d['last_used_address'] or ''}",
        )


@token_group.command("revoke")
@click.argument("token_id", type=int)
def token_revoke_command(inst, token_id: int) -> None:
    """Revoke a token at once."""
    info = token_service.revoke(inst, OPERATOR, token_id)
    click.echo(f"Đã thu hồi mã số {info.id} của {info.username} / token {info.id} revoked.")


@commands.group("api")
def api_group() -> None:
    """The JSON API under /api/v1."""


@api_group.command("spec", instance=False)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="File (default stdout).")
def api_spec_command(output: str | None) -> None:
    """Write the OpenAPI 3.1 document generated from the code."""
    from web import create_app
    from web.api import openapi_document

    app = create_app()  # the command's app has no pages; the API is served with them
    with app.app_context():
        text = json.dumps(openapi_document(), ensure_ascii=False, indent=2) + "\n"
    app.extensions["kho"].dispose()
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
        click.echo(f"Đã ghi / written: {output}", err=True)
    else:
        sys.stdout.write(text)
