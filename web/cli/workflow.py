"""`kho task …` (assign an incoming document, start, done, the lists) and `kho stats` (the
office's statistics as CSV): the command-line side of archive.workflow; the services decide
and audit."""

from __future__ import annotations

import click

from archive.workflow import assignments, statistics
from web.cli.support import RECORD_ID, YEAR, KhoGroup, acting_as, as_option, emit, json_option

commands = KhoGroup("workflow")


def _line(t: assignments.Task) -> str:
    deadline = t.deadline.isoformat(timespec="minutes") if t.deadline else "-"
    who = t.handler or t.unit
    return f"{t.id:>5} văn bản {t.document_id} → {who} hạn {deadline} [{t.status}]"


def _data(t: assignments.Task) -> dict:
    return {
        "id": t.id,
        "document_id": t.document_id,
        "unit": t.unit,
        "handler": t.handler,
        "deadline": t.deadline.isoformat() if t.deadline else None,
        "deadline_source": t.deadline_source,
        "status": t.status,
        "reply_id": t.reply_id,
        "instruction": t.instruction,
    }


@commands.group("task")
def task_group() -> None:
    """Incoming documents handled (giao xử lý, theo dõi, đôn đốc)."""


@task_group.command("assign")
@click.argument("doc_id", type=RECORD_ID)
@click.option("--unit", "unit_code", help="Unit that handles it.")
@click.option("--to", "handler", help="Username of the handler.")
@click.option("--instruction", default="", help="Ý kiến chỉ đạo.")
@click.option("--deadline", type=click.DateTime(formats=["%Y-%m-%d"]), help="Hạn xử lý.")
@click.option("--ask-access", is_flag=True, help="Request access for a handler who may not read.")
@as_option
@json_option
def task_assign(
    inst, doc_id, unit_code, handler, instruction, deadline, ask_access, as_user, as_json
):
    number = assignments.assign(
        inst,
        acting_as(inst, as_user),
        doc_id,
        unit_code=unit_code,
        handler=handler,
        instruction=instruction,
        deadline=deadline.date() if deadline else None,
        ask_access=ask_access,
    )
    emit({"assignment": number}, as_json, f"Đã giao xử lý: việc số {number}")


@task_group.command("start")
@click.argument("assignment_id", type=RECORD_ID)
@as_option
def task_start(inst, assignment_id, as_user) -> None:
    assignments.start(inst, acting_as(inst, as_user), assignment_id)
    click.echo(f"Đang xử lý việc số {assignment_id}")


@task_group.command("done")
@click.argument("assignment_id", type=RECORD_ID)
@click.option("--reply", "reply_id", type=RECORD_ID, help="The outgoing reply's id in Kho.")
@as_option
def task_done(inst, assignment_id, reply_id, as_user) -> None:
    assignments.finish(inst, acting_as(inst, as_user), assignment_id, reply_id)
    click.echo(f"Đã xử lý xong việc số {assignment_id}")


@task_group.command("list")
@click.option("--follow", is_flag=True, help="The office head's lists: overdue, due soon, rest.")
@as_option
@json_option
def task_list(inst, follow, as_user, as_json) -> None:
    ctx = acting_as(inst, as_user)
    if not follow:
        for t in assignments.my_tasks(inst, ctx):
            emit(_data(t), as_json, _line(t))
        return
    seen = assignments.tracking(inst, ctx)
    for kind, tasks in (
        ("overdue", seen.overdue),
        ("due_soon", seen.due_soon),
        ("other", seen.other),
    ):
        for t in tasks:
            emit({**_data(t), "list": kind}, as_json, f"{kind:>8} {_line(t)}")


@commands.command("stats")
@click.argument("year", type=YEAR)
@as_option
def stats(inst, year, as_user) -> None:
    """The office's statistics for a year as CSV (only records the person may read)."""
    click.echo(statistics.export_csv(inst, acting_as(inst, as_user), year), nl=False)
