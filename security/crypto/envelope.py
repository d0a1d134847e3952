"""Files sealed to a recipient archive's X25519 key: the encryption of transfer bags
(byte format: docs/transfer-format.md).

``KHOX|01|ephemeral public key (32)|STREAM``: a fresh ephemeral key per file, HKDF-SHA256 of the
shared secret into the file's STREAM key, the file's place in the bag as the binding. The
recipient's key pair is made here too (``generate_keypair``).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import BinaryIO

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from security.crypto import keyfile
from security.crypto.stream import decrypt_bytes, encrypt_stream
from security.errors import KhoError

FORMAT = "kho-transfer-1"
FILE_MAGIC = b"KHOX\x01"
HKDF_INFO = b"kho-transfer-1/file-key"
ENCRYPTED_SUFFIX = ".enc"  # a sealed file in a bag: its path plus this


class TransferError(KhoError):
    code = "transfer"


def _file_key(shared: bytes, ephemeral_public: bytes, recipient_public: bytes) -> bytes:
    hkdf = HKDF(hashes.SHA256(), 32, ephemeral_public + recipient_public, HKDF_INFO)
    return hkdf.derive(shared)


def file_binding(bag_id: str, rel: str) -> bytes:
    """Ties a ciphertext to its bag and its path in ``data/`` (without the suffix)."""
    return f"{FORMAT}/{bag_id}/{rel}".encode()


def seal_to(
    recipient_public: bytes,
    src: BinaryIO,
    dst: BinaryIO,
    binding: bytes,
    ephemeral_private: bytes | None = None,
) -> None:
    """``KHOX|01|ephemeral public key (32)|STREAM``; a fresh ephemeral key per file (the
    ``ephemeral_private`` argument exists for the documented test vector only)."""
    eph = (
        X25519PrivateKey.from_private_bytes(ephemeral_private)
        if ephemeral_private
        else X25519PrivateKey.generate()
    )
    eph_public = eph.public_key().public_bytes_raw()
    shared = eph.exchange(X25519PublicKey.from_public_bytes(recipient_public))
    dst.write(FILE_MAGIC + eph_public)
    encrypt_stream(_file_key(shared, eph_public, recipient_public), src, dst, binding)


def open_sealed(recipient_private: bytes, sealed: bytes, binding: bytes) -> bytes:
    """Decrypt a file of a bag; raises IntegrityError (nothing returned) if anything is off."""
    head = len(FILE_MAGIC)
    if sealed[:head] != FILE_MAGIC or len(sealed) < head + 32:
        raise TransferError("Tệp trong gói không đúng định dạng.", "Not a Kho transfer file.")
    eph_public = sealed[head : head + 32]
    private = X25519PrivateKey.from_private_bytes(recipient_private)
    mine = private.public_key().public_bytes_raw()
    shared = private.exchange(X25519PublicKey.from_public_bytes(eph_public))
    return decrypt_bytes(_file_key(shared, eph_public, mine), sealed[head + 32 :], binding)


def generate_keypair(prefix: Path) -> tuple[Path, Path]:
    """A recipient archive's pair: ``PREFIX.key`` (PKCS#8 PEM, 0600) and ``PREFIX.pub``."""
    private = X25519PrivateKey.generate()
    key_path, pub_path = Path(f"{prefix}.key"), Path(f"{prefix}.pub")
    if key_path.exists() or pub_path.exists():
        raise TransferError(f"{key_path} đã có.", f"{key_path} or {pub_path} exists already.")
    keyfile.write_private(
        key_path,
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )
    pub_path.write_bytes(
        private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return key_path, pub_path


def load_public_key(path: Path) -> bytes:
    try:
        key = serialization.load_pem_public_key(Path(path).read_bytes())
    except ValueError:
        key = None
    if not isinstance(key, X25519PublicKey):
        raise TransferError("Khóa không phải X25519.", f"{path} is not an X25519 public key.")
    return key.public_bytes_raw()


def load_private_key(path: Path) -> bytes:
    path = Path(path)
    if path.stat().st_mode & 0o077:
        raise TransferError(
            f"Tệp khóa {path} có quyền quá rộng: chmod 600.", f"{path} is readable by others."
        )
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError):
        key = None
    if not isinstance(key, X25519PrivateKey):
        raise TransferError("Khóa không phải X25519.", f"{path} is not an X25519 private key.")
    return key.private_bytes_raw()


def fingerprint(public: bytes) -> str:
    return hashlib.sha256(public).hexdigest()
