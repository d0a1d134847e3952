"""`kho user …` (accounts), `kho grant …` (need-to-know requests) and `kho share`."""

from __future__ import annotations

import contextlib

import click

from archive.accounts import accounts, clearance, credentials, sessions
from archive.records import grants
from security.errors import NotFound
from security.identity.passwords import generate_password
from security.vocabulary import LEVELS, ROLES
from web.cli.support import (
    OPERATOR,
    RECORD_ID,
    KhoGroup,
    acting_as,
    as_option,
    emit,
    json_option,
    read_secret_file,
)

commands = KhoGroup("accounts")


@commands.group("user")
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
@click.option(
    "--service",
    is_flag=True,
    help="A system's account (no password, no login): it acts through `kho token create`.",
)
def user_add_command(
    inst,
    name: str,
    role: str,
    clearance: str,
    unit_code: str | None,
    full_name: str,
    password_file: str | None,
    unit_head: bool,
    service: bool,
) -> None:
    """Add an account; without --password-file a password is generated and printed once."""
    password = read_secret_file(password_file) if password_file else generate_password()
    accounts.create_account(
        inst, OPERATOR, name, password, role, clearance, unit_code, full_name, unit_head, service
    )
    if service:
        click.echo(
            f"Đã tạo tài khoản hệ thống / service account created: {name} ({role}, {clearance}); "
            f"không đăng nhập được, tạo mã bằng / no login, make its token with: "
            f"kho token create {name} --scope …"
        )
        return
    click.echo(f"Đã tạo tài khoản / account created: {name} ({role}, {clearance})")
    if not password_file:
        click.echo(f"Mật khẩu / password: {password}  (chỉ hiện một lần / shown once)")


@user_group.command("set")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES))
@click.option("--clearance", type=click.Choice(LEVELS))
@click.option("--unit", "unit_code")
@click.option("--unit-head/--not-unit-head", default=None, help="Approves grants of the unit.")
@click.option("--active/--inactive", default=None)
def user_set_command(inst, name, role, clearance, unit_code, unit_head, active) -> None:
    """Change an account's role, clearance, unit, unit-head flag or state."""
    diff = accounts.change_account(
        inst,
        OPERATOR,
        name,
        role=role,
        clearance=clearance,
        unit=unit_code,
        unit_head=unit_head,
        active=active,
    )
    click.echo(", ".join(f"{k}: {a} → {b}" for k, (a, b) in diff.items()) or "no change")
    if "clearance_requested" in diff:
        click.echo(
            "Chờ cán bộ bảo mật duyệt / waiting for a security officer: "
            "kho user decide-clearance ID --as OFFICER --approve"
        )


@user_group.command("unlock")
@click.argument("name")
def user_unlock_command(inst, name: str) -> None:
    """Lift a back-off after failed logins."""
    sessions.unlock(inst, OPERATOR, name)
    click.echo(f"{name}: unlocked")


@user_group.command("end-sessions")
@click.argument("name")
def user_end_sessions_command(inst, name: str) -> None:
    """Log an account out everywhere, now."""
    count = sessions.end_all_sessions(inst, OPERATOR, name)
    click.echo(f"{name}: {count} sessions ended")


@user_group.command("reset-2fa")
@click.argument("name")
def user_reset_2fa_command(inst, name: str) -> None:
    """Forget an account's authenticator (lost phone): it enrols again at next login."""
    sessions.reset_second_factor(inst, OPERATOR, name)
    click.echo(f"{name}: second factor reset")


@user_group.command("passwd")
@click.argument("name")
@click.option("--current", prompt="Mật khẩu hiện tại / current password", hide_input=True)
@click.option(
    "--new",
    prompt="Mật khẩu mới / new password",
    hide_input=True,
    confirmation_prompt="Nhập lại / repeat",
)
def user_passwd_command(inst, name: str, current: str, new: str) -> None:
    """Change one's own password (the current one first); every session of the account ends."""
    ended = credentials.change_password(inst, acting_as(inst, name), current, new)
    click.echo(f"{name}: đã đổi mật khẩu / password changed ({ended} sessions ended)")


@user_group.command("reset-password")
@click.argument("name")
@click.option("--password-file", type=click.Path(exists=True, dir_okay=False))
def user_reset_password_command(inst, name: str, password_file: str | None) -> None:
    """Set a temporary password (generated and printed once unless given); the account must
    change it at its next login, and its sessions end now."""
    temporary = credentials.reset_password(inst, OPERATOR, name, read_secret_file(password_file))
    click.echo(f"{name}: phải đổi mật khẩu khi đăng nhập / must change it at next login")
    if not password_file:
        click.echo(f"Mật khẩu tạm / temporary password: {temporary}  (chỉ hiện một lần / once)")


@user_group.command("clearances")
@json_option
def user_clearances_command(inst, as_json: bool) -> None:
    """Raises to TỐI MẬT or above waiting for a security officer."""
    for item in clearance.waiting(inst, OPERATOR):
        emit(
            item,
            as_json,
            f"{item['request']:>5} {item['username']:<14} {item['from']} → {item['to']}"
            f"  (by {item['requested_by']}, {item['requested_at'][:16]})",
        )


@user_group.command("decide-clearance")
@click.argument("request_id", type=int)
@as_option
@click.option("--approve/--refuse", required=True)
@click.option("--password", prompt="Mật khẩu của bạn / your password", hide_input=True)
def user_decide_clearance_command(
    inst, request_id: int, as_user: str, approve: bool, password: str
) -> None:
    """A security officer (a second person) approves or refuses a raise, with their password."""
    clearance.decide(inst, acting_as(inst, as_user), request_id, approve, password)
    click.echo(f"{request_id}: {'approved' if approve else 'refused'}")


@commands.group("grant")
def grant_group() -> None:
    """Need-to-know grants: request, decide, list pending."""


@grant_group.command("request")
@click.argument("doc_id", type=RECORD_ID)
@as_option
@click.option("--reason", required=True)
def grant_request_command(inst, doc_id: int, as_user: str, reason: str) -> None:
    with contextlib.suppress(NotFound):  # audited; answered like a request taken
        grants.request(inst, acting_as(inst, as_user), doc_id, reason)
    click.echo("\n".join(grants.TAKEN))


@grant_group.command("decide")
@click.argument("grant_id", type=RECORD_ID)
@as_option
@click.option("--approve/--refuse", required=True)
@click.option("--days", default=grants.DEFAULT_DAYS, show_default=True)
def grant_decide_command(inst, grant_id: int, as_user: str, approve: bool, days: int) -> None:
    grants.decide(inst, acting_as(inst, as_user), grant_id, approve, days)
    click.echo(f"{grant_id}: {'approved' if approve else 'refused'}")


@grant_group.command("pending")
@as_option
@json_option
def grant_pending_command(inst, as_user: str, as_json: bool) -> None:
    for item in grants.pending(inst, acting_as(inst, as_user)):
        emit(
            item,
            as_json,
            f"{item['grant']:>5} doc {item['document_id']:<6} "
            f"{item['requester']:<14} {item['reason']}",
        )


@commands.command("share")
@click.argument("doc_id", type=RECORD_ID)
@click.argument("unit_code")
@as_option
def share_command(inst, doc_id: int, unit_code: str, as_user: str) -> None:
    """Share a record with another unit (clearance still applies)."""
    grants.share(inst, acting_as(inst, as_user), doc_id, unit_code)
    click.echo(f"{doc_id} → {unit_code.upper()}")
