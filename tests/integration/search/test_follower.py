"""The change log and the index following it: written in the change's transaction, applied in
order from the index's own position, resumed after a rebuild, errors never skipped."""

from __future__ import annotations

import shutil
import sqlite3
import threading

import pytest
from sqlalchemy import event, func, select, update
from sqlalchemy.exc import OperationalError

from archive.audit.actions import Action
from archive.core import changelog, events
from archive.core.events import Change
from archive.core.uow import UnitOfWork
from archive.models import ChangeHead, ChangeLogEntry
from search import feed, follower, query
from search.index import position
from tests.support.records import file_doc
from web import wiring


def _log(inst) -> list[tuple[int, int, str]]:
    with inst.sessions() as session:
        rows = session.execute(select(ChangeLogEntry).order_by(ChangeLogEntry.seq)).scalars()
        return [(r.seq, r.record_id, r.kind) for r in rows]


def _found(inst, person, text: str) -> list[int]:
    return [hit.id for hit in query.search(inst, person.ctx, text)]


def test_a_change_is_logged_in_its_transaction_and_a_rolled_back_one_is_not(inst, archivist):
    doc_id = file_doc(inst, archivist)
    before = _log(inst)
    assert before[-1][1:] == (doc_id, Change.FILED)
    with pytest.raises(RuntimeError), UnitOfWork(inst, archivist.ctx) as uow:
        uow.audit(Action.EDIT, "ok", doc_id)
        uow.changed(doc_id, Change.DESCRIBED)
        uow.changed(doc_id, Change.DOSSIER)
        uow.session.flush()
        raise RuntimeError("the action failed half-way")
    assert _log(inst) == before  # rolled back: no row, and the head did not move
    with UnitOfWork(inst, archivist.ctx) as uow:
        uow.changed(doc_id, Change.DESCRIBED)
        uow.changed(doc_id, Change.DESCRIBED)  # once per (record, kind)
        uow.changed(doc_id, Change.DOSSIER)
    after = _log(inst)
    assert after[len(before) :] == [
        (before[-1][0] + 1, doc_id, Change.DESCRIBED),
        (before[-1][0] + 2, doc_id, Change.DOSSIER),
    ]
    assert [seq for seq, _, _ in after] == list(range(1, len(after) + 1))  # gapless, in order
    with inst.sessions() as session:
        assert changelog.head(session).seq == len(after)


def test_the_index_follows_the_log_from_its_position(inst, archivist, unwired):
    file_doc(inst, archivist)  # (an index of no record at all is not searched here)
    follower.catch_up(inst)
    start = follower.status(inst)
    assert start.follows and start.lag == 0
    ids = [file_doc(inst, archivist, text=f"chữ canary{n}") for n in range(3)]
    waiting = follower.status(inst)
    assert waiting.lag == 3 and waiting.oldest_pending is not None
    assert _found(inst, archivist, "canary1") == []  # not nudged: not applied yet
    assert follower.catch_up(inst) == 3
    assert _found(inst, archivist, "canary1") == [ids[1]]
    done = follower.status(inst)
    assert done.lag == 0 and done.position.seq == start.position.seq + 3
    assert follower.catch_up(inst) == 0  # nothing new: nothing applied


def test_a_nudge_applies_what_was_committed_before_it_in_one_index_commit(
    inst, archivist, unwired, monkeypatch
):
    """A batch's other files keep committing while a nudge applies the log: the nudge applied
    them too, in a second index commit of one or two records (a segment each, merged later;
    about twice the commits of text-PDF ingest, issue 20). Now they wait for the next nudge."""
    file_doc(inst, archivist)
    follower.catch_up(inst)
    ids = [file_doc(inst, archivist, text=f"chữ canarynudge{n}") for n in range(2)]
    refreshed: list[set[int]] = []
    real_refresh = feed.refresh

    def refresh_while_another_files(inst_, record_ids):
        refreshed.append(set(record_ids))
        if len(refreshed) == 1:  # committed while the first nudge applies the log
            ids.append(file_doc(inst, archivist, text="chữ canarynudgelate"))
        return real_refresh(inst_, record_ids)

    monkeypatch.setattr(feed, "refresh", refresh_while_another_files)
    assert follower.catch_up(inst) == 2
    assert refreshed == [set(ids[:2])]  # one index commit, for what was there when it began
    assert follower.status(inst).lag == 1  # the late one: for the next nudge
    assert follower.catch_up(inst) == 1
    assert refreshed[1:] == [{ids[2]}]
    assert _found(inst, archivist, "canarynudgelate") == [ids[2]]


