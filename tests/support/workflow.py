"""Incoming and outgoing records for the workflow's tests: filed, then entered in a register."""

from __future__ import annotations

import secrets
from datetime import date

from archive.accounts import accounts
from archive.lifecycle import registers
from archive.records import filing
from archive.records.filing import NewRecord
from tests.support.records import file_doc


def incoming(inst, archivist, *, level: str = "thuong", unit: str = "VP", **extra) -> int:
    """A record filed and entered in the incoming register (DEN); ``urgency``/``deadline``
    given: a HỎA TỐC HẸN GIỜ record as the reader would have described it."""
    if "urgency" in extra:
        doc_id = _file_urgent(inst, archivist, level, unit, extra["urgency"], extra["deadline"])
    else:
        doc_id = file_doc(
            inst, archivist, level=level, unit=unit, doc_type=extra.get("doc_type", "CV")
        )
    registers.add_entry(
        inst, archivist.ctx, "DEN", extra.get("on", date.today()), {"sender": "Ban Tổ chức"}, doc_id
    )
    return doc_id


def outgoing(inst, archivist, *, unit: str = "VP", on: date | None = None) -> int:
    doc_id = file_doc(inst, archivist, unit=unit)
    registers.add_entry(inst, archivist.ctx, "DI", on or date.today(), {"signer": "Bí thư"}, doc_id)
    return doc_id


def _file_urgent(inst, archivist, level, unit, urgency, deadline) -> int:
    token = secrets.token_hex(4)
    text = f"HỎA TỐC HẸN GIỜ {token}"
    with inst.sessions() as session:
        unit_row = accounts.get_or_create_unit(session, unit)
        session.commit()
    fields = {
        "kind": "party",
        "doc_type": "CV",
        "number": f"{secrets.randbelow(900) + 1}-CV/TU",
        "issuer": "Tỉnh ủy Lào Cai",
        "date": date.today().isoformat(),
        "subject": f"về việc {token}",
        "level": level,
        "urgency": urgency,
        "deadline": deadline,
    }
    new = NewRecord(
        content=text.encode(),
        media_type="text/plain",
        text=text,
        fields=fields,
        filename=f"{token}.txt",
        unit=unit_row,
    )
    return filing.file_record(inst, archivist.ctx, new, inst.keyring.content_mac(text.encode())).id
