"""The encrypted store: tampering detected, rotation without touching ciphertexts, shredding,
bounded memory, sealed key files."""

from __future__ import annotations

import io
import os
import tracemalloc

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from archive.core.blobstore import LocalBlobStore
from archive.core.instance import Instance
from archive.models import AuditEntry, Document, StoredObject
from archive.operations import fixity, keys
from archive.records import filing, gate, reading
from ingest import pipeline
from security.actor import Context
from security.crypto import keyfile
from security.crypto.keys import KeyringError
from security.crypto.stream import IntegrityError
from security.errors import KhoError
from tests.support.blobs import overwrite, raw, snapshot
from tests.support.people import add_person
from web.cli import main

SYSTEM = Context(None, "test")


def _docs(inst) -> list[Document]:
    with inst.sessions() as session:
        docs = list(session.execute(select(Document).order_by(Document.id)).unique().scalars())
        for doc in docs:
            doc.objects  # noqa: B018
        return docs


@pytest.fixture
def two(inst, archivist, sample_docs):
    for doc in sample_docs[:2]:
        assert pipeline.ingest_bytes(inst, archivist.ctx, doc.content, doc.filename).id
    return _docs(inst)


def _original(doc) -> str:
    return reading.object_of(doc, "original").blob


def _read_original(inst, doc):
    return reading.read_object(inst, doc, reading.object_of(doc, "original"))


def _tamper(inst, docs, how: str) -> None:
    a, b = docs
    name = _original(a)
    data = raw(inst, name)
    if how == "flip":
        overwrite(inst, name, data[:100] + bytes([data[100] ^ 1]) + data[101:])
    elif how == "truncate":
        overwrite(inst, name, data[:-1])
    elif how == "append":
        overwrite(inst, name, data + b"\x00")
    elif how == "swap objects":
        other = _original(b)
        overwrite(inst, name, raw(inst, other))
        overwrite(inst, other, data)
    elif how == "swap wrapped keys":
        with inst.sessions.begin() as session:
            oa = session.get(StoredObject, reading.object_of(a, "original").id)
            ob = session.get(StoredObject, reading.object_of(b, "original").id)
            oa.wrapped_key, ob.wrapped_key = ob.wrapped_key, oa.wrapped_key


@pytest.mark.parametrize("how", ["flip", "truncate", "append", "swap objects", "swap wrapped keys"])
def test_tampering_is_reported_by_verify_and_retrieval_returns_nothing(inst, two, how):
    assert fixity.verify(inst, SYSTEM, deep=True)[1] == []
    _tamper(inst, two, how)
    docs = _docs(inst)
    _, damage = fixity.verify(inst, SYSTEM, deep=True)
    assert damage and damage[0].document_id == docs[0].id
    if how != "swap wrapped keys":  # hashes alone catch everything done to the files
        assert fixity.verify(inst, SYSTEM, deep=False)[1]
    with pytest.raises(IntegrityError):
        _read_original(inst, docs[0])
    with inst.sessions() as session:
        entry = session.execute(select(AuditEntry).order_by(AuditEntry.seq.desc())).scalar()
    assert (entry.action, entry.outcome) == ("fixity", "damaged")


@pytest.mark.parametrize("how", ["flip", "truncate", "append"])
def test_a_larger_object_decrypted_as_it_is_read_is_whole_or_refused(inst, two, how, monkeypatch):
    """Above ``READ_WHOLE_LIMIT`` an object is decrypted as it is read rather than read whole
    first: the same plaintext, and the same refusal of a damaged one."""
    whole = _read_original(inst, two[0])
    monkeypatch.setattr(reading, "READ_WHOLE_LIMIT", 0)
    assert _read_original(inst, two[0]) == whole
    _tamper(inst, two, how)
    with pytest.raises(IntegrityError):
        _read_original(inst, _docs(inst)[0])


