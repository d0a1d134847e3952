"""The audit chain: each entry's MAC covers its content and the previous entry's MAC.

The MAC key lives in the keyring, not in the database, so someone who can edit the audit table
cannot recompute the chain after changing, inserting, deleting or reordering an entry.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass

GENESIS = "0" * 64


def canonical(payload: dict) -> bytes:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def chain_mac(key: bytes, previous: str, payload: dict) -> str:
    return hmac.new(key, previous.encode() + b"|" + canonical(payload), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    problem: str


def verify_chain(key: bytes, entries: Iterable[tuple[int, dict, str]]) -> list[ChainProblem]:
    """Check entries given in order as (seq, payload, mac); report the first position of each break.

    A gap in sequence numbers means a deleted entry; a MAC that does not match means an edited,
    inserted or reordered one. After a break, the chain is re-anchored on the stored MAC so that
    one tampering is reported once, not at every later entry.
    """
    problems: list[ChainProblem] = []
    previous = GENESIS
    expected_seq = 1
    for seq, payload, mac in entries:
        if seq != expected_seq:
            problems.append(ChainProblem(seq, f"sequence jumps from {expected_seq - 1} to {seq}"))
        if not hmac.compare_digest(chain_mac(key, previous, payload), mac):
            problems.append(ChainProblem(seq, "entry MAC does not match its content and chain"))
        previous = mac
        expected_seq = seq + 1
    return problems
