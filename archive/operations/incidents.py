"""The incident log: what an unexpected error leaves for the administrator, and the short
reference a person is shown instead of a traceback.

Each incident is one JSON line in ``<KHO_HOME>/logs/incidents.jsonl``. In clear it holds only
what cannot carry content: the reference, the time, what was being done (a command or page name
chosen by the caller), the exception's type and the place in Kho's code where it was raised.
The traceback with the exception's message (which may name a file or quote a field) is sealed
under its own data key wrapped by the keyring, like a record; ``kho incident REF`` opens it. A
KEK retired later makes old incidents unreadable, which is acceptable for diagnostics.
"""

from __future__ import annotations

import base64
import json
import secrets
import traceback
from datetime import UTC, datetime
from pathlib import Path

from archive.core import bindings
from archive.core.instance import Instance
from security.crypto.keys import new_data_key
from security.crypto.stream import decrypt_bytes, encrypt_bytes
from security.errors import KhoError

_PROJECT = ("archive", "ingest", "search", "security", "web")


def log_path(home: Path) -> Path:
    return home / "logs" / "incidents.jsonl"


def where(exc: BaseException) -> str:
    """The innermost frame in Kho's own code (file:line in function), else the innermost."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if any(f"/{p}/" in f.filename for p in _PROJECT)]
    frame = (ours or frames or [None])[-1]
    if frame is None:
        return "?"
    parts = Path(frame.filename).parts
    start = max((i for i, p in enumerate(parts) if p in _PROJECT), default=len(parts) - 1)
    return f"{'/'.join(parts[start:])}:{frame.lineno} in {frame.name}"


def record(inst: Instance, exc: BaseException, doing: str) -> str:
    """Write one incident and return its reference; raises OSError if it cannot be written."""
    ref = datetime.now(UTC).strftime("%Y%m%d") + "-" + secrets.token_hex(3)
    entry = {
        "ref": ref,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "doing": doing,
        "type": type(exc).__name__,
        "where": where(exc),
    }
    details = "".join(traceback.format_exception(exc)).encode()
    try:
        key = new_data_key()
        version, wrapped = inst.keyring.wrap(key, bindings.incident(ref))
        sealed = encrypt_bytes(key, details, bindings.incident(ref))
        entry |= {
            "kek": version,
            "key": base64.b64encode(wrapped).decode(),
            "sealed": base64.b64encode(sealed).decode(),
        }
    except Exception:  # no keyring (not initialized, sealed key file): the clear part only
        entry["sealed"] = None
    path = log_path(inst.home)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry) + "\n")
    return ref


def find(inst: Instance, ref: str) -> dict:
    """One incident with its details opened (``details`` is None if they were not sealed)."""
    try:
        lines = log_path(inst.home).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        lines = []
    for line in reversed(lines):
        entry = json.loads(line)
        if entry["ref"] != ref:
            continue
        details = None
        if entry.get("sealed"):
            key = inst.keyring.unwrap(
                entry["kek"], base64.b64decode(entry["key"]), bindings.incident(ref)
            )
            sealed = base64.b64decode(entry["sealed"])
            details = decrypt_bytes(key, sealed, bindings.incident(ref)).decode()
        return {
            **{k: entry[k] for k in ("ref", "at", "doing", "type", "where")},
            "details": details,
        }
    raise KhoError(
        f"Không có sự cố mã {ref} trong {log_path(inst.home)}.",
        f"No incident {ref} in {log_path(inst.home)}.",
    )
