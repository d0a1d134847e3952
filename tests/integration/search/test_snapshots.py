"""Index snapshots in the blob store: a wiped node restores the latest one and applies only the
log after it; the snapshot is sealed (nothing of a record in clear in the store); a snapshot
that does not open is never used (the index is rebuilt instead); old ones are pruned and the
ones kept are no orphans for ``kho check``."""

from __future__ import annotations

import io
import shutil

import pytest
from sqlalchemy import select

from archive.core import events
from archive.models import IndexSnapshot
from archive.operations.maintenance import check_store
from search import feed, follower, query, snapshot
from search.index import position
from security.crypto.wrapped import unseal
from tests.support.records import file_doc
from web import wiring


@pytest.fixture
def unwired():
    """No nudge after commits: only what the test calls follows the log."""
    events.records_changed.disconnect(wiring._index_follows)
    yield
    wiring.connect()


def _found(inst, person, text: str) -> list[int]:
    return [hit.id for hit in query.search(inst, person.ctx, text)]


def _no_rebuild(monkeypatch) -> None:
    def refused(*_args, **_kwargs):
        raise AssertionError("the index was rebuilt from the records")

    monkeypatch.setattr(feed, "reindex", refused)


def _snapshots(inst) -> list[IndexSnapshot]:
    with inst.sessions() as session:
        return list(session.execute(select(IndexSnapshot).order_by(IndexSnapshot.id)).scalars())


def test_a_wiped_index_restores_the_snapshot_and_applies_the_log_after_it(
    inst, archivist, unwired, monkeypatch
):
    before = [file_doc(inst, archivist, text=f"trước canarysnap{n}") for n in range(3)]
    made = follower.publish(inst)
    assert made is not None and made.seq == follower.status(inst).head.seq and made.files >= 2
    after = [file_doc(inst, archivist, text=f"sau canarysnap{n}") for n in range(2)]
    shutil.rmtree(inst.index_dir)
    _no_rebuild(monkeypatch)
    assert follower.catch_up(inst) == 2  # the snapshot, then only the two changes after it
    assert sorted(_found(inst, archivist, "canarysnap0")) == sorted([before[0], after[0]])
    assert _found(inst, archivist, "canarysnap2") == [before[2]]
    status = follower.status(inst)
    assert status.follows and status.lag == 0
    assert not list(inst.index_dir.parent.glob("index.restore-*"))
    assert not list(inst.index_dir.parent.glob("index.snap-*"))  # staging removed


def test_a_snapshot_is_sealed_in_the_store(inst, archivist, unwired):
    marker = "canarysealed"
    file_doc(inst, archivist, text=f"bí mật {marker}", subject=f"về {marker}")
    follower.catch_up(inst)
    follower.publish(inst)
    (row,) = _snapshots(inst)
    with inst.blobs.open(row.blob) as fh:
        stored = fh.read()
    for needle in (marker.encode(), marker.encode("utf-16-le"), b"changelog.position", b"ustar"):
        assert needle not in stored  # not even the tar's names: sealed as a whole
    assert marker.encode() not in row.sealed_key
    assert len(unseal(inst.keyring.index_key, row.sealed_key)) == 32  # the index key opens it


def test_a_snapshot_that_does_not_open_is_never_used(inst, archivist, unwired):
    doc = file_doc(inst, archivist, text="chữ canarybroken")
    follower.publish(inst)
    (row,) = _snapshots(inst)
    with inst.blobs.open(row.blob) as fh:
        sealed = bytearray(fh.read())
    sealed[len(sealed) // 2] ^= 1  # one bit changed in the store
    inst.blobs.delete(row.blob)
    inst.blobs.put_ciphertext(row.blob, io.BytesIO(bytes(sealed)))
    shutil.rmtree(inst.index_dir)
    follower.catch_up(inst)  # the snapshot fails authentication: rebuilt from the records
    assert _found(inst, archivist, "canarybroken") == [doc]
    assert follower.status(inst).lag == 0
    assert not list(inst.index_dir.parent.glob("index.restore-*"))


def test_a_snapshot_of_another_log_is_not_used(inst, archivist, unwired, monkeypatch):
    doc = file_doc(inst, archivist, text="chữ canaryother")
    follower.publish(inst)
    with inst.sessions.begin() as session:
        for row in session.execute(select(IndexSnapshot)).scalars():
            row.log_id = "0" * 32  # as if made from another database
    shutil.rmtree(inst.index_dir)
    calls = []
    real = feed.reindex
    monkeypatch.setattr(feed, "reindex", lambda *a, **k: calls.append(1) or real(*a, **k))
    follower.catch_up(inst)
    assert calls == [1] and _found(inst, archivist, "canaryother") == [doc]


def test_old_snapshots_are_pruned_and_kept_ones_are_not_orphans(inst, archivist, unwired):
    for n in range(snapshot.KEEP + 2):
        file_doc(inst, archivist, text=f"chữ {n}")
        follower.publish(inst)
    assert len(_snapshots(inst)) == snapshot.KEEP + 2  # young ones are spared
    assert snapshot.prune(inst, spare_seconds=0) == 2
    rows = _snapshots(inst)
    assert len(rows) == snapshot.KEEP
    kept = {row.blob for row in rows}
    assert all(inst.blobs.exists(name) for name in kept)
    report = check_store(inst, grace=0)
    assert not report.orphans, report.lines()
    assert len(set(inst.blobs.names()) & kept) == snapshot.KEEP


def test_a_snapshot_is_due_by_changes_or_age(inst, archivist, unwired, monkeypatch):
    key = inst.keyring.index_key
    assert not snapshot.due(inst, position.read(inst.index_dir, key))  # an empty log: no
    file_doc(inst, archivist)
    follower.catch_up(inst)
    assert snapshot.due(inst, position.read(inst.index_dir, key))  # none yet
    follower.publish(inst)
    file_doc(inst, archivist)
    follower.catch_up(inst)
    pos = position.read(inst.index_dir, key)
    assert not snapshot.due(inst, pos)  # one change, a fresh snapshot
    monkeypatch.setattr(snapshot, "EVERY_CHANGES", 1)
    assert snapshot.due(inst, pos)
    monkeypatch.setattr(snapshot, "EVERY_CHANGES", 1000)
    monkeypatch.setattr(snapshot, "EVERY_SECONDS", 0)
    assert snapshot.due(inst, pos)


def test_kho_snapshot_publishes(kho, tmp_path, database_url, blob_settings):
    from archive.core.instance import Instance
    from tests.support.people import add_person

    kho("init")
    inst = Instance.from_settings(
        tmp_path / "home",
        database_url,
        blobs=blob_settings.get("KHO_BLOBS"),
        s3_endpoint=blob_settings.get("KHO_S3_ENDPOINT"),
    )
    archivist = add_person(inst, "vanthu", "archivist", "tuyet_mat", "VP")
    file_doc(inst, archivist)
    head = follower.status(inst).head.seq
    out = kho("snapshot").output
    assert f"at change {head}:" in out
    (row,) = _snapshots(inst)
    assert row.seq == head and inst.blobs.exists(row.blob)
    inst.dispose()


def test_a_search_on_a_node_without_its_index_waits_for_it(inst, archivist, unwired):
    doc = file_doc(inst, archivist, text="chữ canarywait")
    follower.publish(inst)
    shutil.rmtree(inst.index_dir)  # a node just started, its follower not yet through
    assert _found(inst, archivist, "canarywait") == [doc]  # restored first, not an error
