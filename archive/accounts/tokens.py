"""Personal API tokens: created by their holder (or the operator at the command line), shown
once, stored as a hash, scoped, expiring, revocable, with their last use.

Holders whose login needs a second factor (administrators, auditors, anyone cleared TỐI MẬT or
above: ``security.policy.administration.requires_second_factor``) create a token only with a
current code from their authenticator, checked here and not reusable: a stolen password alone
never yields a token. Every creation, revocation and refused attempt is audited with the
token's id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from archive.accounts import sessions
from archive.accounts.accounts import context_for, find_user, principal_of
from archive.audit.actions import Action
from archive.core.instance import Instance
from archive.core.uow import UnitOfWork
from archive.models import ApiToken, User, aware, utcnow
from security.actor import Context
from security.errors import NotFound, Refused
from security.identity import tokens, totp
from security.policy.administration import (
    may_create_token,
    may_hold_scopes,
    may_revoke_token,
    requires_second_factor,
)
from security.policy.decision import Decision

# The last use is written at most this often per token (a busy client does not write each call).
TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class IssuedToken:
    """A new token: ``secret`` is shown once and kept nowhere."""

    id: int
    secret: str
    username: str
    scopes: tuple[str, ...]
    expires_at: datetime


@dataclass(frozen=True)
class TokenInfo:
    id: int
    username: str
    scopes: tuple[str, ...]
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None
    last_used_address: str | None

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if aware(self.expires_at) <= utcnow() else "active"

    def as_dict(self) -> dict:
        def iso(at: datetime | None) -> str | None:
            return aware(at).isoformat() if at else None

        return {
            "id": self.id,
            "username": self.username,
            "scopes": list(self.scopes),
            "state": self.state,
            "created_at": iso(self.created_at),
            "expires_at": iso(self.expires_at),
            "revoked_at": iso(self.revoked_at),
            "last_used_at": iso(self.last_used_at),
            "last_used_address": self.last_used_address,
        }


def _info(row: ApiToken, username: str) -> TokenInfo:
    return TokenInfo(
        row.id,
        username,
        row.scope_list,
        row.created_at,
        row.expires_at,
        row.revoked_at,
        row.last_used_at,
        row.last_used_address,
    )


def _no_account(username: str) -> NotFound:
    return NotFound(f"Không có tài khoản {username!r}.", f"No active account {username!r}.")


def _second_factor(inst: Instance, user: User, code: str | None) -> Decision:
    """A fresh second factor: a current code, accepted once (the login's replay guard)."""
    secret = sessions.totp_secret(inst, user) if user.totp_last_step > 0 else None
    if secret is None:
        return Decision(False, "second factor not enrolled")
    step = totp.accept(secret, (code or "").strip(), user.totp_last_step)
    if step is None:
        return Decision(False, "second factor code missing or wrong")
    user.totp_last_step = step
    return Decision(True, "fresh second factor")


def create(
    inst: Instance,
    ctx: Context,
    username: str,
    scopes: str | tuple[str, ...],
    lifetime: timedelta | None = None,
    code: str | None = None,
) -> IssuedToken:
    """A new token for ``username`` (the caller's own account; any account from the command
    line), with the scopes its holder may use; ``code``: the holder's current authenticator
    code, required when their login needs a second factor."""
    wanted = tokens.parse_scopes(scopes)
    lifetime = lifetime or tokens.DEFAULT_LIFETIME
    with UnitOfWork(inst, ctx) as uow:
        detail = {"username": username[:64], "scopes": list(wanted)}
        user = find_user(uow.session, username)
        if user is None or not user.active:
            raise uow.refuse(Action.TOKEN_CREATE, None, "no such account", _no_account(username))
        if ctx.principal is not None:
            uow.require(
                Action.TOKEN_CREATE, None, may_create_token(ctx.principal, username, user.service)
            )
        owner = principal_of(user)
        uow.require(
            Action.TOKEN_CREATE,
            None,
            may_hold_scopes(owner, wanted),
            "Tài khoản này không được dùng phạm vi đã chọn.",
            detail,
        )
        # A system has no authenticator: its token is made by an administrator or the operator.
        if requires_second_factor(owner) and not user.service:
            decision = _second_factor(inst, user, code)
            if not decision.allowed:
                error = Refused(
                    "Cần mã xác thực hai lớp hiện tại của tài khoản để tạo mã truy cập "
                    "(đăng nhập một lần để cài ứng dụng xác thực nếu chưa có).",
                    "A current second-factor code of the account is required to create a "
                    "token (log in once to enrol an authenticator if there is none).",
                )
                raise uow.refuse(Action.TOKEN_CREATE, None, decision.reason, error, detail)
        secret, digest = tokens.new_token()
        now = utcnow()
        row = ApiToken(
            user_id=user.id,
            digest=digest,
            scopes=",".join(wanted),
            created_at=now,
            created_by=ctx.principal.username if ctx.principal else ctx.address,
            expires_at=now + lifetime,
        )
        uow.session.add(row)
        uow.session.flush()
        uow.audit(
            Action.TOKEN_CREATE,
            "ok",
            user.id,
            {**detail, "token": row.id, "expires_at": row.expires_at.isoformat()},
        )
        return IssuedToken(row.id, secret, username, wanted, row.expires_at)


def tokens_of(session, user: User) -> list[TokenInfo]:
    """An account's tokens, newest first (the caller decided and audits the reading)."""
    rows = session.execute(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
    ).scalars()
    return [_info(row, user.username) for row in rows]


def list_tokens(inst: Instance, ctx: Context, username: str) -> list[TokenInfo]:
    """A holder's tokens, newest first, with their last use (no secret: there is none to show)."""
    with UnitOfWork(inst, ctx) as uow:
        user = find_user(uow.session, username)
        if user is None:
            raise uow.refuse(Action.TOKEN_LIST, None, "no such account", _no_account(username))
        if ctx.principal is not None:
            uow.require(Action.TOKEN_LIST, None, may_revoke_token(ctx.principal, username))
        found = tokens_of(uow.session, user)
        uow.audit(Action.TOKEN_LIST, "allowed", user.id, {"username": username})
        return found


def revoke(inst: Instance, ctx: Context, token_id: int) -> TokenInfo:
    """Revoke at once (the next call with it is refused); revoking twice is harmless."""
    with UnitOfWork(inst, ctx) as uow:
        row = uow.session.get(ApiToken, token_id)
        owner = uow.session.get(User, row.user_id) if row else None
        missing = NotFound(f"Không có mã truy cập số {token_id}.", f"No token {token_id}.")
        if row is None or owner is None:
            raise uow.refuse(Action.TOKEN_REVOKE, None, "no such token", missing)
        if ctx.principal is not None:
            decision = may_revoke_token(ctx.principal, owner.username)
            if not decision.allowed:  # someone else's token: as if it did not exist
                raise uow.refuse(
                    Action.TOKEN_REVOKE, None, decision.reason, missing, {"token": token_id}
                )
        if row.revoked_at is None:
            row.revoked_at = utcnow()
            row.revoked_by = ctx.principal.username if ctx.principal else ctx.address
        uow.audit(
            Action.TOKEN_REVOKE, "ok", owner.id, {"token": token_id, "username": owner.username}
        )
        return _info(row, owner.username)


@dataclass(frozen=True)
class Caller:
    """Who an API call comes from: the context every service of the call acts with."""

    context: Context
    scopes: tuple[str, ...]
    token_id: int
    display_name: str
    unit_code: str


def authenticate(inst: Instance, secret: str, address: str | None) -> Caller | None:
    """The caller behind a token, or None if it is unknown, revoked, expired or its holder is
    no longer active (the caller of this function audits the refusal); notes the last use."""
    if not tokens.looks_like_token(secret):
        return None
    with inst.sessions.begin() as session:
        row = session.execute(
            select(ApiToken).where(ApiToken.digest == tokens.digest(secret))
        ).scalar_one_or_none()
        if row is None or row.revoked_at is not None or aware(row.expires_at) <= utcnow():
            return None
        user = session.get(User, row.user_id)
        if user is None or not user.active:
            return None
        now = utcnow()
        if (
            row.last_used_at is None
            or now - aware(row.last_used_at) > TOUCH_EVERY
            or row.last_used_address != address
        ):
            row.last_used_at, row.last_used_address = now, (address or "")[:64]
        base = context_for(user, address)
        return Caller(
            Context(base.principal, address, base.unit_code, row.id),
            row.scope_list,
            row.id,
            user.full_name or user.username,
            base.unit_code or "-",
        )
