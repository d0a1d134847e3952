"""`kho` commands of ingest: ingest files, seed demo data."""

from __future__ import annotations

import os
import sys
from collections import Counter
from pathlib import Path

import click
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from archive.core import faults
from archive.operations.bootstrap import is_demo
from ingest import pipeline
from ingest.demo import demo, samples
from ingest.describe import training
from ingest.doors import inbox as inbox_watch
from ingest.doors import jobs, recognition
from ingest.examine import ocr
from security.errors import Refused
from security.vocabulary import LEVEL_NAMES, LEVELS, ROLE_NAMES, Role
from web import stopping, wiring
from web.cli.support import (
    OPERATOR,
    KhoGroup,
    acting_as,
    emit,
    json_option,
    read_secret_file,
    ready_instance,
)

commands = KhoGroup("ingest")


def _files(paths: tuple[str, ...]) -> list[Path]:
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        found.extend(sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path])
    return found


# A batch or the upload queue on the machine that serves the pages takes the CPU the pages need
# (2 cores, 30 people: the pages' p95 went up 2.9× beside a batch at the same priority). At
# `--nice 10` Linux gives the process about a tenth of a contended core and all of an idle one:
# the filing goes as fast as ever on a quiet machine and gives way to the people when they are
# there. `kho serve` starts its ingest worker so (web.supervisor); docs/operations.md says when.
nice_option = click.option(
    "--nice",
    "niceness",
    type=click.IntRange(0, 19),
    default=0,
    show_default=True,
    help="Lower CPU priority (added to the shell's) so that web pages served on this machine "
    "come first (10 there).",
)


def lower_priority(niceness: int) -> None:
    if niceness:
        os.nice(niceness)


@commands.command("ingest")
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
@click.option(
    "--password-file",
    type=click.Path(exists=True, dir_okay=False),
    help="Password of protected PDFs, in a file (never on the command line).",
)
@nice_option
@json_option
def ingest_command(
    inst,
    paths: tuple[str, ...],
    as_user: str | None,
    unit_code: str | None,
    level: str | None,
    password_file: str | None,
    niceness: int,
    as_json: bool,
) -> None:
    """File documents (PDF, Word, Excel, ODT, RTF, text, scans; folders are walked)."""
    lower_priority(niceness)
    ctx = acting_as(inst, as_user, role=Role.ARCHIVIST)
    password = read_secret_file(password_file)
    files = _files(paths)
    results = []
    with Progress(
        transient=True, disable=as_json or not sys.stderr.isatty(), console=Console(stderr=True)
    ) as progress:
        task = progress.add_task("Đang nộp / filing", total=len(files))
        try:
            for result in pipeline.ingest_files(
                inst, ctx, files, unit_code, level, inst.limits, password
            ):
                results.append(result)
                progress.advance(task)
                if as_json:
                    emit(result.as_json(), True, "")
        except Exception as exc:
            if not faults.is_disk_full(exc):
                raise
            if not as_json:
                _summary(results)
            full = faults.disk_full(inst.home)
            raise faults.DiskFull(
                f"{full.vi} Đã nộp xong {len(results)}/{len(files)} tệp; chạy lại đúng lệnh này "
                "sau khi giải phóng chỗ: các tệp đã lưu được nhận ra là trùng và bỏ qua.",
                f"{full.en} {len(results)} of {len(files)} files were done; run the same command "
                "again once there is room: files already filed are recognised as duplicates.",
            ) from exc
    if not as_json:
        _summary(results)
    if any(r.status in ("rejected", "quarantined") for r in results):
        sys.exit(2)


_STATUS = {
    "stored": "đã lưu",
    "duplicate": "trùng",
    "rejected": "từ chối",
    "quarantined": "cách ly",
}


def _summary(results: list[pipeline.IngestResult]) -> None:
    """One row per file (what happened and why), then the totals."""
    table = Table(show_lines=False)
    for column in ("Trạng thái / status", "Số / id", "Tệp / file", "Ghi chú / note"):
        table.add_column(column)
    for r in results:
        note = r.reason or "; ".join(r.warnings) or (r.fields.get("number") or "")
        table.add_row(
            f"{_STATUS.get(r.status, r.status)} ({r.status})", str(r.id or ""), r.path, note
        )
    console = Console()
    console.print(table)
    tally = Counter(r.status for r in results)
    console.print(", ".join(f"{n} {status}" for status, n in sorted(tally.items())))


@commands.command("watch")
@click.argument("inbox", type=click.Path(exists=True, file_okay=False))
@click.option("--as", "as_user", metavar="USER", help="Archivist who files them.")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between looks.")
@click.option("--once", is_flag=True, help="One look, then stop (for scripts and cron).")
def watch_command(inst, inbox: str, as_user: str | None, interval: float, once: bool) -> None:
    """File what arrives in INBOX; move it to done/ or rejected/ (with the reason)."""
    ctx = acting_as(inst, as_user, role=Role.ARCHIVIST)
    if not once:
        pipeline.preload()
        click.echo(f"Đang theo dõi / watching {inbox} (Ctrl+C để dừng / to stop)")
    try:
        for result in inbox_watch.watch(inst, ctx, Path(inbox), interval, once, inst.limits):
            click.echo(f"{result.status:<11} {result.id or '':>6}  {result.path}")
    except KeyboardInterrupt:
        click.echo("Đã dừng / stopped.")


