"""The blob store interface, on whichever store the run uses (a folder, or the S3 server of
``scripts/with-s3.sh``), and what is particular to object storage: the same ciphertexts as on
disk, multipart uploads that a crash leaves behind, clear errors when it is misconfigured,
credentials from a file, an archive moved there and back by backup and restore."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.core.blobstore import HashingSink, LocalBlobStore
from archive.core.instance import open_store
from archive.models import Document
from archive.operations import backup, fixity
from archive.operations.bootstrap import initialize
from archive.operations.maintenance import check_store
from archive.records import reading
from ingest import pipeline
from security.actor import Context
from security.crypto.stream import decrypt_bytes
from security.errors import KhoError
from tests.support.blobs import S3_BUCKET, S3_ENDPOINT, instance_at, overwrite, raw
from tests.support.people import ADMIN_PASSWORD, add_person
from web.cli import main

SYSTEM = Context(None, "test")
PASSPHRASE = "một cụm mật khẩu đủ dài 2026"
needs_s3 = pytest.mark.skipif(not S3_ENDPOINT, reason="needs scripts/with-s3.sh (make test-s3)")


def _store(blob_area, tmp_path, label: str = "store"):
    settings = blob_area(label)
    store = open_store(settings.get("KHO_BLOBS"), tmp_path / label, settings.get("KHO_S3_ENDPOINT"))
    store.create()
    return store


def test_the_interface_on_this_run_s_store(blob_area, tmp_path):
    store = _store(blob_area, tmp_path)
    assert store.is_empty()
    key = os.urandom(32)
    plain = "Nghị quyết số 12-NQ/TU".encode() * 1000
    written = store.put(key, io.BytesIO(plain), b"kho/x/original/v1")
    assert written.size == len(plain) and store.exists(written.name)
    with store.open(written.name) as fh:
        assert decrypt_bytes(key, fh, b"kho/x/original/v1") == plain
    assert store.sha256(written.name) == written.ciphertext_sha256
    assert [name for name, _t in store.listing()] == [written.name]
    assert all(abs(t - store.clock()) < 120 for _n, t in store.listing())
    assert not store.is_empty()
    copied = store.put_ciphertext("cd" * 16, io.BytesIO(raw_of(store, written.name)))
    assert copied.ciphertext_sha256 == written.ciphertext_sha256
    assert sorted(store.names()) == sorted([written.name, "cd" * 16])
    store.delete(written.name)
    store.delete(written.name)  # removing what is gone is not an error
    assert not store.exists(written.name)
    with pytest.raises(FileNotFoundError):
        store.open(written.name)
    with pytest.raises(FileNotFoundError):
        store.read(written.name)
    store.delete("cd" * 16)
    assert store.is_empty()
    with pytest.raises(ValueError):
        store.open("../../etc/passwd")


def _items(count: int) -> list[tuple[bytes, bytes, bytes]]:
    return [
        (os.urandom(32), f"phần {n} của văn bản ".encode() * 400, f"kho/z/part{n}/v1".encode())
        for n in range(count)
    ]


def test_a_records_objects_are_written_side_by_side(blob_area, tmp_path, monkeypatch):
    """``put_all`` writes the objects at once (here each write waits until all three have
    begun: one after another would never get past the first), each under its own key."""
    store = _store(blob_area, tmp_path)
    items = _items(3)
    all_begun = threading.Barrier(3, timeout=20)
    real = store.put

    def put(key, src, binding):
        all_begun.wait()
        return real(key, src, binding)

    monkeypatch.setattr(store, "put", put)
    written = store.put_all(items)
    for (key, plain, binding), blob in zip(items, written, strict=True):
        assert blob.size == len(plain)
        assert decrypt_bytes(key, io.BytesIO(store.read(blob.name)), binding) == plain
    assert sorted(store.names()) == sorted(blob.name for blob in written)


def test_a_small_blob_starts_no_thread_and_a_large_one_overlaps_its_sink(blob_area, tmp_path):
    """A one-segment blob is hashed and written in the caller's thread (a thread per blob cost
    a record milliseconds in a busy batch, issue 20); past ``HashingSink.INLINE_BYTES`` the
    sink runs in its own thread, and both are stored whole and hashed right."""
    store = _store(blob_area, tmp_path)
    key = os.urandom(32)
    started = []
    real_start = threading.Thread.start

    def start(thread):
        started.append(thread.name)
        return real_start(thread)

    for size in (40_000, 5 * 2**20 + 3):
        plain = os.urandom(size)
        started.clear()
        threading.Thread.start = start
        try:
            written = store.put(key, io.BytesIO(plain), b"kho/y/original/v1")
        finally:
            threading.Thread.start = real_start
        assert bool(started) == (size > HashingSink.INLINE_BYTES)
        assert (
            decrypt_bytes(key, io.BytesIO(store.read(written.name)), b"kho/y/original/v1") == plain
        )
        assert store.sha256(written.name) == written.ciphertext_sha256


def test_put_all_reuses_the_process_s_blob_writers(blob_area, tmp_path):
    """Records filed one after another share one pool of writer threads (issue 20)."""
    store = _store(blob_area, tmp_path)
    store.put_all(_items(3))
    before = {t.ident for t in threading.enumerate() if t.name.startswith("kho-blob-put")}
    for _ in range(5):
        store.put_all(_items(3))
    after = {t.ident for t in threading.enumerate() if t.name.startswith("kho-blob-put")}
    assert before and after == before


def test_when_one_of_a_records_objects_fails_none_is_kept(blob_area, tmp_path, monkeypatch):
    store = _store(blob_area, tmp_path)
    real = store.put

    def put(key, src, binding):
        if binding == b"kho/z/part1/v1":
            raise OSError(28, "No space left on device")
        return real(key, src, binding)

    monkeypatch.setattr(store, "put", put)
    with pytest.raises(OSError, match="No space"):
        store.put_all(_items(3))
    assert store.is_empty()


def raw_of(store, name: str) -> bytes:
    with store.open(name) as fh:
        return fh.read()


def test_objects_are_the_same_ciphertexts_as_on_disk(blob_area, tmp_path):
    """STREAM under one key is deterministic: whatever the store, the same bytes are kept."""
    store = _store(blob_area, tmp_path)
    disk = LocalBlobStore(tmp_path / "disk")
    disk.create()
    key = os.urandom(32)
    for size in (3 * 2**20 + 17, 20 * 2**20 + 5):  # one PUT; a multipart upload of 3 parts
        plain = os.urandom(size)
        here = store.put(key, io.BytesIO(plain), b"kho/y/text/v2")
        there = disk.put(key, io.BytesIO(plain), b"kho/y/text/v2")
        kept = raw_of(store, here.name)
        assert kept == disk.path(there.name).read_bytes()
        assert store.read(here.name) == kept and disk.read(there.name) == kept  # whole, at once
        assert here.ciphertext_sha256 == there.ciphertext_sha256
        assert kept[:4] == b"KHOS" and plain[:64] not in kept


def test_what_is_not_a_blob_is_never_listed_nor_removed(inst):
    """Other objects under the prefix (or files in the folder) are not Kho's blobs: never
    orphans, never deleted by a repair."""
    store = inst.blobs
    if isinstance(store, LocalBlobStore):
        (store.root / "ab").mkdir(parents=True, exist_ok=True)
        (store.root / "ab" / "README").write_text("not a blob")
        foreign = store.root / "ab" / "README"
        present = foreign.exists
    else:
        store.client.put_object(Bucket=store.bucket, Key=f"{store.prefix}/index/snap", Body=b"x")
        store.client.put_object(Bucket=store.bucket, Key=f"{store.prefix}/ab/notes", Body=b"")

        def present() -> bool:
            keys = store.client.list_objects_v2(Bucket=store.bucket, Prefix=store.prefix + "/")
            return len(keys.get("Contents", [])) == 2

    assert list(store.names()) == []
    report = check_store(inst, repair=True, grace=0)
    assert report.orphans == [] and present()


SLOW_WRITER = textwrap.dedent(
    """
    import io, os, sys, time
    from archive.core.instance import open_store

    class Slow(io.RawIOBase):
        sent = 0
        def readable(self):
            return True
        def readinto(self, buffer):
            if self.sent > 40 * 2**20:
                time.sleep(3600)  # killed here, in the middle of the object
            n = len(buffer)
            buffer[:n] = bytes(n)
            self.sent += n
            return n

    location, home, endpoint = sys.argv[1], sys.argv[2], sys.argv[3]
    store = open_store(location or None, home, endpoint or None)
    store.put(os.urandom(32), Slow(), b"kho/big/original/v1")
    """
)


@pytest.mark.slow
def test_a_write_killed_half_way_is_a_partial_write_that_check_removes(inst, blob_settings):
    """kill -9 in the middle of a large write: on S3 an incomplete multipart upload (parts
    already sent), on disk a .part file; never a visible blob. `kho check` explains it."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            SLOW_WRITER,
            blob_settings.get("KHO_BLOBS", ""),
            str(inst.home),
            blob_settings.get("KHO_S3_ENDPOINT", ""),
        ],
        stderr=subprocess.PIPE,
        cwd=Path(__file__).resolve().parents[1],
    )
    try:
        deadline = time.monotonic() + 60
        while not list(inst.blobs.partial_writes()) and time.monotonic() < deadline:
            assert proc.poll() is None, proc.stderr.read().decode()
            time.sleep(0.2)
        time.sleep(1)  # a part or more on its way
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    partials = list(inst.blobs.partial_writes())
    assert len(partials) == 1 and list(inst.blobs.names()) == []
    assert check_store(inst, grace=3600).leftovers == []  # might be a filing in progress
    report = check_store(inst, grace=0)
    assert report.leftovers == [partials[0].label] and not report.damaged
    check_store(inst, repair=True, grace=0)
    assert inst.blobs.is_empty()
    assert not check_store(inst, grace=0).problems


