"""Records for tests: filed directly (with chosen dates and levels), or picked from the generated
sample documents by level and format."""

from __future__ import annotations

import secrets

from archive.accounts import accounts
from archive.core.instance import Instance
from archive.records import filing
from archive.records.filing import NewRecord


def file_doc(
    inst: Instance,
    person,
    *,
    doc_type: str = "CV",
    issued: str | None = "2014-05-27",
    level: str = "thuong",
    unit: str = "VP",
    subject: str | None = None,
    text: str | None = None,
    pdf: bytes | None = None,
) -> int:
    """File a small text record (or ``pdf``, with ``text`` as its text) as ``person`` (an
    archivist) and return its id."""
    token = secrets.token_hex(4)
    text = text or f"Nội dung văn bản {token}"
    with inst.sessions() as session:
        unit_row = accounts.get_or_create_unit(session, unit)
        session.commit()
    fields = {
        "kind": "party",
        "doc_type": doc_type,
        "number": f"{secrets.randbelow(900) + 1}-{doc_type}/TU",
        "issuer": "Tỉnh ủy Lào Cai",
        "date": issued,
        "subject": subject or f"về việc {token}",
        "level": level,
        "urgency": "thuong",
    }
    new = NewRecord(
        content=pdf or text.encode(),
        media_type="application/pdf" if pdf else "text/plain",
        text=text,
        fields=fields,
        filename=f"{token}.pdf" if pdf else f"{token}.txt",
        unit=unit_row,
    )
    mac = inst.keyring.content_mac(new.content)
    return filing.file_record(inst, person.ctx, new, mac).id


def sample_doc(docs, *, level: str | None = None, fmt: str | None = None):
    return next(
        d
        for d in docs
        if (level is None or d.truth["level"] == level)
        and (fmt is None or d.truth["format"] == fmt)
    )
