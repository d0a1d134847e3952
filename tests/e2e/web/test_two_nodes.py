"""Two application nodes on one database (issue 21): each its own KHO_HOME, the same keyring,
blob store and cookie key, as behind a proxy. Sessions, lockouts and the audit chain live in the
database, so what one node decides holds on the other."""

from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import func, select

from archive.accounts import sessions
from archive.audit import log
from archive.audit.actions import Action
from archive.core.uow import UnitOfWork
from archive.models import AuditEntry
from security.actor import Context
from tests.support.people import add_person
from web import create_app

ADDRESS = "10.0.0.7"


@pytest.fixture
def node_b(app, inst, tmp_path, database_url, blob_settings):
    """A second node: its own home (index, logs), everything shared through configuration."""
    other = create_app(
        {
            "KHO_HOME": str(tmp_path / "node-b"),
            "KHO_DATABASE_URL": database_url,
            "KHO_KEY_FILE": str(inst.key_file),
            "SECRET_KEY": app.config["SECRET_KEY"],
            "TESTING": True,
            **blob_settings,
        }
    )
    yield other
    other.extensions["kho"].dispose()


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _login(client, username: str, password: str):
    page = client.get("/login").get_data(as_text=True)
    return client.post(
        "/login", data={"csrf_token": _csrf(page), "username": username, "password": password}
    )


def _cookie_to(source, target, name: str) -> None:
    target.set_cookie(name, source.get_cookie(name).value)


def test_a_session_opened_on_one_node_is_valid_on_the_other_and_ends_on_both(app, node_b, inst):
    person = add_person(inst, "canbo", "reader", "mat")
    a, b = app.test_client(), node_b.test_client()
    assert b.get("/").status_code == 302  # not logged in on B
    assert _login(a, "canbo", person.password).status_code == 302
    assert a.get("/").status_code == 200
    _cookie_to(a, b, app.config["SESSION_COOKIE_NAME"])  # the proxy sends the next request to B
    assert b.get("/").status_code == 200
    b.post("/logout", data={"csrf_token": _csrf(b.get("/").get_data(as_text=True))})
    assert a.get("/").status_code == 302  # logged out on B: the session is gone on A too


def test_a_lockout_on_one_node_holds_on_the_other(app, node_b, inst):
    """The back-off of an account-and-address pair (issue 14: same answer for every failure,
    only the audit log says why) is kept in the database: node B applies what node A counted."""
    person = add_person(inst, "canbo", "reader", "mat")
    inst_b = node_b.extensions["kho"]
    for _ in range(5):  # an attacker on node A
        assert sessions.begin(inst, "canbo", "wrong password!", ADDRESS).status == "failed"
    assert sessions.begin(inst_b, "canbo", person.password, ADDRESS).status == "failed"
    with inst.sessions() as session:
        outcomes = session.execute(
            select(AuditEntry.outcome).where(AuditEntry.action == "login")
        ).scalars()
        assert list(outcomes)[-1] == "throttled"  # B held the pair back A had counted
    response = _login(node_b.test_client(), "canbo", person.password)
    assert response.status_code == 302  # the owner, from another address, is not locked out


def test_audit_appends_from_two_nodes_at_once_keep_one_unbroken_chain(app, node_b, inst):
    nodes = [inst, node_b.extensions["kho"]]
    per_thread, threads_per_node = 25, 2
    start = threading.Barrier(len(nodes) * threads_per_node)
    failures: list[BaseException] = []

    def append(node, label: str) -> None:
        try:
            start.wait()
            for n in range(per_thread):
                with UnitOfWork(node, Context(None, label)) as uow:
                    uow.audit(Action.FIXITY, "ok", None, {"n": n})
        except BaseException as exc:  # reported below, not lost in the thread
            failures.append(exc)

    threads = [
        threading.Thread(target=append, args=(node, f"node{i}-{t}"))
        for i, node in enumerate(nodes)
        for t in range(threads_per_node)
    ]
    with inst.sessions() as session:
        before = session.scalar(select(func.count()).select_from(AuditEntry))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert failures == []
    with inst.sessions() as session:
        seqs = list(session.execute(select(AuditEntry.seq).order_by(AuditEntry.seq)).scalars())
        by_node = dict(
            session.execute(
                select(AuditEntry.address, func.count())
                .where(AuditEntry.action == "fixity")
                .group_by(AuditEntry.address)
            ).all()
        )
        checked, problems = log.verify(session, inst.keyring.audit_key)
    assert len(seqs) == before + len(threads) * per_thread
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))  # no gap, no fork
    assert set(by_node.values()) == {per_thread} and len(by_node) == len(threads)
    assert problems == [] and checked == len(seqs)


def test_a_grant_decided_on_one_node_opens_the_record_on_the_other(app, node_b, inst):
    """Grants are rows the gate reads at every request (no cache): a request made on node B,
    approved on node A, lets the reader in on node B at once."""
    from archive.records import gate, grants
    from security.errors import NotFound
    from tests.support.records import file_doc

    archivist = add_person(inst, "vanthu", "archivist", "tuyet_mat", "VP")
    officer = add_person(inst, "baomat", "security_officer", "tuyet_mat", "VP")
    reader = add_person(inst, "ngoai", "reader", "mat", "BTGDV")
    doc_id = file_doc(inst, archivist, level="mat")
    inst_b = node_b.extensions["kho"]
    with pytest.raises(NotFound):
        gate.view_document(inst_b, reader.ctx, doc_id)
    grant_id = grants.request(inst_b, reader.ctx, doc_id, "cần cho công việc của ban")
    grants.decide(inst, officer.ctx, grant_id, approve=True, days=7)  # on node A
    assert gate.view_document(inst_b, reader.ctx, doc_id).id == doc_id
