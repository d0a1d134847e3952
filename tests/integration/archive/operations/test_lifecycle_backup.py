"""Backup of a running instance → restore into an empty home → deep fixity clean, search works;
the backup holds no plaintext, and without the passphrase it opens nothing."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from archive.lifecycle import registers
from archive.operations import backup, fixity
from search import feed, query
from security.actor import Context
from security.crypto.keys import KeyringError
from tests.support.blobs import instance_at
from tests.support.postgres import postgres_database
from tests.support.records import file_doc

PASSPHRASE = "một cụm mật khẩu đủ dài 2026"


@pytest.fixture
def restored_url(tmp_path):
    server = os.environ.get("KHO_TEST_DATABASE_URL")
    if server:
        yield from postgres_database(server)
    else:
        yield f"sqlite:///{tmp_path / 'restored' / 'kho.sqlite3'}"


def _scan(folder: Path, secrets: list[str]) -> list[str]:
    found = []
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for secret in secrets:
                for form in (secret.encode(), secret.encode("utf-16-le"), secret.lower().encode()):
                    if form in data:
                        found.append(f"{path}: {secret}")
    return found


def test_backup_restore_verify_and_search(inst, archivist, tmp_path, restored_url, blob_area):
    canary = "Khoanhmậtsaoluu"
    subject = "về công tác bảo vệ chính trị nội bộ"
    doc = file_doc(inst, archivist, text=f"Nội dung {canary} hòa giải", subject=subject)
    other = file_doc(inst, archivist, level="mat")
    feed.refresh(inst, [doc, other])
    from datetime import date

    registers.add_entry(inst, archivist.ctx, "DEN", date(2026, 1, 5), {"subject": subject})
    dest = tmp_path / "backup"
    started = time.perf_counter()
    manifest = backup.backup(inst, archivist.ctx, dest, PASSPHRASE)
    took_backup = time.perf_counter() - started
    assert len([f for f in manifest["files"] if f.startswith("blobs/")]) == 4
    assert _scan(dest, [canary, subject, "hòa giải"]) == []
    assert b"keks" not in (dest / "keys.sealed").read_bytes()

    target = instance_at(tmp_path / "restored", restored_url, blob_area("restored"))
    with pytest.raises(KeyringError):
        backup.restore(target, Context(None, "cli"), dest, "sai cụm mật khẩu rồi")
    assert not target.key_file.exists()
    started = time.perf_counter()
    backup.restore(target, Context(None, "cli"), dest, PASSPHRASE)
    checked, damage = fixity.verify(target, Context(None, "cli"), deep=True)
    assert (checked, damage) == (4, [])
    feed.reindex(target, Context(None, "cli"))
    took_restore = time.perf_counter() - started
    from archive.accounts import accounts

    with target.sessions() as session:
        ctx = accounts.context_for(accounts.require_user(session, "vanthu"), "test")
    hits = query.run(target, ctx, query.SearchRequest(canary.lower())).hits
    assert [h.id for h in hits] == [doc]
    assert [e.number for e in registers.entries(target, ctx, "DEN", 2026)] == [1]
    entry = registers.add_entry(target, ctx, "DEN", date(2026, 1, 6), {"sender": "x"})
    assert entry.number == 2
    with pytest.raises(Exception):  # noqa: B017 - refuses a non-empty home
        backup.restore(target, Context(None, "cli"), dest, PASSPHRASE)
    print(f"\nbackup {took_backup:.2f} s, restore + deep verify + reindex {took_restore:.2f} s")
    target.dispose()
