"""`kho` commands of the records' lifecycle: fonds, fileplan, dossier, retention, due, hold,
dispose, register, declassify, backup, restore, history, export, import (and `kho keys
transfer-keypair`). Thin: the services decide and audit."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from flask.cli import with_appcontext

from archive import (
    backup,
    declassify,
    disposal,
    dossiers,
    history,
    holds,
    registers,
    retention,
    transfer,
)
from archive.audit import Context
from archive.commands import (
    acting_as,
    as_option,
    emit,
    instance,
    json_option,
    read_secret_file,
    ready_instance,
    user_errors,
)
from archive.store_commands import keys_group
from security.errors import KhoError
from security.lifecycle_policy import RETENTION_PERIODS
from security.policy import LEVELS

CLI = Context(None, "cli")
_date = click.DateTime(formats=["%Y-%m-%d"])


def _day(value) -> date | None:
    return value.date() if value else None


# -- fonds, file plan, dossiers -----------------------------------------------------------------


@click.group("fonds")
def fonds_group() -> None:
    """Fonds (phông lưu trữ): the current committee and its predecessors."""


@fonds_group.command("add")
@click.argument("code")
@click.argument("name")
@click.option("--from-year", type=int)
@click.option("--to-year", type=int)
@click.option("--successor", help="Code of the fonds that took over (after a merger).")
@as_option
@with_appcontext
@user_errors
def fonds_add(code, name, from_year, to_year, successor, as_user) -> None:
    dossiers.add_fonds(
        ready_instance(), acting_as(as_user), code, name, from_year, to_year, successor
    )
    click.echo(f"{code}: {name}")


@fonds_group.command("list")
@json_option
@with_appcontext
@user_errors
def fonds_list(as_json) -> None:
    for row in dossiers.list_fonds(ready_instance()):
        emit(row, as_json, f"{row['code']:<10} {row['name']} {row['years']}")


@fonds_group.command("assign")
@click.argument("code")
@click.argument("doc_ids", type=int, nargs=-1, required=True)
@as_option
@with_appcontext
@user_errors
def fonds_assign(code, doc_ids, as_user) -> None:
    dossiers.assign_fonds(ready_instance(), acting_as(as_user), list(doc_ids), code)
    click.echo(f"{len(doc_ids)} → {code}")


@click.group("fileplan")
def fileplan_group() -> None:
    """The yearly file plan (danh mục hồ sơ)."""


@fileplan_group.command("add")
@click.argument("year", type=int)
@click.argument("code")
@click.argument("title")
@click.option("--retention", type=click.Choice(RETENTION_PERIODS), required=True)
@click.option("--unit", "unit_code")
@click.option("--rule", "rule_code")
@click.option("--fonds", "fonds_code")
@as_option
@with_appcontext
@user_errors
def fileplan_add(year, code, title, retention, unit_code, rule_code, fonds_code, as_user) -> None:
    dossiers.plan(
        ready_instance(),
        acting_as(as_user),
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
@click.argument("year", type=int)
@as_option
@json_option
@with_appcontext
@user_errors
def fileplan_list(year, as_user, as_json) -> None:
    for v in dossiers.file_plan(ready_instance(), acting_as(as_user), year):
        emit(v.as_dict(), as_json, f"{v.code:<14} {v.retention or '-':<4} {v.status:<7} {v.title}")


@click.group("dossier")
def dossier_group() -> None:
    """Dossiers (hồ sơ): add documents, close, show."""


@dossier_group.command("add")
@click.argument("code")
@click.argument("doc_ids", type=int, nargs=-1, required=True)
@as_option
@with_appcontext
@user_errors
def dossier_add(code, doc_ids, as_user) -> None:
    dossiers.add(ready_instance(), acting_as(as_user), code, list(doc_ids))
    click.echo(f"{len(doc_ids)} → {code}")


@dossier_group.command("close")
@click.argument("code")
@as_option
@json_option
@with_appcontext
@user_errors
def dossier_close(code, as_user, as_json) -> None:
    v = dossiers.close(ready_instance(), acting_as(as_user), code)
    emit(v.as_dict(), as_json, f"{v.code}: {v.doc_count} documents, {v.page_count} pages")


@dossier_group.command("show")
@click.argument("code")
@as_option
@json_option
@with_appcontext
@user_errors
def dossier_show(code, as_user, as_json) -> None:
    v, ids = dossiers.show(ready_instance(), acting_as(as_user), code)
    emit(v.as_dict() | {"ids": ids}, as_json, f"{v.code} {v.title}\n{ids}")


# -- retention, due, holds, disposal --------------------------------------------------------------


@click.group("retention")
def retention_group() -> None:
    """The retention table (thời hạn bảo quản) and a record's period."""


