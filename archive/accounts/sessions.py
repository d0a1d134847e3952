"""Logging in and staying logged in: passwords, the second factor, back-off and server sessions.

Every attempt, whatever its outcome, is an audit entry committed with its effect (a failure
count, a lock, a new session). The web layer only carries a random session token in its signed
cookie; the session itself lives here, in the database, so logout and revocation are real and
timeouts hold across server processes.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from archive.accounts.accounts import authenticate, context_for, find_user, principal_of
from archive.audit.actions import Action
from archive.audit.log import stamp
from archive.core import faults
from archive.core.instance import Instance
from archive.core.uow import UnitOfWork
from archive.models import LoginFailure, User, WebSession, aware, utcnow
from security.actor import Context
from security.errors import KhoError, NotFound
from security.identity import lockout, totp
from security.identity.passwords import verify_password
from security.policy.administration import may_end_sessions, requires_second_factor

IDLE_TIMEOUT = timedelta(minutes=15)
ABSOLUTE_TIMEOUT = timedelta(hours=8)
REAUTH_WINDOW = timedelta(minutes=5)
PENDING_TIMEOUT = timedelta(minutes=5)
_TOUCH_EVERY = timedelta(seconds=30)  # last_seen is written at most this often


@dataclass(frozen=True)
class LoginStep:
    """Where a login stands: ``ok`` (with a session token), ``totp`` or ``enroll`` (password
    accepted, second factor next), or a refusal: ``failed``, ``locked``, ``throttled``."""

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


def _address_throttled(session: Session, address: str | None) -> bool:
    if not address:
        return False
    since = utcnow() - lockout.ADDRESS_WINDOW
    count = session.scalar(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.address == address, LoginFailure.at >= since)
    )
    return count >= lockout.ADDRESS_LIMIT


def _fail(
    uow: UnitOfWork, user: User | None, username: str, address: str | None, what: str
) -> LoginStep:
    """Count a failure against the account and the address; lock when the back-off starts."""
    uow.session.add(LoginFailure(address=address or "-", at=utcnow()))
    outcome = "failed"
    if user is not None:
        user.failed_logins += 1
        delay = lockout.delay_after(user.failed_logins)
        if delay:
            user.locked_until = utcnow() + delay
            outcome = "locked"
    actor = context_for(user, address) if user else Context(None, address)
    uow.audit(Action.LOGIN, outcome, None, actor=actor, username=username[:64], step=what)
    return LoginStep(outcome, message="Tên đăng nhập, mật khẩu hoặc mã xác thực không đúng.")


def _locked(user: User | None) -> bool:
    return (
        user is not None and user.locked_until is not None and (aware(user.locked_until) > utcnow())
    )


def begin(inst: Instance, username: str, password: str, address: str | None) -> LoginStep:
    """Check the password (unless the account or the address is in back-off)."""
    with UnitOfWork(inst, Context(None, address)) as uow:
        session = uow.session
        if _address_throttled(session, address):
            uow.audit(Action.LOGIN, "throttled", None, username=username[:64])
            return LoginStep("throttled", message="Quá nhiều lần thử từ máy này; thử lại sau.")
        user = find_user(session, username)
        if _locked(user):
            uow.audit(
                Action.LOGIN,
                "locked",
                None,
                actor=context_for(user, address),
                username=username[:64],
                until=stamp(user.locked_until),
            )
            return LoginStep("locked", message="Tài khoản tạm khóa do nhập sai nhiều lần.")
        if authenticate(session, username, password) is None:
            return _fail(uow, user, username, address, "password")
        if requires_second_factor(principal_of(user)):
            return LoginStep("totp" if _enrolled(user) else "enroll", user.id)
        return _open(uow, user, address)


def second_factor(inst: Instance, user_id: int, code: str, address: str | None) -> LoginStep:
    """Finish a login (or an enrolment) with a code from the authenticator app."""
    with UnitOfWork(inst, Context(None, address)) as uow:
        user = uow.session.get(User, user_id)
        if user is None or not user.active or _locked(user):
            return LoginStep("locked", message="Tài khoản tạm khóa do nhập sai nhiều lần.")
        secret = totp_secret(inst, user)
        step = totp.accept(secret, code, user.totp_last_step) if secret else None
        if step is None:
            return _fail(uow, user, user.username, address, "totp")
        user.totp_last_step = step
        return _open(uow, user, address)


def enrolment(inst: Instance, user_id: int) -> tuple[str, str]:
    """The secret and otpauth URI to show while enrolling (kept until the first code confirms)."""
    with inst.sessions.begin() as session:
        user = session.get(User, user_id)
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
    user.failed_logins, user.locked_until = 0, None
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
    with UnitOfWork(inst, Context(None, address)) as uow:
        session = uow.session
        ws = session.get(WebSession, _token_id(token))
        if ws is None or ws.ended_at is not None:
            return None
        now = utcnow()
        user = session.get(User, ws.user_id)
        reason = None
        if user is None or not user.active:
            reason = "account_disabled"
        elif now - aware(ws.created_at) > ABSOLUTE_TIMEOUT:
            reason = "absolute_timeout"
        elif now - aware(ws.last_seen) > IDLE_TIMEOUT:
            reason = "idle_timeout"
        if reason:
            ws.ended_at, ws.ended_reason = now, reason
            uow.audit(Action.SESSION_END, reason, None, user_id=ws.user_id)
            return None
        if now - aware(ws.last_seen) > _TOUCH_EVERY:
            ws.last_seen = now
            touched.append(user.id)
        return user


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
        ended = session.execute(
            update(WebSession)
            .where(WebSession.user_id == user.id, WebSession.ended_at.is_(None))
            .values(ended_at=utcnow(), ended_reason="revoked")
        ).rowcount
        uow.audit(
            Action.SESSION_END_ALL,
            "ok",
            user.id,
            {"username": username, "sessions": ended},
        )
        return ended


def reauthenticate(inst: Instance, ctx: Context, token: str, password: str) -> bool:
    """Ask for the password again before a sensitive action; renews the session's proof."""
    with UnitOfWork(inst, ctx) as uow:
        session = uow.session
        ws = session.get(WebSession, _token_id(token))
        user = session.get(User, ws.user_id) if ws else None
        ok = user is not None and verify_password(user.password_hash, password)
        if ok:
            ws.authenticated_at = utcnow()
        uow.audit(Action.REAUTH, "ok" if ok else "failed")
        return ok


def recently_authenticated(inst: Instance, token: str | None) -> bool:
    with inst.sessions() as session:
        ws = session.get(WebSession, _token_id(token)) if token else None
        return ws is not None and utcnow() - aware(ws.authenticated_at) <= REAUTH_WINDOW


def unlock(inst: Instance, ctx: Context, username: str) -> None:
    with UnitOfWork(inst, ctx) as uow:
        session = uow.session
        user = find_user(session, username)
        if user is None:
            raise NotFound(f"Không có tài khoản {username!r}.", f"No account {username!r}.")
        user.failed_logins, user.locked_until = 0, None
        uow.audit(Action.USER_UNLOCK, "ok", user.id, {"username": username})


def reset_second_factor(inst: Instance, ctx: Context, username: str) -> None:
    """After a lost phone: the next login enrols a new authenticator."""
    with UnitOfWork(inst, ctx) as uow:
        session = uow.session
        user = find_user(session, username)
        if user is None:
            raise NotFound(f"Không có tài khoản {username!r}.", f"No account {username!r}.")
        user.totp_sealed, user.totp_kek_version, user.totp_last_step = None, None, 0
        uow.audit(Action.TOTP_RESET, "ok", user.id, {"username": username})
