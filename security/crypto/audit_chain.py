"""The audit chain, computed without any database.

Every entry carries two links to its predecessor:
- ``hash`` = SHA-256(previous hash | canonical entry): anyone can recompute it, offline, from an
  export; with a signed checkpoint (Ed25519 over count, head hash and time) it proves that nothing
  up to the checkpoint was edited, inserted, deleted or reordered;
- ``mac`` = HMAC-SHA-256(audit key, previous MAC | canonical entry), whose key lives in the
  keyring and not in the database, so whoever can write the table still cannot forge a chain
  that ``kho audit verify`` accepts.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

GENESIS = "0" * 64


def canonical(payload: dict) -> bytes:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def chain_hash(previous: str, payload: dict) -> str:
    return hashlib.sha256(previous.encode() + b"|" + canonical(payload)).hexdigest()


def chain_mac(key: bytes, previous: str, payload: dict) -> str:
    return hmac.new(key, previous.encode() + b"|" + canonical(payload), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    problem: str


@dataclass(frozen=True)
class Link:
    seq: int
    payload: dict
    hash: str
    mac: str


def verify_chain(key: bytes, links: Iterable[Link]) -> tuple[list[ChainProblem], str, str]:
    """Check links given in sequence order; returns problems and the last (hash, MAC) seen.

    A gap in sequence numbers means deleted entries; a hash or MAC that does not match means an
    edited, inserted or reordered entry. After a break the chain is re-anchored on the stored
    values, so one tampering is reported once and not again at every later entry.
    """
    problems: list[ChainProblem] = []
    last_hash, last_mac, expected = GENESIS, GENESIS, 1
    for link in links:
        if link.seq != expected:
            problems.append(ChainProblem(link.seq, f"entries {expected}..{link.seq - 1} missing"))
        hash_ok = chain_hash(last_hash, link.payload) == link.hash
        mac_ok = hmac.compare_digest(chain_mac(key, last_mac, link.payload), link.mac)
        if not (hash_ok and mac_ok):
            problems.append(ChainProblem(link.seq, "entry altered, inserted or moved"))
        last_hash, last_mac, expected = link.hash, link.mac, link.seq + 1
    return problems, last_hash, last_mac


def checkpoint_message(seq: int, head_hash: str, at: str) -> bytes:
    return f"kho-audit-checkpoint-v1|{seq}|{head_hash}|{at}".encode()


def sign_checkpoint(private_seed: bytes, seq: int, head_hash: str, at: str) -> str:
    key = Ed25519PrivateKey.from_private_bytes(private_seed)
    return key.sign(checkpoint_message(seq, head_hash, at)).hex()


def public_key_hex(private_seed: bytes) -> str:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    public = Ed25519PrivateKey.from_private_bytes(private_seed).public_key()
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def checkpoint_is_valid(public_hex: str, seq: int, head_hash: str, at: str, signature: str) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_hex)).verify(
            bytes.fromhex(signature), checkpoint_message(seq, head_hash, at)
        )
        return True
    except (InvalidSignature, ValueError):
        return False


# -- free text inside entries ----------------------------------------------------------------------
# Search queries and reasons people type are descriptive content: an entry keeps them sealed
# (AES-256-GCM under a key derived from the audit key, bound to the entry's number), so the
# database holds no plaintext of them. The audit key never rotates away (the chain needs it), so
# old entries stay readable after a KEK rotation; the chain's links cover the sealed form.


def _detail_key(audit_key: bytes) -> bytes:
    return HKDF(SHA256(), 32, salt=None, info=b"kho/audit/sealed-detail").derive(audit_key)


def seal_detail(audit_key: bytes, seq: int, data: dict) -> str:
    """``data`` as one base64 token that only the keyring's holder can open."""
    nonce = secrets.token_bytes(12)
    aad = f"kho/audit/{seq}".encode()
    sealed = AESGCM(_detail_key(audit_key)).encrypt(nonce, canonical(data), aad)
    return base64.b64encode(nonce + sealed).decode()


def unseal_detail(audit_key: bytes, seq: int, token: str) -> dict:
    raw = base64.b64decode(token)
    aad = f"kho/audit/{seq}".encode()
    return json.loads(AESGCM(_detail_key(audit_key)).decrypt(raw[:12], raw[12:], aad))