@commands.command("worker")
@click.option("--once", is_flag=True, help="Empty the queue, then stop.")
@click.option("--retry-failed", is_flag=True, help="Queue the failed uploads again first.")
@nice_option
def worker_command(inst, once: bool, retry_failed: bool, niceness: int) -> None:
    """File the web uploads waiting in the queue (`make run` and `kho serve` start one; on other
    machines, with the same database, object storage and keyring, as many as the load needs);
    the index follows the change log meanwhile."""
    # SIGINT or SIGTERM: the running job is handed back, at any moment (before: the start ends)
    stop = stopping.stop_on_signal()
    stop.arm()
    click.echo(f"Kho worker: blobs {inst.blobs.location}", err=True)
    follower = None
    try:
        if retry_failed:
            click.echo(f"{jobs.retry_failed(inst)} tệp được thử lại / failed uploads queued again")
        follower = wiring.follow_in_background(inst)
        if not once:
            pipeline.preload()
        lower_priority(niceness)  # once started: a restart on a busy machine is not slowed
        count = jobs.work(inst, once=once, limits=inst.limits, uninterrupted=stop.held)
        click.echo(f"{count} tệp / files")
    except KeyboardInterrupt:
        if follower is not None:
            follower.stop()
        click.echo("Đã dừng / stopped.")


@commands.group("classify")
def classify_group() -> None:
    """The filing model learned from confirmed filings."""


@classify_group.command("retrain")
def classify_retrain_command(inst) -> None:
    """Learn subject → dossier from records filed in dossiers and confirmed (run after filing)."""
    count = training.retrain_and_store(inst, OPERATOR)
    if count is None:
        click.echo("Chưa đủ dữ liệu (cần ít nhất hai hồ sơ) / not enough filings yet.")
    else:
        click.echo(f"Đã học từ {count} văn bản / trained on {count} filings.")


@commands.command("ocr")
@click.option("--pending", is_flag=True, required=True, help="Every record flagged 'needs OCR'.")
@click.option("--as", "as_user", metavar="USER", help="Archivist on whose behalf (audited).")
def ocr_command(inst, pending: bool, as_user: str | None) -> None:
    """Recognise the text of scans filed while Tesseract was not installed."""
    ctx = acting_as(inst, as_user, role=Role.ARCHIVIST)
    todo = recognition.pending(inst)
    if todo and not ocr.ocr_available():
        raise Refused(
            "Chưa cài Tesseract và mô hình tiếng Việt: chạy scripts/system-deps.sh.",
            ocr.INSTALL_HINT,
        )
    for doc_id in todo:
        done = recognition.recognise(inst, ctx, doc_id, inst.limits)
        click.echo(f"{doc_id:>6}  {done.status}  {done.characters} characters")
    click.echo(f"{len(todo)} văn bản / records")


@commands.command("demo", instance=False)
@click.option("--count", default=50, show_default=True, help="How many documents to generate.")
@click.option("--once", is_flag=True, help="Do nothing but list the logins if already seeded.")
@click.option("--code", "code_for", metavar="USER", help="Print a demo account's current code.")
def demo_command(count: int, once: bool, code_for: str | None) -> None:
    """Seed demo accounts (one per role) and generated sample documents."""
    if code_for:  # the code is computed from the demo account's known secret alone
        click.echo(demo.current_code(code_for))
        return
    inst = ready_instance()
    if not is_demo(inst.home):
        raise Refused(
            "Kho này không phải bản trình diễn: `kho demo` chỉ chạy trên Kho tạo bằng "
            "`kho init --demo` (một KHO_HOME riêng).",
            "This is not a demo instance: `kho demo` runs only on an instance created with "
            "`kho init --demo` (a KHO_HOME of its own).",
        )
    if once and demo.is_seeded(inst):
        print_demo_logins()
        return
    results = demo.seed(inst, count)
    tally = Counter(r.status for r in results)
    click.echo("Dữ liệu mẫu / demo data: " + ", ".join(f"{n} {s}" for s, n in tally.items()))
    print_demo_logins()


def print_demo_logins() -> None:
    """Every demo account, with its role, clearance and unit in words (not codes)."""
    click.echo("Tài khoản mẫu / demo logins (tên, mật khẩu, vai trò, độ mật, đơn vị):")
    for acc in demo.DEMO_ACCOUNTS:
        role = ROLE_NAMES.get(acc.role, acc.role)
        unit = samples.UNITS.get(acc.unit, acc.unit)
        clearance = LEVEL_NAMES.get(acc.clearance, acc.clearance)
        line = f"  {acc.username:<12} {acc.password:<30} {role}, {clearance}, {unit}"
        if acc.totp_secret:
            line += (
                f"\n{'':13}2FA: khóa/secret {acc.totp_secret}"
                f"  (mã/code: kho demo --code {acc.username})"
            )
        click.echo(line)
