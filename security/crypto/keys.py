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
import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from security.crypto.stream import IntegrityError
from security.errors import KhoError

KEYRING_FORMAT = "kho-keyring-1"
_WRAP_NONCE = 12


class KeyringError(KhoError):
    """The key file is missing, unreadable, too open or malformed."""

    code = "keyring"


def new_data_key() -> bytes:
    return secrets.token_bytes(32)


def derive_key(key: bytes, purpose: bytes) -> bytes:
    """A separate key for each thing sealed under one data key (HKDF-SHA256): STREAM's nonces
    restart at zero for every ciphertext, so two plaintexts must never share a key."""
    return HKDF(SHA256(), 32, salt=None, info=purpose).derive(key)


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
    # Ed25519 seed for audit checkpoints; absent from key files older than the checkpoints.
    signing_key: bytes | None = None

    @classmethod
    def generate(cls) -> Keyring:
        return cls(
            keks={1: new_data_key()},
            current=1,
            mac_key=new_data_key(),
            audit_key=new_data_key(),
            index_key=new_data_key(),
            signing_key=new_data_key(),
        )

    # -- versions ------------------------------------------------------------------------------

    def rotate(self) -> int:
        """Add a new KEK and make it current; older versions stay until retired."""
        self.current = max(self.keks) + 1
        self.keks[self.current] = new_data_key()
        return self.current

    def retire(self, version: int) -> None:
        if version == self.current:
            raise KeyringError(
                f"Không thể hủy khóa đang dùng (phiên bản {version}).",
                f"KEK version {version} is the current one: rotate first.",
            )
        if version not in self.keks:
            raise KeyringError(f"Không có khóa phiên bản {version}.", f"No KEK version {version}.")
        del self.keks[version]

    # -- serialization (where the bytes go is security.crypto.keyfile's business) ----------------

    def to_json(self) -> bytes:
        return json.dumps(
            {
                "format": KEYRING_FORMAT,
                "current": self.current,
                "keks": {str(v): _b64(k) for v, k in sorted(self.keks.items())},
                "mac": _b64(self.mac_key),
                "audit": _b64(self.audit_key),
                "index": _b64(self.index_key),
                **({"sign": _b64(self.signing_key)} if self.signing_key else {}),
            },
            indent=1,
        ).encode()

    @classmethod
    def from_json(cls, raw: bytes, origin: str) -> Keyring:
        try:
            data = json.loads(raw)
            if data.get("format") != KEYRING_FORMAT:
                raise ValueError("unknown format")
            return cls(
                keks={int(v): _unb64(k) for v, k in data["keks"].items()},
                current=int(data["current"]),
                mac_key=_unb64(data["mac"]),
                audit_key=_unb64(data["audit"]),
                index_key=_unb64(data["index"]),
                signing_key=_unb64(data["sign"]) if data.get("sign") else None,
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise KeyringError(
                f"Khóa từ {origin} sai định dạng.", f"Malformed keyring from {origin}: {exc}"
            ) from None

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

    def group_mac(self, purpose: str, value: str) -> str:
        """Keyed fingerprint of a sealed value that lists count by (a sender's name): equal
        values group together in SQL, and without the key a guess cannot be confirmed. The
        purpose keeps fingerprints of different fields (and files) from ever matching."""
        message = b"kho/group/" + purpose.encode() + b"\0" + value.encode()
        return hmac.new(self.mac_key, message, hashlib.sha256).hexdigest()

    def content_mac(self, data: bytes) -> str:
        """Keyed fingerprint for de-duplication: equal files match, guesses cannot be confirmed."""
        return hmac.new(self.mac_key, data, hashlib.sha256).hexdigest()