def test_a_location_that_is_neither_s3_nor_a_folder_is_refused(tmp_path):
    for wrong in ("s3:/bucket/kho", "blobs", "file:///srv/kho"):
        with pytest.raises(KhoError, match="KHO_BLOBS"):
            open_store(wrong, tmp_path)
    with pytest.raises(KhoError, match="bucket"):
        open_store("s3://", tmp_path)
    elsewhere = open_store(str(tmp_path / "other-disk"), tmp_path)
    assert isinstance(elsewhere, LocalBlobStore) and elsewhere.root == tmp_path / "other-disk"


def test_unreachable_object_storage_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "kho")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    store = open_store("s3://kho/blobs", tmp_path, "http://127.0.0.1:9")  # discard port: closed
    with pytest.raises(KhoError, match="Cannot reach object storage s3://kho/blobs"):
        store.put(os.urandom(32), io.BytesIO(b"x"), b"b")


@needs_s3
def test_wrong_or_missing_credentials_are_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not the secret")
    store = open_store(f"s3://{S3_BUCKET}/wrong", tmp_path, S3_ENDPOINT)
    with pytest.raises(KhoError, match="refused") as refused:
        store.put(os.urandom(32), io.BytesIO(b"x"), b"b")
    assert "thông tin đăng nhập" in refused.value.vi
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    started = time.monotonic()
    with pytest.raises(KhoError, match="No credentials"):
        open_store(f"s3://{S3_BUCKET}/none", tmp_path, S3_ENDPOINT).exists("ab" * 16)
    assert time.monotonic() - started < 5  # no metadata service was asked


