"""Where the keyring comes from and where it is written back.

Three sources, in this order:
- ``KHO_KEYRING`` in the environment (containers): the key file's JSON, or base64 of it;
  read-only, so rotation needs a key file.
- a key file sealed with a passphrase (Argon2id → AES-256-GCM); the passphrase is read from the
  file descriptor named by ``KHO_KEY_PASSPHRASE_FD``, or asked on the terminal at start;
- a plain key file (the default), mode 0600, refused when others can read it.
A sealed copy is also the escrow format of ``kho keys export``.
"""

from __future__ import annotations

import base64
import binascii
import getpass
import json
import os
import secrets
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from security.crypto.keys import Keyring, KeyringError

SEALED_FORMAT = "kho-keyring-sealed-1"
ENV_KEYRING = "KHO_KEYRING"
ENV_PASSPHRASE_FD = "KHO_KEY_PASSPHRASE_FD"  # noqa: S105 - a variable name, not a secret
# Argon2id at RFC 9106's second recommended setting (64 MiB, 3 passes), 2 lanes for 2 cores.
KDF = {"name": "argon2id", "time_cost": 3, "memory_cost": 65536, "parallelism": 2}
MIN_PASSPHRASE = 12


@dataclass
class KeySource:
    """How the keyring was obtained, so that it can be written back the same way."""

    path: Path | None
    passphrase: str | None = None
    from_env: bool = False

    def describe(self, full_path: bool = True) -> str:
        """Where the keys come from; without ``full_path`` (pages) the file's name only, so
        no web page tells where on the server the key file lies."""
        if self.from_env:
            return f"environment variable {ENV_KEYRING}"
        where = self.path if full_path else self.path.name
        return f"{'sealed ' if self.passphrase else ''}key file {where}"


def _derive(passphrase: str, salt: bytes, kdf: Mapping) -> bytes:
    return hash_secret_raw(
        passphrase.encode(),
        salt,
        time_cost=int(kdf["time_cost"]),
        memory_cost=int(kdf["memory_cost"]),
        parallelism=int(kdf["parallelism"]),
        hash_len=32,
        type=Type.ID,
    )


def seal(ring: Keyring, passphrase: str) -> bytes:
    if len(passphrase) < MIN_PASSPHRASE:
        raise KeyringError(
            f"Cụm mật khẩu phải có ít nhất {MIN_PASSPHRASE} ký tự.",
            f"The passphrase must have at least {MIN_PASSPHRASE} characters.",
        )
    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    sealed = AESGCM(_derive(passphrase, salt, KDF)).encrypt(
        nonce, ring.to_json(), SEALED_FORMAT.encode()
    )
    return json.dumps(
        {
            "format": SEALED_FORMAT,
            "kdf": {**KDF, "salt": base64.b64encode(salt).decode()},
            "nonce": base64.b64encode(nonce).decode(),
            "sealed": base64.b64encode(sealed).decode(),
        },
        indent=1,
    ).encode()


def is_sealed(raw: bytes) -> bool:
    try:
        return json.loads(raw).get("format") == SEALED_FORMAT
    except (ValueError, AttributeError):
        return False


def unseal(raw: bytes, passphrase: str, origin: str) -> Keyring:
    try:
        data = json.loads(raw)
        kdf = data["kdf"]
        key = _derive(passphrase, base64.b64decode(kdf["salt"]), kdf)
        plain = AESGCM(key).decrypt(
            base64.b64decode(data["nonce"]),
            base64.b64decode(data["sealed"]),
            SEALED_FORMAT.encode(),
        )
    except InvalidTag:
        raise KeyringError(
            f"Sai cụm mật khẩu của tệp khóa {origin}.", f"Wrong passphrase for {origin}."
        ) from None
    except (ValueError, KeyError, TypeError) as exc:
        raise KeyringError(
            f"Tệp khóa {origin} hỏng.", f"Damaged sealed key file {origin}: {exc}"
        ) from None
    return Keyring.from_json(plain, origin)


def read_passphrase(environ: Mapping[str, str], prompt: str) -> str:
    """From the descriptor in KHO_KEY_PASSPHRASE_FD, else from the terminal, else refuse."""
    fd = environ.get(ENV_PASSPHRASE_FD)
    if fd:
        # Byte by byte, so that nothing after the first line is consumed and lost.
        line = bytearray()
        while (byte := os.read(int(fd), 1)) not in (b"", b"\n"):
            line += byte
        return line.decode("utf-8").rstrip("\r")
    if sys.stdin is not None and sys.stdin.isatty():
        return getpass.getpass(prompt)
    raise KeyringError(
        f"Cần cụm mật khẩu của tệp khóa: đặt {ENV_PASSPHRASE_FD} hoặc chạy trong terminal.",
        f"The key file is sealed: give its passphrase on the descriptor {ENV_PASSPHRASE_FD}.",
    )


def _check_private(path: Path) -> None:
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise KeyringError(
            f"Tệp khóa {path} có quyền truy cập quá rộng: chạy chmod 600 {path}.",
            f"Key file {path} is readable by others ({oct(mode)}): run chmod 600 {path}.",
        )


def load(
    path: Path, environ: Mapping[str, str] = os.environ, passphrase: str | None = None
) -> tuple[Keyring, KeySource]:
    """The keyring and its source; ``passphrase`` spares a second question on reload."""
    if environ.get(ENV_KEYRING):
        raw = environ[ENV_KEYRING].strip().encode()
        if not raw.startswith(b"{"):
            try:
                raw = base64.b64decode(raw, validate=True)
            except binascii.Error:
                raise KeyringError(
                    f"{ENV_KEYRING} không hợp lệ.", f"{ENV_KEYRING} is neither JSON nor base64."
                ) from None
        return Keyring.from_json(raw, ENV_KEYRING), KeySource(None, from_env=True)
    try:
        _check_private(path)
        raw = path.read_bytes()
    except FileNotFoundError:
        raise KeyringError(
            f"Không tìm thấy tệp khóa {path}: chạy `kho init` hoặc đặt KHO_KEY_FILE.",
            f"Key file {path} not found: run `kho init` or set KHO_KEY_FILE.",
        ) from None
    except OSError as exc:
        raise KeyringError(
            f"Tệp khóa {path} không đọc được.", f"Key file unreadable: {exc}"
        ) from exc
    if is_sealed(raw):
        if passphrase is None:
            passphrase = read_passphrase(environ, f"Cụm mật khẩu cho {path} / passphrase: ")
        return unseal(raw, passphrase, str(path)), KeySource(path, passphrase)
    return Keyring.from_json(raw, str(path)), KeySource(path)


def write_private(path: Path, body: bytes) -> None:
    """Atomically, mode 0600 from the first byte: never readable by others, not even briefly."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f"{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(body)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def save(ring: Keyring, source: KeySource) -> None:
    """Write the keyring back where it came from, sealed again if it was sealed."""
    if source.from_env or source.path is None:
        raise KeyringError(
            f"Khóa lấy từ {ENV_KEYRING} không ghi lại được: dùng tệp khóa để xoay vòng khóa.",
            f"A keyring from {ENV_KEYRING} is read-only: rotate with a key file.",
        )
    body = seal(ring, source.passphrase) if source.passphrase else ring.to_json()
    write_private(source.path, body)
