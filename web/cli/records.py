"""`kho show`, `kho get`, `kho edit`, `kho history`, `kho review …`, `kho quarantine …`:
reading and describing records, each through the gate."""

from __future__ import annotations

from pathlib import Path

import click

from archive.records import editing, gate, history, quarantine, review
from security.vocabulary import LEVELS
from web.cli.support import OPERATOR, RECORD_ID, KhoGroup, acting_as, as_option, emit, json_option

commands = KhoGroup("records")


@commands.command("show")
@click.argument("doc_id", type=RECORD_ID)
@as_option
@json_option
@click.option("--text", "with_text", is_flag=True, help="Also print the full text.")
def show_command(inst, doc_id: int, as_user: str, as_json: bool, with_text: bool) -> None:
    """Show a document's description (and text) if the account may read it."""
    ctx = acting_as(inst, as_user)
    if with_text:
        view, text = gate.read_document(inst, ctx, doc_id)
    else:
        view, text = gate.view_document(inst, ctx, doc_id), None
    data = view.as_dict() | ({"text": text} if text is not None else {})
    data["signatures"] = (view.details.get("signatures") or {}).get("items", [])
    lines = [
        f"{k}: {v}" for k, v in data.items() if k not in ("text", "signatures") and v is not None
    ]
    lines += [
        f"chữ ký số / signature: {s['signer']} ({s['organization'] or '-'}) — {s['status']}, "
        f"{s['signed_at'] or '-'} ({s['time_source']})"
        for s in data["signatures"]
    ]
    emit(data, as_json, "\n".join(lines) + (f"\n\n{text}" if text else ""))


@commands.command("get")
@click.argument("doc_id", type=RECORD_ID)
@as_option
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    help="Where to write the file.",
)
@click.option("--original", is_flag=True, help="The original bitstream, not the access copy.")
def get_command(inst, doc_id: int, as_user: str, output: str, original: bool) -> None:
    """Write a document's file to OUTPUT: the access copy as a PDF stamped for the person
    (``--as``) with a trace id, like a download from the web; the original bitstream with
    --original (for those allowed originals)."""
    ctx = acting_as(inst, as_user)
    if original:
        content = gate.open_content(inst, ctx, doc_id, original)
        chunks, size, media_type, trace = content.chunks, content.size, content.media_type, ""
    else:
        from ingest.delivery import stamp  # the stamp's PDF tools: only for this command

        who = ctx.principal.username if ctx.principal else "operator"
        copy = stamp.stamped_download(inst, ctx, doc_id, who, ctx.unit_code or "-")
        chunks, size, media_type = [copy.data], len(copy.data), copy.media_type
        trace = f", trace {copy.trace_id}"
    target = Path(output)
    tmp = target.with_name(target.name + ".part")
    try:
        with open(tmp, "wb") as fh:
            for chunk in chunks:
                fh.write(chunk)
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    click.echo(f"{target} ({size} bytes, {media_type}{trace})")


@commands.command("edit")
@click.argument("doc_id", type=RECORD_ID)
@as_option
@click.option(
    "--set",
    "pairs",
    multiple=True,
    metavar="FIELD=VALUE",
    help=f"Fields: {', '.join(editing.CODED + editing.SEALED)}",
)
@click.option("--reason", help="Required to lower a secrecy level.")
def edit_command(
    inst, doc_id: int, as_user: str, pairs: tuple[str, ...], reason: str | None
) -> None:
    """Correct a record's description or change its level."""
    changes = dict(pair.split("=", 1) for pair in pairs if "=" in pair)
    editing.edit_document(inst, acting_as(inst, as_user), doc_id, changes, reason)
    click.echo(f"{doc_id}: {', '.join(changes) or 'no change'}")


@commands.command("history")
@click.argument("doc_id", type=RECORD_ID)
@as_option
@json_option
def history_command(inst, doc_id, as_user, as_json) -> None:
    """Every change of a record's description: who, when, old and new values."""
    for v in history.history(inst, acting_as(inst, as_user), doc_id):
        changes = "; ".join(f"{n}: {v['old'].get(n)!r} → {v['new'].get(n)!r}" for n in v["fields"])
        emit(v, as_json, f"v{v['version']} {v['at']} {v['user']} [{v['kind']}] {changes}")


@commands.group("review")
def review_group() -> None:
    """Records whose description an archivist should confirm."""


@review_group.command("list")
@as_option
@json_option
def review_list_command(inst, as_user: str, as_json: bool) -> None:
    """Records to confirm, those held back (chờ xác định độ mật) first."""
    for view in review.queue(inst, acting_as(inst, as_user)):
        items = view.details.get("review", [])
        fields = ", ".join(item["field"] for item in items)
        held = " [chờ xác định độ mật / secrecy pending]" if view.secrecy_pending else ""
        emit(
            {**view.as_dict(), "review": items},
            as_json,
            f"{view.id:>6}  {view.number or view.filename:<20} kiểm tra / check: {fields}{held}",
        )


@review_group.command("confirm")
@click.argument("doc_id", type=RECORD_ID)
@as_option
@click.option(
    "--level",
    type=click.Choice(LEVELS),
    help="Secrecy level (required while the record's secrecy is pending).",
)
@click.option("--set", "pairs", multiple=True, metavar="FIELD=VALUE", help="Corrections.")
@click.option("--reason", help="Required to lower a secrecy level.")
def review_confirm_command(
    inst, doc_id: int, as_user: str, level: str | None, pairs: tuple[str, ...], reason
) -> None:
    """Confirm a record's description (with corrections), or set its secrecy level."""
    changes = dict(pair.split("=", 1) for pair in pairs if "=" in pair)
    review.confirm(inst, acting_as(inst, as_user), doc_id, changes, reason, level)
    click.echo(f"{doc_id}: đã xác nhận / confirmed")


@commands.group("quarantine")
def quarantine_group() -> None:
    """TUYỆT MẬT records kept apart until an administrator releases them."""


@quarantine_group.command("list")
@json_option
def quarantine_list_command(inst, as_json: bool) -> None:
    for item in quarantine.listing(inst, OPERATOR):
        emit(
            item,
            as_json,
            f"{item['id']:>6} {item['level']:<10} {item['unit']:<6} {item['filed_at'][:19]}",
        )


@quarantine_group.command("release")
@click.argument("doc_id", type=RECORD_ID)
@click.option("--reference", required=True, help="Number of the approval (e.g. 12/QĐ-VPTU).")
def quarantine_release_command(inst, doc_id: int, reference: str) -> None:
    quarantine.release(inst, OPERATOR, doc_id, reference)
    click.echo(f"{doc_id}: released ({reference})")
