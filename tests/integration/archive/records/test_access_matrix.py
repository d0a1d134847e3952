"""The whole role × clearance × unit × grant matrix over every operation, through the same code
the web pages and the command line call (the gate, search, editing; export by policy until the
export service exists), for ordinary records and for records held back because their secrecy is
pending (chờ xác định độ mật), which only their filer and security officers may see."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from archive.models import DocumentShare, Grant, Unit, utcnow
from archive.records import editing, filing, gate, grants, quarantine
from ingest import pipeline
from ingest.demo import samples
from search import feed, query
from security.actor import Context
from security.errors import NotFound, Refused
from security.policy.lifecycle import may_export
from security.vocabulary import LEVELS, ROLES, level_rank
from tests.support.people import add_person

pytestmark = pytest.mark.slow
RELATIONS = ("same_unit", "other_unit", "shared", "granted", "grant_expired")
WORD = "matranphanquyen"
READING = ("archivist", "reader", "security_officer")
HELD_LEVELS = ("thuong", "mat", "toi_mat")  # TUYỆT MẬT is quarantined before anything else


def _file_documents(inst, filer) -> dict[str, int]:
    ids = {}
    for n, level in enumerate(LEVELS):
        truth = {
            "kind": "party",
            "doc_type": "KH",
            "number": f"{900 + n}-KH/TU",
            "issuer": "Tỉnh ủy Lào Cai",
            "date": "2025-01-0" + str(n + 1),
            "subject": "về ma trận phân quyền",
            "level": level,
            "urgency": "thuong",
        }
        text = samples.render_text(truth, [f"Từ khóa kiểm thử {WORD}."]).encode()
        result = pipeline.ingest_bytes(inst, filer.ctx, text, f"m{n}.txt")
        if result.status == "quarantined":  # TUYỆT MẬT: released by an administrator
            quarantine.release(inst, Context(None, "test"), result.id, "12/QĐ-VPTU")
        else:
            assert result.status == "stored", result.reason
        ids[level] = result.id
    return ids


def _file_held_back(inst, filer) -> dict[str, int]:
    """Records whose secrecy is pending, one per provisional level, filed through the archive as
    ingest files them (which files are held back is tested in test_secrecy_decision)."""
    with inst.sessions() as session:
        unit = session.execute(select(Unit).where(Unit.code == "VP")).scalar_one()
    ids = {}
    for level in HELD_LEVELS:
        text = f"Bản quét chờ xác định độ mật {level}. Từ khóa kiểm thử {WORD}."
        new = filing.NewRecord(
            text.encode(),
            "text/plain",
            text,
            {"level": level, "kind": "party", "doc_type": "KH"},
            f"held-{level}.txt",
            unit,
            secrecy_pending=True,
        )
        ids[level] = filing.file_record(
            inst, filer.ctx, new, inst.keyring.content_mac(new.content)
        ).id
    feed.refresh(inst, list(ids.values()))
    return ids


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """One instance with four records (one per level) and a person for every combination."""
    from tests.support.people import ADMIN_PASSWORD
    from web import create_app

    home = tmp_path_factory.mktemp("matrix")
    app = create_app({"KHO_HOME": str(home / "home"), "SECRET_KEY": "x", "TESTING": True})
    inst = app.extensions["kho"]
    from archive.operations.bootstrap import initialize

    initialize(inst, ADMIN_PASSWORD)
    filer = add_person(inst, "luutru", "archivist", "tuyet_mat", "VP")
    docs = _file_documents(inst, filer)
    held = _file_held_back(inst, filer)
    officer = add_person(inst, "baomat", "security_officer", "tuyet_mat", "VP")
    shr = add_person(inst, "anchor.shr", "reader", "thuong", "SHR")  # creates unit SHR
    for doc_id in docs.values():
        grants.share(inst, officer.ctx, doc_id, "SHR")
    with inst.sessions.begin() as session:  # shared before it was held back (a later reading)
        for doc_id in held.values():
            session.add(DocumentShare(document_id=doc_id, unit_id=shr.ctx.principal.unit_id))
    people = {}
    for role, clearance, relation in itertools.product(ROLES, LEVELS, RELATIONS):
        unit = {"same_unit": "VP", "shared": "SHR"}.get(relation, "BTC")
        person = add_person(inst, f"{role}.{clearance}.{relation}", role, clearance, unit)
        if relation in ("granted", "grant_expired") and role in READING:
            for level, doc_id in docs.items():
                if level_rank(level) <= level_rank(clearance):
                    grant_id = grants.request(inst, person.ctx, doc_id, "cần cho công việc")
                    grants.decide(inst, officer.ctx, grant_id, approve=True, days=7)
            with inst.sessions.begin() as session:  # granted before it was held back
                for doc_id in held.values():
                    session.add(
                        Grant(
                            user_id=person.ctx.principal.user_id,
                            document_id=doc_id,
                            status="approved",
                            expires_at=utcnow() + timedelta(days=7),
                        )
                    )
        people[(role, clearance, relation)] = person
    with inst.sessions.begin() as session:
        expired = [
            p.ctx.principal.user_id for (_r, _c, rel), p in people.items() if rel == "grant_expired"
        ]
        session.execute(
            update(Grant)
            .where(Grant.user_id.in_(expired))
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
    people["filer"] = filer
    yield inst, docs, people, held
    inst.dispose()


def _expected_read(role: str, clearance: str, relation: str, level: str) -> bool:
    return (
        role in READING
        and level_rank(clearance) >= level_rank(level)
        and relation in ("same_unit", "shared", "granted")
    )


CASES = list(itertools.product(ROLES, LEVELS, RELATIONS))


@pytest.mark.parametrize(("role", "clearance", "relation"), CASES)
def test_matrix(world, role, clearance, relation):
    inst, docs, people, held = world
    ctx = people[(role, clearance, relation)].ctx
    listed = {v.id for v in gate.list_documents(inst, ctx)}
    found = {v.id for v in query.search(inst, ctx, WORD)}
    for level, doc_id in docs.items():
        readable = _expected_read(role, clearance, relation, level)
        where = f"{role}/{clearance}/{relation} on {level}"
        assert (doc_id in listed) is readable, f"list: {where}"
        assert (doc_id in found) is readable, f"search: {where}"
        for read in (gate.view_document, gate.read_document, gate.open_content):
            if readable:
                read(inst, ctx, doc_id)
            else:
                with pytest.raises(NotFound):
                    read(inst, ctx, doc_id)
        may_edit = (
            role == "archivist"
            and relation == "same_unit"
            and level_rank(clearance) >= level_rank(level)
        )
        if may_edit:
            editing.edit_document(inst, ctx, doc_id, {"urgency": "khan"})
        else:
            with pytest.raises(NotFound if not readable else Refused):
                editing.edit_document(inst, ctx, doc_id, {"urgency": "khan"})
        extra = frozenset({doc_id}) if relation in ("shared", "granted") else frozenset()
        unit_id = ctx.principal.unit_id if relation == "same_unit" else -1
        exported = may_export(
            ctx.principal, level, unit_id, doc_id, extra, pending=False, filed_by=None
        ).allowed
        assert exported is (readable and role in ("archivist", "security_officer")), where
    for level, doc_id in held.items():
        # Held back: only security officers, within what they may read anyway (the filer below).
        readable = _expected_read(role, clearance, relation, level) and role == "security_officer"
        where = f"{role}/{clearance}/{relation} on held-back {level}"
        assert (doc_id in listed) is readable, f"list: {where}"
        assert (doc_id in found) is readable, f"search: {where}"
        for read in (gate.view_document, gate.read_document, gate.open_content):
            if readable:
                read(inst, ctx, doc_id)
            else:
                with pytest.raises(NotFound):
                    read(inst, ctx, doc_id)
        with pytest.raises(Refused if readable else NotFound):
            editing.edit_document(inst, ctx, doc_id, {"urgency": "khan"})
        extra = frozenset({doc_id})
        assert not may_export(
            ctx.principal, level, ctx.principal.unit_id, doc_id, extra, pending=True, filed_by=None
        ).allowed, where


def test_the_filer_sees_held_back_records_and_no_other_archivist_does(world):
    inst, docs, people, held = world
    filer = people["filer"].ctx
    colleague = people[("archivist", "tuyet_mat", "same_unit")].ctx  # same unit and clearance
    for ctx, sees in ((filer, True), (colleague, False)):
        listed = {v.id for v in gate.list_documents(inst, ctx)}
        found = query.run(inst, ctx, query.SearchRequest(WORD, limit=50))
        for doc_id in held.values():
            assert (doc_id in listed) is sees and (doc_id in {h.id for h in found.hits}) is sees
            if sees:
                assert gate.view_document(inst, ctx, doc_id).secrecy_pending
            else:
                with pytest.raises(NotFound):
                    gate.view_document(inst, ctx, doc_id)
        # Counts and facets hold what the person sees, no more.
        assert found.total == len(docs) + len(held) * sees
        assert sum(n for _level, n in found.facets["level"]) == found.total


def test_grant_rules(world):
    inst, docs, people, _held = world
    reader = people[("reader", "mat", "other_unit")]
    colleague = people[("reader", "tuyet_mat", "other_unit")]
    with pytest.raises(NotFound):  # above clearance: existence is not confirmed
        grants.request(inst, reader.ctx, docs["toi_mat"], "cần cho công việc")
    grant_id = grants.request(inst, reader.ctx, docs["mat"], "cần cho công việc")
    with pytest.raises(NotFound):  # neither security officer nor unit head: as if none
        grants.decide(inst, colleague.ctx, grant_id, approve=True)
    with pytest.raises(NotFound):  # nobody approves their own request
        grants.decide(inst, reader.ctx, grant_id, approve=True)
    officer = Context(people[("security_officer", "tuyet_mat", "same_unit")].ctx.principal, "test")
    assert [p["grant"] for p in grants.pending(inst, officer)] == [grant_id]
    grants.decide(inst, officer, grant_id, approve=False)
    with pytest.raises(NotFound):
        gate.view_document(inst, reader.ctx, docs["mat"])


def test_levels_are_raised_by_archivists_and_lowered_only_with_authority_and_reason(world):
    inst, docs, people, _held = world
    archivist = people[("archivist", "tuyet_mat", "same_unit")].ctx
    officer = people[("security_officer", "tuyet_mat", "same_unit")].ctx
    doc_id = docs["thuong"]
    editing.edit_document(inst, archivist, doc_id, {"level": "mat"})
    with pytest.raises(Refused):
        editing.edit_document(inst, archivist, doc_id, {"level": "thuong"})
    with pytest.raises(Refused, match="reason"):
        editing.edit_document(inst, officer, doc_id, {"level": "thuong"})
    editing.edit_document(inst, officer, doc_id, {"level": "thuong"}, reason="giải mật theo QĐ 12")
    reader = people[("reader", "thuong", "same_unit")].ctx
    assert gate.view_document(inst, reader, doc_id).level == "thuong"
    assert doc_id in {v.id for v in query.search(inst, reader, WORD)}  # the index followed
