"""`kho user …` account management, `kho grant …`, `kho share`, `kho edit`, `kho review …`,
`kho quarantine …`."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from archive import accounts, auth, editing, grants, quarantine, review
from archive.audit import Context
from archive.commands import (
    acting_as,
    as_option,
    emit,
    json_option,
    ready_instance,
    user_errors,
    user_group,
)
from security.policy import LEVELS, ROLES

CLI = Context(None, "cli")


@user_group.command("set")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES))
@click.option("--clearance", type=click.Choice(LEVELS))
@click.option("--unit", "unit_code")
@click.option("--unit-head/--not-unit-head", default=None, help="Approves grants of the unit.")
@click.option("--active/--inactive", default=None)
@with_appcontext
@user_errors
def user_set_command(name, role, clearance, unit_code, unit_head, active) -> None:
    """Change an account's role, clearance, unit, unit-head flag or state."""
    diff = accounts.change_account(
        ready_instance(),
        CLI,
        name,
        role=role,
        clearance=clearance,
        unit=unit_code,
        unit_head=unit_head,
        active=active,
    )
    click.echo(", ".join(f"{k}: {a} → {b}" for k, (a, b) in diff.items()) or "no change")


@user_group.command("unlock")
@click.argument("name")
@with_appcontext
@user_errors
def user_unlock_command(name: str) -> None:
    """Lift a back-off after failed logins."""
    auth.unlock(ready_instance(), CLI, name)
    click.echo(f"{name}: unlocked")


@user_group.command("end-sessions")
@click.argument("name")
@with_appcontext
@user_errors
def user_end_sessions_command(name: str) -> None:
    """Log an account out everywhere, now."""
    count = auth.end_all_sessions(ready_instance(), CLI, name)
    click.echo(f"{name}: {count} sessions ended")


@user_group.command("reset-2fa")
@click.argument("name")
@with_appcontext
@user_errors
def user_reset_2fa_command(name: str) -> None:
    """Forget an account's authenticator (lost phone): it enrols again at next login."""
    auth.reset_second_factor(ready_instance(), CLI, name)
    click.echo(f"{name}: second factor reset")


@click.group("grant")
def grant_group() -> None:
    """Need-to-know grants: request, decide, list pending."""


@grant_group.command("request")
@click.argument("doc_id", type=int)
@as_option
@click.option("--reason", required=True)
@with_appcontext
@user_errors
def grant_request_command(doc_id: int, as_user: str, reason: str) -> None:
    grant_id = grants.request(ready_instance(), acting_as(as_user), doc_id, reason)
    click.echo(f"Yêu cầu số {grant_id} đã gửi / request {grant_id} sent")


@grant_group.command("decide")
@click.argument("grant_id", type=int)
@as_option
@click.option("--approve/--refuse", required=True)
@click.option("--days", default=grants.DEFAULT_DAYS, show_default=True)
@with_appcontext
@user_errors
def grant_decide_command(grant_id: int, as_user: str, approve: bool, days: int) -> None:
    grants.decide(ready_instance(), acting_as(as_user), grant_id, approve, days)
    click.echo(f"{grant_id}: {'approved' if approve else 'refused'}")


@grant_group.command("pending")
@as_option
@json_option
@with_appcontext
@user_errors
def grant_pending_command(as_user: str, as_json: bool) -> None:
    for item in grants.pending(ready_instance(), acting_as(as_user)):
        emit(
            item,
            as_json,
            f"{item['grant']:>5} doc {item['document_id']:<6} "
            f"{item['requester']:<14} {item['reason']}",
        )


@click.command("share")
@click.argument("doc_id", type=int)
@click.argument("unit_code")
@as_option
@with_appcontext
@user_errors
def share_command(doc_id: int, unit_code: str, as_user: str) -> None:
    """Share a record with another unit (clearance still applies)."""
    grants.share(ready_instance(), acting_as(as_user), doc_id, unit_code)
    click.echo(f"{doc_id} → {unit_code.upper()}")


@click.command("edit")
@click.argument("doc_id", type=int)
@as_option
@click.option(
    "--set",
    "pairs",
    multiple=True,
    metavar="FIELD=VALUE",
    help=f"Fields: {', '.join(editing.CODED + editing.SEALED)}",
)
@click.option("--reason", help="Required to lower a secrecy level.")
@with_appcontext
@user_errors
def edit_command(doc_id: int, as_user: str, pairs: tuple[str, ...], reason: str | None) -> None:
    """Correct a record's description or change its level."""
    changes = dict(pair.split("=", 1) for pair in pairs if "=" in pair)
    editing.edit_document(ready_instance(), acting_as(as_user), doc_id, changes, reason)
    click.echo(f"{doc_id}: {', '.join(changes) or 'no change'}")


@click.group("review")
def review_group() -> None:
    """Records whose description an archivist should confirm."""


@review_group.command("list")
@as_option
@json_option
@with_appcontext
@user_errors
def review_list_command(as_user: str, as_json: bool) -> None:
    """Records to confirm, those held back (chờ xác định độ mật) first."""
    for view in review.queue(ready_instance(), acting_as(as_user)):
        items = view.details.get("review", [])
        fields = ", ".join(item["field"] for item in items)
        held = " [chờ xác định độ mật / secrecy pending]" if view.secrecy_pending else ""
        emit(
            {**view.as_dict(), "review": items},
            as_json,
            f"{view.id:>6}  {view.number or view.filename:<20} kiểm tra / check: {fields}{held}",
        )


@review_group.command("confirm")
@click.argument("doc_id", type=int)
@as_option
@click.option(
    "--level",
    type=click.Choice(LEVELS),
    help="Secrecy level (required while the record's secrecy is pending).",
)
@click.option("--set", "pairs", multiple=True, metavar="FIELD=VALUE", help="Corrections.")
@click.option("--reason", help="Required to lower a secrecy level.")
@with_appcontext
@user_errors
def review_confirm_command(
    doc_id: int, as_user: str, level: str | None, pairs: tuple[str, ...], reason: str | None
) -> None:
    """Confirm a record's description (with corrections), or set its secrecy level."""
    changes = dict(pair.split("=", 1) for pair in pairs if "=" in pair)
    review.confirm(ready_instance(), acting_as(as_user), doc_id, changes, reason, level)
    click.echo(f"{doc_id}: đã xác nhận / confirmed")


@click.group("quarantine")
def quarantine_group() -> None:
    """TUYỆT MẬT records kept apart until an administrator releases them."""


@quarantine_group.command("list")
@json_option
@with_appcontext
@user_errors
def quarantine_list_command(as_json: bool) -> None:
    for item in quarantine.listing(ready_instance(), CLI):
        emit(
            item,
            as_json,
            f"{item['id']:>6} {item['level']:<10} {item['unit']:<6} {item['filed_at'][:19]}",
        )


@quarantine_group.command("release")
@click.argument("doc_id", type=int)
@click.option("--reference", required=True, help="Number of the approval (e.g. 12/QĐ-VPTU).")
@with_appcontext
@user_errors
def quarantine_release_command(doc_id: int, reference: str) -> None:
    quarantine.release(ready_instance(), CLI, doc_id, reference)
    click.echo(f"{doc_id}: released ({reference})")


COMMANDS = [grant_group, share_command, edit_command, review_group, quarantine_group]
