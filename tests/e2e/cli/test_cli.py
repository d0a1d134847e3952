"""The `kho` command line on a fresh instance, as a newcomer would use it."""

from __future__ import annotations

import json
import stat

from ingest.demo import samples


def _lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_init_user_ingest_search_show_get(kho, tmp_path):
    secret = tmp_path / "admin.txt"
    secret.write_text("a-long-root-passphrase\n")
    out = kho("init", "--admin-password-file", str(secret)).output
    assert "instance ready" in out and "a-long-root-passphrase" not in out
    key_file = tmp_path / "home" / "keys" / "kho.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert "already" not in kho("init").output  # repeatable, keeps the instance

    out = kho(
        "user", "add", "vanthu", "--role", "archivist", "--clearance", "toi_mat", "--unit", "vp"
    ).output
    assert "Mật khẩu / password:" in out
    kho("user", "add", "canbo", "--role", "reader", "--clearance", "thuong", "--unit", "VP")

    docs = samples.generate(20, seed=3)
    folder = tmp_path / "in"
    folder.mkdir()
    chosen = [d for d in docs if d.truth["level"] in ("thuong", "mat")][:3]
    for doc in chosen:
        (folder / doc.filename).write_bytes(doc.content)
    (folder / "fake.pdf").write_bytes(b"PK\x03\x04zip")
    result = kho("ingest", str(folder), "--as", "vanthu", "--json", ok=False)
    assert result.exit_code == 2  # something was rejected
    lines = {Path_(r["path"]): r for r in _lines(result.output)}
    assert lines["fake.pdf"]["status"] == "rejected" and lines["fake.pdf"]["reason"]
    for doc in chosen:
        row = lines[doc.filename]
        assert row["status"] == "stored"
        for field in ("kind", "doc_type", "number", "date", "level", "urgency"):
            assert row[field] == doc.truth[field]

    hits = _lines(kho("search", "dang vien", "--as", "vanthu", "--json").output)
    assert hits and all("id" in h for h in hits)
    ordinary = next(lines[d.filename]["id"] for d in chosen if d.truth["level"] == "thuong")
    shown = _lines(kho("show", str(ordinary), "--as", "canbo", "--json").output)[0]
    assert shown["id"] == ordinary
    out_file = tmp_path / "out.bin"
    kho("get", str(ordinary), "--as", "canbo", "-o", str(out_file), "--original")
    original = next(d for d in chosen if lines[d.filename]["id"] == ordinary)
    assert out_file.read_bytes() == original.content

    assert "intact" in kho("audit", "verify").output
    assert "consistent" in kho("check").output


def Path_(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def test_denied_and_unknown_are_clear_errors_not_tracebacks(kho):
    kho("init")
    result = kho("show", "1", "--as", "nobody", ok=False)
    assert result.exit_code == 1
    assert "No active account" in result.output and "Traceback" not in result.output
    result = kho(
        "user",
        "add",
        "x",
        "--role",
        "reader",
        "--clearance",
        "mat",
        "--password-file",
        "/dev/null",
        ok=False,
    )
    assert result.exit_code == 1 and "at least 12 characters" in result.output


def test_commands_before_init_say_to_run_init(kho):
    for args in (["search", "x", "--as", "a"], ["check"], ["audit", "verify"], ["demo"]):
        result = kho(*args, ok=False)
        assert result.exit_code == 1 and "kho init" in result.output, args


def test_ingest_without_as_uses_the_only_archivist_or_asks(kho, tmp_path):
    kho("init")
    doc = samples.generate(20, seed=5)[0]
    path = tmp_path / doc.filename
    path.write_bytes(doc.content)
    result = kho("ingest", str(path), ok=False)
    assert result.exit_code == 1 and "--as" in result.output  # no archivist yet
    kho("user", "add", "vanthu", "--role", "archivist", "--clearance", "tuyet_mat", "--unit", "VP")
    assert _lines(kho("ingest", str(path), "--json").output)[0]["status"] == "stored"
    kho("user", "add", "vanthu2", "--role", "archivist", "--clearance", "mat", "--unit", "VP")
    result = kho("ingest", str(path), ok=False)
    assert "vanthu, vanthu2" in result.output