@retention_group.command("list")
@json_option
@with_appcontext
@user_errors
def retention_list(as_json) -> None:
    inst = ready_instance()
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
@with_appcontext
@user_errors
def retention_set(code, period, title, doc_type, basis, as_user) -> None:
    retention.set_rule(ready_instance(), acting_as(as_user), code, period, title, doc_type, basis)
    click.echo(f"{code}: {period}")


@retention_group.command("assign")
@click.argument("doc_id", type=int)
@click.option("--rule", "rule_code")
@click.option("--period", type=click.Choice(RETENTION_PERIODS))
@click.option("--out-of-force", type=_date, help="Date the record went out of force.")
@as_option
@with_appcontext
@user_errors
def retention_assign(doc_id, rule_code, period, out_of_force, as_user) -> None:
    retention.assign(
        ready_instance(), acting_as(as_user), doc_id, rule_code, period, _day(out_of_force)
    )
    click.echo(f"{doc_id}: ok")


@click.command("due")
@click.option("--on", "on", type=_date, help="As of this day (default today).")
@as_option
@json_option
@with_appcontext
@user_errors
def due_command(on, as_user, as_json) -> None:
    """Records whose retention has run out (held ones marked)."""
    for d in retention.due(ready_instance(), acting_as(as_user), _day(on)):
        row = d.as_dict()
        emit(
            row,
            as_json,
            f"{d.document_id:>6} {d.retention:<4} {row['due_on']} "
            f"{d.dossier or '-'}{' HOLD' if d.held else ''}",
        )


@click.group("hold")
def hold_group() -> None:
    """Legal holds: freeze a record or dossier against disposal and change."""


@hold_group.command("place")
@click.option("--doc", "doc_id", type=int)
@click.option("--dossier", "dossier_code")
@click.option("--reason", required=True)
@as_option
@with_appcontext
@user_errors
def hold_place(doc_id, dossier_code, reason, as_user) -> None:
    hold = holds.place(ready_instance(), acting_as(as_user), reason, doc_id, dossier_code)
    click.echo(f"hold {hold}")


@hold_group.command("release")
@click.argument("hold_id", type=int)
@click.option("--reason", required=True)
@as_option
@with_appcontext
@user_errors
def hold_release(hold_id, reason, as_user) -> None:
    holds.release(ready_instance(), acting_as(as_user), hold_id, reason)
    click.echo(f"hold {hold_id}: released")


@hold_group.command("list")
@json_option
@with_appcontext
@user_errors
def hold_list(as_json) -> None:
    for h in holds.active(ready_instance()):
        emit(
            h,
            as_json,
            f"{h['hold']:>4} doc {h['document_id']} dossier {h['dossier_id']} {h['reason']}",
        )


@click.group("dispose")
def dispose_group() -> None:
    """Disposal: propose, approve (two council members), execute, list."""


@dispose_group.command("propose")
@click.argument("doc_ids", type=int, nargs=-1)
@click.option("--dossier", "dossier_code")
@click.option("--reason", required=True)
@as_option
@with_appcontext
@user_errors
def dispose_propose(doc_ids, dossier_code, reason, as_user) -> None:
    pid = disposal.propose(
        ready_instance(), acting_as(as_user), reason, list(doc_ids), dossier_code
    )
    click.echo(f"proposal {pid}")


@dispose_group.command("approve")
@click.argument("proposal_id", type=int)
@as_option
@with_appcontext
@user_errors
def dispose_approve(proposal_id, as_user) -> None:
    status = disposal.approve(ready_instance(), acting_as(as_user), proposal_id)
    click.echo(f"proposal {proposal_id}: {status}")


@dispose_group.command("execute")
@click.argument("proposal_id", type=int)
@as_option
@with_appcontext
@user_errors
def dispose_execute(proposal_id, as_user) -> None:
    ids = disposal.execute(ready_instance(), acting_as(as_user), proposal_id)
    click.echo(f"destroyed / đã tiêu hủy: {ids}")


@dispose_group.command("list")
@json_option
@with_appcontext
@user_errors
def dispose_list(as_json) -> None:
    for p in disposal.proposals(ready_instance()):
        emit(p, as_json, f"{p['proposal']:>4} {p['status']:<9} {p['ids']} {p['approvals']}")


# -- registers, declassification ------------------------------------------------------------------


