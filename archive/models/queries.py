"""Reads that need nothing but the tables: holds, dossier membership, lifecycle rows, a record
by content. Services of every subpackage use them, so they sit below all of them."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from archive.models.lifecycle import DocumentLifecycle, Dossier, DossierMember, LegalHold
from archive.models.records import Document
from security.errors import NotFound, Refused


def held_ids(session: Session) -> set[int]:
    """Records under an active hold, directly or through their dossier."""
    direct = select(LegalHold.document_id).where(
        LegalHold.released_at.is_(None), LegalHold.document_id.is_not(None)
    )
    via = (
        select(DossierMember.document_id)
        .join(LegalHold, LegalHold.dossier_id == DossierMember.dossier_id)
        .where(LegalHold.released_at.is_(None))
    )
    return set(session.execute(direct.union(via)).scalars())


def is_held(session: Session, doc_id: int) -> bool:
    direct = session.execute(
        select(LegalHold.id).where(LegalHold.document_id == doc_id, LegalHold.released_at.is_(None))
    ).first()
    if direct:
        return True
    member = session.get(DossierMember, doc_id)
    return member is not None and doc_id in held_ids(session)


def held_error(doc_id: int) -> Refused:
    return Refused(
        f"Văn bản {doc_id} đang bị phong tỏa: không được sửa hay tiêu hủy.",
        f"Document {doc_id} is under a legal hold: no change or disposal until released.",
    )


def ensure_not_held(session: Session, doc_id: int) -> None:
    """Raise ``Refused`` if the record is frozen (call inside the modifying transaction)."""
    if is_held(session, doc_id):
        raise held_error(doc_id)


def dossier_by_code(session: Session, code: str) -> Dossier:
    row = session.execute(select(Dossier).where(Dossier.code == code)).scalar()
    if row is None:
        raise NotFound(f"Không có hồ sơ {code}.", f"No dossier {code}.")
    return row


def member_ids(session: Session, dossier_id: int) -> list[int]:
    return list(
        session.execute(
            select(DossierMember.document_id)
            .where(DossierMember.dossier_id == dossier_id)
            .order_by(DossierMember.ordinal)
        ).scalars()
    )


def code_of(session: Session, doc_id: int) -> str | None:
    """The dossier code of a record, for the search index's ``hoso:`` field."""
    member = session.get(DossierMember, doc_id)
    return session.get(Dossier, member.dossier_id).code if member else None


def lifecycle_document(session: Session, doc_id: int) -> Document:
    """The record a lifecycle action works on. A record whose secrecy is pending is, for these
    actions, not there yet (no dossier, hold, retention or disposal until a person has set its
    level), and it is refused with the same words as a missing one, so nothing leaks."""
    doc = session.get(Document, doc_id)
    if doc is None or doc.secrecy_pending:
        raise NotFound(
            f"Không tìm thấy văn bản số {doc_id} (hoặc văn bản chưa được xác định độ mật).",
            f"Document {doc_id} not found (or its secrecy level is not set yet).",
        )
    return doc


def lifecycle_of(session: Session, doc_id: int) -> DocumentLifecycle:
    """The record's lifecycle row, created empty on first use (for records filed without one)."""
    row = session.get(DocumentLifecycle, doc_id)
    if row is None:
        row = DocumentLifecycle(document_id=doc_id)
        session.add(row)
        session.flush()
    return row


def _any(session: Session, condition) -> bool:
    """Is there a record matching ``condition``? One indexed probe of ids, without building
    rows (and joining their units): every file filed asks for its copies and same-number
    records, once before and once inside its filing transaction, and almost always finds none."""
    return session.execute(select(Document.id).where(condition).limit(1)).first() is not None


def find_by_content(session: Session, content_mac: str) -> list[Document]:
    """Records with these exact bytes (their keyed fingerprint). Several units may each file
    their own copy of the same incoming document, so there can be more than one; callers
    speak only of those the person may see (``archive.records.gate.admits``)."""
    condition = Document.content_mac == content_mac
    if not _any(session, condition):
        return []
    return list(session.execute(select(Document).where(condition).order_by(Document.id)).scalars())


def same_number(session: Session, number_mac: str | None, filer: int | None) -> list[Document]:
    """Records with the same number and issuer (their keyed fingerprint); a held-back one only
    for the person who filed it. Callers keep only those the person may see."""
    if number_mac is None or not _any(session, Document.number_mac == number_mac):
        return []
    stmt = select(Document).where(
        Document.number_mac == number_mac,
        or_(Document.secrecy_pending.is_(False), Document.filed_by == filer),
    )
    return list(session.execute(stmt).scalars())
