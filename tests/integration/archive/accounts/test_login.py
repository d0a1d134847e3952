"""Logging in: back-off per account and address, the second factor, sessions, timeouts, re-auth."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import event, select, update

from archive.accounts import sessions
from archive.models import AuditEntry, LoginFailure, User, WebSession, aware, utcnow
from security.actor import Context
from security.identity import totp
from security.identity.passwords import WeakPassword, check_new_password
from tests.support.people import add_person

ADDRESS = "10.0.0.5"


def _actions(inst, action: str) -> list[str]:
    with inst.sessions() as session:
        rows = session.execute(select(AuditEntry.outcome).where(AuditEntry.action == action))
        return list(rows.scalars())


# -- passwords ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    [
        "matkhau123",
        "Mật Khẩu 123!",
        "Đảng Cộng Sản 2026!!",
        "123456789012",
        "aaaaaaaaaaaaaa",
        "abcdefghijklmn",
        "qwertyuiop",
        "short one",
        "x" * 257,
    ],
)
def test_weak_passwords_are_refused_with_a_reason(password):
    with pytest.raises(WeakPassword) as err:
        check_new_password(password)
    assert err.value.vi and err.value.en


def test_long_passphrases_are_welcome_and_the_user_name_is_not():
    check_new_password("sáng nay trời Lào Cai trong xanh " * 2)  # 66 characters
    check_new_password("y" * 30 + "z" * 30 + "k" * 140)
    with pytest.raises(WeakPassword, match="user name"):
        check_new_password("nguyenvana-phong-van-thu", username="nguyenvana")


# -- back-off -----------------------------------------------------------------------------------


def test_pair_backs_off_after_five_failures_even_for_the_right_password(inst):
    person = add_person(inst, "canbo", "reader", "mat")
    for _ in range(5):
        assert sessions.begin(inst, "canbo", "wrong password!", ADDRESS).status == "failed"
    assert sessions.begin(inst, "canbo", person.password, ADDRESS).status == "failed"
    assert _actions(inst, "login")[-1] == "throttled"
    with inst.sessions.begin() as session:  # the wait (two minutes after six) has passed
        session.execute(update(LoginFailure).values(at=utcnow() - timedelta(minutes=3)))
    step = sessions.begin(inst, "canbo", person.password, ADDRESS)
    assert step.status == "ok" and step.token
    for _ in range(5):  # a success cleared the pair: five more free failures
        assert sessions.begin(inst, "canbo", "wrong password!", ADDRESS).status == "failed"
    assert _actions(inst, "login").count("throttled") == 1


def test_back_off_doubles_up_to_an_hour():
    from security.identity.lockout import delay_after

    assert [delay_after(n).total_seconds() for n in (4, 5, 6, 7)] == [0, 60, 120, 240]
    assert delay_after(40) == timedelta(hours=1)


# -- second factor ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "clearance"),
    [("admin", "thuong"), ("auditor", "thuong"), ("reader", "toi_mat"), ("archivist", "tuyet_mat")],
)
def test_second_factor_is_required_and_enrolled_then_not_replayable(inst, role, clearance):
    person = add_person(inst, "u2fa", role, clearance)
    step = sessions.begin(inst, "u2fa", person.password, ADDRESS)
    assert step.status == "enroll"
    assert step.user_id and step.token  # the pending login's token
    secret, uri = sessions.enrolment(inst, step.token)
    assert uri.startswith("otpauth://totp/Kho:u2fa")
    assert sessions.second_factor(inst, step.token, "123456", ADDRESS).status == "failed"
    code = totp.code_now(secret)
    assert sessions.second_factor(inst, step.token, code, ADDRESS).status == "ok"
    again = sessions.begin(inst, "u2fa", person.password, ADDRESS)
    assert again.status == "totp"  # enrolled now
    assert sessions.second_factor(inst, again.token, code, ADDRESS).status == "failed"  # replay
    with inst.sessions() as session:
        sealed = session.execute(select(User.totp_sealed).where(User.username == "u2fa")).scalar()
    assert secret.encode() not in sealed


def test_reader_cleared_mat_needs_no_second_factor(inst):
    person = add_person(inst, "canbo", "reader", "mat")
    assert sessions.begin(inst, "canbo", person.password, ADDRESS).status == "ok"


# -- sessions -----------------------------------------------------------------------------------


def _session_age(inst, token, **ages) -> None:
    with inst.sessions.begin() as session:
        ws = session.get(WebSession, sessions._token_id(token))
        for column, delta in ages.items():
            setattr(ws, column, utcnow() - delta)


@pytest.mark.parametrize(
    ("ages", "reason"),
    [
        ({"last_seen": timedelta(minutes=16)}, "idle_timeout"),
        ({"created_at": timedelta(hours=8, minutes=1)}, "absolute_timeout"),
    ],
)
def test_sessions_time_out(inst, ages, reason):
    person = add_person(inst, "canbo", "reader", "mat")
    token = sessions.begin(inst, "canbo", person.password, ADDRESS).token
    assert sessions.resume(inst, token, ADDRESS).username == "canbo"
    _session_age(inst, token, **ages)
    assert sessions.resume(inst, token, ADDRESS) is None
    assert reason in _actions(inst, "session_end")


def test_a_request_checks_its_session_without_the_write_lock_until_the_clock_moves(inst):
    """Every request resumes its session: on SQLite it used to queue for the write lock each
    time (behind a batch's commits); now it reads, and writes only to move the idle clock."""
    if not inst.database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL readers never wait for writers")
    person = add_person(inst, "canbo", "reader", "mat")
    token = sessions.begin(inst, "canbo", person.password, ADDRESS).token
    began: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        if statement.startswith("BEGIN"):
            began.append(statement)

    event.listen(inst.engine, "before_cursor_execute", count)
    try:
        assert [sessions.resume(inst, token, ADDRESS).username for _ in range(3)] == ["canbo"] * 3
        assert set(began) == {"BEGIN"}  # read transactions only
        _session_age(inst, token, last_seen=timedelta(minutes=1))  # the idle clock is due
        began.clear()
        assert sessions.resume(inst, token, ADDRESS).username == "canbo"
        assert "BEGIN IMMEDIATE" in began
    finally:
        event.remove(inst.engine, "before_cursor_execute", count)
    with inst.sessions() as session:  # moved on: the next minutes are reads again
        seen = session.scalar(select(WebSession.last_seen))
    assert utcnow() - aware(seen) < timedelta(seconds=30)


def test_administrator_ends_a_users_sessions(inst):
    person = add_person(inst, "canbo", "reader", "mat")
    tokens = [sessions.begin(inst, "canbo", person.password, ADDRESS).token for _ in range(2)]
    reader = add_person(inst, "other", "reader", "mat")
    with pytest.raises(Exception, match="No account"):
        sessions.end_all_sessions(inst, reader.ctx, "canbo")  # not an administrator
    assert sessions.end_all_sessions(inst, Context(None, "cli"), "canbo") == 2
    assert all(sessions.resume(inst, t, ADDRESS) is None for t in tokens)


# -- through the web ----------------------------------------------------------------------------


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _post(client, url: str, **data):
    page = client.get(url).get_data(as_text=True)
    return client.post(url, data={"csrf_token": _csrf(page), **data})


@pytest.fixture
def client(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app.test_client()


def test_web_login_with_enrolment_fixation_and_server_side_logout(client, inst):
    person = add_person(inst, "baomat", "security_officer", "tuyet_mat")
    with client.session_transaction() as s:
        s["planted"] = "by an attacker"
    response = _post(client, "/login", username="baomat", password=person.password)
    assert response.headers["Location"].endswith("/login/enrol")
    page = client.get("/login/enrol").get_data(as_text=True)
    assert "<svg" in page
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)
    response = client.post(
        "/login/enrol", data={"csrf_token": _csrf(page), "code": totp.code_now(secret)}
    )
    assert response.status_code == 302 and client.get("/").status_code == 200
    with client.session_transaction() as s:
        assert "planted" not in s and s["sid"]
        cookie_sid = s["sid"]
    logout_page = client.get("/").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": _csrf(logout_page)})
    with client.session_transaction() as s:  # an old copy of the cookie comes back
        s["sid"] = cookie_sid
        s["_user_id"] = str(person.ctx.principal.user_id)
    assert client.get("/").status_code == 302


def test_sensitive_action_asks_for_the_password_again(client, inst):
    person = add_person(inst, "canbo", "reader", "mat")
    _post(client, "/login", username="canbo", password=person.password)
    with client.session_transaction() as s:
        token = s["sid"]
    _session_age(inst, token, authenticated_at=timedelta(minutes=10))
    home = client.get("/").get_data(as_text=True)
    response = client.post("/account/sessions/end-all", data={"csrf_token": _csrf(home)})
    assert "/reauth" in response.headers["Location"]
    reauth_url = response.headers["Location"]
    bad = _post(client, reauth_url, password="not my password")
    assert "không đúng" in bad.get_data(as_text=True)
    good = _post(client, reauth_url, password=person.password)
    assert good.headers["Location"].endswith("/account/sessions/end-all")
    home = client.get("/").get_data(as_text=True)
    client.post("/account/sessions/end-all", data={"csrf_token": _csrf(home)})
    assert sessions.resume(inst, token, ADDRESS) is None
    assert _actions(inst, "reauth") == ["failed", "ok"]


def test_wrong_logins_through_the_web_are_audited_and_slowed(client, inst):
    for _ in range(5):
        _post(client, "/login", username="ghost", password="not a password")
    response = _post(client, "/login", username="ghost", password="not a password")
    assert response.status_code == 200  # the same answer as any failure
    assert _actions(inst, "login") == ["failed"] * 5 + ["throttled"]


def test_failures_too_old_to_count_are_let_go(inst):
    with inst.sessions.begin() as session:
        session.add(
            LoginFailure(username="canbo", address=ADDRESS, at=utcnow() - timedelta(days=2))
        )
    sessions.begin(inst, "canbo", "wrong password!", ADDRESS)
    with inst.sessions() as session:
        ages = session.execute(select(LoginFailure.at)).scalars().all()
    assert len(ages) == 1  # the new one; the audit log keeps every attempt
