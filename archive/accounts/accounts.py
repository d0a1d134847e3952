"""Accounts and units: creating them, checking a password, and the principal policy sees."""

from __future__ import annotations

import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from archive.audit.actions import Action
from archive.core.instance import Instance
from archive.core.uow import UnitOfWork
from archive.models import ClearanceRequest, Unit, User, utcnow
from security.actor import Context, Principal
from security.errors import KhoError, NotFound, Refused
from security.identity.passwords import hash_password
from security.policy.administration import needs_second_person
from security.vocabulary import LEVELS, ROLES


def principal_of(user: User) -> Principal:
    return Principal(user.id, user.username, user.role, user.clearance, user.unit_id)


def get_or_create_unit(session: Session, code: str, name: str | None = None) -> Unit:
    """The unit with this code; created on first use (``kho user add --unit``, demo data). A
    unit created without a name (its name was its code) takes the full name when one is given."""
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
    elif name and unit.name == code:
        unit.name = name
    return unit


def unit_for_filing(session: Session, unit_code: str | None, who: Principal | None) -> Unit:
    """The unit a record is filed under: the one named (it must exist), else the filer's."""
    if unit_code:
        unit = session.execute(
            select(Unit).where(Unit.code == unit_code.strip().upper())
        ).scalar_one_or_none()
        if unit is None:
            codes = ", ".join(session.execute(select(Unit.code)).scalars())
            raise Refused(
                f"Không có đơn vị {unit_code}. Các đơn vị: {codes}.",
                f"No unit {unit_code}; known units: {codes}.",
            )
        return unit
    if who is None or who.unit_id is None:
        raise Refused(
            "Người nộp không thuộc đơn vị nào: hãy chỉ định --unit.",
            "The filer belongs to no unit: give --unit.",
        )
    return session.get(Unit, who.unit_id)


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
        password_hash=hash_password(password, username),
    )
    session.add(user)
    session.flush()
    return user


def context_for(user: User, address: str | None) -> Context:
    return Context(principal_of(user), address, user.unit.code if user.unit else None)


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
    unit_head: bool = False,
    service: bool = False,
) -> User:
    """Add an account (creating its unit on first use) and audit it, in one transaction.
    ``service``: a system's account, whose ``password`` is replaced by a random one nobody
    is shown (it never logs in; it acts through its API tokens)."""
    if service:
        password = secrets.token_urlsafe(48)
    with UnitOfWork(inst, ctx) as uow:
        session = uow.session
        unit = get_or_create_unit(session, unit_code) if unit_code else None
        user = add_user(session, username, password, role, clearance, unit, full_name)
        user.is_unit_head = unit_head
        user.service = service
        uow.audit(
            Action.USER_ADD,
            "ok",
            user.id,
            {
                "username": username,
                "role": role,
                "clearance": clearance,
                "unit": unit_code,
                "unit_head": unit_head,
                "service": service,
            },
        )
        return user


def request_clearance(uow: UnitOfWork, user: User, level: str) -> ClearanceRequest:
    """File a raise to TỐI MẬT or above for a security officer to decide (replacing an earlier
    one still waiting); the account keeps its clearance meanwhile."""
    now = utcnow()
    uow.session.execute(
        update(ClearanceRequest)
        .where(ClearanceRequest.user_id == user.id, ClearanceRequest.status == "requested")
        .values(status="superseded", decided_at=now)
    )
    who = uow.ctx.principal
    request = ClearanceRequest(
        user_id=user.id,
        from_level=user.clearance,
        to_level=level,
        requested_by=who.username if who else "operator",
        requested_at=now,
        status="requested",
    )
    uow.session.add(request)
    uow.session.flush()
    uow.audit(
        Action.CLEARANCE_REQUEST,
        "requested",
        user.id,
        {"username": user.username, "from": user.clearance, "to": level, "request": request.id},
    )
    return request


def change_account(inst: Instance, ctx: Context, username: str, **changes) -> dict:
    """Change role, clearance, unit, unit-head flag or active state; audited old → new.

    A raise of the clearance to TỐI MẬT or above is not applied: it becomes a request for a
    security officer (``archive.accounts.clearance.decide``), reported as
    ``clearance_requested``."""
    allowed = {"role", "clearance", "unit", "unit_head", "active"}
    changes = {k: v for k, v in changes.items() if v is not None}
    if set(changes) - allowed:
        raise KhoError("Trường không hợp lệ.", f"Unknown fields: {set(changes) - allowed}")
    if (
        changes.get("role", ROLES[0]) not in ROLES
        or changes.get("clearance", LEVELS[0]) not in LEVELS
    ):
        raise KhoError("Vai trò hoặc mức mật không hợp lệ.", "Unknown role or clearance.")
    with UnitOfWork(inst, ctx) as uow:
        session = uow.session
        user = (
            require_user(session, username)
            if changes.get("active", True)
            else find_user(session, username)
        )
        if user is None:
            raise NotFound(f"Không có tài khoản {username!r}.", f"No account {username!r}.")
        diff = {}
        for name, value in changes.items():
            if name == "unit":
                unit = get_or_create_unit(session, value)
                if unit.id != user.unit_id:
                    diff["unit"] = [user.unit.code if user.unit else None, unit.code]
                    user.unit, user.unit_id = unit, unit.id
                continue
            if name == "clearance" and needs_second_person(user.clearance, value):
                request_clearance(uow, user, value)
                diff["clearance_requested"] = [user.clearance, value]
                continue
            column = {"unit_head": "is_unit_head"}.get(name, name)
            if getattr(user, column) != value:
                diff[name] = [getattr(user, column), value]
                setattr(user, column, value)
        uow.audit(
            Action.USER_CHANGE,
            "ok",
            user.id,
            {"username": username, "changes": diff},
        )
        return diff
