"""Accounts and units: creating them, checking a password, and the principal policy sees."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive import audit
from archive.audit import Context
from archive.instance import Instance
from archive.models import Unit, User
from security.errors import KhoError, NotFound
from security.passwords import hash_password, verify_password
from security.policy import LEVELS, ROLES, Principal


def principal_of(user: User) -> Principal:
    return Principal(user.id, user.username, user.role, user.clearance, user.unit_id)


def get_or_create_unit(session: Session, code: str, name: str | None = None) -> Unit:
    """The unit with this code; created on first use (``kho user add --unit``, demo data)."""
    code = code.strip().upper()
    if not code.isascii() or not code.replace("-", "").replace("_", "").isalnum():
        raise KhoError(
            f"Mã đơn vị không hợp lệ: {code!r}.",
            f"Invalid unit code {code!r}: use letters, digits, - or _.",
        )
    unit = session.execute(select(Unit).where(Unit.code == code)).scalar_one_or_none()
    if unit is None:
        unit = Unit(code=code, name=name or code)
        session.add(unit)
        session.flush()
    return unit


def find_user(session: Session, username: str) -> User | None:
    return session.execute(select(User).where(User.username == username)).scalar_one_or_none()


def usernames_with_role(session: Session, role: str) -> list[str]:
    stmt = select(User.username).where(User.role == role, User.active).order_by(User.username)
    return list(session.execute(stmt).scalars())


def require_user(session: Session, username: str) -> User:
    user = find_user(session, username)
    if user is None or not user.active:
        raise NotFound(f"Không có tài khoản {username!r}.", f"No active account {username!r}.")
    return user


def add_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    clearance: str,
    unit: Unit | None = None,
    full_name: str = "",
) -> User:
    if role not in ROLES:
        raise KhoError(f"Vai trò không hợp lệ: {role}.", f"Unknown role {role}: use {ROLES}.")
    if clearance not in LEVELS:
        raise KhoError(
            f"Mức mật không hợp lệ: {clearance}.", f"Unknown clearance {clearance}: use {LEVELS}."
        )
    if find_user(session, username) is not None:
        raise KhoError(f"Tài khoản {username!r} đã tồn tại.", f"Account {username!r} exists.")
    user = User(
        username=username,
        full_name=full_name,
        role=role,
        clearance=clearance,
        unit=unit,
        unit_id=unit.id if unit else None,
        password_hash=hash_password(password),
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The user if the password matches an active account; same cost either way."""
    user = find_user(session, username)
    ok = verify_password(user.password_hash if user else None, password)
    return user if ok and user is not None and user.active else None


def context_for(user: User, address: str | None) -> Context:
    return Context(principal_of(user), address, user.unit.code if user.unit else None)


def log_in(inst: Instance, username: str, password: str, address: str | None) -> User | None:
    """Check credentials and record the attempt, successful or not, in the same transaction."""
    with inst.sessions.begin() as session:
        user = authenticate(session, username, password)
        if user is None:
            audit.record(
                session,
                inst.keyring.audit_key,
                Context(None, address),
                "login",
                "failed",
                None,
                {"username": username[:64]},
            )
            return None
        audit.record(session, inst.keyring.audit_key, context_for(user, address), "login", "ok")
        return user


def log_out(inst: Instance, ctx: Context) -> None:
    with inst.sessions.begin() as session:
        audit.record(session, inst.keyring.audit_key, ctx, "logout", "ok")


def load_user(inst: Instance, user_id: int) -> User | None:
    with inst.sessions() as session:
        user = session.get(User, user_id)
        return user if user is not None and user.active else None


def create_account(
    inst: Instance,
    ctx: Context,
    username: str,
    password: str,
    role: str,
    clearance: str,
    unit_code: str | None = None,
    full_name: str = "",
) -> User:
    """Add an account (creating its unit on first use) and audit it, in one transaction."""
    with inst.sessions.begin() as session:
        unit = get_or_create_unit(session, unit_code) if unit_code else None
        user = add_user(session, username, password, role, clearance, unit, full_name)
        audit.record(
            session,
            inst.keyring.audit_key,
            ctx,
            "user_add",
            "ok",
            user.id,
            {"username": username, "role": role, "clearance": clearance, "unit": unit_code},
        )
        return user
