"""Account, grant and audit commands of `kho`, end to end on a fresh instance."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ingest.demo import samples
from tests.support import ROOT

TOOL = ROOT / "tools" / "verify_audit_export.py"


@pytest.fixture
def kho(kho):
    kho("init")
    return kho


def test_accounts_grants_sharing_and_editing(kho, tmp_path):
    kho("user", "add", "luutru", "--role", "archivist", "--clearance", "mat", "--unit", "VP")
    kho(
        "user",
        "add",
        "truongban",
        "--role",
        "reader",
        "--clearance",
        "mat",
        "--unit",
        "BTC",
        "--unit-head",
    )
    kho("user", "add", "canbo", "--role", "reader", "--clearance", "thuong", "--unit", "BTC")
    doc = next(d for d in samples.generate(20, seed=9) if d.truth["level"] == "thuong")
    path = tmp_path / doc.filename
    path.write_bytes(doc.content)
    doc_id = json.loads(kho("ingest", str(path), "--json").output.splitlines()[0])["id"]
    assert kho("show", str(doc_id), "--as", "canbo", ok=False).exit_code == 1
    kho("grant", "request", str(doc_id), "--as", "canbo", "--reason", "chuẩn bị hội nghị")
    assert kho("grant", "decide", "1", "--as", "truongban", "--approve", ok=False).exit_code == 1
    kho("user", "set", "truongban", "--unit", "VP")  # now head of the record's unit
    pending = kho("grant", "pending", "--as", "truongban").output
    assert "canbo" in pending and "chuẩn bị hội nghị" in pending  # the sealed reason, shown
    kho("grant", "decide", "1", "--as", "truongban", "--approve", "--days", "3")
    assert str(doc_id) in kho("show", str(doc_id), "--as", "canbo").output
    kho("share", str(doc_id), "BTC", "--as", "luutru")
    kho("edit", str(doc_id), "--as", "luutru", "--set", "urgency=khan", "--set", "subject=về mới")
    shown = json.loads(kho("show", str(doc_id), "--as", "canbo", "--json").output)
    assert (shown["urgency"], shown["subject"]) == ("khan", "về mới")
    assert "clearance: thuong → mat" in kho("user", "set", "canbo", "--clearance", "mat").output
    kho("user", "unlock", "canbo")
    assert "0 sessions" in kho("user", "end-sessions", "canbo").output
    kho("user", "reset-2fa", "canbo")


def test_password_and_clearance_commands(kho, tmp_path):
    """Issue 14, items 7 and 10 at the command line."""
    kho("user", "add", "canbo", "--role", "reader", "--clearance", "mat", "--unit", "VP")
    secret = tmp_path / "pw"
    secret.write_text("gió mùa đông bắc về trên đỉnh núi\n", encoding="utf-8")
    kho("user", "add", "baomat", "--role", "security_officer", "--clearance", "tuyet_mat")
    kho("user", "reset-password", "baomat", "--password-file", str(secret))
    reset = kho("user", "reset-password", "canbo").output
    temporary = reset.split("temporary password: ")[1].split()[0]
    new = "ruộng bậc thang mùa nước đổ"
    assert kho(
        "user", "passwd", "canbo", "--current", "wrong one", "--new", new, ok=False
    ).exit_code
    assert (
        "password changed"
        in kho("user", "passwd", "canbo", "--current", temporary, "--new", new).output
    )

    out = kho("user", "set", "canbo", "--clearance", "toi_mat").output
    assert "clearance_requested: mat → toi_mat" in out
    listed = kho("user", "clearances").output
    assert "canbo" in listed and "operator" in listed
    request_id = listed.split()[0]
    decide = ("user", "decide-clearance", request_id, "--as", "baomat", "--approve")
    assert kho(*decide, "--password", "not it", ok=False).exit_code == 1
    officer_password = secret.read_text(encoding="utf-8").strip()
    kho(*decide, "--password", officer_password)
    lines = kho("audit", "log", "--json").output.splitlines()
    actions = [json.loads(line)["action"] for line in lines]
    for action in ("password_reset", "password_change", "clearance_request", "clearance_approve"):
        assert action in actions


def test_kho_get_hands_out_a_stamped_pdf_that_kho_trace_finds(kho, tmp_path):
    """Issue 14, item 3: a text file leaves as a stamped PDF; its trace leads to the entry."""
    kho("user", "add", "luutru", "--role", "archivist", "--clearance", "mat", "--unit", "VP")
    kho("user", "add", "canbo", "--role", "reader", "--clearance", "thuong", "--unit", "VP")
    doc = next(
        d
        for d in samples.generate(20, seed=9)
        if d.truth["level"] == "thuong" and d.truth["format"] == "txt"
    )
    path = tmp_path / doc.filename
    path.write_bytes(doc.content)
    doc_id = json.loads(kho("ingest", str(path), "--unit", "VP", "--json").output.splitlines()[0])[
        "id"
    ]
    copy = tmp_path / "leaked.pdf"
    got = kho("get", str(doc_id), "--as", "canbo", "-o", str(copy)).output
    assert "application/pdf" in got and copy.read_bytes().startswith(b"%PDF")
    trace = got.split("trace ")[1].strip(")\n ")
    found = kho("trace", str(copy), "--json").output.splitlines()
    entry = json.loads(found[0])
    assert (entry["username"], entry["action"], entry["object_id"]) == ("canbo", "download", doc_id)
    assert entry["detail"]["trace"] == trace
    stranger = tmp_path / "stranger.pdf"
    stranger.write_bytes(samples.render_pdf("Một văn bản không có dấu truy vết."))
    assert kho("trace", str(stranger), ok=False).exit_code != 0


def test_audit_commands(kho, tmp_path):
    kho("user", "add", "canbo", "--role", "reader", "--clearance", "thuong", "--unit", "VP")
    kho("show", "42", "--as", "canbo", ok=False)  # a denial to find
    lines = kho("audit", "log", "--user", "canbo", "--json").output.splitlines()
    assert json.loads(lines[0])["outcome"] == "denied"
    point = tmp_path / "checkpoint.json"
    kho("audit", "checkpoint", "-o", str(point))
    assert "intact" in kho("audit", "verify", "--checkpoint", str(point)).output
    public = kho("audit", "pubkey").output.strip()
    target = tmp_path / "audit.jsonl"
    kho("audit", "export", "--from", "2020-01-01", "-o", str(target))
    check = subprocess.run(
        [sys.executable, str(TOOL), str(target), "--public-key", public],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout
    kho("audit", "anomalies")
