"""`kho init`, `kho keys …`, `kho verify`, `kho check`, `kho backup`, `kho restore`: the
instance's store, its keys and its safety."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from archive.operations import backup, fixity, keys
from archive.operations.bootstrap import initialize
from archive.operations.maintenance import ORPHAN_GRACE_SECONDS, check_store
from search import feed, follower
from search.index import store
from security.crypto import envelope, keyfile
from web.cli.support import OPERATOR, RECORD_ID, KhoGroup, instance, read_secret_file

commands = KhoGroup("store")


@commands.command("init", instance=False)
@click.option(
    "--admin-password-file",
    type=click.Path(exists=True, dir_okay=False),
    help="File holding the first administrator's password (else one is generated).",
)
@click.option(
    "--seal",
    is_flag=True,
    help="Seal the new key file with a passphrase (from KHO_KEY_PASSPHRASE_FD, or asked).",
)
@click.option(
    "--demo",
    is_flag=True,
    help="A demonstration instance: `kho demo` may seed it, every page says so.",
)
def init_command(admin_password_file: str | None, seal: bool, demo: bool) -> None:
    """Create the instance: folders, key file, database schema, empty index, first admin."""
    inst = instance()
    passphrase = None
    if seal and not inst.key_file.exists():
        passphrase = keyfile.read_passphrase(os.environ, "Cụm mật khẩu mới / new passphrase: ")
    password = initialize(inst, read_secret_file(admin_password_file), passphrase, demo=demo)
    follower.catch_up(inst)  # an empty index at the head of the empty change log
    click.echo(f"Kho đã sẵn sàng tại / instance ready at: {inst.home}")
    click.echo(f"Tệp khóa / key file: {inst.key_file} (sao lưu riêng / back it up separately)")
    if password:
        click.echo(f"Tài khoản quản trị / admin account: admin  mật khẩu / password: {password}")
        click.echo("Mật khẩu chỉ hiện một lần. / This password is shown only once.")


@commands.group("keys")
def keys_group() -> None:
    """Key-encryption keys: status, rotation, retirement, escrow."""


@keys_group.command("status")
def keys_status_command(inst) -> None:
    """Show the KEK versions and how many data keys each one wraps."""
    state = keys.status(inst)
    click.echo(f"Nguồn khóa / key source: {state.source}")
    for version, count in sorted(state.keys_per_version.items()):
        mark = " (hiện hành / current)" if version == state.current else ""
        click.echo(f"  KEK v{version}: {count} data keys{mark}")


@keys_group.command("rotate")
@click.option("--resume", is_flag=True, help="Finish an interrupted rotation (no new KEK).")
def keys_rotate_command(inst, resume: bool) -> None:
    """Make a new KEK and re-wrap every data key under it (ciphertexts are not touched)."""
    version, count = keys.rotate(inst, OPERATOR, resume=resume)
    click.echo(f"KEK v{version} hiện hành / current; {count} data keys re-wrapped.")


@keys_group.command("retire")
@click.argument("version", type=RECORD_ID)
def keys_retire_command(inst, version: int) -> None:
    """Remove KEK VERSION from the key file, once no data key needs it."""
    keys.retire(inst, OPERATOR, version)
    click.echo(f"Đã hủy KEK v{version} / retired KEK v{version}.")


@keys_group.command("export")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
def keys_export_command(inst, output: str) -> None:
    """Write a passphrase-sealed copy of the keyring for escrow (keep it apart from the data).

    The passphrase is read from the descriptor in KHO_KEY_PASSPHRASE_FD, or asked twice.
    """
    passphrase = keyfile.read_passphrase(os.environ, "Cụm mật khẩu / passphrase: ")
    if not os.environ.get(keyfile.ENV_PASSPHRASE_FD):
        again = keyfile.read_passphrase(os.environ, "Nhập lại / again: ")
        if again != passphrase:
            raise click.ClickException("Hai lần nhập không khớp / passphrases differ.")
    keys.export_sealed(inst, OPERATOR, Path(output), passphrase)
    click.echo(f"Bản sao khóa đã niêm phong / sealed keyring written: {output}")


@keys_group.command("transfer-keypair", instance=False)
@click.option("-o", "--output", "prefix", required=True, help="Writes PREFIX.key and PREFIX.pub.")
def transfer_keypair(prefix) -> None:
    """An X25519 key pair for a recipient archive (the private key file is 0600)."""
    key_path, pub_path = envelope.generate_keypair(Path(prefix))
    click.echo(f"{pub_path} (gửi cho bên giao / give to the sender), {key_path} (giữ kín / keep)")


@commands.command("verify")
@click.option("--deep", is_flag=True, help="Also decrypt and authenticate every object.")
def verify_command(inst, deep: bool) -> None:
    """Fixity: check every stored object's hash (and, --deep, its authentication)."""
    checked, damage = fixity.verify(inst, OPERATOR, deep=deep)
    for item in damage:
        click.echo(f"DAMAGE: {item}")
    click.echo(f"{checked} objects checked{' (deep)' if deep else ''}, {len(damage)} damaged.")
    if damage:
        sys.exit(1)


