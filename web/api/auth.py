"""Who calls the API: ``Authorization: Bearer <token>``, checked on every call, then the scope
the operation needs, then the rate limit. Every refusal is audited (``api_call``, denied, with
the reason and the path; the token's id when there is one) before it is answered; every entry a
call writes carries its token's id (``Context.token_id``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import current_app, g, request

from archive.accounts import tokens
from archive.accounts.tokens import Caller
from archive.audit.actions import Action
from archive.core import uow
from security.actor import Context
from security.errors import KhoError, NotFound, Refused
from security.policy.administration import may_use_scope
from web import current_instance as kho
from web.api import problems
from web.api.throttle import Limiter

DEFAULT_RATE = 600  # calls per token per minute
DEFAULT_FAILURES = 30  # failed authentications per address per minute


def _limiters() -> tuple[Limiter, Limiter]:
    ext = current_app.extensions
    if "kho_api_limits" not in ext:
        config = current_app.config
        ext["kho_api_limits"] = (
            Limiter(kho(), "token", int(config.get("KHO_API_RATE", DEFAULT_RATE))),
            Limiter(kho(), "failed", int(config.get("KHO_API_AUTH_FAILURES", DEFAULT_FAILURES))),
        )
    return ext["kho_api_limits"]


def _audit_refusal(ctx: Context, reason: str) -> None:
    error = KhoError(reason, reason)
    uow.refused(kho(), ctx, Action.API_CALL, reason, error, {"path": request.path[:200]})


def _throttled(retry_after: int):
    return problems.problem(
        429,
        f"Quá nhiều yêu cầu: thử lại sau {retry_after} giây.",
        f"Too many requests: retry in {retry_after} seconds.",
        "rate_limited",
        {"Retry-After": str(retry_after)},
    )


def _unauthorized():
    return problems.problem(401, code="unauthorized", headers={"WWW-Authenticate": "Bearer"})


def _authenticate() -> Caller | None:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return tokens.authenticate(kho(), secret.strip(), request.remote_addr)


def api_call(scope: str) -> Callable[[Callable], Callable]:
    """The view runs for a valid token with ``scope``, within the rate limit; ``g.caller``
    holds who calls (its context is what every service of the call acts with)."""

    def wrap(view: Callable) -> Callable:
        @functools.wraps(view)
        def guarded(*args, **kwargs):
            per_token, failures = _limiters()
            address = request.remote_addr
            anonymous = Context(None, address)
            blocked = failures.check(("address", address), count=False)
            if not blocked.allowed:
                if blocked.first_refusal:
                    _audit_refusal(anonymous, "too many failed authentications")
                return _throttled(blocked.retry_after)
            caller = _authenticate()
            if caller is None:
                failures.note(("address", address))
                _audit_refusal(anonymous, "missing, unknown, revoked or expired token")
                return _unauthorized()
            verdict = per_token.check(caller.token_id)
            if not verdict.allowed:
                if verdict.first_refusal:
                    _audit_refusal(caller.context, "rate limit")
                return _throttled(verdict.retry_after)
            decision = may_use_scope(caller.scopes, scope)
            if not decision.allowed:
                error = Refused(
                    f"Mã truy cập này không có phạm vi {scope}: tạo mã có phạm vi đó.",
                    f"This token lacks the {scope} scope: create a token with it.",
                )
                raise uow.refused(
                    kho(),
                    caller.context,
                    Action.API_CALL,
                    decision.reason,
                    error,
                    {"path": request.path[:200]},
                )
            g.caller = caller
            return view(*args, **kwargs)

        return guarded

    return wrap


def caller() -> Caller:
    return g.caller


def context() -> Context:
    return g.caller.context


def require(decide: Callable, action: Action) -> None:
    """A role's operation (the review queue): refused as the web refuses a page one may not
    see, audited, answered 404."""
    ctx = context()
    decision = decide(ctx.principal)
    if not decision.allowed:
        missing = NotFound("Không tìm thấy địa chỉ này.", "Not found.")
        raise uow.refused(kho(), ctx, action, decision.reason, missing, {"path": request.path})
