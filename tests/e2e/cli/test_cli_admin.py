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
    assert "canbo" in kho("grant", "pending", "--as", "truongban").output
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
