"""`kho` commands of ingest: ingest files, seed demo data."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import click
from flask.cli import with_appcontext

from archive.commands import acting_as, emit, json_option, ready_instance, user_errors
from ingest import demo, pipeline
from security.policy import LEVELS


def _files(paths: tuple[str, ...]) -> list[Path]:
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        found.extend(sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path])
    return found


@click.command("ingest")
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--as",
    "as_user",
    metavar="USER",
    help="Archivist who files them (default: KHO_USER, or the only archivist).",
)
@click.option("--unit", "unit_code", help="Unit that holds them (default: the archivist's).")
@click.option(
    "--level",
    type=click.Choice(LEVELS),
    help="Secrecy level to apply at least (needed for scans without text).",
)
@json_option
@with_appcontext
@user_errors
def ingest_command(
    paths: tuple[str, ...],
    as_user: str | None,
    unit_code: str | None,
    level: str | None,
    as_json: bool,
) -> None:
    """File documents (PDF, plain text; folders are walked) into the archive."""
    inst = ready_instance()
    ctx = acting_as(as_user, role="archivist")
    tally: Counter[str] = Counter()
    for path in _files(paths):
        result = pipeline.ingest_file(inst, ctx, path, unit_code, level)
        tally[result.status] += 1
        line = f"{result.status:<10} {result.id or '':>6}  {path}"
        emit(
            result.as_json(),
            as_json,
            line + (f"\n           {result.reason}" if result.reason else ""),
        )
    if not as_json:
        click.echo(", ".join(f"{n} {status}" for status, n in sorted(tally.items())))
    if tally["rejected"] or tally["quarantined"]:
        sys.exit(2)


@click.command("demo")
@click.option("--count", default=50, show_default=True, help="How many documents to generate.")
@click.option("--once", is_flag=True, help="Do nothing but list the logins if already seeded.")
@click.option("--code", "code_for", metavar="USER", help="Print a demo account's current code.")
@with_appcontext
@user_errors
def demo_command(count: int, once: bool, code_for: str | None) -> None:
    """Seed demo accounts (one per role) and generated sample documents."""
    if code_for:
        click.echo(demo.current_code(code_for))
        return
    if once and demo.is_seeded(ready_instance()):
        print_demo_logins()
        return
    results = demo.seed(ready_instance(), count)
    tally = Counter(r.status for r in results)
    click.echo("Dữ liệu mẫu / demo data: " + ", ".join(f"{n} {s}" for s, n in tally.items()))
    print_demo_logins()


def print_demo_logins() -> None:
    click.echo("Tài khoản mẫu / demo logins (tên, mật khẩu, vai trò, độ mật, đơn vị):")
    for acc in demo.DEMO_ACCOUNTS:
        line = f"  {acc.username:<10} {acc.password:<28} {acc.role}, {acc.clearance}, {acc.unit}"
        if acc.totp_secret:
            line += (
                f"\n{'':13}2FA: khóa/secret {acc.totp_secret}"
                f"  (mã/code: kho demo --code {acc.username})"
            )
        click.echo(line)


COMMANDS = [ingest_command, demo_command]
