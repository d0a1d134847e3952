"""The example client of docs/api.md, run as printed against a live server: it deposits a
folder with progress, and run again after an interruption it files nothing twice."""

from __future__ import annotations

import re
import threading
import time
import types
from pathlib import Path

from sqlalchemy import func, select

from archive.models import Document
from ingest.doors import jobs
from tests.e2e.api.conftest import letter

DOCS = Path(__file__).resolve().parents[3] / "docs" / "api.md"


def _client_module(monkeypatch, url: str, token: str) -> types.ModuleType:
    source = re.search(r"```python\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S).group(1)
    monkeypatch.setenv("KHO_URL", url)
    monkeypatch.setenv("KHO_TOKEN", token)
    module = types.ModuleType("kho_deposit")
    exec(compile(source, str(DOCS), "exec"), module.__dict__)  # noqa: S102 - our own docs
    return module


def test_the_documented_client_deposits_a_folder_and_resumes(
    server, inst, filer, tmp_path, monkeypatch, capsys
):
    folder = tmp_path / "outgoing"
    folder.mkdir()
    for n in range(3):
        (folder / f"kh{n}.txt").write_bytes(letter(f"{40 + n}-KH/TU"))
    client = _client_module(monkeypatch, server, filer.token)
    client.main(str(folder))
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[1].split()[0] for line in lines] == ["stored"] * 3
    assert lines[0].startswith("[1/3] kh0.txt")
    # an interruption: the answer for kh1 was lost before it reached the state file
    state_file = folder / ".kho-deposit.json"
    state = state_file.read_text()
    state_file.write_text(state.replace('"kh1.txt"', '"lost.txt"'))
    (folder / "kh3.txt").write_bytes(letter("43-KH/TU"))
    client.main(str(folder))
    again = capsys.readouterr().out.splitlines()
    assert [line.split()[1] for line in again] == ["kh1.txt:", "kh3.txt:"]
    assert "stored" in again[0] and "(filed earlier)" in again[0]  # answered, not filed again
    assert "stored" in again[1] and "(filed earlier)" not in again[1]
    with inst.sessions() as session:
        assert session.scalar(select(func.count(Document.id))) == 4


def test_the_documented_client_waits_for_the_job_of_a_large_file(
    app, server, inst, filer, tmp_path, monkeypatch, capsys
):
    app.config["KHO_API_ASYNC_BYTES"] = 100  # every file is "large": answered with a job
    folder = tmp_path / "outgoing"
    folder.mkdir()
    for n in range(2):
        (folder / f"kh{n}.txt").write_bytes(letter(f"{50 + n}-KH/TU"))
    client = _client_module(monkeypatch, server, filer.token)
    client.time = types.SimpleNamespace(sleep=lambda _s: time.sleep(0.2))  # poll faster
    stop = threading.Event()

    def worker() -> None:
        while not stop.is_set():
            jobs.work(inst, once=True)
            stop.wait(0.2)

    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    try:
        client.main(str(folder))
    finally:
        stop.set()
        thread.join(30)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[1].split()[0] for line in lines] == ["stored"] * 2
    with inst.sessions() as session:
        assert session.scalar(select(func.count(Document.id))) == 2