@click.group("register")
def register_group() -> None:
    """Incoming and outgoing registers (sổ đăng ký văn bản đến / đi)."""


@register_group.command("add")
@click.argument("register")
@click.option("--date", "entry_date", type=_date, required=True, help="Arrival or issue date.")
@click.option("--doc", "doc_id", type=int)
@click.option("--level", type=click.Choice(LEVELS), default="thuong")
@click.option("--set", "pairs", multiple=True, metavar="FIELD=VALUE")
@as_option
@json_option
@with_appcontext
@user_errors
def register_add(register, entry_date, doc_id, level, pairs, as_user, as_json) -> None:
    details = dict(p.split("=", 1) for p in pairs if "=" in p)
    e = registers.add_entry(
        ready_instance(), acting_as(as_user), register, _day(entry_date), details, doc_id, level
    )
    emit(e.as_dict(), as_json, f"{e.register} {e.year}: số {e.number}")


@register_group.command("list")
@click.argument("register")
@click.argument("year", type=int)
@as_option
@json_option
@with_appcontext
@user_errors
def register_list(register, year, as_user, as_json) -> None:
    for e in registers.entries(ready_instance(), acting_as(as_user), register, year):
        emit(e.as_dict(), as_json, f"{e.number:>5} {e.entry_date} {e.details}")


@register_group.command("export")
@click.argument("register")
@click.argument("year", type=int)
@click.option("--format", "fmt", type=click.Choice(["csv", "html"]), default="csv")
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True)
@as_option
@with_appcontext
@user_errors
def register_export(register, year, fmt, output, as_user) -> None:
    make = registers.export_csv if fmt == "csv" else registers.printable
    Path(output).write_text(make(ready_instance(), acting_as(as_user), register, year), "utf-8")
    click.echo(output)


@click.group("declassify")
def declassify_group() -> None:
    """Protection periods: reminders, extension, level changes."""


@declassify_group.command("due")
@click.option("--within-days", type=int, default=180, show_default=True)
@as_option
@json_option
@with_appcontext
@user_errors
def declassify_due(within_days, as_user, as_json) -> None:
    for r in declassify.due(ready_instance(), acting_as(as_user), within_days):
        emit(r.as_dict(), as_json, f"{r.document_id:>6} {r.level:<10} {r.protection_until}")


@declassify_group.command("extend")
@click.argument("doc_id", type=int)
@click.option("--years", type=int, required=True)
@click.option("--reason", required=True)
@as_option
@with_appcontext
@user_errors
def declassify_extend(doc_id, years, reason, as_user) -> None:
    end = declassify.extend(ready_instance(), acting_as(as_user), doc_id, years, reason)
    click.echo(f"{doc_id}: {end}")


@declassify_group.command("level")
@click.argument("doc_id", type=int)
@click.argument("level", type=click.Choice(LEVELS))
@click.option("--reason", required=True)
@as_option
@with_appcontext
@user_errors
def declassify_level(doc_id, level, reason, as_user) -> None:
    """Declassify (thuong), downgrade or upgrade a record."""
    declassify.change_level(ready_instance(), acting_as(as_user), doc_id, level, reason)
    click.echo(f"{doc_id}: {level}")


# -- backup and restore ----------------------------------------------------------------------------


@click.command("backup")
@click.argument("dest", type=click.Path(file_okay=False))
@click.option("--passphrase-file", type=click.Path(exists=True, dir_okay=False), required=True)
@with_appcontext
@user_errors
def backup_command(dest, passphrase_file) -> None:
    """Consistent backup while Kho runs; the keys are sealed under the passphrase."""
    manifest = backup.backup(ready_instance(), CLI, Path(dest), read_secret_file(passphrase_file))
    click.echo(f"{dest}: {len(manifest['files'])} files (sao lưu xong / backup done)")


@click.command("restore")
@click.argument("src", type=click.Path(exists=True, file_okay=False))
@click.option("--passphrase-file", type=click.Path(exists=True, dir_okay=False), required=True)
@with_appcontext
@user_errors
def restore_command(src, passphrase_file) -> None:
    """Restore a backup into an empty KHO_HOME, then rebuild the search index."""
    inst = instance()
    result = backup.restore(inst, CLI, Path(src), read_secret_file(passphrase_file))
    click.echo(f"{inst.home}: {result['files']} files restored (backup of {result['created']})")
    ctx = click.get_current_context()
    reindex = ctx.find_root().command.get_command(ctx, "reindex")
    if reindex is None:
        raise KhoError("Hãy chạy `kho reindex`.", "Now run `kho reindex`.")
    ctx.invoke(reindex)


