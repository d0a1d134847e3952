"""`kho audit …`: verify the chain, sign and export checkpoints, export entries, read the log."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta
from pathlib import Path

import click

from archive.oversight import inspection
from security.crypto import audit_chain as chain
from security.errors import KhoError
from web.cli.support import OPERATOR, RECORD_ID, KhoGroup, emit, json_option

commands = KhoGroup("audit")


def _day(value: str | None, end: bool = False) -> datetime | None:
    if not value:
        return None
    try:
        day = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r}: dùng YYYY-MM-DD / use YYYY-MM-DD") from None
    return day + timedelta(days=1) if end and len(value) == 10 else day


@commands.group("audit")
def audit_group() -> None:
    """The audit log: verification, checkpoints, export, queries."""


@audit_group.command("verify")
@click.option(
    "--checkpoint",
    "checkpoint_file",
    type=click.Path(exists=True, dir_okay=False),
    help="A checkpoint exported earlier (kho audit checkpoint -o): detects a cut tail.",
)
def verify_command(inst, checkpoint_file: str | None) -> None:
    """Check the chain of the whole log; exit 1 and show where it breaks."""
    anchor = json.loads(Path(checkpoint_file).read_text()) if checkpoint_file else None
    count, problems = inspection.verify(inst, OPERATOR, anchor)
    for problem in problems:
        click.echo(f"entry {problem.seq}: {problem.problem}")
    if problems:
        click.echo(f"Nhật ký bị sửa đổi! / The audit log was tampered with ({len(problems)}).")
        sys.exit(1)
    click.echo(f"Nhật ký toàn vẹn / audit log intact: {count} entries.")


@audit_group.command("checkpoint")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="Also write the signed checkpoint to this file (keep it elsewhere).",
)
def checkpoint_command(inst, output: str | None) -> None:
    """Sign the current head of the log (Ed25519) now."""
    point = inspection.checkpoint(inst, OPERATOR)
    if output:
        Path(output).write_text(json.dumps(point, indent=1), encoding="utf-8")
    click.echo(f"Checkpoint at entry {point['seq']}: {point['head_hash']}")


@audit_group.command("pubkey")
def pubkey_command(inst) -> None:
    """Print the checkpoint public key, to keep with the exports' verifiers."""
    click.echo(chain.public_key_hex(inst.signing_key()))


@audit_group.command("export")
@click.option("--from", "since", help="First day (YYYY-MM-DD), default: the beginning.")
@click.option("--to", "until", help="Last day (YYYY-MM-DD, inclusive), default: now.")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    help="Entries file (.jsonl); the manifest is written beside it.",
)
def export_command(inst, since: str | None, until: str | None, output: str) -> None:
    """Write entries with a verification manifest (check it with tools/verify_audit_export.py)."""
    first, last, manifest = inspection.export(
        inst, OPERATOR, Path(output), _day(since), _day(until, end=True)
    )
    click.echo(f"{manifest['count']} entries ({first}..{last}) → {output} (+ .manifest.json)")


@audit_group.command("log")
@click.option("--user", "username")
@click.option("--document", "document_id", type=RECORD_ID)
@click.option("--action")
@click.option("--outcome")
@click.option("--from", "since")
@click.option("--to", "until")
@click.option("--limit", default=100, show_default=True)
@json_option
def log_command(inst, username, document_id, action, outcome, since, until, limit, as_json) -> None:
    """Entries matching the filters, newest first."""
    query = inspection.Filter(
        username, document_id, action, outcome, _day(since), _day(until, end=True)
    )
    entries = inspection.entries(inst, OPERATOR, query, limit)
    for e in entries:
        emit(
            e,
            as_json,
            f"{e['seq']:>7} {e['at'][:19]} {e['username'] or '-':<12} "
            f"{e['action']:<12} {e['outcome']:<8} {e['object_id'] or ''}",
        )


@audit_group.command("anomalies")
@json_option
def anomalies_command(inst, as_json: bool) -> None:
    """Off-hours reads, bulk downloads and bursts of denials."""
    for item in inspection.anomalies(inst, OPERATOR):
        emit(item, as_json, f"{item['kind']:<14} {item['username'] or '-':<12} {item['detail']}")


@commands.command("trace")
@click.argument("copy", type=click.Path(exists=True, dir_okay=False))
@json_option
def trace_command(inst, copy: str, as_json: bool) -> None:
    """Who received a leaked copy: reads its trace id (a stamped PDF, a page preview, a photo
    of one) and prints the audit entries that handed it out."""
    from ingest.delivery.trace import trace_id_of

    trace_id = trace_id_of(Path(copy).read_bytes())
    if trace_id is None:
        raise KhoError(
            "Không đọc được mã truy vết trên bản này.",
            "No trace id can be read from this copy (not stamped by Kho, or unreadable).",
        )
    found = inspection.trace(inst, OPERATOR, trace_id)
    if not found:
        raise KhoError(
            f"Mã truy vết {trace_id} không có trong nhật ký.",
            f"Trace id {trace_id} is not in the audit log (another instance, or altered).",
        )
    for entry in found:
        emit(
            entry,
            as_json,
            f"{trace_id}  {entry['at'][:19]}  {entry['username']} ({entry['unit'] or '-'})  "
            f"{entry['action']} #{entry['object_id']}  {entry['address'] or ''}",
        )
