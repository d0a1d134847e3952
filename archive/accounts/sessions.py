"""Logging in and staying logged in: passwords, the second factor, back-off and server sessions.

Every attempt, whatever its outcome, is an audit entry committed with its effect (a failure
counted against the account-and-address pair, a pending login, a new session). The web layer
only carries a random token in its signed cookie (a session's, or half-way through a login a
pending login's); the state itself lives here, in the database, so logout and revocation are
real, a pending login is used once, and timeouts hold across server processes.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from archive.accounts.accounts import context_for, find_user, principal_of
from archive.audit.actions import Action
from archive.audit.log import stamp
from archive.core import faults
from archive.core.instance import Instance
from archive.core.uow import UnitOfWork
from archive.models import LoginFailure, PendingLogin, User, WebSession, aware, utcnow
from security.actor import Context
from security.errors import KhoError, NotFound
from security.identity import lockout, totp
from security.identity.passwords import verify_password
from security.policy.administration import may_end_sessions, requires_second_factor

IDLE_TIMEOUT = timedelta(minutes=15)
ABSOLUTE_TIMEOUT = timedelta(hours=8)
REAUTH_WINDOW = timedelta(minutes=5)
PENDING_TIMEOUT = timedelta(minutes=5)
PENDING_ATTEMPTS = 5  # wrong codes before a pending login is used up
_TOUCH_EVERY = timedelta(seconds=30)  # last_seen is written at most this often


@dataclass(frozen=True)
class LoginStep:
    """Where a login stands: ``ok`` (with a session token), ``totp`` or ``enroll`` (password
    accepted, second factor next, with the pending login's token), or a refusal: ``failed``
    (whatever the reason) or ``expired`` (the pending login)."""

    status: str
    user_id: int | None = None
    token: str | None = None
    message: str | None = None


def _token_id(token: str) -> str:
    """Sessions are stored by hash: a copy of the table does not let anyone take one over."""
    return hashlib.sha256(token.encode()).hexdigest()


# -- the second factor --------------------------------------------------------------------------


def totp_binding(user: User) -> bytes:
    return f"kho/user/{user.id}/totp".encode()


def set_totp_secret(inst: Instance, user: User, secret: str, confirmed: bool = False) -> None:
    user.totp_kek_version, user.totp_sealed = inst.keyring.wrap(secret.encode(), totp_binding(user))
    user.totp_last_step = 1 if confirmed else 0


def totp_secret(inst: Instance, user: User) -> str | None:
    if user.totp_sealed is None:
        return None
    return inst.keyring.unwrap(user.totp_kek_version, user.totp_sealed, totp_binding(user)).decode()


def _enrolled(user: User) -> bool:
    return user.totp_sealed is not None and user.totp_last_step > 0


# -- password step ------------------------------------------------------------------------------

FAILED = "Tên đăng nhập, mật khẩu hoặc mã không đúng (sau nhiều lần sai, máy này phải chờ)."


def _pair(username: str, address: str | None) -> tuple[str, str]:
    return username[:64], (address or "-")[:64]


def waiting_until(session: Session, username: str, address: str | None) -> datetime | None:
    """Until when this account-and-address pair is in back-off (None: it may try now)."""
    name, addr = _pair(username, address)
    count, last = session.execute(
        select(func.count(), func.max(LoginFailure.at)).where(
            LoginFailure.username == name,
            LoginFailure.address == addr,
            LoginFailure.cleared.is_(False),
            LoginFailure.at >= utcnow() - lockout.PAIR_MEMORY,
        )
    ).one()
    delay = lockout.delay_after(count)
    if delay and aware(last) + delay > utcnow():
        return aware(last) + delay
    return None


def _clear(session: Session, username: str, address: str | None) -> None:
    """A success from the pair: its earlier failures no longer slow it."""
    name, addr = _pair(username, address)
    session.execute(
        update(LoginFailure)
        .where(LoginFailure.username == name, LoginFailure.address == addr)
        .values(cleared=True)
    )


def _record_failure(session: Session, username: str, address: str | None) -> None:
    """One more failure of the pair; rows too old to count for anything are let go (the audit
    log keeps every attempt)."""
    name, addr = _pair(username, address)
    now = utcnow()
    session.execute(delete(LoginFailure).where(LoginFailure.at < now - lockout.FORGET_AFTER))
    session.add(LoginFailure(username=name, address=addr, at=now))


def _fail(
    uow: UnitOfWork, user: User | None, username: str, address: str | None, what: str
) -> LoginStep:
    """Count a failure against the account-and-address pair; audit it with what failed."""
    name = username[:64]
    _record_failure(uow.session, username, address)
    actor = context_for(user, address) if user else Context(None, address)
    uow.audit(Action.LOGIN, "failed", None, actor=actor, username=name, step=what)
    return LoginStep("failed", message=FAILED)


def _throttled(
    uow: UnitOfWork, user: User | None, username: str, address: str | None, until, what: str
) -> LoginStep:
    """An attempt during back-off: not checked, but counted (it keeps the pair waiting and
    shows in the account's rate) and audited as such."""
    _record_failure(uow.session, username, address)
    actor = context_for(user, address) if user else Context(None, address)
    uow.audit(
        Action.LOGIN,
        "throttled",
        None,
        actor=actor,
        username=username[:64],
        step=what,
        until=stamp(until),
    )
    return LoginStep("failed", message=FAILED)


def begin(inst: Instance, username: str, password: str, address: str | None) -> LoginStep:
    """Check the password, unless the account-and-address pair is in back-off.

    Every refusal (unknown name, wrong password, inactive account, back-off) answers the same
    ``failed`` with the same message after the same work: the password hash is always
    verified (against a dummy hash for an unknown name), so neither the answer nor its time
    tells whether an account exists or is being slowed. The audit entry says which it was.
    """
    with UnitOfWork(inst, Context(None, address)) as uow:
        session = uow.session
        user = find_user(session, username[:64])
        until = waiting_until(session, username, address)
        right = verify_password(user.password_hash if user else None, password)
        if until is not None:
            return _throttled(uow, user, username, address, until, "password")
        if not right or user is None or not user.active:
            return _fail(uow, user, username, address, "password")
        _clear(session, username, address)
        if requires_second_factor(principal_of(user)):
            return _pending(uow, user, address, "totp" if _enrolled(user) else "enroll")
        return _open(uow, user, address)


# -- second step: a pending login kept here, used once ---------------------------------------------


def _pending(uow: UnitOfWork, user: User, address: str | None, status: str) -> LoginStep:
    """Remember that the password was right: a random token (its hash stored), replacing any
    earlier pending login of the account."""
    session = uow.session
    now = utcnow()
    session.execute(
        update(PendingLogin)
        .where(PendingLogin.user_id == user.id, PendingLogin.used_at.is_(None))
        .values(used_at=now)
    )
    token = secrets.token_urlsafe(32)
    session.add(PendingLogin(id=_token_id(token), user_id=user.id, created_at=now, address=address))
    uow.audit(Action.LOGIN, status, None, actor=context_for(user, address), step="password")
    return LoginStep(status, user.id, token)


def _usable(row: PendingLogin | None) -> bool:
    return (
        row is not None
        and row.used_at is None
        and row.attempts < PENDING_ATTEMPTS
        and utcnow() - aware(row.created_at) <= PENDING_TIMEOUT
    )


def pending_user(inst: Instance, token: str | None) -> int | None:
    """The account whose password step this token proves, while it is usable."""
    if not token:
        return None
    with inst.sessions() as session:
        row = session.get(PendingLogin, _token_id(token))
        return row.user_id if _usable(row) else None


def second_factor(inst: Instance, token: str | None, code: str, address: str | None) -> LoginStep:
    """Finish a login (or an enrolment) with a code from the authenticator app. The pending
    login is used up by a success (or by PENDING_ATTEMPTS wrong codes): a copy of the cookie
    proves nothing afterwards."""
    with UnitOfWork(inst, Context(None, address)) as uow:
        session = uow.session
        row = session.get(PendingLogin, _token_id(token)) if token else None
        if not _usable(row):
            uow.audit(Action.LOGIN, "expired", None, step="totp")
            return LoginStep("expired", message=FAILED)
        user = session.get(User, row.user_id)
        until = waiting_until(session, user.username, address)
        if until is not None or not user.active:
            row.used_at = utcnow()
            return _throttled(uow, user, user.username, address, until or utcnow(), "totp")
        secret = totp_secret(inst, user)
        step = totp.accept(secret, code, user.totp_last_step) if secret else None
        if step is None:
            row.attempts += 1
            return _fail(uow, user, user.username, address, "totp")
        user.totp_last_step = step
        row.used_at = utcnow()
        _clear(session, user.username, address)
        return _open(uow, user, address)


def enrolment(inst: Instance, token: str | None) -> tuple[str, str]:
    """The secret and otpauth URI to show while enrolling (kept until the first code confirms)."""
    with inst.sessions.begin() as session:
        row = session.get(PendingLogin, _token_id(token)) if token else None
        if not _usable(row):
            raise KhoError("Phiên đăng nhập đã hết hạn.", "The login has expired: start again.")
        user = session.get(User, row.user_id)
        if _enrolled(user):
            raise KhoError("Tài khoản đã có xác thực hai lớp.", "Two-factor is already set up.")
        secret = totp_secret(inst, user)
        if secret is None:
            secret = totp.new_secret()
            set_totp_secret(inst, user, secret)
        return secret, totp.provisioning_uri(secret, user.username)


# -- sessions -----------------------------------------------------------------------------------


def _open(uow: UnitOfWork, user: User, address: str | None) -> LoginStep:
    token = secrets.token_urlsafe(32)
    now = utcnow()
    uow.session.add(
        WebSession(
            id=_token_id(token),
            user_id=user.id,
            created_at=now,
            authenticated_at=now,
            last_seen=now,
            address=address,
        )
    )
    uow.audit(Action.LOGIN, "ok", actor=context_for(user, address))
    return LoginStep("ok", user.id, token)


def resume(inst: Instance, token: str | None, address: str | None) -> User | None:
    """The account behind a session token, or None once it ended, idled or grew too old."""
    if not token:
        return None
    touched: list[int] = []
    try:
        return _resume(inst, token, address, touched)
    except Exception as exc:
        if not (touched and faults.is_disk_full(exc)):
            raise
    # Only the idle clock could not be moved on (a full disk): the session stays valid, so
    # the person is told the disk is full by the page they asked for, not logged out.
    with inst.sessions() as session:
        return session.get(User, touched[0])


def _resume(inst: Instance, token: str, address: str | None, touched: list[int]) -> User | None:
    # Every request asks this: read first, without SQLite's write lock (a batch filing holds it
    # for each commit); write only when the session ends or its idle clock is due to move.
    with inst.read_sessions() as session:
        ws = session.get(WebSession, _token_id(token))
        if ws is None or ws.ended_at is not None:
            return None
        user = session.get(User, ws.user_id)
        now = utcnow()
        if _end_reason(ws, user, now) is None and now - aware(ws.last_seen) <= _TOUCH_EVERY:
            return user
    # The idle clock moved on, or a session ended by time: a read's record (synced after its
    # commit, outside the write lock, with the other commits of that moment: archive.core.db).
    with UnitOfWork(inst, Context(None, address), read_record=True) as uow:
        session = uow.session
        ws = session.get(WebSession, _token_id(token))
        if ws is None or ws.ended_at is not None:
            return None
        now = utcnow()
        user = session.get(User, ws.user_id)
        reason = _end_reason(ws, user, now)
        if reason:
            ws.ended_at, ws.ended_reason = now, reason
            uow.audit(Action.SESSION_END, reason, None, user_id=ws.user_id)
            return None
        if now - aware(ws.last_seen) > _TOUCH_EVERY:
            ws.last_seen = now
            touched.append(user.id)
        return user


def _end_reason(ws: WebSession, user: User | None, now) -> str | None:
    """Why a session is over now, or None while it is open."""
    if user is None or not user.active:
        return "account_disabled"
    if now - aware(ws.created_at) > ABSOLUTE_TIMEOUT:
        return "absolute_timeout"
    if now - aware(ws.last_seen) > IDLE_TIMEOUT:
        return "idle_timeout"
    return None


def end(inst: Instance, ctx: Context, token: str | None, reason: str = "logout") -> None:
    with UnitOfWork(inst, ctx) as uow:
        session = uow.session
        ws = session.get(WebSession, _token_id(token)) if token else None
        if ws is not None and ws.ended_at is None:
            ws.ended_at, ws.ended_reason = utcnow(), reason
        uow.audit(Action.LOGOUT, "ok")


def end_all_sessions(inst: Instance, ctx: Context, username: str) -> int:
    """An administrator, a security officer, the command line (no principal) or the account
    holder ends its open sessions (``security.policy.administration.may_end_sessions``)."""
    with UnitOfWork(inst, ctx) as uow:
        session = uow.session
        user = find_user(session, username)
        who = ctx.principal
        allowed = who is None or may_end_sessions(who, username).allowed
        if user is None or not allowed:
            raise uow.refuse(
                Action.SESSION_END_ALL,
                None,
                "no such account" if user is None else "not allowed",
                NotFound(f"Không có tài khoản {username!r}.", f"No account {username!r}."),
                {"username": username[:64]},
            )
        ended = end_other_sessions(session, user.id, None, "revoked")
        uow.audit(
            Action.SESSION_END_ALL,
            "ok",
            user.id,
            {"username": username, "sessions": ended},
        )
        return ended


def check_password(uow: UnitOfWork, user: User, password: str, step: str) -> bool:
    """A logged-in person gives their password again (re-authentication, a password change, a
    clearance decision): under the same back-off as a login, and a failure counts like one,
    so a session left open is no oracle for guessing the password."""
    address = uow.ctx.address
    until = waiting_until(uow.session, user.username, address)
    if until is None and verify_password(user.password_hash, password):
        _clear(uow.session, user.username, address)
        return True
    _record_failure(uow.session, user.username, address)
    uow.audit(Action.REAUTH, "failed" if until is None else "throttled", None, step=step)
    return False


def confirm(inst: Instance, ctx: Context, password: str, step: str) -> bool:
    """The acting person's password, given again for one decision (a failure is committed)."""
    with UnitOfWork(inst, ctx) as uow:
        user = uow.session.get(User, ctx.principal.user_id)
        ok = user is not None and check_password(uow, user, password, step)
        if ok:
            uow.audit(Action.REAUTH, "ok", None, step=step)
        return ok


def reauthenticate(inst: Instance, ctx: Context, token: str, password: str) -> bool:
    """Ask for the password again before a sensitive action; renews the session's proof."""
    with UnitOfWork(inst, ctx) as uow:
        session = uow.session
        ws = session.get(WebSession, _token_id(token))
        user = session.get(User, ws.user_id) if ws else None
        if user is None or not check_password(uow, user, password, "reauth"):
            return False
        ws.authenticated_at = utcnow()
        uow.audit(Action.REAUTH, "ok")
        return True


def recently_authenticated(inst: Instance, token: str | None) -> bool:
    with inst.sessions() as session:
        ws = session.get(WebSession, _token_id(token)) if token else None
        return ws is not None and utcnow() - aware(ws.authenticated_at) <= REAUTH_WINDOW


def end_other_sessions(session: Session, user_id: int, keep: str | None, reason: str) -> int:
    """End the account's open sessions but ``keep`` (a token) and its pending logins."""
    now = utcnow()
    stmt = update(WebSession).where(WebSession.user_id == user_id, WebSession.ended_at.is_(None))
    if keep:
        stmt = stmt.where(WebSession.id != _token_id(keep))
    ended = session.execute(stmt.values(ended_at=now, ended_reason=reason)).rowcount
    session.execute(
        update(PendingLogin)
        .where(PendingLogin.user_id == user_id, PendingLogin.used_at.is_(None))
        .values(used_at=now)
    )
    return ended


def unlock(inst: Instance, ctx: Context, username: str) -> None:
    """Lift every back-off of the account (all addresses)."""
    with UnitOfWork(inst, ctx) as uow:
        session = uow.session
        user = find_user(session, username)
        if user is None:
            raise NotFound(f"Không có tài khoản {username!r}.", f"No account {username!r}.")
        session.execute(
            update(LoginFailure).where(LoginFailure.username == user.username).values(cleared=True)
        )
        uow.audit(Action.USER_UNLOCK, "ok", user.id, {"username": username})


def failure_summary(session: Session) -> dict[str, tuple[int, int]]:
    """Per account name: failures from every address over the rate window, and how many
    addresses are in back-off now (for the administrator's overview)."""
    now = utcnow()
    rate = dict(
        session.execute(
            select(LoginFailure.username, func.count())
            .where(LoginFailure.at >= now - lockout.RATE_WINDOW)
            .group_by(LoginFailure.username)
        ).all()
    )
    waiting: dict[str, int] = {}
    pairs = session.execute(
        select(LoginFailure.username, func.count(), func.max(LoginFailure.at))
        .where(LoginFailure.cleared.is_(False), LoginFailure.at >= now - lockout.PAIR_MEMORY)
        .group_by(LoginFailure.username, LoginFailure.address)
    )
    for name, count, last in pairs:
        delay = lockout.delay_after(count)
        if delay and aware(last) + delay > now:
            waiting[name] = waiting.get(name, 0) + 1
    return {name: (rate.get(name, 0), waiting.get(name, 0)) for name in set(rate) | set(waiting)}


def reset_second_factor(inst: Instance, ctx: Context, username: str) -> None:
    """After a lost phone: the next login enrols a new authenticator."""
    with UnitOfWork(inst, ctx) as uow:
        session = uow.session
        user = find_user(session, username)
        if user is None:
            raise NotFound(f"Không có tài khoản {username!r}.", f"No account {username!r}.")
        user.totp_sealed, user.totp_kek_version, user.totp_last_step = None, None, 0
        uow.audit(Action.TOTP_RESET, "ok", user.id, {"username": username})
