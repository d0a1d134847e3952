"""`kho` commands of search: search, reindex, and check (store and index together)."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from archive.audit import Context
from archive.commands import acting_as, as_option, emit, json_option, ready_instance, user_errors
from archive.maintenance import ORPHAN_GRACE_SECONDS, check_store
from search import feed, index, query


@click.command("search")
@click.argument("text")
@click.option("--sort", type=click.Choice(query.SORTS), default="relevance", show_default=True)
@click.option("--limit", type=int, default=query.MAX_HITS, show_default=True)
@as_option
@json_option
@with_appcontext
@user_errors
def search_command(text: str, sort: str, limit: int, as_user: str, as_json: bool) -> None:
    """Search the documents the account may read (one line per hit).

    Field syntax: so: loai: coquan: ngay:2022..2023 nam: mat: donvi: hoso: and "phrases".
    """
    request = query.SearchRequest(text, limit=limit, sort=sort, facets=False)
    result = query.run(ready_instance(), acting_as(as_user), request)
    for hit in result.hits:
        emit(
            hit.as_dict(),
            as_json,
            f"{hit.id:>6}  {hit.number or '-':<18} {hit.date or ''!s:<10}  {hit.subject or ''}",
        )
    if not as_json:
        click.echo(f"{len(result.hits)} / {result.total} văn bản / documents")
        if result.suggestion:
            click.echo(f"Có phải bạn muốn tìm / did you mean: {result.suggestion}")


@click.command("reindex")
@with_appcontext
@user_errors
def reindex_command() -> None:
    """Rebuild the search index from the database (the index is derived data)."""
    count = feed.reindex(ready_instance(), Context(None, "cli"))
    click.echo(f"Đã lập chỉ mục lại / re-indexed {count} documents.")


@click.command("check")
@click.option("--repair", is_flag=True, help="Remove leftovers and orphans, fix the index.")
@click.option(
    "--grace",
    type=float,
    default=ORPHAN_GRACE_SECONDS,
    show_default=True,
    help="Seconds a blob without a row is presumed to be a filing in progress.",
)
@with_appcontext
@user_errors
def check_command(repair: bool, grace: float) -> None:
    """Explain (and with --repair mend) anything a crash or damage left behind."""
    inst = ready_instance()
    report = check_store(inst, repair=repair, grace=grace)
    not_indexed, stale = feed.missing_from_index(inst)
    if not_indexed:
        report.notes.append(
            f"{len(not_indexed)} documents missing from the index"
            + (" (re-indexed)" if repair else ": run kho check --repair")
        )
    if stale:
        report.notes.append(
            f"{len(stale)} index entries without a document" + (" (removed)" if repair else "")
        )
    if repair:
        feed.refresh(inst, sorted(not_indexed))
        index.remove(inst.index_dir, inst.keyring.index_key, stale)
    for line in report.lines():
        click.echo(line)
    if report.damaged or (report.problems and not repair):
        sys.exit(1)


COMMANDS = [search_command, reindex_command, check_command]
