"""Which module under web/cli/ defines each `kho` command, and which commands the resident
process runs (web/cli/launch.py). Data only, read before anything is imported."""

from __future__ import annotations

# command → the module under web/cli/ that defines it: a command imports only its own module
# (and what that imports), never its neighbours' (ingest, pyHanko, …). A command missing here
# is still found (every module is then imported); tests/e2e/cli/test_cli_imports.py keeps the
# table complete.
COMMANDS = {
    "user": "accounts",
    "token": "api",
    "api": "api",
    "grant": "accounts",
    "share": "accounts",
    "show": "records",
    "get": "records",
    "edit": "records",
    "history": "records",
    "review": "records",
    "quarantine": "records",
    "fonds": "lifecycle",
    "fileplan": "lifecycle",
    "dossier": "lifecycle",
    "retention": "lifecycle",
    "due": "lifecycle",
    "hold": "lifecycle",
    "dispose": "lifecycle",
    "register": "lifecycle",
    "declassify": "lifecycle",
    "export": "transfer",
    "import": "transfer",
    "init": "store",
    "keys": "store",
    "verify": "store",
    "check": "store",
    "backup": "store",
    "restore": "store",
    "incident": "store",
    "audit": "audit",
    "trace": "audit",
    "ingest": "ingest",
    "watch": "ingest",
    "worker": "ingest",
    "ocr": "ingest",
    "classify": "ingest",
    "demo": "ingest",
    "trust": "signatures",
    "signatures": "signatures",
    "search": "search",
    "reindex": "search",
    "snapshot": "search",
    "serve": "serve",
    "task": "workflow",
    "stats": "workflow",
}
# The modules whose commands the resident process runs: short, never prompting. Not accounts
# (passwords are prompted), not ingest/serve (long-running, own signal handling), not store,
# transfer or reindex-like work that runs for minutes.
RESIDENT_SUBJECTS = ("records", "lifecycle", "audit", "workflow", "search")
RESIDENT = frozenset(
    name
    for name, subject in COMMANDS.items()
    if subject in RESIDENT_SUBJECTS and name not in ("reindex", "snapshot")
)
