"""The lifecycle commands end to end (web/cli/lifecycle.py and the commands it works with)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tests.support.records import sample_doc
from web.cli import main


@pytest.fixture
def kho(tmp_path, database_url, blob_area):
    runner = CliRunner()
    areas = {home: blob_area(home) for home in ("home", "home2")}

    def run(*args: str, ok: bool = True, home: str = "home", url: str = database_url):
        env = {"KHO_HOME": str(tmp_path / home), "KHO_DATABASE_URL": url, **areas[home]}
        result = runner.invoke(main, list(args), env=env, catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    run("init")
    return run


def test_lifecycle_commands(kho, tmp_path, sample_docs, database_url):
    kho("user", "add", "vanthu", "--role", "archivist", "--clearance", "mat", "--unit", "VP")
    kho("user", "add", "baomat", "--role", "security_officer", "--clearance", "mat", "--unit", "VP")
    doc = sample_doc(sample_docs, level="thuong", fmt="pdf")
    path = tmp_path / doc.filename
    path.write_bytes(doc.content)
    doc_id = json.loads(kho("ingest", str(path), "--json", "--as", "vanthu").output)["id"]
    kho("fonds", "add", "TU-LC", "Tỉnh ủy Lào Cai", "--from-year", "1991", "--as", "vanthu")
    kho("fonds", "assign", "TU-LC", str(doc_id), "--as", "vanthu")
    kho("fileplan", "add", "2026", "2026-VP-01", "Hồ sơ thử", "--retention", "10", "--as", "vanthu")
    kho("dossier", "add", "2026-VP-01", str(doc_id), "--as", "vanthu")
    closed = json.loads(kho("dossier", "close", "2026-VP-01", "--as", "vanthu", "--json").output)
    assert closed["doc_count"] == 1 and closed["page_count"] >= 1
    assert "2026-VP-01" in kho("fileplan", "list", "2026", "--as", "vanthu").output
    assert "NQ" in kho("retention", "list").output
    added = kho(
        "register",
        "add",
        "DEN",
        "--date",
        "2026-02-03",
        "--doc",
        str(doc_id),
        "--set",
        "sender=VPTW",
        "--as",
        "vanthu",
        "--json",
    ).output
    assert json.loads(added)["entry_number"] == 1
    out = tmp_path / "den.csv"
    kho("register", "export", "DEN", "2026", "-o", str(out), "--as", "vanthu")
    assert "VPTW" in out.read_text("utf-8")
    kho(
        "hold",
        "place",
        "--dossier",
        "2026-VP-01",
        "--reason",
        "thanh tra năm 2026",
        "--as",
        "baomat",
    )
    assert "thanh tra" in kho("hold", "list").output
    assert (
        kho(
            "dispose",
            "propose",
            str(doc_id),
            "--reason",
            "hết hạn bảo quản",
            "--as",
            "vanthu",
            ok=False,
        ).exit_code
        == 1
    )
    kho("due", "--as", "vanthu")
    kho("declassify", "due", "--as", "baomat")
    secret = tmp_path / "pass.txt"
    secret.write_text("cụm mật khẩu sao lưu 2026\n", "utf-8")
    kho("backup", str(tmp_path / "bk"), "--passphrase-file", str(secret))
    if database_url.startswith("sqlite"):  # PostgreSQL restores: test_lifecycle_backup
        new = f"sqlite:///{tmp_path / 'home2' / 'kho.sqlite3'}"
        kho(
            "restore", str(tmp_path / "bk"), "--passphrase-file", str(secret), home="home2", url=new
        )
        assert ", 0 damaged" in kho("verify", "--deep", home="home2", url=new).output
        found = kho("search", doc.truth["canary"], "--as", "vanthu", home="home2", url=new)
        assert str(doc_id) in found.output
