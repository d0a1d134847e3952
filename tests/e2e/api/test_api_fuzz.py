"""Schemathesis against a live server: every operation of the OpenAPI document, with valid and
invalid data, and the stateful links (deposit → record → file), checking that nothing answers
5xx, every response matches the document, and no record beyond the token holder's reach (its
clearance, its unit) ever appears in an answer.

One instance for the module: demo-like records at every level in two units, a token for an
archivist cleared MẬT in unit VP (read, deposit) and one for an auditor (audit)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck
from schemathesis import GenerationMode, checks

from archive.operations.bootstrap import initialize
from search import feed
from search.index import store
from security.vocabulary import level_rank
from tests.e2e.api.conftest import holder
from tests.support.people import ADMIN_PASSWORD
from tests.support.records import file_doc
from tests.support.serving import serving
from web import create_app

pytestmark = pytest.mark.slow
CLEARANCE = "mat"


class World:
    base_url: str
    read_headers: dict
    audit_headers: dict
    forbidden: set[int]


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[World]:
    home = tmp_path_factory.mktemp("fuzz") / "home"
    app = create_app(
        {
            "KHO_HOME": str(home),
            "KHO_DATABASE_URL": f"sqlite:///{home / 'kho.sqlite3'}",
            "SECRET_KEY": "test-secret",
            "KHO_API_RATE": 100_000,  # the fuzzer is fast, and checks
            "KHO_API_AUTH_FAILURES": 100_000,  # that a call without the token is refused
            "TESTING": False,
        }
    )
    inst = app.extensions["kho"]
    initialize(inst, ADMIN_PASSWORD)
    store.open_index(inst.index_dir, inst.keyring.index_key)
    filer = holder(inst, "vanthu", "archivist", CLEARANCE, "VP", "read,deposit")
    auditor = holder(inst, "kiemtra", "auditor", "mat", "VP", "audit")
    boss = holder(inst, "chanhvp", "archivist", "toi_mat", "VP", "read")
    allowed = [file_doc(inst, filer.person, level=level) for level in ("thuong", "mat")]
    forbidden = {
        file_doc(inst, boss.person, level="toi_mat"),
        file_doc(inst, boss.person, unit="BTC"),
    }
    feed.refresh(inst, [*allowed, *forbidden])
    w = World()
    w.read_headers = filer.headers
    w.audit_headers = auditor.headers
    w.forbidden = forbidden
    try:
        with serving(app) as w.base_url:
            yield w
    finally:
        inst.dispose()


_FORBIDDEN: set[int] = set()


def _records(body) -> list[dict]:
    """Every record description in an answer (search hits, the review queue, one record)."""
    if not isinstance(body, dict):
        return []
    if "hits" in body:
        return body["hits"]
    if "records" in body:
        return body["records"]
    if "filed_at" in body:
        return [body]
    return []


@schemathesis.check
def nothing_beyond_reach(ctx, response, case):
    """No record above the holder's clearance or outside its unit, none of the records filed
    out of its reach, in any answer."""
    if "json" not in (response.headers.get("content-type") or [""])[0]:
        return None
    body = json.loads(response.text or "null")
    for record in _records(body):
        assert record["id"] not in _FORBIDDEN, f"record {record['id']} is beyond the token"
        assert level_rank(record["level"]) <= level_rank(CLEARANCE), record
        assert record["unit"] == "VP", record
    if isinstance(body, dict) and body.get("status") in ("stored", "duplicate"):
        assert body.get("id") not in _FORBIDDEN
    return None


SETTINGS = hypothesis.settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)


def _operations(world: World, path_regex: str | None = None):
    schema = schemathesis.openapi.from_url(f"{world.base_url}/api/v1/openapi.json")
    if path_regex:
        schema = schema.include(path_regex=path_regex)
    return [result.ok() for result in schema.get_all_operations()]


def _excluded(operation) -> list:
    """A deposit is multipart: its file is valid for the schema whatever its bytes (random
    bytes are not a document: refusing them, 422 and nothing stored, is right), and every form
    field is text on the wire (an "integer" 1656500 arrives as the valid number "1656500").
    Those two checks cannot judge it; no 5xx, the answers' shapes and the reach check do."""
    if operation.method.upper() == "POST":
        return [checks.positive_data_acceptance, checks.negative_data_rejection]
    return []


def _fuzz(operation, mode: GenerationMode, base_url: str, headers: dict) -> None:
    excluded = _excluded(operation)

    @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
    @SETTINGS
    def run(case):
        case.call_and_validate(
            base_url=base_url,
            headers=headers,
            additional_checks=[nothing_beyond_reach],
            excluded_checks=excluded,
        )

    run()


@pytest.mark.parametrize("mode", list(GenerationMode), ids=lambda m: m.value)
def test_every_operation_as_the_archivist(world, mode):
    _FORBIDDEN.update(world.forbidden)
    operations = _operations(world)
    assert len(operations) >= 7
    for operation in operations:
        _fuzz(operation, mode, world.base_url, world.read_headers)


def test_the_audit_operations_as_the_auditor(world):
    for operation in _operations(world, "^/api/v1/audit"):
        for mode in GenerationMode:
            _fuzz(operation, mode, world.base_url, world.audit_headers)


def test_records_and_queries_that_exist_stay_within_reach(world):
    """Fuzzed ids and words rarely name what exists: ask for every record filed and for words
    every record holds, so the reach check sees real answers."""
    _FORBIDDEN.update(world.forbidden)
    schema = schemathesis.openapi.from_url(f"{world.base_url}/api/v1/openapi.json")
    calls = 0
    for record_id in range(1, max(world.forbidden) + 6):
        for label in ("GET /api/v1/records/{record_id}", "GET /api/v1/records/{record_id}/file"):
            operation = schema[label.split()[1]]["GET"]
            case = schema.make_case(operation=operation, path_parameters={"record_id": record_id})
            response = case.call_and_validate(
                base_url=world.base_url,
                headers=world.read_headers,
                additional_checks=[nothing_beyond_reach],
            )
            if record_id <= 4:  # the four filed above (later ids: the fuzzer's own deposits)
                assert (response.status_code == 404) == (record_id in world.forbidden)
            calls += 1
    search = schema["/api/v1/search"]["GET"]
    for words in ("nội dung văn bản", "về việc", "donvi:BTC", "mat:toi_mat", "loai:CV"):
        case = schema.make_case(operation=search, query={"q": words, "per_page": 100})
        response = case.call_and_validate(
            base_url=world.base_url,
            headers=world.read_headers,
            additional_checks=[nothing_beyond_reach],
        )
        calls += 1
        if words == "nội dung văn bản":
            assert {1, 2} <= {h["id"] for h in response.json()["hits"]}
    assert calls > 10


def test_stateful_deposit_then_read_then_search(world):
    """Schemathesis follows the links of the document: a deposit's id to the record and its
    file, with the same checks."""
    _FORBIDDEN.update(world.forbidden)
    schema = schemathesis.openapi.from_url(f"{world.base_url}/api/v1/openapi.json")
    schema = schema.include(path_regex="^/api/v1/(records|search)")

    class Workflow(schema.as_state_machine()):
        def get_call_kwargs(self, case):
            return {"base_url": world.base_url, "headers": world.read_headers}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(
                response,
                additional_checks=[nothing_beyond_reach],
                excluded_checks=_excluded(case.operation),
                transport_kwargs=kwargs,
            )

    Workflow.run(
        settings=hypothesis.settings(
            max_examples=15,
            stateful_step_count=4,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
    )
