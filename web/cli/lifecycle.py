"""`kho` commands of the records' lifecycle: fonds, fileplan, dossier, retention, due, hold,
dispose, register, declassify. Thin: the services decide and audit."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from archive.lifecycle import declassify, disposal, holds, plan, registers, retention
from security.vocabulary import LEVELS, RETENTION_PERIODS
from web.cli.support import RECORD_ID, YEAR, KhoGroup, acting_as, as_option, emit, json_option

commands = KhoGroup("lifecycle")
_date = click.DateTime(formats=["%Y-%m-%d"])


def _day(value) -> date | None:
    return value.date() if value else None


# -- fonds, file plan, dossiers -----------------------------------------------------------------


@commands.group("fonds")
def fonds_group() -> None:
    """Fonds (phông lưu trữ): the current committee and its predecessors."""


@fonds_group.command("add")
@click.argument("code")
@click.argument("name")
@click.option("--from-year", type=YEAR)
@click.option("--to-year", type=YEAR)
@click.option("--successor", help="Code of the fonds that took over (after a merger).")
@as_option
def fonds_add(inst, code, name, from_year, to_year, successor, as_user) -> None:
    plan.add_fonds(inst, acting_as(inst, as_user), code, name, from_year, to_year, successor)
    click.echo(f"{code}: {name}")


@fonds_group.command("list")
@json_option
def fonds_list(inst, as_json) -> None:
    for row in plan.list_fonds(inst):
        emit(row, as_json, f"{row['code']:<10} {row['name']} {row['years']}")


@fonds_group.command("assign")
@click.argument("code")
@click.argument("doc_ids", type=RECORD_ID, nargs=-1, required=True)
@as_option
def fonds_assign(inst, code, doc_ids, as_user) -> None:
    plan.assign_fonds(inst, acting_as(inst, as_user), list(doc_ids), code)
    click.echo(f"{len(doc_ids)} → {code}")


@commands.group("fileplan")
def fileplan_group() -> None:
    """The yearly file plan (danh mục hồ sơ)."""


@fileplan_group.command("add")
@click.argument("year", type=YEAR)
@click.argument("code")
@click.argument("title")
@click.option("--retention", type=click.Choice(RETENTION_PERIODS), required=True)
@click.option("--unit", "unit_code")
@click.option("--rule", "rule_code")
@click.option("--fonds", "fonds_code")
@as_option
def fileplan_add(
    inst, year, code, title, retention, unit_code, rule_code, fonds_code, as_user
) -> None:
    plan.plan(
        inst,
        acting_as(inst, as_user),
        year,
        code,
        title,
        retention,
        unit_code,
        rule_code,
        fonds_code,
    )
    click.echo(f"{code} ({year})")


@fileplan_group.command("list")
@click.argument("year", type=YEAR)
@as_option
@json_option
def fileplan_list(inst, year, as_user, as_json) -> None:
    for v in plan.file_plan(inst, acting_as(inst, as_user), year):
        emit(v.as_dict(), as_json, f"{v.code:<14} {v.retention or '-':<4} {v.status:<7} {v.title}")


@commands.group("dossier")
def dossier_group() -> None:
    """Dossiers (hồ sơ): add documents, close, show."""


@dossier_group.command("add")
@click.argument("code")
@click.argument("doc_ids", type=RECORD_ID, nargs=-1, required=True)
@as_option
def dossier_add(inst, code, doc_ids, as_user) -> None:
    plan.add(inst, acting_as(inst, as_user), code, list(doc_ids))
    click.echo(f"{len(doc_ids)} → {code}")


@dossier_group.command("close")
@click.argument("code")
@as_option
@json_option
def dossier_close(inst, code, as_user, as_json) -> None:
    v = plan.close(inst, acting_as(inst, as_user), code)
    emit(v.as_dict(), as_json, f"{v.code}: {v.doc_count} documents, {v.page_count} pages")


@dossier_group.command("show")
@click.argument("code")
@as_option
@json_option
def dossier_show(inst, code, as_user, as_json) -> None:
    v, ids = plan.show(inst, acting_as(inst, as_user), code)
    emit(v.as_dict() | {"ids": ids}, as_json, f"{v.code} {v.title}\n{ids}")


# -- retention, due, holds, disposal --------------------------------------------------------------


@commands.group("retention")
def retention_group() -> None:
    """The retention table (thời hạn bảo quản) and a record's period."""


