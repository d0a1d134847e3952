"""`kho search`, `kho reindex` and `kho snapshot`."""

from __future__ import annotations

import click

from search import follower, query
from web.cli.support import OPERATOR, KhoGroup, acting_as, as_option, emit, json_option

commands = KhoGroup("search")


@commands.command("search")
@click.argument("text")
@click.option("--sort", type=click.Choice(query.SORTS), default="relevance", show_default=True)
@click.option(
    "--limit", type=click.IntRange(1, query.MAX_HITS), default=query.MAX_HITS, show_default=True
)
@as_option
@json_option
def search_command(inst, text: str, sort: str, limit: int, as_user: str, as_json: bool) -> None:
    """Search the documents the account may read (one line per hit).

    Field syntax: so: loai: coquan: ngay:2022..2023 nam: mat: donvi: hoso: and "phrases".
    """
    follower.catch_up(inst)  # no server may be running: this process applies the log first
    request = query.SearchRequest(text, limit=limit, sort=sort, facets=False)
    result = query.run(inst, acting_as(inst, as_user), request)
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


@commands.command("reindex")
def reindex_command(inst) -> None:
    """Rebuild the search index from the database (the index is derived data); it then
    follows the change log from where the rebuild read the archive."""
    count = follower.rebuild(inst, OPERATOR)
    click.echo(f"Đã lập chỉ mục lại / re-indexed {count} documents.")


@commands.command("snapshot")
def snapshot_command(inst) -> None:
    """Publish this node's search index to the blob store now (sealed), so that a new or wiped
    node restores it and applies only the change log after it (nodes also publish on their own:
    docs/deployment.md)."""
    made = follower.publish(inst)
    if made is None:
        click.echo("Chỉ mục chưa có vị trí / the index has no position yet: nothing published.")
        return
    click.echo(
        f"Đã lưu ảnh chụp chỉ mục / index snapshot {made.uid} at change {made.seq}: "
        f"{made.files} files, {made.size} bytes, sealed in {inst.blobs.location}"
    )