def test_a_serving_follower_leaves_changes_to_their_maker_and_applies_what_stays_behind(
    inst, archivist, unwired
):
    """A web worker's follower indexed a batch's records beside its requests whenever it took
    the lock before the batch (at the batch's own lower priority) could; it now applies only
    what has stood unapplied for ``defer`` seconds."""
    file_doc(inst, archivist)
    follower.catch_up(inst)
    now = [1000.0]
    serving = follower.Follower(inst, defer=2.0)
    serving.clock = lambda: now[0]
    assert not serving._due()  # nothing to apply
    file_doc(inst, archivist, text="chữ canarymaker")
    assert not serving._due()  # just logged: the process that made it applies it
    now[0] += 1.5
    assert not serving._due()
    assert follower.catch_up(inst) == 1  # ... and so it did
    now[0] += 5
    assert not serving._due()  # nothing left behind
    left = file_doc(inst, archivist, text="chữ canaryleft")  # its maker died before applying
    assert not serving._due()
    now[0] += 1.0
    file_doc(inst, archivist, text="chữ canarymore")  # more behind: still the same position
    assert not serving._due()
    now[0] += 1.5
    assert serving._due()  # stood still behind the log 2.5 s: the serving process applies
    assert follower.catch_up(inst, wait=0) == 2
    assert _found(inst, archivist, "canaryleft") == [left]
    assert not serving._due()
    assert follower.Follower(inst)._due()  # a worker's follower (no defer) applies at once


def test_a_poll_only_reads_until_there_is_something_to_apply(inst, archivist, unwired):
    """On SQLite a poll used to open BEGIN IMMEDIATE twice, twice a second in every process,
    and waited behind every writer; now it reads a snapshot and never waits for the lock."""
    if not inst.database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL readers never take or wait for a write lock")
    doc_id = file_doc(inst, archivist, text="chữ canarypoll")
    began: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        if statement.startswith("BEGIN"):
            began.append(statement)

    event.listen(inst.engine, "before_cursor_execute", count)
    try:
        assert follower.catch_up(inst, wait=0) >= 1  # something to apply
        began.clear()
        writer = sqlite3.connect(inst.database_url.removeprefix("sqlite:///"))
        writer.isolation_level = None
        writer.execute("BEGIN IMMEDIATE")  # another process is writing meanwhile
        try:
            assert [follower.catch_up(inst, wait=0) for _ in range(3)] == [0, 0, 0]
        finally:
            writer.rollback()
            writer.close()
        assert began and set(began) == {"BEGIN"}  # read transactions only
    finally:
        event.remove(inst.engine, "before_cursor_execute", count)
    assert _found(inst, archivist, "canarypoll") == [doc_id]


def test_a_read_only_session_cannot_write_and_leaves_its_connection_writable(inst):
    if not inst.database_url.startswith("sqlite"):
        pytest.skip("the read-only option is SQLite's")
    with pytest.raises(OperationalError, match="readonly"), inst.read_sessions() as session:
        session.execute(update(ChangeHead).values(seq=ChangeHead.seq))
    with inst.sessions.begin() as session:  # the same pooled connection writes again
        session.execute(update(ChangeHead).values(seq=ChangeHead.seq))


def test_an_index_without_a_position_says_so_and_nudges_do_not_wait_for_its_rebuild(
    inst, archivist, unwired, monkeypatch
):
    """An index from before the log is rebuilt by the first follower; filing meanwhile used to
    wait for it (each nudge up to 10 s behind the lock, each read for SQLite's write lock)."""
    first = file_doc(inst, archivist, text="chữ canaryold")
    follower.catch_up(inst)
    (inst.index_dir / position.FILE).unlink()  # as an index made by a Kho before the log
    assert "kho reindex" in follower.status(inst).describe()
    started, release = threading.Event(), threading.Event()
    reindex = feed.reindex

    def slow_reindex(*args, **kwargs):
        started.set()
        release.wait(120)
        return reindex(*args, **kwargs)

    monkeypatch.setattr(feed, "reindex", slow_reindex)
    rebuilding = threading.Thread(target=follower.catch_up, args=(inst,), kwargs={"wait": None})
    rebuilding.start()
    try:
        assert started.wait(60)
        filed = file_doc(inst, archivist, text="chữ canarynew")  # filing goes on meanwhile
        assert follower.catch_up(inst, wait=3600) == 0  # returns at once: the rebuild is on
        assert rebuilding.is_alive() and not release.is_set()
    finally:
        release.set()
        rebuilding.join()
    follower.catch_up(inst)
    assert follower.status(inst).follows
    assert _found(inst, archivist, "canaryold") == [first]
    assert _found(inst, archivist, "canarynew") == [filed]


