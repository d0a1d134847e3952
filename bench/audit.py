"""Audit log: sustained append rate, and verification time as the log grows to a million.

    .venv/bin/python bench/audit.py [--events 2000] [--sizes 250000,500000,1000000]

1. Appends ``--events`` entries, each in its own committed transaction as real actions do, and
   prints events/s (target: at least 200/s sustained).
2. Grows a log to each size in ``--sizes`` (entries chained exactly as
   ``archive.audit.log.record`` chains them, inserted in bulk to save time) and times
   ``archive.audit.log.verify`` over all of it, printing µs per entry: a flat figure means
   verification stays linear.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # the repository, not bench/: its files are named like the packages

from sqlalchemy import insert, update

from archive.audit import log
from archive.core.instance import Instance
from archive.models import AuditEntry, AuditHead, utcnow
from archive.operations.bootstrap import initialize
from security.actor import Context
from security.crypto import audit_chain as chain

CTX = Context(None, "bench", "VP")


def sustained(inst: Instance, events: int) -> float:
    start = time.perf_counter()
    for n in range(events):
        with inst.sessions.begin() as session:
            log.record(session, inst.keyring, CTX, "view", "allowed", n, {"n": n})
    return events / (time.perf_counter() - start)


def grow(inst: Instance, target: int, batch: int = 20000) -> None:
    """Append entries up to ``target`` with the same links record() makes, in bulk."""
    with inst.sessions() as session:
        head = session.get(AuditHead, 1)
        seq, last_hash, last_mac = head.seq, head.hash, head.mac
    base = utcnow()
    key = inst.keyring.audit_key
    while seq < target:
        rows = []
        for _ in range(min(batch, target - seq)):
            seq += 1
            entry = AuditEntry(
                seq=seq,
                at=base + timedelta(microseconds=seq),
                user_id=7,
                username="canbo",
                role="reader",
                unit="VP",
                address="10.0.0.9",
                action="view",
                outcome="allowed",
                object_id=seq % 5000,
                detail={"n": seq},
            )
            payload = log.payload_of(entry)
            last_hash = chain.chain_hash(last_hash, payload)
            last_mac = chain.chain_mac(key, last_mac, payload)
            columns = {k: getattr(entry, k) for k in log.PAYLOAD_COLUMNS}
            rows.append({**columns, "hash": last_hash, "mac": last_mac})
        with inst.sessions.begin() as session:
            session.execute(insert(AuditEntry), rows)
            session.execute(update(AuditHead).values(seq=seq, hash=last_hash, mac=last_mac))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--sizes", default="250000,500000,1000000")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kho-bench-audit-") as tmp:
        inst = Instance.from_settings(Path(tmp) / "home")
        initialize(inst, "bench root passphrase")
        rate = sustained(inst, args.events)
        print(f"append, one transaction per event: {rate:8.0f} events/s (target ≥ 200)")
        for size in (int(s) for s in args.sizes.split(",")):
            grow(inst, size)
            start = time.perf_counter()
            with inst.sessions() as session:
                count, problems = log.verify(session, inst.keyring.audit_key)
            seconds = time.perf_counter() - start
            assert not problems, problems[:3]
            print(
                f"verify {count:>9,} entries: {seconds:7.1f} s  "
                f"({seconds / count * 1e6:5.1f} µs per entry)"
            )
        inst.dispose()


if __name__ == "__main__":
    main()