@needs_s3
def test_credentials_from_a_shared_credentials_file(tmp_path, monkeypatch, blob_area):
    key_id, secret = os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"]
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    credentials = tmp_path / "credentials"
    credentials.write_text(
        f"[kho]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n"
    )
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("AWS_PROFILE", "kho")
    store = _store(blob_area, tmp_path)
    written = store.put(os.urandom(32), io.BytesIO(b"ok"), b"b")
    assert store.exists(written.name)


@needs_s3
@pytest.mark.slow
def test_kho_on_object_storage_from_init_to_verify(tmp_path, database_url, sample_docs):
    """`kho init` creates the bucket; files, reads, checks and verifies go through it."""
    bucket = f"kho-init-{os.urandom(4).hex()}"
    env = {
        "KHO_HOME": str(tmp_path / "home"),
        "KHO_DATABASE_URL": database_url,
        "KHO_BLOBS": f"s3://{bucket}/kho",
        "KHO_S3_ENDPOINT": S3_ENDPOINT,
    }
    runner = CliRunner()

    def kho(*args: str, code: int = 0) -> str:
        result = runner.invoke(main, list(args), env=env, catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result.output

    store = open_store(env["KHO_BLOBS"], tmp_path, S3_ENDPOINT)
    try:
        kho("init")
        store.client.head_bucket(Bucket=bucket)
        kho("user", "add", "vanthu", "--role", "archivist", "--clearance", "mat", "--unit", "VP")
        doc = next(d for d in sample_docs if d.truth["level"] == "thuong")
        (tmp_path / doc.filename).write_bytes(doc.content)
        kho("ingest", str(tmp_path / doc.filename), "--as", "vanthu")
        assert len(list(store.names())) >= 2 and not (tmp_path / "home" / "blobs").exists()
        kho("get", "1", "--as", "vanthu", "--original", "-o", str(tmp_path / "out"))
        assert (tmp_path / "out").read_bytes() == doc.content
        assert "0 damaged" in kho("verify", "--deep")
        assert f"s3://{bucket}/kho" in kho("check", "--grace", "0")
        orphan = store.put(os.urandom(32), io.BytesIO(b"filing cut short"), b"b")
        assert f"orphan blob {orphan.name}" in kho("check", "--grace", "0", code=1)
        kho("check", "--repair", "--grace", "0")
        assert not store.exists(orphan.name)
        name = next(iter(store.names()))
        store.delete(name)
        assert f"blob {name}" in kho("verify", code=1)
    finally:
        store.remove_all()
        store.client.delete_bucket(Bucket=bucket)


@needs_s3
@pytest.mark.slow
def test_an_archive_moves_to_object_storage_and_back_by_backup_and_restore(
    tmp_path, archivist, inst, blob_area, sample_docs
):
    """A local archive's backup restored with KHO_BLOBS set lands in the bucket, and back."""
    local = instance_at(tmp_path / "local", f"sqlite:///{tmp_path / 'local.sqlite3'}", {})
    initialize(local, ADMIN_PASSWORD)
    person = add_person(local, "vanthu", "archivist", "mat", "VP")
    doc = next(d for d in sample_docs if d.truth["level"] == "thuong")
    stored = pipeline.ingest_bytes(local, person.ctx, doc.content, doc.filename)
    backup.backup(local, SYSTEM, tmp_path / "bk1", PASSPHRASE)

    def restored(label: str, settings: dict, source) -> object:
        target = instance_at(tmp_path / label, f"sqlite:///{tmp_path / label}.sqlite3", settings)
        backup.restore(target, SYSTEM, source, PASSPHRASE)
        assert fixity.verify(target, SYSTEM, deep=True)[1] == []
        with target.sessions() as session:
            row = session.get(Document, stored.id)
            row.objects  # noqa: B018
        assert reading.read_object(target, row, reading.object_of(row, "original")) == doc.content
        return target

    moved = blob_area("moved")
    in_s3 = restored("s3", moved, tmp_path / "bk1")
    assert not isinstance(in_s3.blobs, LocalBlobStore) and len(list(in_s3.blobs.names())) >= 2
    other = instance_at(tmp_path / "x", f"sqlite:///{tmp_path / 'x.sqlite3'}", moved)
    with pytest.raises(KhoError, match="must be empty"):  # never mixed into a store in use
        backup.restore(other, SYSTEM, tmp_path / "bk1", PASSPHRASE)
    backup.backup(in_s3, SYSTEM, tmp_path / "bk2", PASSPHRASE)
    back = restored("back", {}, tmp_path / "bk2")
    assert isinstance(back.blobs, LocalBlobStore)
    for target in (local, in_s3, back):
        target.dispose()


def test_tampering_reaches_the_store_and_is_caught(inst, archivist, sample_docs):
    """The helpers the other tests use really change what the store holds."""
    stored = pipeline.ingest_bytes(inst, archivist.ctx, sample_docs[0].content, "a.pdf")
    with inst.sessions() as session:
        row = session.get(Document, stored.id)
        row.objects  # noqa: B018
    name = reading.object_of(row, "text").blob
    overwrite(inst, name, raw(inst, name)[:-1])
    assert fixity.verify(inst, SYSTEM)[1][0].blob == name


def test_filing_while_the_object_store_is_down_keeps_nothing_and_says_why(
    inst, archivist, sample_docs, tmp_path, monkeypatch
):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", os.environ.get("AWS_ACCESS_KEY_ID", "kho"))
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", os.environ.get("AWS_SECRET_ACCESS_KEY", "x"))
    working = inst.blobs
    inst.__dict__["blobs"] = open_store("s3://kho/down", tmp_path, "http://127.0.0.1:9")
    (tmp_path / "a.pdf").write_bytes(sample_docs[0].content)
    [result] = pipeline.ingest_files(inst, archivist.ctx, [tmp_path / "a.pdf"])
    assert result.status == "rejected" and "Cannot reach object storage" in result.reason
    assert "nothing was kept half-stored" in result.reason
    with inst.sessions() as session:
        assert session.query(Document).count() == 0
    inst.__dict__["blobs"] = working
    assert not check_store(inst, grace=0).problems
    [again] = pipeline.ingest_files(inst, archivist.ctx, [tmp_path / "a.pdf"])
    assert again.status == "stored"
