"""Signatures in the archive: the trust store, ingest, re-validation, the command line."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from archive.models import AuditEntry, RecordEvent
from archive.operations import trust
from archive.records import filing, gate, reading
from archive.transfer import approval, export
from ingest import pipeline
from ingest.signatures import record as sigrecord
from security.errors import NotFound, Refused
from tests.support import signing as sp
from tests.support.people import add_person


@pytest.fixture
def admin(inst):
    return add_person(inst, "quantri", "admin", "thuong", None)


def test_trust_store_changes_are_audited_and_versioned(inst, admin, archivist):
    pki = sp.pki()
    assert trust.material(inst).version == 0
    added = trust.add_roots(inst, admin.ctx, pki.root.pem, "Gốc thử nghiệm")
    assert added[0]["name"] == "Gốc thử nghiệm"
    assert trust.material(inst).roots == (pki.root.der,)
    again = trust.add_roots(inst, admin.ctx, pki.root.pem)
    assert again[0]["already"] and trust.version(inst) == 1  # no change, no new version
    trust.import_crl(inst, admin.ctx, pki.crl)
    assert trust.material(inst).crls == (pki.crl,) and trust.version(inst) == 2
    trust.remove_root(inst, admin.ctx, pki.root.cert.fingerprint(sp.hashes.SHA256()).hex()[:12])
    assert trust.material(inst).roots == () and trust.version(inst) == 3
    with pytest.raises(Refused):
        trust.add_roots(inst, archivist.ctx, pki.root.pem)
    with pytest.raises(Refused, match="CA"):
        trust.add_roots(inst, admin.ctx, pki.signer.pem)  # a signer's certificate is no root
    with pytest.raises(Refused, match=r"X\.509"):
        trust.add_roots(inst, admin.ctx, b"not a certificate")
    with inst.sessions() as session:
        actions = [
            (e.action, e.outcome)
            for e in session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars()
            if e.action in ("trust_add", "crl_import", "trust_remove")
        ]
    assert actions == [
        ("trust_add", "ok"),
        ("crl_import", "ok"),
        ("trust_remove", "ok"),
        ("trust_add", "denied"),
    ]


def _ingest(inst, who, data: bytes, name: str = "ky-so.pdf") -> pipeline.IngestResult:
    result = pipeline.ingest_bytes(inst, who.ctx, data, name)
    assert result.status == "stored", result.reason
    return result


def test_ingest_seals_report_and_flags_broken_signature(inst, admin, archivist):
    pki = sp.pki()
    trust.add_roots(inst, admin.ctx, pki.root.pem)
    good = _ingest(inst, archivist, sp.signed_pdf())
    listed = good.as_json()["signatures"]
    assert [(s["signer"], s["organization"], s["status"], s["time_source"]) for s in listed] == [
        (sp.SIGNER_NAME, sp.SIGNER_ORG, "valid", "claimed")
    ]
    assert listed[0]["signed_at"]
    view = gate.view_document(inst, archivist.ctx, good.id)
    assert view.details["signatures"]["status"] == "valid"
    assert view.details["signer_name"] == sp.SIGNER_NAME  # offered to the header
    assert view.details["evidence"]["signer_name"]["source"] == "signature"
    assert not [r for r in view.details["review"] if r["field"] == "signature"]

    broken = _ingest(inst, archivist, sp.flip_signed_byte(sp.signed_pdf()), "sua.pdf")
    view = gate.view_document(inst, archivist.ctx, broken.id)
    assert view.needs_review  # filed (it is evidence), but flagged
    items = [r for r in view.details["review"] if r["field"] == "signature"]
    assert items and "Bị sửa sau khi ký" in items[0]["reason"]
    with inst.sessions() as session:
        doc = session.get(filing.Document, broken.id)
        doc.objects  # noqa: B018
        report = json.loads(reading.read_object(inst, doc, reading.object_of(doc, "signatures")))
        events = session.execute(
            select(RecordEvent).where(RecordEvent.document_id == broken.id)
        ).scalars()
        event = next(e for e in events if e.event == sigrecord.EVENT)
    assert report["signatures"][0]["status"] == "modified_after_signing"
    assert report["trust_store_version"] == 1
    assert event.outcome == "invalid"
    assert sp.SIGNER_NAME not in event.detail  # names never in clear
    if inst.database_url.startswith("sqlite"):  # nor anywhere on disk: database, blobs, index
        needles = [
            sp.SIGNER_NAME.encode(),
            sp.SIGNER_NAME.encode("utf-16-le"),
            b"Nguy\xe1\xbb\x85n",
        ]
        for path in inst.home.rglob("*"):
            if path.is_file():
                blob = path.read_bytes()
                assert not any(n in blob for n in needles), path


def test_a_batch_reads_the_trust_store_once_not_for_every_file(
    inst, archivist, tmp_path, monkeypatch
):
    reads = []
    real = trust.material
    monkeypatch.setattr(trust, "material", lambda *a: reads.append(1) or real(*a))
    paths = []
    for n in range(3):
        paths.append(tmp_path / f"{n}.pdf")
        paths[-1].write_bytes(sp.sign(sp.unsigned_pdf(f"{sp.HEADER}\n\nBản số {n}.")))
    results = list(pipeline.ingest_files(inst, archivist.ctx, paths))
    assert [r.status for r in results] == ["stored"] * 3
    assert len(reads) == 1  # the store as the batch first read it, not once per file


def test_a_file_validated_before_the_store_changed_is_checked_again(
    inst, admin, archivist, tmp_path, monkeypatch
):
    """The batch's store went out of date between a file's validation and its filing decision
    (an administrator added the root meanwhile): the file is checked again under the new store,
    and so are the files after it."""
    pki = sp.pki()
    real = sigrecord.check_at_ingest
    seen = []

    def root_added_meanwhile(*args, **kwargs):
        checked = real(*args, **kwargs)
        seen.append(checked.signatures.report["trust_store_version"])
        if len(seen) == 1:
            trust.add_roots(inst, admin.ctx, pki.root.pem)
        return checked

    monkeypatch.setattr(pipeline.signatures, "check_at_ingest", root_added_meanwhile)
    paths = []
    for n in range(2):
        paths.append(tmp_path / f"{n}.pdf")
        paths[-1].write_bytes(sp.sign(sp.unsigned_pdf(f"{sp.HEADER}\n\nBản số {n}.")))
    results = list(pipeline.ingest_files(inst, archivist.ctx, paths, workers=1))
    assert [r.as_json()["signatures"][0]["status"] for r in results] == ["valid", "valid"]
    assert seen == [0, 1, 1]  # the first file twice, the second once, under the new store
    with inst.sessions() as session:
        events = session.execute(
            select(RecordEvent).where(RecordEvent.event == sigrecord.EVENT)
        ).scalars()
        assert sorted(e.outcome for e in events) == ["valid", "valid"]  # one event per record


def test_unsigned_pdf_gets_no_report(inst, archivist):
    result = _ingest(inst, archivist, sp.unsigned_pdf())
    assert result.as_json()["signatures"] == []
    with inst.sessions() as session:
        doc = session.get(filing.Document, result.id)
        assert "signatures" not in {o.kind for o in doc.objects}


def test_reverification_adds_a_report_and_keeps_the_first(inst, admin, archivist):
    pki = sp.pki()
    result = _ingest(inst, archivist, sp.signed_pdf())
    assert result.as_json()["signatures"][0]["status"] == "valid_untrusted_root"
    trust.add_roots(inst, admin.ctx, pki.root.pem)
    done = sigrecord.verify(inst, admin.ctx, None)
    assert done == [
        {"id": result.id, "before": "valid_untrusted_root", "status": "valid", "signatures": 1}
    ]
    view = gate.view_document(inst, archivist.ctx, result.id)
    assert view.details["signatures"]["status"] == "valid"
    assert view.details["signatures"]["report_version"] == 2
    with inst.sessions() as session:
        doc = session.get(filing.Document, result.id)
        reports = sorted(
            (o for o in doc.objects if o.kind == "signatures"), key=lambda o: o.version
        )
        first, second = (json.loads(reading.read_object(inst, doc, o)) for o in reports)
    assert first["trust_store_version"] == 0 and first["status"] == "valid_untrusted_root"
    assert second["trust_store_version"] == 1 and second["status"] == "valid"
    history = sigrecord.history(inst, doc)
    assert [h["outcome"] for h in history] == ["untrusted", "valid"]
    # a reader re-checks only what they may read; --all is for administrators
    with pytest.raises(Refused):
        sigrecord.verify(inst, archivist.ctx, None)
    outsider = add_person(inst, "khac", "reader", "thuong", "BTC")
    assert "error" in sigrecord.verify(inst, outsider.ctx, [result.id])[0]
    with pytest.raises(NotFound):
        gate.view_document(inst, outsider.ctx, result.id)


def test_command_line(kho, tmp_path):
    pki = sp.pki()
    kho("init")
    kho("user", "add", "vanthu", "--role", "archivist", "--clearance", "mat", "--unit", "VP")
    kho("user", "add", "quantri", "--role", "admin", "--clearance", "thuong")
    root = tmp_path / "root.cer"
    root.write_bytes(pki.root.der)
    crl = tmp_path / "ca.crl"
    crl.write_bytes(pki.crl)
    out = kho("trust", "add", str(root), "--name", "Gốc thử", "--as", "quantri").output
    assert "Gốc thử" in out and "version: 1" in out
    kho("trust", "crl", "import", str(crl), "--as", "quantri")
    listed = json.loads(kho("trust", "list", "--as", "quantri", "--json").output)
    assert listed["version"] == 2 and len(listed["roots"]) == 1 and len(listed["crls"]) == 1
    assert kho("trust", "list", "--as", "vanthu", ok=False).exit_code == 1

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "hop-le.pdf").write_bytes(sp.signed_pdf(subfilter=sp.PKCS7))
    (folder / "thu-hoi.pdf").write_bytes(sp.signed_pdf(ident=pki.revoked))
    result = kho("ingest", str(folder), "--as", "vanthu", "--json")
    rows = {
        r["path"].rsplit("/", 1)[-1]: r
        for r in map(json.loads, result.output.splitlines())
        if r.get("path")
    }
    assert [s["status"] for s in rows["hop-le.pdf"]["signatures"]] == ["valid"]
    assert [s["status"] for s in rows["thu-hoi.pdf"]["signatures"]] == ["revoked"]
    shown = json.loads(
        kho("show", str(rows["hop-le.pdf"]["id"]), "--as", "vanthu", "--json").output
    )
    assert {k: shown["signatures"][0][k] for k in ("signer", "organization", "status")} == {
        "signer": sp.SIGNER_NAME,
        "organization": sp.SIGNER_ORG,
        "status": "valid",
    }
    assert set(shown["signatures"][0]) >= {"signed_at", "time_source"}
    out = kho("signatures", "verify", "--all", "--as", "quantri").output
    assert "→ valid" in out and "→ revoked" in out
    assert sp.SIGNER_NAME not in out  # administrators see statuses, not names
    kho("trust", "remove", "1", "--as", "quantri")
    out = kho("signatures", "verify", str(rows["hop-le.pdf"]["id"]), "--as", "vanthu").output
    assert "valid → valid_untrusted_root" in out


def _login(app, person):
    import re

    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post(
        "/login",
        data={"csrf_token": token, "username": person.username, "password": person.password},
    )
    return client


def test_pages_search_and_original_download(app, inst, admin):
    archivist = add_person(inst, "vanthu.mat", "archivist", "mat")  # no second factor needed
    pki = sp.pki()
    trust.add_roots(inst, admin.ctx, pki.root.pem)
    signed = sp.signed_pdf()
    good = _ingest(inst, archivist, signed)
    bad = _ingest(inst, archivist, sp.append_content_update(sp.signed_pdf()), "sua-noi-dung.pdf")
    unsigned = _ingest(inst, archivist, sp.unsigned_pdf(), "khong-ky.pdf")
    client = _login(app, archivist)

    page = client.get(f"/documents/{good.id}").get_data(as_text=True)
    assert "Chữ ký số" in page and sp.SIGNER_NAME in page and sp.SIGNER_ORG in page
    assert 'class="sig sig-ok"' in page and "Hợp lệ" in page
    assert "giờ do người ký tự khai" in page  # the time source is said
    assert "không còn mang chữ ký số hợp lệ" in page
    original = client.get(f"/documents/{good.id}/original")
    assert original.status_code == 200 and original.data == signed  # byte for byte
    with inst.sessions() as session:
        last = session.execute(select(AuditEntry).order_by(AuditEntry.seq.desc())).scalars().first()
    assert (last.action, last.object_id) == ("download_original", good.id)
    page = client.get(f"/documents/{bad.id}?lang=en").get_data(as_text=True)
    assert 'class="sig sig-bad"' in page and "Modified after signing" in page
    assert "Chữ ký số" not in client.get(f"/documents/{unsigned.id}?lang=vi").get_data(as_text=True)

    def ids(q: str) -> set[int]:
        html = client.get("/search", query_string={"q": q}).get_data(as_text=True)
        return {int(n) for n in __import__("re").findall(r'href="/documents/(\d+)"', html)}

    assert ids("kyso:hople") == {good.id}
    assert ids("kyso:khonghople") == {bad.id}
    assert ids("signature:invalid") == {bad.id}
    assert ids("kyso:co") == {good.id, bad.id}
    assert ids("kyso:bisua") == {bad.id}

    review = client.get(f"/review/{bad.id}").get_data(as_text=True)
    assert "Bị sửa sau khi ký" in review and 'class="sig sig-bad"' in review
    assert "Chữ ký số" in client.get("/review").get_data(as_text=True)  # the field to check


def test_bagit_export_carries_signed_original_and_every_report(inst, admin, archivist, tmp_path):
    import bagit

    from archive.accounts import accounts
    from archive.lifecycle import plan

    signed = sp.signed_pdf()
    result = _ingest(inst, archivist, signed)
    trust.add_roots(inst, admin.ctx, sp.pki().root.pem)
    sigrecord.verify(inst, admin.ctx, [result.id])  # a second report
    plan.plan(inst, archivist.ctx, 2026, "2026-VP-09", "Hồ sơ văn bản ký số", "vv")
    plan.add(inst, archivist.ctx, "2026-VP-09", [result.id])
    with inst.sessions() as session:
        approver = accounts.context_for(accounts.require_user(session, "admin"), "test")
    approval.approve_plain(inst, approver, "2026-VP-09", "QĐ 9/2026")
    export.export_dossier(inst, archivist.ctx, "2026-VP-09", tmp_path / "bag", None, "QĐ 9/2026")
    bagit.Bag(str(tmp_path / "bag")).validate()
    folder = tmp_path / "bag" / "data" / "documents" / "0001"
    assert (folder / "original.pdf").read_bytes() == signed  # the signature still verifies
    first = json.loads((folder / "signatures-v1.json").read_text())
    second = json.loads((folder / "signatures-v2.json").read_text())
    assert [first["status"], second["status"]] == ["valid_untrusted_root", "valid"]
    meta = json.loads((folder / "metadata.json").read_text())
    assert meta["description"]["signatures"]["items"][0]["signer"] == sp.SIGNER_NAME
    premis = (folder / "premis.xml").read_text()
    assert "signatures-v2.json" in premis and "digital signature validation" in premis