def test_kho_verify_exits_non_zero_and_names_the_record(app, inst, two, home_env):
    runner = CliRunner()
    env = home_env
    assert runner.invoke(main, ["verify", "--deep"], env=env).exit_code == 0
    _tamper(inst, two, "flip")
    result = runner.invoke(main, ["verify"], env=env)
    assert result.exit_code == 1 and f"document {two[0].id}: original" in result.output


def _file_many(inst, archivist, count: int, start: int = 0) -> None:
    with inst.sessions() as session:
        unit = session.get(Document.unit.property.mapper.class_, archivist.ctx.principal.unit_id)
    for n in range(start, start + count):
        content = f"Văn bản thử số {n}".encode()
        filing.file_record(
            inst,
            archivist.ctx,
            filing.NewRecord(
                content, "text/plain", content.decode(), {"level": "thuong"}, f"t{n}.txt", unit
            ),
            inst.keyring.content_mac(content),
        )


@pytest.mark.slow
@pytest.mark.timeout(900)  # 500 files, 1,500 rewraps and 2,000 reads: on object storage at load 20
def test_rotation_over_1000_objects_changes_no_ciphertext_and_frees_the_old_kek(
    inst, archivist, unwired
):
    _file_many(inst, archivist, 500)  # two objects (original, text) each
    before = snapshot(inst)
    assert len(before) == 1000
    version, rewrapped = keys.rotate(inst, SYSTEM)
    assert (version, rewrapped) == (2, 1500)  # 1000 objects + 500 sealed descriptions
    assert snapshot(inst) == before
    assert keys.status(inst).keys_per_version == {1: 0, 2: 1500}
    for doc in _docs(inst):
        assert reading.read_text(inst, doc).startswith("Văn bản thử số")
    keys.retire(inst, SYSTEM, 1)
    assert set(keyfile.load(inst.key_file, environ={})[0].keks) == {2}
    with pytest.raises(KeyringError):
        keys.retire(inst, SYSTEM, 2)


def _reopened(inst) -> Instance:
    return Instance(
        inst.home, inst.database_url, inst.key_file, inst.blobs_location, inst.s3_endpoint
    )


def test_crash_in_the_middle_of_rotation_leaves_everything_readable(inst, archivist, monkeypatch):
    _file_many(inst, archivist, 30)
    monkeypatch.setattr(keys, "BATCH", 10)
    real_wrap = inst.keyring.wrap
    calls = {"n": 0}

    def dying_wrap(key, binding):
        calls["n"] += 1
        if calls["n"] > 25:
            raise RuntimeError("power cut")
        return real_wrap(key, binding)

    monkeypatch.setattr(inst.keyring, "wrap", dying_wrap)
    with pytest.raises(RuntimeError):
        keys.rotate(inst, SYSTEM)
    monkeypatch.undo()
    fresh = _reopened(inst)  # a restarted process
    counts = keys.status(fresh).keys_per_version
    assert counts[1] and counts[2]  # half-way
    for doc in _docs(fresh):
        assert reading.read_text(fresh, doc)
    with pytest.raises(KeyringError, match="--resume"):
        keys.retire(fresh, SYSTEM, 1)
    keys.rotate(fresh, SYSTEM, resume=True)
    keys.retire(fresh, SYSTEM, 1)
    for doc in _docs(fresh):
        assert reading.read_text(fresh, doc)


def test_other_processes_pick_up_a_rotation(inst, archivist):
    _file_many(inst, archivist, 2)
    other = _reopened(inst)
    assert other.keyring.current == 1
    keys.rotate(inst, SYSTEM)
    assert other.keyring.current == 2  # re-read because the key file changed
    _file_many(other, archivist, 1, start=100)
    assert keys.status(other).keys_per_version == {1: 0, 2: 9}