# -- history, transfer ----------------------------------------------------------------------------


@click.command("history")
@click.argument("doc_id", type=int)
@as_option
@json_option
@with_appcontext
@user_errors
def history_command(doc_id, as_user, as_json) -> None:
    """Every change of a record's description: who, when, old and new values."""
    for v in history.history(ready_instance(), acting_as(as_user), doc_id):
        changes = "; ".join(f"{n}: {v['old'].get(n)!r} → {v['new'].get(n)!r}" for n in v["fields"])
        emit(v, as_json, f"v{v['version']} {v['at']} {v['user']} [{v['kind']}] {changes}")


@click.group("export")
def export_group() -> None:
    """Transfer a dossier out of Kho as a BagIt bag (encrypted to the recipient by default)."""


@export_group.command("dossier")
@click.argument("code")
@click.option("-o", "--output", "dest", required=True, type=click.Path(file_okay=False))
@click.option("--recipient-key", type=click.Path(exists=True, dir_okay=False))
@click.option("--plain", is_flag=True, help="Decrypted, for the historical archive (approval).")
@click.option("--approval", help="Reference of the administrator's approval (with --plain).")
@as_option
@json_option
@with_appcontext
@user_errors
def export_dossier_command(code, dest, recipient_key, plain, approval, as_user, as_json) -> None:
    """Write dossier CODE as a BagIt bag in DIR, encrypted to --recipient-key, or (with an
    administrator's approval, single use) decrypted for the historical archive."""
    if bool(recipient_key) == plain:
        raise KhoError(
            "Chọn --recipient-key TỆP hoặc --plain --approval SỐ.",
            "Give either --recipient-key FILE or --plain --approval REF.",
        )
    key = transfer.load_public_key(Path(recipient_key)) if recipient_key else None
    report = transfer.export_dossier(
        ready_instance(), acting_as(as_user), code, Path(dest), key, None if key else approval
    )
    if plain:
        click.echo(
            f"CẢNH BÁO: gói {report.path} KHÔNG mã hóa, nằm ngoài sự bảo vệ của Kho.\n"
            f"WARNING: the bag {report.path} is NOT encrypted: keep it as the documents' level "
            "requires and hand it over only to the historical archive.",
            err=True,
        )
    row = {"path": str(report.path), "bag": report.bag_id, "mode": report.mode}
    emit(
        row | {"documents": report.documents, "files": report.files},
        as_json,
        f"{report.path}: {len(report.documents)} documents, {report.files} files ({report.mode})",
    )


@export_group.command("approve")
@click.argument("code")
@click.option("--approval", required=True, help="Reference of the approval decision.")
@as_option
@with_appcontext
@user_errors
def export_approve(code, approval, as_user) -> None:
    """An administrator approves one decrypted transfer of a dossier (recorded in the audit log)."""
    seq = transfer.approve_plain(ready_instance(), acting_as(as_user), code, approval)
    click.echo(f"{code}: {approval} (audit #{seq})")


@click.group("import")
def import_group() -> None:
    """Take a transfer bag back in (validated, decrypted, every checksum checked)."""


@import_group.command("bag")
@click.argument("bag_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--key", "key_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--unit", "unit_code", help="Unit to file the records under (default: yours).")
@as_option
@json_option
@with_appcontext
@user_errors
def import_bag_command(bag_dir, key_file, unit_code, as_user, as_json) -> None:
    """Validate a transfer bag, decrypt it with --key, and file its records here again."""
    key = transfer.load_private_key(Path(key_file)) if key_file else None
    report = transfer.import_bag(
        ready_instance(), acting_as(as_user), Path(bag_dir), key, unit_code
    )
    for doc in report.documents:
        emit(doc, as_json, f"{doc['source_id']} → {doc['id']} {doc['status']} {doc['sha256']}")


@keys_group.command("transfer-keypair")
@click.option("-o", "--output", "prefix", required=True, help="Writes PREFIX.key and PREFIX.pub.")
@user_errors
def transfer_keypair(prefix) -> None:
    """An X25519 key pair for a recipient archive (the private key file is 0600)."""
    key_path, pub_path = transfer.generate_keypair(Path(prefix))
    click.echo(f"{pub_path} (gửi cho bên giao / give to the sender), {key_path} (giữ kín / keep)")


COMMANDS = [
    fonds_group,
    fileplan_group,
    dossier_group,
    retention_group,
    due_command,
    hold_group,
    dispose_group,
    register_group,
    declassify_group,
    backup_command,
    restore_command,
    history_command,
    export_group,
    import_group,
]
