"""`kho export …` and `kho import …`: a dossier out of Kho as a BagIt bag, and back in."""

from __future__ import annotations

from pathlib import Path

import click

from archive.transfer import export, intake
from archive.transfer.approval import approve_plain
from security.crypto import envelope
from security.errors import KhoError
from web.cli.support import KhoGroup, acting_as, as_option, emit, json_option

commands = KhoGroup("transfer")


@commands.group("export")
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
def export_dossier_command(
    inst, code, dest, recipient_key, plain, approval, as_user, as_json
) -> None:
    """Write dossier CODE as a BagIt bag in DIR, encrypted to --recipient-key, or (with an
    administrator's approval, single use) decrypted for the historical archive."""
    if bool(recipient_key) == plain:
        raise KhoError(
            "Chọn --recipient-key TỆP hoặc --plain --approval SỐ.",
            "Give either --recipient-key FILE or --plain --approval REF.",
        )
    key = envelope.load_public_key(Path(recipient_key)) if recipient_key else None
    report = export.export_dossier(
        inst, acting_as(inst, as_user), code, Path(dest), key, None if key else approval
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
def export_approve(inst, code, approval, as_user) -> None:
    """An administrator approves one decrypted transfer of a dossier (recorded in the audit log)."""
    seq = approve_plain(inst, acting_as(inst, as_user), code, approval)
    click.echo(f"{code}: {approval} (audit #{seq})")


@commands.group("import")
def import_group() -> None:
    """Take a transfer bag back in (validated, decrypted, every checksum checked)."""


@import_group.command("bag")
@click.argument("bag_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--key", "key_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--unit", "unit_code", help="Unit to file the records under (default: yours).")
@as_option
@json_option
def import_bag_command(inst, bag_dir, key_file, unit_code, as_user, as_json) -> None:
    """Validate a transfer bag, decrypt it with --key, and file its records here again."""
    key = envelope.load_private_key(Path(key_file)) if key_file else None
    report = intake.import_bag(inst, acting_as(inst, as_user), Path(bag_dir), key, unit_code)
    for doc in report.documents:
        emit(doc, as_json, f"{doc['source_id']} → {doc['id']} {doc['status']} {doc['sha256']}")
