#!/usr/bin/env python3
"""Check a Kho audit export offline, independently of Kho: no database, no keys, no Kho code.

    python3 verify_audit_export.py audit.jsonl [--public-key HEX]

Reads ``audit.jsonl`` and ``audit.jsonl.manifest.json`` (written by ``kho audit export``) and
checks that
  1. the entries file is the one the manifest describes (SHA-256, count, first and last number);
  2. entry numbers follow each other without gaps;
  3. every entry's ``hash`` is SHA-256(previous hash | canonical JSON of the entry without hash),
     starting from the manifest's ``previous_hash``;
  4. every checkpoint in the manifest is signed (Ed25519) by the public key and names the hash
     the chain really has at that entry.
Pass ``--public-key`` with the key you hold from elsewhere (``kho audit pubkey``), so that a forged
manifest with its own key is refused. Needs only Python 3 and the ``cryptography`` package.
Exit status 0 when everything holds, 1 otherwise, with one line per problem.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def canonical(entry: dict) -> bytes:
    return json.dumps(entry, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def signature_ok(public_hex: str, point: dict) -> bool:
    message = f"kho-audit-checkpoint-v1|{point['seq']}|{point['head_hash']}|{point['at']}"
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_hex)).verify(
            bytes.fromhex(point["signature"]), message.encode()
        )
        return True
    except (InvalidSignature, ValueError):
        return False


def check(entries_path: Path, trusted_key: str | None) -> list[str]:
    manifest = json.loads(entries_path.with_name(entries_path.name + ".manifest.json").read_text())
    problems = []
    raw = entries_path.read_bytes()
    if hashlib.sha256(raw).hexdigest() != manifest["entries_sha256"]:
        problems.append("entries file differs from the one the manifest describes (SHA-256)")
    public = manifest["public_key"]
    if trusted_key and trusted_key.lower() != public.lower():
        problems.append("manifest's public key is not the trusted key")
    previous, expected = manifest["previous_hash"], manifest["first_seq"]
    hashes: dict[int, str] = {}
    for number, line in enumerate(raw.decode("utf-8").splitlines(), 1):
        entry = json.loads(line)
        stored = entry.pop("hash")
        if entry["seq"] != expected:
            problems.append(f"line {number}: entry {entry['seq']} where {expected} was expected")
        computed = hashlib.sha256(previous.encode() + b"|" + canonical(entry)).hexdigest()
        if computed != stored:
            problems.append(f"line {number}: entry {entry['seq']} altered, inserted or moved")
        hashes[entry["seq"]] = stored
        previous, expected = stored, entry["seq"] + 1
    if len(hashes) != manifest["count"] or expected - 1 != manifest["last_seq"]:
        problems.append(
            f"manifest says {manifest['count']} entries to {manifest['last_seq']}; "
            f"file has {len(hashes)} to {expected - 1}"
        )
    for point in manifest["checkpoints"]:
        if not signature_ok(public, point):
            problems.append(f"checkpoint at {point['seq']}: signature not valid")
        elif hashes.get(point["seq"]) != point["head_hash"]:
            problems.append(f"checkpoint at {point['seq']}: chain differs from the signed hash")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description="Verify a Kho audit export offline.")
    parser.add_argument("entries", type=Path, help="the .jsonl file written by kho audit export")
    parser.add_argument("--public-key", help="the checkpoint public key you trust (hex)")
    args = parser.parse_args()
    problems = check(args.entries, args.public_key)
    for problem in problems:
        print(problem)
    if problems:
        return 1
    print(f"OK: {args.entries} is intact and matches its signed checkpoints.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
