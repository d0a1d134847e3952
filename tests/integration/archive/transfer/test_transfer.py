"""Transfer: export a dossier as a BagIt bag → bagit validates → import into a second instance →
the same SHA-256 for every original; tampering fails; encrypted bags hold no plaintext; a
decrypted bag needs an administrator's single-use approval, audited."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
from pathlib import Path

import bagit
import pytest
from sqlalchemy import select

from archive.accounts import accounts
from archive.core.instance import Instance
from archive.lifecycle import plan
from archive.models import AuditEntry, Document
from archive.operations.bootstrap import initialize
from archive.records import gate
from archive.transfer import approval, export, intake
from security.crypto import envelope
from security.errors import Refused
from tests.support import ROOT
from tests.support.blobs import instance_at
from tests.support.people import ADMIN_PASSWORD, add_person
from tests.support.postgres import postgres_database
from tests.support.records import file_doc

CANARY = "Khoanhchuyengiao"
SUBJECT = "về công tác phòng chống tham nhũng"
TITLE = "Hồ sơ thanh tra nội bộ năm 2026"


@pytest.fixture
def second(tmp_path, blob_area):
    """A second, empty instance to import into (SQLite, or a fresh PostgreSQL database)."""
    server = os.environ.get("KHO_TEST_DATABASE_URL")
    urls = postgres_database(server) if server else iter([None])
    url = next(urls)
    target = instance_at(tmp_path / "second", url, blob_area("second"))
    initialize(target, ADMIN_PASSWORD)
    yield target
    target.dispose()
    next(urls, None)


@pytest.fixture
def dossier(inst, archivist):
    """A dossier of three records (one MẬT) with a canary, a subject and a sealed title."""
    ids = [
        file_doc(inst, archivist, text=f"Nội dung {CANARY} thứ nhất", subject=SUBJECT),
        file_doc(inst, archivist, level="mat", text=f"Văn bản mật {CANARY}"),
        file_doc(inst, archivist, doc_type="NQ"),
    ]
    plan.plan(inst, archivist.ctx, 2026, "2026-VP-07", TITLE, "vv")
    plan.add(inst, archivist.ctx, "2026-VP-07", ids)
    return ids


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _originals(inst, ctx, ids) -> dict[int, str]:
    return {i: _sha(gate.open_content(inst, ctx, i, original=True).read()) for i in ids}


def _scan(folder: Path, needles: list[str]) -> list[str]:
    found = []
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for needle in needles:
                forms = (needle.encode(), needle.encode("utf-16-le"), needle.lower().encode())
                if any(form in data for form in forms):
                    found.append(f"{path.name}: {needle}")
    return found


def _archivist_of(target: Instance):
    return add_person(target, "luutru", "archivist", "tuyet_mat", "LT")


def test_encrypted_export_validate_import_same_checksums(
    inst, archivist, dossier, second, tmp_path
):
    key_path, pub_path = envelope.generate_keypair(tmp_path / "keys" / "luutru")
    assert key_path.stat().st_mode & 0o777 == 0o600
    report = export.export_dossier(
        inst, archivist.ctx, "2026-VP-07", tmp_path / "bag", envelope.load_public_key(pub_path)
    )
    bag = bagit.Bag(str(tmp_path / "bag"))
    bag.validate()
    assert bag.info["Kho-Transfer-Mode"] == "encrypted"
    assert set(bag.algorithms) == {"sha256"}
    assert all(name.endswith(".enc") for name in bag.payload_entries())
    name = gate.view_document(inst, archivist.ctx, dossier[0]).filename
    assert _scan(tmp_path / "bag", [CANARY, SUBJECT, TITLE, "Tỉnh ủy Lào Cai", name]) == []
    expected = _originals(inst, archivist.ctx, dossier)
    assert {d["id"]: d["sha256"] for d in report.documents} == expected
    with inst.sessions() as session:
        rows = session.execute(select(AuditEntry).where(AuditEntry.action == "export")).scalars()
        assert sorted(r.object_id for r in rows if r.outcome == "allowed") == sorted(dossier)
        done = session.execute(
            select(AuditEntry).where(AuditEntry.action == "transfer_export")
        ).scalar_one()
        assert done.outcome == "done" and done.detail["bag"] == report.bag_id

    importer = _archivist_of(second)
    with pytest.raises(envelope.TransferError):  # encrypted: the key is needed
        intake.import_bag(second, importer.ctx, tmp_path / "bag")
    other_key, _ = envelope.generate_keypair(tmp_path / "keys" / "other")
    with pytest.raises(envelope.TransferError):  # and it must be the recipient's
        intake.import_bag(
            second, importer.ctx, tmp_path / "bag", envelope.load_private_key(other_key)
        )
    result = intake.import_bag(
        second, importer.ctx, tmp_path / "bag", envelope.load_private_key(key_path)
    )
    assert [d["status"] for d in result.documents] == ["stored"] * 3
    new_ids = {d["source_id"]: d["id"] for d in result.documents}
    again = _originals(second, importer.ctx, list(new_ids.values()))
    assert {src: again[new] for src, new in new_ids.items()} == expected
    view = gate.view_document(second, importer.ctx, new_ids[dossier[0]])
    assert (view.subject, view.issuer, view.unit) == (SUBJECT, "Tỉnh ủy Lào Cai", "LT")
    assert gate.view_document(second, importer.ctx, new_ids[dossier[1]]).level == "mat"
    # Importing again finds the same files already filed.
    key = envelope.load_private_key(key_path)
    repeat = intake.import_bag(second, importer.ctx, tmp_path / "bag", key)
    assert [d["status"] for d in repeat.documents] == ["duplicate"] * 3
    with second.sessions() as session:
        outcomes = session.execute(
            select(AuditEntry.outcome).where(AuditEntry.action == "transfer_import")
        ).scalars()
        assert list(outcomes) == ["rejected", "done", "done"]  # no key: a usage error, not audited


def test_tampered_bag_fails(inst, archivist, dossier, second, tmp_path):
    key_path, pub_path = envelope.generate_keypair(tmp_path / "recipient")
    export.export_dossier(
        inst, archivist.ctx, "2026-VP-07", tmp_path / "bag", envelope.load_public_key(pub_path)
    )
    victim = next((tmp_path / "bag" / "data" / "documents" / "0001").glob("original*"))
    data = bytearray(victim.read_bytes())
    data[-20] ^= 1
    victim.write_bytes(bytes(data))
    with pytest.raises(bagit.BagValidationError):
        bagit.Bag(str(tmp_path / "bag")).validate()
    importer = _archivist_of(second)
    key = envelope.load_private_key(key_path)
    with pytest.raises(envelope.TransferError):
        intake.import_bag(second, importer.ctx, tmp_path / "bag", key)
    # Re-computing the manifests makes bagit happy, but the ciphertext no longer authenticates.
    bag = bagit.Bag(str(tmp_path / "bag"))
    bag.save(manifests=True)
    bag.validate()
    with pytest.raises(envelope.TransferError):
        intake.import_bag(second, importer.ctx, tmp_path / "bag", key)
    with second.sessions() as session:
        assert session.execute(select(Document)).first() is None  # nothing half-imported


def test_plain_export_needs_single_use_admin_approval(inst, archivist, dossier, second, tmp_path):
    with pytest.raises(Refused):
        export.export_dossier(inst, archivist.ctx, "2026-VP-07", tmp_path / "a")
    with pytest.raises(Refused):
        export.export_dossier(inst, archivist.ctx, "2026-VP-07", tmp_path / "a", None, "QĐ-1")
    with pytest.raises(Refused):  # an archivist cannot approve
        approval.approve_plain(inst, archivist.ctx, "2026-VP-07", "QĐ 12/2026")
    with inst.sessions() as session:
        admin = accounts.context_for(accounts.require_user(session, "admin"), "test")
    approval.approve_plain(inst, admin, "2026-VP-07", "QĐ 12/2026")
    with pytest.raises(envelope.TransferError):  # never inside the instance
        export.export_dossier(
            inst, archivist.ctx, "2026-VP-07", inst.home / "out", None, "QĐ 12/2026"
        )
    report = export.export_dossier(
        inst, archivist.ctx, "2026-VP-07", tmp_path / "plain", None, "QĐ 12/2026"
    )
    bag = bagit.Bag(str(tmp_path / "plain"))
    bag.validate()
    assert bag.info["Kho-Approval"] == "QĐ 12/2026"
    expected = _originals(inst, archivist.ctx, dossier)
    manifest = (tmp_path / "plain" / "manifest-sha256.txt").read_text()
    assert {sha for sha, path in _lines(manifest) if "/original" in path} == set(expected.values())
    first = tmp_path / "plain" / "data" / "documents" / "0001"
    meta = json.loads((first / "metadata.json").read_text())
    assert meta["description"]["subject"] == SUBJECT and meta["source_id"] == dossier[0]
    assert b"<dc:title>" + SUBJECT.encode() in (first / "dc.xml").read_bytes()
    assert b"encryption/storage" in (first / "premis.xml").read_bytes()
    extract = [json.loads(x) for x in (tmp_path / "plain" / "data" / "audit.jsonl").open()]
    assert {"ingest", "export", "transfer_approval"} <= {e["action"] for e in extract}
    _check_links(extract)
    with pytest.raises(Refused):  # single use
        export.export_dossier(inst, archivist.ctx, "2026-VP-07", tmp_path / "b", None, "QĐ 12/2026")
    with inst.sessions() as session:
        rows = session.execute(
            select(AuditEntry).where(AuditEntry.action == "transfer_export")
        ).scalars()
        outcomes = [(r.outcome, r.detail.get("approval")) for r in rows]
    assert outcomes == [
        ("denied", None),
        ("denied", "QĐ-1"),
        ("done", "QĐ 12/2026"),
        ("denied", "QĐ 12/2026"),
    ]
    assert report.mode == "plain"
    # Plain bag → second instance → its own plain export: the same manifest for the originals.
    importer = _archivist_of(second)
    intake.import_bag(second, importer.ctx, tmp_path / "plain")
    plan.plan(second, importer.ctx, 2026, "LT-2026-01", TITLE, "vv")
    ids = [d.id for d in gate.list_documents(second, importer.ctx)]
    plan.add(second, importer.ctx, "LT-2026-01", sorted(ids))
    with second.sessions() as session:
        admin2 = accounts.context_for(accounts.require_user(session, "admin"), "test")
    approval.approve_plain(second, admin2, "LT-2026-01", "QĐ 1/LT")
    export.export_dossier(second, importer.ctx, "LT-2026-01", tmp_path / "again", None, "QĐ 1/LT")
    manifest2 = (tmp_path / "again" / "manifest-sha256.txt").read_text()
    originals = sorted(line for line in _lines(manifest) if "/original" in line[1])
    assert sorted(line for line in _lines(manifest2) if "/original" in line[1]) == originals


def _lines(manifest: str) -> list[tuple[str, str]]:
    return [tuple(line.split(" ", 1)) for line in manifest.splitlines() if line]


def _check_links(extract: list[dict]) -> None:
    from security.crypto import audit_chain as chain

    for entry in extract:
        payload = {k: v for k, v in entry.items() if k not in ("hash", "previous_hash")}
        assert chain.chain_hash(entry["previous_hash"], payload) == entry["hash"]


def test_reader_cannot_export(inst, archivist, dossier, tmp_path):
    reader = add_person(inst, "canbo", "reader", "tuyet_mat", "VP")
    _, pub = envelope.generate_keypair(tmp_path / "r")
    with pytest.raises(Refused):
        export.export_dossier(
            inst, reader.ctx, "2026-VP-07", tmp_path / "bag", envelope.load_public_key(pub)
        )
    assert not (tmp_path / "bag").exists()


def test_vector_from_transfer_format_doc():
    """docs/transfer-format.md pins the file format with this vector."""
    doc = (ROOT / "docs" / "transfer-format.md").read_text()
    sealed_hex = re.search(r"sealed\s*=\s*([0-9a-f ]+)\n", doc).group(1).replace(" ", "")
    recipient = bytes(range(32))
    binding = envelope.file_binding("0" * 32, "vector.txt")
    out = io.BytesIO()
    public = envelope.X25519PrivateKey.from_private_bytes(recipient).public_key().public_bytes_raw()
    envelope.seal_to(public, io.BytesIO(b"Kho"), out, binding, bytes(range(32, 64)))
    assert out.getvalue().hex() == sealed_hex
    assert envelope.open_sealed(recipient, bytes.fromhex(sealed_hex), binding) == b"Kho"


def test_cli_export_import(kho, inst, archivist, dossier, tmp_path):
    kho("keys", "transfer-keypair", "-o", str(tmp_path / "lt"))
    out = kho(
        "export", "dossier", "2026-VP-07", "-o", str(tmp_path / "bag"),
        "--recipient-key", str(tmp_path / "lt.pub"), "--as", "vanthu", "--json",
    )  # fmt: skip
    assert json.loads(out.output)["mode"] == "encrypted"
    refused = kho(
        "export", "dossier", "2026-VP-07", "-o", str(tmp_path / "p"), "--plain", "--as", "vanthu",
        ok=False,
    )  # fmt: skip
    assert refused.exit_code == 1 and "approval" in refused.output
    kho("export", "approve", "2026-VP-07", "--approval", "QĐ 5", "--as", "admin")
    plain = kho(
        "export", "dossier", "2026-VP-07", "-o", str(tmp_path / "p"), "--plain",
        "--approval", "QĐ 5", "--as", "vanthu",
    )  # fmt: skip
    assert "WARNING" in plain.output
    add_person(inst, "luutru", "archivist", "tuyet_mat", "LT")
    lines = kho(
        "import", "bag", str(tmp_path / "bag"), "--key", str(tmp_path / "lt.key"),
        "--as", "luutru", "--json",
    ).output.splitlines()  # fmt: skip
    assert [json.loads(x)["status"] for x in lines] == ["duplicate"] * 3  # same instance
    doc = dossier[0]
    kho("edit", str(doc), "--set", "subject=về việc khác", "--as", "vanthu")
    shown = kho("history", str(doc), "--as", "vanthu").output
    assert SUBJECT in shown and "về việc khác" in shown
