"""Deposits that are more than a file: a large one answered with a job to poll (the ingest
queue, the same filing), and a declared dossier and register entry placed through the services
the pages use; what a job keeps at rest is sealed."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from archive.accounts import accounts
from archive.core import jobparts
from archive.lifecycle import plan
from archive.models import AuditEntry, Document, IngestJob, RegisterEntry, queries
from ingest.doors import jobs
from tests.e2e.api.conftest import holder, letter

SUBJECT = "về kế hoạch kiểm thử hàng đợi"


def _deposit(client, who, data: bytes, key: str | None = None, **fields):
    headers = dict(who.headers)
    if key:
        headers["Idempotency-Key"] = key
    return client.post(
        "/api/v1/records",
        headers=headers,
        data={"file": (io.BytesIO(data), "a.txt"), **fields},
        content_type="multipart/form-data",
    )


def _records(inst) -> int:
    with inst.sessions() as session:
        return session.execute(select(func.count()).select_from(Document)).scalar()


@pytest.fixture
def queued(app):
    """Every deposit over 100 bytes goes to the ingest queue."""
    app.config["KHO_API_ASYNC_BYTES"] = 100


def test_a_large_deposit_answers_a_job_that_its_depositor_polls_to_the_record(
    client, inst, filer, queued
):
    data = letter("41/KH-TU", subject=SUBJECT)
    first = _deposit(client, filer, data, key="big-1", subject=SUBJECT)
    assert first.status_code == 202, first.get_json()
    job = first.get_json()["job"]
    assert first.headers["Location"].endswith(f"/api/v1/jobs/{job}")
    assert first.get_json()["state"] == "no_worker" and first.get_json()["id"] is None
    assert _records(inst) == 0  # nothing filed while the client waited
    again = _deposit(client, filer, data, key="big-1", subject=SUBJECT)
    assert again.status_code == 202 and again.get_json()["job"] == job
    assert again.get_json()["replayed"] is True
    assert jobs.work(inst, once=True) == 1
    done = client.get(f"/api/v1/jobs/{job}", headers=filer.headers).get_json()
    assert done["state"] == "done" and done["status"] == "stored" and done["id"]
    record = client.get(f"/api/v1/records/{done['id']}", headers=filer.headers).get_json()
    assert record["number"] == "41/KH-TU"
    later = _deposit(client, filer, data, key="big-1", subject=SUBJECT)  # after it was filed
    assert later.get_json()["job"] == job and later.get_json()["id"] == done["id"]
    assert _records(inst) == 1
    # another person's poll answers as if there were no such job, and is audited
    other = holder(inst, "vanthu2", "archivist", "mat", "VP", "read,deposit")
    assert client.get(f"/api/v1/jobs/{job}", headers=other.headers).status_code == 404
    with inst.sessions() as session:
        refused = session.execute(
            select(AuditEntry).where(AuditEntry.action == "upload", AuditEntry.outcome == "denied")
        ).scalar_one()
        assert refused.detail["token"] == other.token_id and refused.detail["job"] == job
        polls = session.execute(
            select(AuditEntry).where(AuditEntry.action == "upload", AuditEntry.outcome == "status")
        ).scalars()
        assert {e.detail["token"] for e in polls} == {filer.token_id}
    # what was declared waited sealed, and the job's row keeps no free text
    with inst.sessions() as session:
        row = session.get(IngestJob, job)
        assert row.kind == "deposit" and row.sealed_request
        assert SUBJECT.encode() not in row.sealed_request and "warnings" not in row.result


def test_a_job_names_its_record_only_while_the_depositor_may_read_it(client, inst, filer, queued):
    job = _deposit(client, filer, letter("42/KH-TU", level="mat")).get_json()["job"]
    jobs.work(inst, once=True)
    seen = client.get(f"/api/v1/jobs/{job}", headers=filer.headers).get_json()
    assert seen["status"] == "stored" and seen["id"]
    with inst.sessions() as session:  # the depositor moves to another unit
        user = accounts.find_user(session, "vanthu")
        unit = accounts.get_or_create_unit(session, "BTC")
        session.flush()
        user.unit_id = unit.id
        session.commit()
    later = client.get(f"/api/v1/jobs/{job}", headers=filer.headers).get_json()
    assert later["status"] == "stored" and later["id"] is None


def test_a_rejected_job_keeps_its_reason_sealed_and_tells_its_depositor(
    client, inst, filer, queued
):
    broken = b"%PDF-1.7\n" + b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n" * 20
    job = _deposit(client, filer, broken).get_json()["job"]
    jobs.work(inst, once=True)
    answer = client.get(f"/api/v1/jobs/{job}", headers=filer.headers).get_json()
    assert answer["state"] == "done" and answer["status"] == "rejected" and answer["reason"]
    with inst.sessions() as session:
        row = session.get(IngestJob, job)
        assert "reason" not in row.result and row.sealed_outcome
        assert answer["reason"].encode() not in row.sealed_outcome
    assert jobparts.outcome_of(inst, row)["reason"] == answer["reason"]


def test_a_declared_dossier_and_register_place_the_record_as_the_pages_do(client, inst, filer):
    plan.plan(inst, filer.person.ctx, 2025, "2025-VP-07", "Hồ sơ kế hoạch", "10")
    made = _deposit(
        client,
        filer,
        letter("43/KH-TU"),
        dossier="2025-VP-07",
        register="DEN",
        register_date="2025-03-05",
    )
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["dossier"] == "2025-VP-07"
    entry = body["register_entry"]
    assert entry["register"] == "DEN" and entry["year"] == 2025 and entry["entry_number"] == 1
    with inst.sessions() as session:
        dossier = queries.dossier_by_code(session, "2025-VP-07")
        assert queries.member_ids(session, dossier.id) == [body["id"]]
        row = session.get(RegisterEntry, entry["id"])
        assert row.document_id == body["id"] and row.number == 1
    listed = client.get("/api/v1/registers/DEN?year=2025", headers=filer.headers).get_json()
    assert listed["entries"][0]["details"]["number"] == "43/KH-TU"
    second = _deposit(client, filer, letter("44/KH-TU"), register="DEN", register_date="2025-03-06")
    assert second.get_json()["register_entry"]["entry_number"] == 2


@pytest.mark.parametrize(
    ("field", "value", "vi", "en"),
    [
        ("dossier", "2025-XX-99", "Không có hồ sơ 2025-XX-99", "No dossier 2025-XX-99"),
        ("register", "SOCU", "Không có sổ đăng ký SOCU", "No register SOCU"),
    ],
)
def test_an_unknown_dossier_or_register_is_refused_before_anything_is_filed(
    client, inst, filer, field, value, vi, en
):
    refused = _deposit(client, filer, letter("45/KH-TU"), key="k-45", **{field: value})
    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
    body = refused.get_json()
    assert body["messages"]["vi"].startswith(vi) and body["messages"]["en"].startswith(en)
    assert body["detail"] == body["messages"]["vi"] and field in body["errors"]["form"]
    english = client.post(
        "/api/v1/records",
        headers={**filer.headers, "Accept-Language": "en"},
        data={"file": (io.BytesIO(letter("45/KH-TU")), "a.txt"), field: value},
        content_type="multipart/form-data",
    )
    assert english.get_json()["detail"].startswith(en)
    assert _records(inst) == 0
    # the key was not spent: the corrected request files
    assert _deposit(client, filer, letter("45/KH-TU"), key="k-45").status_code == 201


def test_a_closed_dossier_is_refused(client, inst, filer):
    plan.plan(inst, filer.person.ctx, 2025, "2025-VP-08", "Hồ sơ đã đóng", "10")
    file_one = _deposit(client, filer, letter("46/KH-TU"), dossier="2025-VP-08").get_json()
    assert file_one["dossier"] == "2025-VP-08"
    plan.close(inst, filer.person.ctx, "2025-VP-08")
    closed = _deposit(client, filer, letter("47/KH-TU"), dossier="2025-VP-08")
    assert closed.status_code == 422 and "closed" in closed.get_json()["messages"]["en"]


def test_a_queued_deposit_is_placed_by_the_worker(client, inst, filer, queued):
    plan.plan(inst, filer.person.ctx, 2025, "2025-VP-09", "Hồ sơ hàng đợi", "10")
    job = _deposit(client, filer, letter("48/KH-TU"), dossier="2025-VP-09", register="DI")
    assert job.status_code == 202
    jobs.work(inst, once=True)
    done = client.get(f"/api/v1/jobs/{job.get_json()['job']}", headers=filer.headers).get_json()
    assert done["dossier"] == "2025-VP-09" and done["register_entry"]["register"] == "DI"
    with inst.sessions() as session:  # filed as the depositor, with the token's id
        placed = session.execute(
            select(AuditEntry).where(AuditEntry.action == "dossier_add")
        ).scalar_one()
        assert placed.username == "vanthu" and placed.detail["token"] == filer.token_id


def test_the_job_and_the_placement_are_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    deposit = spec["paths"]["/api/v1/records"]["post"]
    assert "202" in deposit["responses"] and "GetJob" in deposit["responses"]["202"]["links"]
    form = deposit["requestBody"]["content"]["multipart/form-data"]["schema"]
    names = set(spec["components"]["schemas"][form["$ref"].rsplit("/", 1)[1]]["properties"])
    assert {"dossier", "register", "register_date"} <= names
    assert spec["paths"]["/api/v1/jobs/{job_id}"]["get"]["operationId"] == "getJob"
