"""What a signature check found: one result per signature and the check of a whole file.

Plain data, apart from the validator (``validate``, which loads pyHanko): a record's sealed
summary, its review items and the pipeline's types use these without loading pyHanko.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ingest.signatures import messages as msg
from ingest.signatures.messages import Reason


@dataclass
class SignatureResult:
    """One signature: what people see (the first fields) and the full report behind it."""

    field: str
    signer: str | None
    organization: str | None
    signer_kind: str | None  # person | organization
    signed_at: str | None  # ISO 8601
    time_source: str  # messages.TIME_SOURCES
    status: str  # messages.STATUSES
    reason: Reason
    covers: str  # messages.COVERAGE
    changes: str | None = None  # allowed later changes (messages.CHANGES key)
    notes: list[Reason] = field(default_factory=list)
    report: dict = field(default_factory=dict)

    def summary(self) -> dict:
        """The per-signature object of ``kho ingest --json`` and ``kho show --json``."""
        return {
            "field": self.field,
            "signer": self.signer,
            "organization": self.organization,
            "signer_kind": self.signer_kind,
            "signed_at": self.signed_at,
            "time_source": self.time_source,
            "status": self.status,
            "reason": self.reason.as_dict(),
            "covers": self.covers,
            "changes": self.changes,
            "notes": [n.as_dict() for n in self.notes],
        }


@dataclass
class SignatureCheck:
    """Every signature of one file, and the report that is sealed with the record."""

    signatures: list[SignatureResult]
    report: dict
    seconds: float = 0.0

    @property
    def status(self) -> str | None:
        """The strongest finding of all signatures; None when the file is not signed."""
        return msg.worst([s.status for s in self.signatures])

    @property
    def broken(self) -> list[SignatureResult]:
        return [s for s in self.signatures if s.status in msg.BROKEN]

    def summaries(self) -> list[dict]:
        return [s.summary() for s in self.signatures]