def test_shredded_record_cannot_be_read_even_with_its_blob_restored(inst, archivist, two):
    reader = add_person(inst, "canbo", "reader", "tuyet_mat")
    doc = two[0]
    saved = raw(inst, _original(doc))
    assert filing.shred(inst, SYSTEM, doc.id, "test") == 3  # original, text, access copy
    assert not inst.blobs.exists(_original(doc))
    overwrite(inst, _original(doc), saved)  # an old backup comes back
    with pytest.raises(KhoError, match="destroyed"):
        gate.open_content(inst, reader.ctx, doc.id).read()
    assert fixity.verify(inst, SYSTEM, deep=True)[1] == []  # nothing live is damaged
    assert gate.view_document(inst, reader.ctx, doc.id).id == doc.id  # the stub remains


class _Pattern(io.RawIOBase):
    """A large input generated on the fly, so the test measures the store, not the input."""

    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        n = self.left if n < 0 else min(n, self.left)
        self.left -= n
        return b"k" * n


@pytest.mark.slow
def test_memory_stays_bounded_for_large_objects(inst, monkeypatch):
    if isinstance(inst.blobs, LocalBlobStore):
        size, limit = 64 * 2**20, 12 * 2**20  # a few 1 MiB segments
    else:  # object storage: one multipart part more, whatever the size
        from archive.core.s3store import PART_SIZE

        size, limit = 128 * 2**20, PART_SIZE + 12 * 2**20
    key = os.urandom(32)
    tracemalloc.start()
    try:
        blob = inst.blobs.put(key, _Pattern(size), b"kho/big/original/v1")
        put_peak = tracemalloc.get_traced_memory()[1]
        # Read it back through the real streaming path, with the key handed over directly.
        monkeypatch.setattr(reading, "_object_key", lambda *_args: key)
        obj = StoredObject(kind="original", version=1, blob=blob.name, size=size)
        tracemalloc.reset_peak()
        total = sum(len(chunk) for chunk in reading.stream_object(inst, Document(uid="big"), obj))
        read_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert blob.size == size == total
    assert put_peak < limit and read_peak < limit, (put_peak, read_peak)


def test_sealed_key_file_instance_works_end_to_end(tmp_path, home_env, sample_docs):
    env = dict(home_env)
    read_end, write_end = os.pipe()
    os.write(write_end, b"a long escrow passphrase\n" * 4)
    os.close(write_end)
    env[keyfile.ENV_PASSPHRASE_FD] = str(read_end)
    runner = CliRunner()
    assert runner.invoke(main, ["init", "--seal"], env=env).exit_code == 0
    key_file = tmp_path / "home" / "keys" / "kho.key"
    assert keyfile.is_sealed(key_file.read_bytes())
    result = runner.invoke(main, ["keys", "status"], env=env)
    assert "sealed key file" in result.output and "KEK v1" in result.output
    escrow = tmp_path / "escrow.key"
    assert runner.invoke(main, ["keys", "export", "-o", str(escrow)], env=env).exit_code == 0
    os.close(read_end)
    ring = keyfile.unseal(escrow.read_bytes(), "a long escrow passphrase", "escrow")
    assert ring == keyfile.load(key_file, environ={}, passphrase="a long escrow passphrase")[0]


def test_rotation_covers_second_factor_secrets_and_queued_uploads(inst, archivist, sample_docs):
    from archive.accounts import sessions
    from ingest.doors import jobs
    from security.identity import totp

    person = add_person(inst, "kiemtra", "auditor", "thuong")
    step = sessions.begin(inst, "kiemtra", person.password, "t")
    secret, _uri = sessions.enrolment(inst, step.token)
    assert sessions.second_factor(inst, step.token, totp.code_now(secret), "t").status == "ok"
    job_id = jobs.submit(inst, archivist.ctx, sample_docs[0].content, "queued.pdf")
    keys.rotate(inst, SYSTEM)
    assert keys.status(inst).keys_per_version[1] == 0
    keys.retire(inst, SYSTEM, 1)
    assert sessions.totp_secret(inst, _user(inst, "kiemtra")) == secret
    assert jobs.work(inst, once=True) == 1
    assert jobs.statuses(inst, archivist.ctx, [job_id])[0]["status"] == "stored"


def _user(inst, username):
    from archive.accounts.accounts import find_user

    with inst.sessions() as session:
        return find_user(session, username)
