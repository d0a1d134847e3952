"""`kho task …` and `kho stats`: the same services as the pages, from the command line."""

from __future__ import annotations

import json
from datetime import date

from tests.support.people import add_person
from tests.support.workflow import incoming, outgoing


def test_assign_start_done_and_stats(inst, archivist, kho):
    add_person(inst, "chuyenvien", "reader", "mat", "VP")
    doc, reply = incoming(inst, archivist), outgoing(inst, archivist)
    made = kho(
        "task",
        "assign",
        str(doc),
        "--to",
        "chuyenvien",
        "--instruction",
        "Báo cáo",
        "--as",
        "vanthu",
        "--json",
    )
    number = json.loads(made.output)["assignment"]
    [mine] = [
        json.loads(line)
        for line in kho("task", "list", "--as", "chuyenvien", "--json").output.splitlines()
    ]
    assert (mine["id"], mine["document_id"], mine["instruction"]) == (number, doc, "Báo cáo")
    started = kho("task", "start", str(number), "--as", "vanthu")  # the assigner may
    assert "Đang xử lý" in started.output
    kho("task", "done", str(number), "--reply", str(reply), "--as", "chuyenvien")
    assert kho("task", "list", "--as", "chuyenvien").output == ""
    csv = kho("stats", str(date.today().year), "--as", "vanthu").output
    assert "Xử lý,Đã xong,1," in csv
    denied = kho("stats", str(date.today().year), "--as", "chuyenvien", ok=False)
    assert denied.exit_code != 0
