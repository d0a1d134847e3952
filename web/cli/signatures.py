"""`kho trust` (the trust store for digital signatures) and `kho signatures verify`."""

from __future__ import annotations

from pathlib import Path

import click

from archive.operations import trust
from ingest.signatures import messages as msg
from ingest.signatures.record import verify
from security.vocabulary import Role
from web.cli.support import RECORD_ID, KhoGroup, acting_as, emit, json_option

commands = KhoGroup("signatures")

as_admin = click.option(
    "--as", "as_user", metavar="USER", help="Administrator or security officer (audited)."
)


@commands.group("trust")
def trust_group() -> None:
    """Kho chứng thư tin cậy cho chữ ký số / the trust store for digital signatures."""


@trust_group.command("add")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--name", help="A name people recognise (default: the certificate's CN).")
@as_admin
@json_option
def trust_add_command(
    inst, files: tuple[str, ...], name: str | None, as_user, as_json: bool
) -> None:
    """Trust the CA certificate(s) in FILES (.pem, .cer, .crt; PEM or DER)."""
    ctx = acting_as(inst, as_user, role=Role.ADMIN)
    added = []
    for path in files:
        added += trust.add_roots(inst, ctx, Path(path).read_bytes(), name)
    lines = [
        f"{'đã có / already' if a.get('already') else 'đã thêm / added'}: [{a['id']}] {a['name']}"
        f"  sha256 {a['sha256'][:16]}…  hết hạn / until {a['not_after'][:10]}"
        for a in added
    ]
    version = trust.version(inst)
    lines.append(f"Phiên bản kho tin cậy / trust store version: {version}")
    emit({"added": added, "version": version}, as_json, "\n".join(lines))


@trust_group.command("list")
@as_admin
@json_option
def trust_list_command(inst, as_user, as_json: bool) -> None:
    """The trusted roots and imported CRLs, with the store's version."""
    found = trust.listing(inst, acting_as(inst, as_user, role=Role.ADMIN))
    lines = [f"Phiên bản / version {found['version']}", "Chứng thư gốc tin cậy / trusted roots:"]
    lines += [
        f"  [{a['id']}] {a['name']}  ({a['subject']})  sha256 {a['sha256'][:16]}…  "
        f"{a['not_before'][:10]} → {a['not_after'][:10]}"
        for a in found["roots"]
    ] or ["  (chưa có / none: mọi chữ ký sẽ là «CA gốc chưa tin cậy»)"]
    lines.append("Danh sách thu hồi / CRLs:")
    lines += [
        f"  [{c['id']}] {c['issuer']}  {c['entries']} mục / entries  "
        f"cập nhật / this update {(c['this_update'] or '?')[:10]}"
        for c in found["crls"]
    ] or ["  (chưa có / none)"]
    emit(found, as_json, "\n".join(lines))


@trust_group.command("remove")
@click.argument("ref")
@as_admin
@json_option
def trust_remove_command(inst, ref: str, as_user, as_json: bool) -> None:
    """Stop trusting a root: REF is its id or the start of its SHA-256 fingerprint."""
    removed = trust.remove_root(inst, acting_as(inst, as_user, role=Role.ADMIN), ref)
    version = trust.version(inst)
    emit(
        {"removed": removed, "version": version},
        as_json,
        f"đã bỏ / removed: [{removed['id']}] {removed['name']}\n"
        f"Phiên bản kho tin cậy / trust store version: {version}",
    )


@trust_group.group("crl")
def crl_group() -> None:
    """Danh sách thu hồi chứng thư (CRL) / certificate revocation lists."""


@crl_group.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@as_admin
@json_option
def crl_import_command(inst, files: tuple[str, ...], as_user, as_json: bool) -> None:
    """Import CRL files (.crl, PEM or DER) published by the CAs."""
    ctx = acting_as(inst, as_user, role=Role.ADMIN)
    done = [trust.import_crl(inst, ctx, Path(p).read_bytes()) for p in files]
    version = trust.version(inst)
    lines = [
        f"{'đã có / already' if c.get('already') else 'đã nhập / imported'}: {c['issuer']} "
        f"({c['entries']} mục / entries)"
        for c in done
    ]
    lines.append(f"Phiên bản kho tin cậy / trust store version: {version}")
    emit({"imported": done, "version": version}, as_json, "\n".join(lines))


@commands.group("signatures")
def signatures_group() -> None:
    """Chữ ký số của văn bản / digital signatures of records."""


@signatures_group.command("verify")
@click.argument("doc_ids", nargs=-1, type=RECORD_ID)
@click.option("--all", "every", is_flag=True, help="Every signed record (administrators).")
@click.option("--as", "as_user", metavar="USER", help="Account on whose behalf (audited).")
@json_option
def signatures_verify_command(
    inst, doc_ids: tuple[int, ...], every: bool, as_user, as_json
) -> None:
    """Check the signatures of records again against today's trust store.

    Each check is kept as a new report and event; the one made at ingest is never replaced.
    """
    if bool(doc_ids) == every:
        raise click.UsageError("Give document ids or --all / Cho số văn bản hoặc --all.")
    results = verify(inst, acting_as(inst, as_user), None if every else list(doc_ids))
    lines = []
    for r in results:
        if "error" in r:
            lines.append(f"{r['id']}: {r['error']}")
            continue
        now = msg.STATUS_NAMES.get(r["status"], ("không có chữ ký", "no signature"))
        lines.append(
            f"{r['id']}: {r['before'] or '-'} → {r['status'] or '-'} ({now[0]} / {now[1]})"
        )
    emit({"results": results}, as_json, "\n".join(lines) or "(không có / none)")
