"""The trust store for digital signatures: root certificates and CRLs the administrator loads
from files (Kho runs offline and never fetches either), and the version every report names.

Every change (a root added or removed, a CRL imported) is decided by ``security.policy``,
audited in the same transaction, and raises the store's version, so a validation report says
exactly which store it was made under. Validation reads the store as a ``TrustMaterial``
snapshot, cached per version.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.audit.actions import Action
from archive.core.instance import Instance
from archive.core.uow import UnitOfWork
from archive.models import TrustAnchor, TrustCrl, TrustStoreState, utcnow
from security.actor import Context
from security.crypto import certificates
from security.errors import NotFound, Refused
from security.policy.administration import may_manage_trust


@dataclass(frozen=True)
class TrustMaterial:
    """What the validator trusts, as DER bytes: roots, imported CRLs, and the store's version."""

    version: int
    roots: tuple[bytes, ...] = ()
    crls: tuple[bytes, ...] = ()


EMPTY = TrustMaterial(0)
_cache: dict[tuple[str, int], TrustMaterial] = {}
_lock = threading.Lock()


def _state(session: Session) -> TrustStoreState:
    row = session.get(TrustStoreState, 1)
    if row is None:
        row = TrustStoreState(id=1, version=0)
        session.add(row)
        session.flush()
    return row


def version(inst: Instance) -> int:
    with inst.read_sessions() as session:
        return version_in(session)


def version_in(session: Session) -> int:
    """The store's version, read in a transaction the caller has open anyway (ingest reads it
    with its duplicate lookup: no transaction of its own per file)."""
    row = session.get(TrustStoreState, 1)
    return row.version if row else 0


def material(inst: Instance) -> TrustMaterial:
    """The current store for validation (one small query when it has not changed), read
    without SQLite's write lock: every PDF filed asks, and a batch's files would otherwise wait
    here for each other's commits."""
    with inst.read_sessions() as session:
        return material_in(inst, session)


def material_in(inst: Instance, session: Session) -> TrustMaterial:
    """``material`` in the caller's (read) transaction: its version and, when that version is
    not cached yet, its roots and CRLs, all of one snapshot."""
    current = version_in(session)
    key = (str(inst.home), current)
    with _lock:
        if key in _cache:
            return _cache[key]
    roots = session.execute(
        select(TrustAnchor.der).where(TrustAnchor.removed_at.is_(None)).order_by(TrustAnchor.id)
    ).scalars()
    crls = session.execute(select(TrustCrl.der).order_by(TrustCrl.id)).scalars()
    found = TrustMaterial(current, tuple(roots), tuple(crls))
    with _lock:
        _cache[key] = found
    return found


def _bump(session: Session) -> int:
    state = _state(session)
    state.version += 1
    state.changed_at = utcnow()
    return state.version


def _allowed(uow: UnitOfWork, action: Action) -> None:
    if uow.ctx.principal is None:
        raise Refused("Cần đăng nhập.", "Log in first.")
    uow.require(
        action,
        None,
        may_manage_trust(uow.ctx.principal),
        "Chỉ quản trị hoặc cán bộ bảo mật được sửa kho chứng thư tin cậy.",
    )


def add_roots(inst: Instance, ctx: Context, data: bytes, name: str | None = None) -> list[dict]:
    """Trust the CA certificate(s) in ``data``; already trusted ones are left as they are."""
    found = certificates.parse_certificates(data)
    not_ca = [c for c in found if not c.is_ca]
    if not_ca:
        raise Refused(
            "Chỉ nạp chứng thư của CA (gốc hoặc trung gian), không nạp chứng thư của người ký: "
            f"{not_ca[0].subject}.",
            "Only CA certificates (root or intermediate) can be trusted, not a signer's: "
            f"{not_ca[0].subject}.",
        )
    added = []
    with UnitOfWork(inst, ctx) as uow:
        session = uow.session
        _allowed(uow, Action.TRUST_ADD)
        for cert in found:
            row = session.execute(
                select(TrustAnchor).where(TrustAnchor.sha256 == cert.sha256)
            ).scalar_one_or_none()
            if row is not None and row.removed_at is None:
                added.append(_anchor_dict(row) | {"already": True})
                continue
            label = (name or cert.common_name or cert.subject)[:200]
            if row is None:
                row = TrustAnchor(sha256=cert.sha256, der=cert.der)
                session.add(row)
            row.name, row.subject = label, cert.subject
            row.not_before = cert.not_before
            row.not_after = cert.not_after
            row.added_at, row.added_by = utcnow(), ctx.principal.username
            row.removed_at = row.removed_by = None
            session.flush()
            added.append(_anchor_dict(row))
        changed = [a for a in added if not a.get("already")]
        if changed:
            new_version = _bump(session)
            uow.audit(
                Action.TRUST_ADD,
                "ok",
                None,
                {
                    "sha256": [a["sha256"] for a in changed],
                    "subjects": [a["subject"] for a in changed],
                    "version": new_version,
                },
            )
    return added