@retention_group.command("list")
@json_option
def retention_list(inst, as_json) -> None:
    inst = inst
    with inst.sessions() as session:
        for r in retention.rules(session):
            row = {"code": r.code, "period": r.period, "doc_type": r.doc_type, "title": r.title}
            emit(row, as_json, f"{r.code:<10} {r.period:<4} {r.doc_type or '-':<5} {r.title}")


@retention_group.command("set")
@click.argument("code")
@click.argument("period", type=click.Choice(RETENTION_PERIODS))
@click.option("--title")
@click.option("--type", "doc_type")
@click.option("--basis")
@as_option
def retention_set(inst, code, period, title, doc_type, basis, as_user) -> None:
    retention.set_rule(inst, acting_as(inst, as_user), code, period, title, doc_type, basis)
    click.echo(f"{code}: {period}")


@retention_group.command("assign")
@click.argument("doc_id", type=RECORD_ID)
@click.option("--rule", "rule_code")
@click.option("--period", type=click.Choice(RETENTION_PERIODS))
@click.option("--out-of-force", type=_date, help="Date the record went out of force.")
@as_option
def retention_assign(inst, doc_id, rule_code, period, out_of_force, as_user) -> None:
    retention.assign(inst, acting_as(inst, as_user), doc_id, rule_code, period, _day(out_of_force))
    click.echo(f"{doc_id}: ok")


@commands.command("due")
@click.option("--on", "on", type=_date, help="As of this day (default today).")
@as_option
@json_option
def due_command(inst, on, as_user, as_json) -> None:
    """Records whose retention has run out (held ones marked)."""
    for d in retention.due(inst, acting_as(inst, as_user), _day(on)):
        row = d.as_dict()
        emit(
            row,
            as_json,
            f"{d.document_id:>6} {d.retention:<4} {row['due_on']} "
            f"{d.dossier or '-'}{' HOLD' if d.held else ''}",
        )


@commands.group("hold")
def hold_group() -> None:
    """Legal holds: freeze a record or dossier against disposal and change."""


@hold_group.command("place")
@click.option("--doc", "doc_id", type=RECORD_ID)
@click.option("--dossier", "dossier_code")
@click.option("--reason", required=True)
@as_option
def hold_place(inst, doc_id, dossier_code, reason, as_user) -> None:
    hold = holds.place(inst, acting_as(inst, as_user), reason, doc_id, dossier_code)
    click.echo(f"hold {hold}")


@hold_group.command("release")
@click.argument("hold_id", type=RECORD_ID)
@click.option("--reason", required=True)
@as_option
def hold_release(inst, hold_id, reason, as_user) -> None:
    holds.release(inst, acting_as(inst, as_user), hold_id, reason)
    click.echo(f"hold {hold_id}: released")


@hold_group.command("list")
@json_option
def hold_list(inst, as_json) -> None:
    for h in holds.active(inst):
        emit(
            h,
            as_json,
            f"{h['hold']:>4} doc {h['document_id']} dossier {h['dossier_id']} {h['reason']}",
        )


@commands.group("dispose")
def dispose_group() -> None:
    """Disposal: propose, approve (two council members), execute, list."""


@dispose_group.command("propose")
@click.argument("doc_ids", type=RECORD_ID, nargs=-1)
@click.option("--dossier", "dossier_code")
@click.option("--reason", required=True)
@as_option
def dispose_propose(inst, doc_ids, dossier_code, reason, as_user) -> None:
    pid = disposal.propose(inst, acting_as(inst, as_user), reason, list(doc_ids), dossier_code)
    click.echo(f"proposal {pid}")


