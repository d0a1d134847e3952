"""The tables. Columns in clear hold only what filtering needs and reveal no content.

Everything descriptive about a document (number, issuer, subject, place, file name) is sealed in
``Document.sealed_meta`` under the document's own data key; lifecycle rows that could reveal
content are sealed the same way (``Sealed``). One module per subject; importing this package
registers every table on ``Base`` (migrations and backups need them all). ``queries`` holds the
reads that need nothing but the tables.
"""

from archive.models.audit import AuditCheckpoint, AuditEntry, AuditHead
from archive.models.base import Base, Sealed, aware, utcnow
from archive.models.changes import ChangeHead, ChangeLogEntry, IndexSnapshot
from archive.models.jobs import IngestJob, IngestWorker, OcrPageJob
from archive.models.lifecycle import (
    DescriptionVersion,
    DestructionRecord,
    DisposalApproval,
    DisposalItem,
    DisposalProposal,
    DocumentLifecycle,
    Dossier,
    DossierMember,
    Fonds,
    LegalHold,
    Register,
    RegisterCounter,
    RegisterEntry,
    RegisterTally,
    RetentionRule,
    SenderTally,
)
from archive.models.people import (
    ClearanceRequest,
    LoginFailure,
    PendingLogin,
    Unit,
    User,
    WebSession,
)
from archive.models.records import (
    Document,
    DocumentShare,
    Grant,
    RecordEvent,
    RecordStatus,
    StoredObject,
)
from archive.models.tokens import ApiDeposit, ApiRateCount, ApiToken
from archive.models.trust import TrustAnchor, TrustCrl, TrustStoreState
from archive.models.workflow import Assignment, AssignmentStatus

__all__ = [
    "ApiDeposit",
    "ApiRateCount",
    "ApiToken",
    "Assignment",
    "AssignmentStatus",
    "AuditCheckpoint",
    "AuditEntry",
    "AuditHead",
    "Base",
    "ChangeHead",
    "ChangeLogEntry",
    "ClearanceRequest",
    "DescriptionVersion",
    "DestructionRecord",
    "DisposalApproval",
    "DisposalItem",
    "DisposalProposal",
    "Document",
    "DocumentLifecycle",
    "DocumentShare",
    "Dossier",
    "DossierMember",
    "Fonds",
    "Grant",
    "IndexSnapshot",
    "IngestJob",
    "IngestWorker",
    "LegalHold",
    "LoginFailure",
    "OcrPageJob",
    "PendingLogin",
    "RecordEvent",
    "RecordStatus",
    "Register",
    "RegisterCounter",
    "RegisterEntry",
    "RegisterTally",
    "RetentionRule",
    "Sealed",
    "SenderTally",
    "StoredObject",
    "TrustAnchor",
    "TrustCrl",
    "TrustStoreState",
    "Unit",
    "User",
    "WebSession",
    "aware",
    "utcnow",
]
