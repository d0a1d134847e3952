"""Signature validation: cost per signature beside the rest of ingest, and what the validator
finds in real signed PDFs.

Usage (from the project root):
    .venv/bin/python bench/signatures.py [--real DIR] [--rounds N]

1. Generated: PDFs signed with a test PKI (tests/support/signing.py), one and two signatures,
   with and without a timestamp; for each, the time of ``validate_pdf`` (per signature) beside
   ``examine`` + header reading (the rest of ingest's work on the same file), best of N rounds.
2. Real (default ``../shared/corpus/real``): every PDF validated with an EMPTY trust store (no
   root loaded, as a fresh instance is): signer, organisation, status, time source per
   signature, and the same two timings.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # the repository, not bench/: its files are named like the packages

from archive.operations.trust import TrustMaterial
from ingest.describe.header import parse_header
from ingest.examine.stages import examine
from ingest.signatures.validate import validate_pdf
from tests.support import signing as sp


def best(func, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return min(times)


def describe_cost(data: bytes, name: str) -> float:
    """examine + header: what ingest does to the same file besides signatures (no OCR)."""

    def run():
        found = examine(data, name, run_ocr=False)
        if found.text.strip():
            parse_header(found.text)

    return run


def generated(rounds: int) -> None:
    pki = sp.pki()
    trust = TrustMaterial(1, (pki.root.der,), (pki.empty_crl,))
    one = sp.signed_pdf()
    cases = {
        "1 chữ ký / signature (CAdES)": one,
        "1 chữ ký, adbe.pkcs7": sp.signed_pdf(subfilter=sp.PKCS7),
        "1 chữ ký + dấu thời gian / timestamp": sp.signed_pdf(timestamp=True),
        "2 chữ ký / signatures": sp.sign(one, pki.second_signer, field="Signature2"),
        "không ký / unsigned": sp.unsigned_pdf(),
    }
    print("Generated (test PKI, root trusted, a CRL imported):")
    print(
        f"  {'file':40} {'sigs':>4} {'validate ms':>12} {'ms/sig':>8} {'examine+describe ms':>20}"
    )
    for label, data in cases.items():
        check = validate_pdf(data, trust)
        count = len(check.signatures)
        spent = best(lambda d=data: validate_pdf(d, trust), rounds) * 1000
        rest = best(describe_cost(data, "x.pdf"), rounds) * 1000
        per = f"{spent / count:8.1f}" if count else f"{'-':>8}"
        print(f"  {label:40} {count:4d} {spent:12.1f} {per} {rest:20.1f}")


def real(folder: Path, rounds: int) -> None:
    files = sorted(folder.glob("*.pdf"))
    if not files:
        print(f"(no PDFs in {folder})")
        return
    empty = TrustMaterial(0)
    print(f"\nReal signed PDFs in {folder} (empty trust store):")
    rows, per_sig, rest_all = [], [], []
    for path in files:
        data = path.read_bytes()
        check = validate_pdf(data, empty)
        spent = best(lambda d=data: validate_pdf(d, empty), rounds) * 1000
        rest = best(describe_cost(data, path.name), rounds) * 1000
        rest_all.append(rest)
        if check.signatures:
            per_sig.append(spent / len(check.signatures))
        rows.append((path.name, check, spent, rest))
    print("| file | # | signer | organization | status | time source | weak digest |")
    print("|---|---|---|---|---|---|---|")
    for name, check, _, _ in rows:
        if not check.signatures:
            print(f"| {name} | - | (không ký / not signed) | | | | |")
        for n, sig in enumerate(check.signatures, start=1):
            weak = "SHA-1" if any("SHA1" in note.en for note in sig.notes) else ""
            print(f"| {name} | {n} | {sig.signer} | {sig.organization} | {sig.status} | "
                  f"{sig.time_source} | {weak} |")  # fmt: skip
    print("\n| file | signatures | validate ms | ms/signature | examine+describe ms |")
    print("|---|---|---|---|---|")
    for name, check, spent, rest in rows:
        count = len(check.signatures)
        per = f"{spent / count:.1f}" if count else "-"
        print(f"| {name} | {count} | {spent:.1f} | {per} | {rest:.1f} |")
    if per_sig:
        print(
            f"\nPer signature: median {statistics.median(per_sig):.1f} ms, max {max(per_sig):.1f} "
            f"ms; examine+describe per file: median {statistics.median(rest_all):.1f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    shared = next(
        (p for p in (ROOT.parent / "shared", ROOT.parent.parent / "shared") if p.is_dir()),
        ROOT.parent / "shared",
    )  # ../shared beside the main checkout; ../../shared from a worktree in wt/
    parser.add_argument("--real", type=Path, default=shared / "corpus" / "real")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    generated(args.rounds)
    real(args.real, args.rounds)


if __name__ == "__main__":
    main()