@dispose_group.command("approve")
@click.argument("proposal_id", type=RECORD_ID)
@as_option
def dispose_approve(inst, proposal_id, as_user) -> None:
    status = disposal.approve(inst, acting_as(inst, as_user), proposal_id)
    click.echo(f"proposal {proposal_id}: {status}")


@dispose_group.command("execute")
@click.argument("proposal_id", type=RECORD_ID)
@as_option
def dispose_execute(inst, proposal_id, as_user) -> None:
    ids = disposal.execute(inst, acting_as(inst, as_user), proposal_id)
    click.echo(f"destroyed / đã tiêu hủy: {ids}")


@dispose_group.command("list")
@json_option
def dispose_list(inst, as_json) -> None:
    for p in disposal.proposals(inst):
        emit(p, as_json, f"{p['proposal']:>4} {p['status']:<9} {p['ids']} {p['approvals']}")


# -- registers, declassification ------------------------------------------------------------------


@commands.group("register")
def register_group() -> None:
    """Incoming and outgoing registers (sổ đăng ký văn bản đến / đi)."""


@register_group.command("add")
@click.argument("register")
@click.option("--date", "entry_date", type=_date, required=True, help="Arrival or issue date.")
@click.option("--doc", "doc_id", type=RECORD_ID)
@click.option("--level", type=click.Choice(LEVELS), default="thuong")
@click.option("--set", "pairs", multiple=True, metavar="FIELD=VALUE")
@as_option
@json_option
def register_add(inst, register, entry_date, doc_id, level, pairs, as_user, as_json) -> None:
    details = dict(p.split("=", 1) for p in pairs if "=" in p)
    e = registers.add_entry(
        inst, acting_as(inst, as_user), register, _day(entry_date), details, doc_id, level
    )
    emit(e.as_dict(), as_json, f"{e.register} {e.year}: số {e.number}")


@register_group.command("list")
@click.argument("register")
@click.argument("year", type=YEAR)
@as_option
@json_option
def register_list(inst, register, year, as_user, as_json) -> None:
    for e in registers.entries(inst, acting_as(inst, as_user), register, year):
        emit(e.as_dict(), as_json, f"{e.number:>5} {e.entry_date} {e.details}")


@register_group.command("export")
@click.argument("register")
@click.argument("year", type=YEAR)
@click.option("--format", "fmt", type=click.Choice(["csv", "html"]), default="csv")
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True)
@as_option
def register_export(inst, register, year, fmt, output, as_user) -> None:
    make = registers.export_csv if fmt == "csv" else registers.printable
    Path(output).write_text(make(inst, acting_as(inst, as_user), register, year), "utf-8")
    click.echo(output)


@commands.group("declassify")
def declassify_group() -> None:
    """Protection periods: reminders, extension, level changes."""


@declassify_group.command("due")
@click.option("--within-days", type=click.IntRange(0, 36500), default=180, show_default=True)
@as_option
@json_option
def declassify_due(inst, within_days, as_user, as_json) -> None:
    for r in declassify.due(inst, acting_as(inst, as_user), within_days):
        emit(r.as_dict(), as_json, f"{r.document_id:>6} {r.level:<10} {r.protection_until}")


@declassify_group.command("extend")
@click.argument("doc_id", type=RECORD_ID)
@click.option("--years", type=click.IntRange(1, 100), required=True)
@click.option("--reason", required=True)
@as_option
def declassify_extend(inst, doc_id, years, reason, as_user) -> None:
    end = declassify.extend(inst, acting_as(inst, as_user), doc_id, years, reason)
    click.echo(f"{doc_id}: {end}")


@declassify_group.command("level")
@click.argument("doc_id", type=RECORD_ID)
@click.argument("level", type=click.Choice(LEVELS))
@click.option("--reason", required=True)
@as_option
def declassify_level(inst, doc_id, level, reason, as_user) -> None:
    """Declassify (thuong), downgrade or upgrade a record."""
    declassify.change_level(inst, acting_as(inst, as_user), doc_id, level, reason)
    click.echo(f"{doc_id}: {level}")