def _find_anchor(session: Session, ref: str) -> TrustAnchor:
    ref = ref.strip().lower().replace(":", "")
    stmt = select(TrustAnchor).where(TrustAnchor.removed_at.is_(None))
    if ref.isdigit():
        rows = list(session.execute(stmt.where(TrustAnchor.id == int(ref))).scalars())
    elif len(ref) >= 8:
        rows = list(session.execute(stmt.where(TrustAnchor.sha256.startswith(ref))).scalars())
    else:
        rows = []
    if len(rows) != 1:
        raise NotFound(
            f"Không có (hoặc có nhiều) chứng thư tin cậy ứng với «{ref}»: dùng số thứ tự hoặc ít "
            "nhất 8 ký tự đầu của dấu vân tay SHA-256 (kho trust list).",
            f"No single trusted certificate matches «{ref}»: give its id or at least 8 "
            "characters of its SHA-256 fingerprint (kho trust list).",
        )
    return rows[0]


def remove_root(inst: Instance, ctx: Context, ref: str) -> dict:
    """Stop trusting a root; its row stays so that older reports can still be read."""
    with UnitOfWork(inst, ctx) as uow:
        session = uow.session
        _allowed(uow, Action.TRUST_REMOVE)
        row = _find_anchor(session, ref)
        row.removed_at, row.removed_by = utcnow(), ctx.principal.username
        new_version = _bump(session)
        uow.audit(
            Action.TRUST_REMOVE,
            "ok",
            None,
            {"sha256": row.sha256, "subject": row.subject, "version": new_version},
        )
        return _anchor_dict(row)


def import_crl(inst: Instance, ctx: Context, data: bytes) -> dict:
    """Keep a CRL (PEM or DER) from a file; the validator checks its signature when it uses it."""
    crl = certificates.parse_crl(data)
    digest = crl.sha256
    with UnitOfWork(inst, ctx) as uow:
        session = uow.session
        _allowed(uow, Action.CRL_IMPORT)
        row = session.execute(
            select(TrustCrl).where(TrustCrl.sha256 == digest)
        ).scalar_one_or_none()
        if row is not None:
            return _crl_dict(row) | {"already": True}
        row = TrustCrl(
            sha256=digest,
            issuer=crl.issuer,
            this_update=crl.this_update,
            next_update=crl.next_update,
            entries=crl.entries,
            der=crl.der,
            imported_by=ctx.principal.username,
        )
        session.add(row)
        session.flush()
        new_version = _bump(session)
        uow.audit(
            Action.CRL_IMPORT,
            "ok",
            None,
            {
                "sha256": digest,
                "issuer": row.issuer,
                "entries": row.entries,
                "version": new_version,
            },
        )
        return _crl_dict(row)


def _when(at: datetime | None) -> str | None:
    if at is None:
        return None
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).isoformat()


def _anchor_dict(row: TrustAnchor) -> dict:
    return {
        "id": row.id,
        "name": row.name,
        "subject": row.subject,
        "sha256": row.sha256,
        "not_before": _when(row.not_before),
        "not_after": _when(row.not_after),
        "added_at": _when(row.added_at),
        "added_by": row.added_by,
    }


def _crl_dict(row: TrustCrl) -> dict:
    return {
        "id": row.id,
        "issuer": row.issuer,
        "sha256": row.sha256,
        "this_update": _when(row.this_update),
        "next_update": _when(row.next_update),
        "entries": row.entries,
        "imported_at": _when(row.imported_at),
        "imported_by": row.imported_by,
    }


def listing(inst: Instance, ctx: Context) -> dict:
    """The store as it is now: version, trusted roots, imported CRLs (the read is audited)."""
    with UnitOfWork(inst, ctx) as uow:
        session = uow.session
        _allowed(uow, Action.TRUST_LIST)
        state = _state(session)
        anchors = session.execute(
            select(TrustAnchor).where(TrustAnchor.removed_at.is_(None)).order_by(TrustAnchor.id)
        ).scalars()
        crls = session.execute(select(TrustCrl).order_by(TrustCrl.id)).scalars()
        out = {
            "version": state.version,
            "changed_at": _when(state.changed_at),
            "roots": [_anchor_dict(a) for a in anchors],
            "crls": [_crl_dict(c) for c in crls],
        }
        uow.audit(Action.TRUST_LIST, "ok", None, {"version": state.version})
        return out
