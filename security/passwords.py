"""Password hashing (Argon2id) and the minimal rules of NIST SP 800-63B."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from security.errors import KhoError

MIN_LENGTH = 12
MAX_LENGTH = 256
_hasher = PasswordHasher()
# A dummy hash so that an unknown user costs as much time as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class WeakPassword(KhoError):
    """The chosen password breaks a rule; the message says which."""

    code = "weak_password"


def check_new_password(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise WeakPassword(
            f"Mật khẩu phải có ít nhất {MIN_LENGTH} ký tự.",
            f"The password must have at least {MIN_LENGTH} characters.",
        )
    if len(password) > MAX_LENGTH:
        raise WeakPassword("Mật khẩu quá dài.", f"The password is longer than {MAX_LENGTH}.")


def hash_password(password: str) -> str:
    check_new_password(password)
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def generate_password() -> str:
    """A random password that is easy to read aloud: four groups of lowercase letters and digits."""
    alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(4))
