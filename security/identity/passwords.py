"""Password hashing (Argon2id) and the rules of NIST SP 800-63B.

No composition rules (no "one capital and one digit"): length of at least 12, long passphrases
welcome, and a refusal of passwords that are common, built on Vietnamese office words, made of
the user's own name, or trivially repetitive. The blocklist is data: security/data/.
"""

from __future__ import annotations

import itertools
import re
import secrets
import unicodedata
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from security.errors import KhoError

MIN_LENGTH = 12
MAX_LENGTH = 256
BLOCKLIST = Path(__file__).with_name("data") / "common-passwords.txt"
_hasher = PasswordHasher()  # Argon2id with the library's RFC 9106 low-memory profile
_TAIL = re.compile(r"[\d\W_]+$")


class WeakPassword(KhoError):
    """The chosen password breaks a rule; the message says which."""

    code = "weak_password"


@cache
def _blocked() -> frozenset[str]:
    lines = BLOCKLIST.read_text(encoding="utf-8").splitlines()
    return frozenset(_key(line) for line in lines if line and not line.startswith("#"))


def _key(text: str) -> str:
    """Lower-case, no accents (đ → d), no spaces: how people vary a common password."""
    text = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    return "".join(c for c in text if not unicodedata.combining(c) and not c.isspace())


def _is_trivial(key: str) -> bool:
    if len(set(key)) <= 2:
        return True
    steps = {ord(b) - ord(a) for a, b in itertools.pairwise(key)}
    return steps <= {1} or steps <= {-1}


def check_new_password(password: str, username: str | None = None) -> None:
    if len(password) < MIN_LENGTH:
        raise WeakPassword(
            f"Mật khẩu phải có ít nhất {MIN_LENGTH} ký tự; một câu dài dễ nhớ là tốt nhất.",
            f"The password must have at least {MIN_LENGTH} characters; a long phrase is best.",
        )
    if len(password) > MAX_LENGTH:
        raise WeakPassword("Mật khẩu quá dài.", f"The password is longer than {MAX_LENGTH}.")
    key = _key(password)
    base = _TAIL.sub("", key)
    if key in _blocked() or base in _blocked() or _is_trivial(key):
        raise WeakPassword(
            "Mật khẩu quá phổ biến hoặc dễ đoán: hãy chọn một câu khác.",
            "This password is too common or easy to guess: choose another phrase.",
        )
    if username and len(username) >= 3 and _key(username) in key:
        raise WeakPassword(
            "Mật khẩu không được chứa tên đăng nhập.",
            "The password must not contain the user name.",
        )


def hash_password(password: str, username: str | None = None) -> str:
    check_new_password(password, username)
    return _hasher.hash(password)


@cache
def _dummy_hash() -> str:
    """A hash of nothing anyone knows, so that an unknown user costs as much time as a wrong
    password. Made on the first sign-in, not on import: a command that never checks a password
    (`kho search`) does not pay an Argon2 hash to start."""
    return _hasher.hash(secrets.token_urlsafe(16))


def warm_up() -> None:
    """Make the dummy hash now (a web worker, before it takes requests)."""
    _dummy_hash()


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def generate_password() -> str:
    """A random password that is easy to read aloud: four groups of lowercase letters and digits."""
    alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(4))
