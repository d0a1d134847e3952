"""Every action the audit log records, declared once. The values are the strings stored in
``audit_log.action`` (a ``StrEnum``: entries written before this enum read the same).

The groups at the end say which actions are a person's reads (``READS``) and what an entry's
``object_id`` names (``ON_RECORDS``, ``ON_DOSSIERS``), for the auditors' pages and a transfer's
audit extract.
"""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    # a person reads records (the gate; object_id: the record, or none for lists)
    VIEW = "view"
    READ = "read"
    PREVIEW = "preview"
    DOWNLOAD = "download"
    DOWNLOAD_ORIGINAL = "download_original"
    HISTORY = "history"
    VERSIONS = "versions"
    EXPORT = "export"
    LIST = "list"
    SEARCH = "search"
    PAGE = "page"  # written by earlier versions (page previews)
    TRACE = "trace"  # written by earlier versions (traced copies)
    # records are filed, described and changed
    UPLOAD = "upload"
    INGEST = "ingest"
    OCR = "ocr"
    EDIT = "edit"
    SECRECY_CHANGE = "secrecy_change"
    FILE_VERSION = "file_version"
    REVIEW_CONFIRM = "review_confirm"
    SHARE = "share"
    GRANT_REQUEST = "grant_request"
    GRANT_APPROVE = "grant_approve"
    GRANT_REFUSE = "grant_refuse"
    QUARANTINE_RELEASE = "quarantine_release"
    SIGNATURE_VERIFY = "signature_verify"
    # the records' life
    FONDS = "fonds"
    FONDS_ASSIGN = "fonds_assign"
    FILEPLAN = "fileplan"
    FILEPLAN_LIST = "fileplan_list"
    DOSSIER_ADD = "dossier_add"
    DOSSIER_REMOVE = "dossier_remove"
    DOSSIER_CLOSE = "dossier_close"
    DOSSIER_VIEW = "dossier_view"
    RETENTION_RULE = "retention_rule"
    RETENTION = "retention"
    DUE_LIST = "due_list"
    HOLD = "hold"
    HOLD_RELEASE = "hold_release"
    DISPOSE_PROPOSE = "dispose_propose"
    DISPOSE_APPROVE = "dispose_approve"
    DISPOSE_EXECUTE = "dispose_execute"
    DISPOSE = "dispose"
    SHRED = "shred"
    REGISTER_ADD = "register_add"
    REGISTER_LIST = "register_list"
    REGISTER_EXPORT = "register_export"
    DECLASSIFY_DUE = "declassify_due"
    PROTECTION_EXTEND = "protection_extend"
    TRANSFER_APPROVAL = "transfer_approval"
    TRANSFER_EXPORT = "transfer_export"
    TRANSFER_IMPORT = "transfer_import"
    # incoming documents handled (theo dõi, đôn đốc): assigned, started, done; the lists
    ASSIGN = "assign"
    ASSIGN_START = "assign_start"
    ASSIGN_DONE = "assign_done"
    ASSIGN_LIST = "assign_list"
    STATISTICS = "statistics"
    STATISTICS_EXPORT = "statistics_export"
    # accounts and sessions
    LOGIN = "login"
    LOGOUT = "logout"
    REAUTH = "reauth"
    SESSION_END = "session_end"
    SESSION_END_ALL = "session_end_all"
    USER_ADD = "user_add"
    USER_CHANGE = "user_change"
    USER_UNLOCK = "user_unlock"
    PASSWORD_CHANGE = "password_change"  # noqa: S105 - an action's name
    PASSWORD_RESET = "password_reset"  # noqa: S105
    CLEARANCE_REQUEST = "clearance_request"
    CLEARANCE_APPROVE = "clearance_approve"
    CLEARANCE_REFUSE = "clearance_refuse"
    TOTP_RESET = "totp_reset"
    ADMIN_READ = "admin_read"
    # a person asked for a page or record that is not there (an id out of range included)
    NOT_FOUND = "not_found"
    # the API (web.api): tokens, and calls refused before any service ran
    TOKEN_CREATE = "token_create"  # noqa: S105 - an action name, not a secret
    TOKEN_REVOKE = "token_revoke"  # noqa: S105
    TOKEN_LIST = "token_list"  # noqa: S105
    API_CALL = "api_call"
    # the audit log itself
    AUDIT_READ = "audit_read"
    AUDIT_VERIFY = "audit_verify"
    AUDIT_EXPORT = "audit_export"
    AUDIT_CHECKPOINT = "audit_checkpoint"
    AUDIT_TAMPER = "audit_tamper"
    # keeping the instance
    BACKUP = "backup"
    RESTORE = "restore"
    FIXITY = "fixity"
    KEY_ROTATE = "key_rotate"
    KEY_RETIRE = "key_retire"
    KEY_EXPORT = "key_export"
    REINDEX = "reindex"
    MODEL_TRAIN = "model_train"
    TRUST_ADD = "trust_add"
    TRUST_REMOVE = "trust_remove"
    TRUST_LIST = "trust_list"
    CRL_IMPORT = "crl_import"


_READS = frozenset(
    {Action.VIEW, Action.READ, Action.PREVIEW, Action.DOWNLOAD, Action.LIST, Action.SEARCH}
)
_ON_RECORDS = frozenset(
    {Action.INGEST, Action.VIEW, Action.READ, Action.DOWNLOAD, Action.DOWNLOAD_ORIGINAL}
    | {Action.PREVIEW, Action.PAGE, Action.TRACE, Action.EDIT, Action.SECRECY_CHANGE}
    | {Action.HISTORY, Action.VERSIONS, Action.FILE_VERSION, Action.OCR, Action.EXPORT}
    | {Action.SHARE, Action.GRANT_REQUEST, Action.GRANT_APPROVE, Action.GRANT_REFUSE}
    | {Action.REVIEW_CONFIRM, Action.QUARANTINE_RELEASE, Action.RETENTION}
    | {Action.PROTECTION_EXTEND, Action.REGISTER_ADD, Action.HOLD, Action.SHRED, Action.DISPOSE}
    | {Action.ASSIGN, Action.ASSIGN_START, Action.ASSIGN_DONE}
)
_ON_DOSSIERS = frozenset(
    {Action.FILEPLAN, Action.DOSSIER_ADD, Action.DOSSIER_REMOVE, Action.DOSSIER_CLOSE}
    | {Action.DOSSIER_VIEW, Action.TRANSFER_APPROVAL, Action.TRANSFER_EXPORT}
)
READS = tuple(sorted(_READS))
ON_RECORDS = tuple(sorted(_ON_RECORDS))
ON_DOSSIERS = tuple(sorted(_ON_DOSSIERS))
