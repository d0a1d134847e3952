"""The API's rate limits are counted in the database: two application instances on one
database (two server processes, or two nodes) allow a token no more than one would."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from archive.models import AuditEntry
from web import create_app
from web.api.throttle import Limiter


@pytest.fixture
def node_b(app, inst, tmp_path, database_url, blob_settings):
    """A second instance of the app: its own process state, the same database and keys."""
    other = create_app(
        {
            "KHO_HOME": str(tmp_path / "node-b"),
            "KHO_DATABASE_URL": database_url,
            "KHO_KEY_FILE": str(inst.key_file),
            "SECRET_KEY": app.config["SECRET_KEY"],
            "TESTING": True,
            "KHO_API_RATE": 4,
            **blob_settings,
        }
    )
    yield other
    other.extensions["kho"].dispose()


def _rate_refusals(inst) -> list[AuditEntry]:
    with inst.sessions() as session:
        stmt = select(AuditEntry).where(AuditEntry.action == "api_call")
        return [
            e for e in session.execute(stmt).scalars() if e.detail.get("reason") == "rate limit"
        ]


def test_two_app_instances_on_one_database_share_the_limit(app, node_b, inst, filer):
    app.config["KHO_API_RATE"] = 4
    a, b = app.test_client(), node_b.test_client()
    codes = [
        (a if n % 2 else b).get("/api/v1/records/1", headers=filer.headers).status_code
        for n in range(6)
    ]
    assert codes == [404, 404, 404, 404, 429, 429]
    assert len(_rate_refusals(inst)) == 1  # the first refusal of the minute, on either node


def test_concurrent_calls_on_two_instances_never_pass_the_limit(app, node_b, inst, filer):
    app.config["KHO_API_RATE"] = 4

    def call(n: int) -> int:
        client = (app if n % 2 else node_b).test_client()
        return client.get("/api/v1/records/1", headers=filer.headers).status_code

    with ThreadPoolExecutor(6) as pool:
        codes = list(pool.map(call, range(12)))
    assert sorted(codes) == [404] * 4 + [429] * 8


def test_the_window_slides_and_retry_after_says_when_one_more_fits(inst):
    now = [600.0]  # the start of a minute
    limiter = Limiter(inst, "test", 3, clock=lambda: now[0])
    assert [limiter.check("k").allowed for _ in range(3)] == [True, True, True]
    refused = limiter.check("k")
    assert not refused.allowed and refused.first_refusal and refused.retry_after == 80
    assert not limiter.check("k").first_refusal  # audited once a minute
    now[0] = 661.0  # a minute later, most of the last minute's calls still weigh
    assert not limiter.check("k").allowed
    now[0] = 700.0  # 3 * 20/60 + 1 = 2 <= 3
    assert limiter.check("k").allowed
    assert limiter.check("other").allowed  # keys count apart
    limiter.note("f")
    assert Limiter(inst, "test", 1, clock=lambda: now[0]).check("f", count=False).allowed is False
