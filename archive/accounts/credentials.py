"""Changing a password (the account holder, with the current one) and resetting it (an
administrator, or the command line's operator), both audited.

A change ends the account's other sessions and pending logins (a password given away or seen is
worthless once changed, and so is a session someone opened with it); a reset ends them all and
makes the next login choose a new password before anything else
(``User.must_change_password``, enforced by the web layer on every page).
"""

from __future__ import annotations

from archive.accounts import accounts, sessions
from archive.audit.actions import Action
from archive.core.instance import Instance
from archive.core.uow import UnitOfWork
from archive.models import User, utcnow
from security.actor import Context
from security.errors import NotFound, Refused
from security.identity.passwords import WeakPassword, generate_password, hash_password
from security.policy.administration import may_administer


def change_password(
    inst: Instance, ctx: Context, current: str, new: str, keep_session: str | None = None
) -> int:
    """The logged-in person (``ctx``) changes their own password; returns how many other
    sessions were ended (``keep_session``: the token of the session making the change)."""
    with UnitOfWork(inst, ctx) as uow:
        user = uow.session.get(User, ctx.principal.user_id)
        if not sessions.check_password(uow, user, current, "password_change"):
            uow.audit(Action.PASSWORD_CHANGE, "denied", user.id, reason="wrong current password")
            uow.commit()  # the failure counts, though the change is refused
            raise Refused("Mật khẩu hiện tại không đúng.", "The current password is not right.")
        if new == current:
            raise uow.refuse(
                Action.PASSWORD_CHANGE,
                user.id,
                "same password",
                WeakPassword(
                    "Mật khẩu mới phải khác mật khẩu hiện tại.",
                    "The new password must differ from the current one.",
                ),
            )
        try:
            user.password_hash = hash_password(new, user.username)
        except WeakPassword as weak:
            raise uow.refuse(Action.PASSWORD_CHANGE, user.id, "weak password", weak) from None
        user.must_change_password = False
        user.password_changed_at = utcnow()
        ended = sessions.end_other_sessions(uow.session, user.id, keep_session, "password_changed")
        uow.audit(Action.PASSWORD_CHANGE, "ok", user.id, {"sessions_ended": ended})
        return ended


def reset_password(inst: Instance, ctx: Context, username: str, new: str | None = None) -> str:
    """An administrator (or the operator at the command line, ``ctx`` without a principal)
    sets a temporary password, generated unless given; the account must change it at its next
    login, and every session it had is ended. Returns the temporary password (shown once)."""
    with UnitOfWork(inst, ctx) as uow:
        who = ctx.principal
        user = accounts.find_user(uow.session, username[:64])
        if (who is not None and not may_administer(who).allowed) or user is None:
            raise uow.refuse(
                Action.PASSWORD_RESET,
                None,
                "no such account" if user is None else "administrators only",
                NotFound(f"Không có tài khoản {username!r}.", f"No account {username!r}."),
                {"username": username[:64]},
            )
        temporary = new or generate_password()
        try:
            user.password_hash = hash_password(temporary, user.username)
        except WeakPassword as weak:
            raise uow.refuse(Action.PASSWORD_RESET, user.id, "weak password", weak) from None
        user.must_change_password = True
        user.password_changed_at = utcnow()
        ended = sessions.end_other_sessions(uow.session, user.id, None, "password_reset")
        uow.audit(
            Action.PASSWORD_RESET,
            "ok",
            user.id,
            {"username": user.username, "sessions_ended": ended},
        )
        return temporary
