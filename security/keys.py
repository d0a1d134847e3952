"""The keyring: key-encryption keys (KEKs) and the purpose keys derived beside them.

Data keys (one per stored object) are random and never leave memory unwrapped; the database keeps
them wrapped by a versioned KEK, so a stolen database or blob folder alone reveals nothing.
The keyring itself lives in a key file with mode 0600, by default in its own folder apart from
the blobs; losing it means losing the archive (see docs/operations.md).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from security.errors import KhoError
from security.stream import IntegrityError

KEYRING_FORMAT = "kho-keyring-1"
_WRAP_NONCE = 12


class KeyringError(KhoError):
    """The key file is missing, unreadable, too open or malformed."""

    code = "keyring"


def new_data_key() -> bytes:
    return secrets.token_bytes(32)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode())


@dataclass
class Keyring:
    """Versioned KEKs plus single-purpose keys (content MAC, audit chain MAC, index)."""

    keks: dict[int, bytes]
    current: int
    mac_key: bytes
    audit_key: bytes
    index_key: bytes
    path: Path | None = field(default=None, compare=False)

    @classmethod
    def generate(cls) -> Keyring:
        return cls(
            keks={1: new_data_key()},
            current=1,
            mac_key=new_data_key(),
            audit_key=new_data_key(),
            index_key=new_data_key(),
        )

    # -- persistence ---------------------------------------------------------------------------

    @classmethod
    def load(cls, path: Path) -> Keyring:
        try:
            mode = path.stat().st_mode & 0o777
            raw = json.loads(path.read_text())
        except FileNotFoundError:
            raise KeyringError(
                f"Không tìm thấy tệp khóa {path}: chạy `kho init` hoặc đặt KHO_KEY_FILE.",
                f"Key file {path} not found: run `kho init` or set KHO_KEY_FILE.",
            ) from None
        except (OSError, ValueError) as exc:
            raise KeyringError(
                f"Tệp khóa {path} không đọc được.", f"Key file unreadable: {exc}"
            ) from exc
        if mode & 0o077:
            raise KeyringError(
                f"Tệp khóa {path} có quyền truy cập quá rộng: chạy chmod 600 {path}.",
                f"Key file {path} is readable by others ({oct(mode)}): run chmod 600 {path}.",
            )
        if raw.get("format") != KEYRING_FORMAT:
            raise KeyringError(
                f"Tệp khóa {path} sai định dạng.", f"Unknown key file format: {path}"
            )
        return cls(
            keks={int(v): _unb64(k) for v, k in raw["keks"].items()},
            current=int(raw["current"]),
            mac_key=_unb64(raw["mac"]),
            audit_key=_unb64(raw["audit"]),
            index_key=_unb64(raw["index"]),
            path=path,
        )

    def save(self, path: Path) -> None:
        """Write atomically, mode 0600 from the first byte: never readable by others."""
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        body = json.dumps(
            {
                "format": KEYRING_FORMAT,
                "current": self.current,
                "keks": {str(v): _b64(k) for v, k in sorted(self.keks.items())},
                "mac": _b64(self.mac_key),
                "audit": _b64(self.audit_key),
                "index": _b64(self.index_key),
            },
            indent=1,
        ).encode()
        tmp = path.with_name(path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(body)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        self.path = path

    # -- envelope --------------------------------------------------------------------------------

    def wrap(self, data_key: bytes, binding: bytes) -> tuple[int, bytes]:
        """Wrap a data key under the current KEK; the binding ties it to one object."""
        nonce = secrets.token_bytes(_WRAP_NONCE)
        sealed = AESGCM(self.keks[self.current]).encrypt(nonce, data_key, b"kho/dek|" + binding)
        return self.current, nonce + sealed

    def unwrap(self, version: int, wrapped: bytes, binding: bytes) -> bytes:
        kek = self.keks.get(version)
        if kek is None:
            raise IntegrityError(f"KEK version {version} is not in the keyring")
        try:
            return AESGCM(kek).decrypt(
                wrapped[:_WRAP_NONCE], wrapped[_WRAP_NONCE:], b"kho/dek|" + binding
            )
        except InvalidTag:
            raise IntegrityError("wrapped data key failed authentication") from None

    def content_mac(self, data: bytes) -> str:
        """Keyed fingerprint for de-duplication: equal files match, guesses cannot be confirmed."""
        return hmac.new(self.mac_key, data, hashlib.sha256).hexdigest()
