"""Every `kho` command ends in a clear message, never a traceback: a damaged instance and a
database out of reach, in real processes; an unexpected error's details are sealed in the
incident log, and only `kho incident` opens them."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from search import query

KHO = [sys.executable, "-c", "from web.cli import main; main()"]


def _run(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*KHO, *args], env={**os.environ, **env}, capture_output=True, text=True, timeout=300
    )


def test_an_unexpected_error_is_one_line_with_a_reference(kho, tmp_path, database_url):
    kho("init")
    kho("user", "add", "canbo", "--role", "reader", "--clearance", "mat", "--unit", "VP")
    home = tmp_path / "home"
    env = {"KHO_HOME": str(home), "KHO_DATABASE_URL": database_url}
    (home / "index").rename(home / "index.moved")
    (home / "index").write_text("not a folder")  # damage a command cannot foresee
    done = _run(env, "search", "kế hoạch", "--as", "canbo")
    assert done.returncode == 1 and "Traceback" not in done.stderr + done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "`kho search`" in lines[0], done.stderr
    assert "NotADirectoryError" in lines[0]
    ref = re.search(r"kho incident (\S+?)\.", lines[0]).group(1)
    details = _run(env, "incident", ref)
    assert details.returncode == 0 and "Traceback" in details.stdout
    assert str(home / "index") in details.stdout  # the message, sealed until asked for
    assert str(home / "index").encode() not in (home / "logs" / "incidents.jsonl").read_bytes()
    missing = _run(env, "incident", "20000101-000000")
    assert missing.returncode == 1 and "No incident" in missing.stderr


def test_what_an_error_quotes_stays_sealed(kho, tmp_path, monkeypatch):
    kho("init")
    kho("user", "add", "canbo", "--role", "reader", "--clearance", "mat", "--unit", "VP")
    secret = "Kế hoạch bí mật số 99-KH/TU"

    def broken(*_args, **_kwargs):
        raise ValueError(f"could not parse {secret}")

    monkeypatch.setattr(query, "run", broken)
    result = kho("search", secret, "--as", "canbo", ok=False)
    assert result.exit_code == 1 and secret not in result.output
    assert "ValueError" in result.output and "kho incident" in result.output
    log = (tmp_path / "home" / "logs" / "incidents.jsonl").read_bytes()
    assert secret.encode() not in log and b"99-KH" not in log
    ref = re.search(r"kho incident (\S+?)\.", result.output).group(1)
    assert secret in kho("incident", ref).output


def test_database_out_of_reach_is_explained(kho, tmp_path):
    kho("init")  # then the database goes away
    env = {"KHO_HOME": str(tmp_path / "home"), "KHO_DATABASE_URL": "postgresql://127.0.0.1:9/x"}
    done = _run(env, "check")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "Cannot reach the database" in done.stderr


def test_interrupted_command_says_so(kho, monkeypatch):
    kho("init")

    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("web.cli.store.check_store", interrupted)
    result = kho("check", ok=False)
    assert result.exit_code == 130 and "Interrupted" in result.output


def test_a_reader_that_stops_reading_is_no_incident(kho, tmp_path, monkeypatch):
    """`kho search … | head`: the pipe closes before the command has written everything. That
    is no error of Kho's: no message, no incident, and a pipe's exit status."""
    kho("init")
    kho("user", "add", "canbo", "--role", "reader", "--clearance", "mat", "--unit", "VP")

    def closed(*_args, **_kwargs):
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(query, "run", closed)
    result = kho("search", "kế hoạch", "--as", "canbo", ok=False)
    assert result.exit_code == 128 + 13 and result.output == ""
    assert not (tmp_path / "home" / "logs" / "incidents.jsonl").exists()