@commands.command("check")
@click.option("--repair", is_flag=True, help="Remove leftovers and orphans, fix the index.")
@click.option(
    "--grace",
    type=float,
    default=ORPHAN_GRACE_SECONDS,
    show_default=True,
    help="Seconds a blob without a row is presumed to be a filing in progress.",
)
def check_command(inst, repair: bool, grace: float) -> None:
    """Explain (and with --repair mend) anything a crash or damage left behind."""
    report = check_store(inst, repair=repair, grace=grace)
    index = follower.status(inst)  # first: what the index is read against below
    not_indexed, stale = feed.missing_from_index(inst)
    if index.follows:  # on their way, not damage: the follower applies them within seconds
        waiting = follower.pending(inst, index)
        not_indexed, stale = not_indexed - waiting, stale - waiting
    else:
        report.notes.append(index.describe() + (" (rebuilt)" if repair else ""))
        not_indexed, stale = set(), set()
        if repair:
            follower.rebuild(inst, OPERATOR)
    if index.follows and index.stalled:
        report.notes.append(
            f"chỉ mục không theo kịp / the index is not following the change log: a change has "
            f"waited since {index.oldest_pending:%Y-%m-%d %H:%M:%S} UTC; see the log of kho "
            "serve / kho worker for the error" + (" (applied now)" if repair else "")
        )
        if repair:
            follower.catch_up(inst, wait=None)
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
        store.remove(inst.index_dir, inst.keyring.index_key, stale)
    for line in report.lines():
        click.echo(line)
    if index.follows:
        click.echo(index.describe())
    if report.damaged or (report.problems and not repair):
        sys.exit(1)


@commands.command("backup")
@click.argument("dest", type=click.Path(file_okay=False))
@click.option("--passphrase-file", type=click.Path(exists=True, dir_okay=False), required=True)
def backup_command(inst, dest, passphrase_file) -> None:
    """Consistent backup while Kho runs; the keys are sealed under the passphrase."""
    manifest = backup.backup(inst, OPERATOR, Path(dest), read_secret_file(passphrase_file))
    click.echo(f"{dest}: {len(manifest['files'])} files (sao lưu xong / backup done)")


@commands.command("restore", instance=False)
@click.argument("src", type=click.Path(exists=True, file_okay=False))
@click.option("--passphrase-file", type=click.Path(exists=True, dir_okay=False), required=True)
def restore_command(src, passphrase_file) -> None:
    """Restore a backup into an empty KHO_HOME, then rebuild the search index."""
    inst = instance()
    result = backup.restore(inst, OPERATOR, Path(src), read_secret_file(passphrase_file))
    click.echo(f"{inst.home}: {result['files']} files restored (backup of {result['created']})")
    count = follower.rebuild(inst, OPERATOR)
    click.echo(f"Đã lập chỉ mục lại / re-indexed {count} documents.")