def test_an_error_is_raised_and_the_position_stays_before_it(inst, archivist, unwired, monkeypatch):
    follower.catch_up(inst)
    doc_id = file_doc(inst, archivist, text="chữ canarybroken")
    before = follower.status(inst).position

    def broken(_inst, _ids):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(feed, "refresh", broken)
    with pytest.raises(OSError):
        follower.catch_up(inst)
    assert follower.status(inst).position == before  # not advanced past what was not applied
    monkeypatch.undo()
    assert follower.catch_up(inst) == 1  # the next attempt applies it
    assert _found(inst, archivist, "canarybroken") == [doc_id]


def test_a_deleted_index_is_rebuilt_and_resumes_at_the_right_position(inst, archivist, unwired):
    first = file_doc(inst, archivist, text="chữ canaryfirst")
    follower.catch_up(inst)
    shutil.rmtree(inst.index_dir)
    assert not follower.status(inst).follows
    second = file_doc(inst, archivist, text="chữ canarysecond")  # logged while there is no index
    follower.catch_up(inst)  # rebuilt from the archive, at the head read before the rebuild
    status = follower.status(inst)
    assert status.follows and status.lag == 0
    with inst.sessions() as session:
        assert status.position.seq == session.scalar(select(func.max(ChangeLogEntry.seq)))
    assert _found(inst, archivist, "canaryfirst") == [first]
    assert _found(inst, archivist, "canarysecond") == [second]
    third = file_doc(inst, archivist, text="chữ canarythird")
    assert follower.catch_up(inst) == 1  # resumes after the rebuild's position, nothing more
    assert _found(inst, archivist, "canarythird") == [third]


def test_a_position_from_another_log_or_ahead_of_it_means_a_rebuild(inst, archivist, unwired):
    doc_id = file_doc(inst, archivist, text="chữ canaryforeign")
    follower.catch_up(inst)
    key = inst.keyring.index_key
    here = position.read(inst.index_dir, key)
    for foreign in (
        position.Position(here.seq, "another-database"),
        here.__class__(999, here.log_id),
    ):
        position.write(inst.index_dir, key, foreign)
        assert not follower.status(inst).follows
        follower.catch_up(inst)
        assert position.read(inst.index_dir, key) == here
    (inst.index_dir / position.FILE).write_bytes(b"not a sealed position")
    assert position.read(inst.index_dir, key) is None  # unreadable: unknown, so rebuilt
    follower.catch_up(inst)
    assert position.read(inst.index_dir, key) == here
    assert _found(inst, archivist, "canaryforeign") == [doc_id]


def test_a_destroyed_record_leaves_the_index_through_the_log(inst, archivist, unwired):
    from archive.records import filing

    doc_id = file_doc(inst, archivist, text="chữ canaryshred")
    follower.catch_up(inst)
    assert _found(inst, archivist, "canaryshred") == [doc_id]
    filing.shred(inst, archivist.ctx, doc_id, "test")
    follower.catch_up(inst)
    assert _found(inst, archivist, "canaryshred") == []


def test_kho_check_reports_the_position_and_tells_lag_from_damage(
    kho, tmp_path, database_url, blob_settings
):
    from archive.core.instance import Instance
    from search.index import store
    from tests.support.people import add_person

    kho("init")
    inst = Instance.from_settings(
        tmp_path / "home",
        database_url,
        blobs=blob_settings.get("KHO_BLOBS"),
        s3_endpoint=blob_settings.get("KHO_S3_ENDPOINT"),
    )
    archivist = add_person(inst, "vanthu", "archivist", "tuyet_mat", "VP")
    first = file_doc(inst, archivist)  # nudged: applied at once
    clean = kho("check")
    assert "consistent" in clean.output and "(lag 0)" in clean.output
    events.records_changed.disconnect(wiring._index_follows)
    try:
        file_doc(inst, archivist)  # logged, not yet applied: lag, not damage
    finally:
        wiring.connect()
    lagging = kho("check")
    assert "(lag 1)" in lagging.output and "missing" not in lagging.output
    store.remove(inst.index_dir, inst.keyring.index_key, [first])  # damage: applied, then lost
    damaged = kho("check", ok=False)
    assert damaged.exit_code == 1 and "1 documents missing from the index" in damaged.output
    repaired = kho("check", "--repair")
    assert "re-indexed" in repaired.output
    assert "consistent" in kho("check").output
    shutil.rmtree(inst.index_dir)
    gone = kho("check", ok=False)
    assert "no position" in gone.output
    assert "rebuilt" in kho("check", "--repair").output
    assert "(lag 0)" in kho("check").output
    inst.dispose()
