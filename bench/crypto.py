"""Encrypted store throughput and memory, beside raw one-shot AES-GCM on the same buffer.

    .venv/bin/python bench/crypto.py [--sizes 1,64,256] [--dir DIR]

For each size: one-shot AESGCM.encrypt of the whole buffer in memory (the ceiling), then
encrypt-and-store through the blob store (STREAM, fsync, rename) and load-and-decrypt through
``reading.stream_object`` (authenticate everything, then stream), each as MiB/s and as a ratio
to the one-shot figure; plus the peak Python memory of the streaming paths (tracemalloc).
The blob folder defaults to a temporary folder on the same disk as /tmp.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # the repository, not bench/: its files are named like the packages
from types import SimpleNamespace

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from archive.core import bindings
from archive.core.blobstore import LocalBlobStore
from archive.records import reading


def _best(run, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        run()
        times.append(time.perf_counter() - t)
    return min(times)


def _peak(run) -> int:
    tracemalloc.start()
    run()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def measure(size_mib: int, folder: Path) -> None:
    data = os.urandom(size_mib * 2**20)
    key = os.urandom(32)
    repeat = 3 if size_mib <= 64 else 1
    one_shot = _best(lambda: AESGCM(key).encrypt(b"\0" * 12, data, b""), repeat)
    store = LocalBlobStore(folder)
    store.create()
    written = []

    def put():
        written.append(store.put(key, io.BytesIO(data), b"bench"))

    stored = _best(put, repeat)
    blob = written[-1]
    # stream_object needs a record and an object; a stand-in keeps the bench off the database.
    inst = SimpleNamespace(blobs=store)
    obj = SimpleNamespace(blob=blob.name, size=blob.size, kind="original", version=1)
    original_key = reading._object_key
    reading._object_key = lambda *_args: key
    original_binding = bindings.object
    bindings.object = lambda *_args: b"bench"
    try:

        def load():
            for _chunk in reading.stream_object(inst, None, obj):
                pass

        loaded = _best(load, repeat)
        load_peak = _peak(load)
    finally:
        reading._object_key = original_key
        bindings.object = original_binding
    put_peak = _peak(lambda: store.put(key, io.BytesIO(data), b"bench"))
    for name in list(store.names()):
        store.delete(name)

    def rate(seconds: float) -> str:
        return f"{size_mib / seconds:7.0f} MiB/s"

    print(f"{size_mib:>4} MiB  one-shot AES-GCM (memory) {rate(one_shot)}")
    print(
        f"          encrypt and store        {rate(stored)}  {one_shot / stored:6.1%} of one-shot"
        f"  peak {put_peak / 2**20:6.1f} MiB beyond the input buffer"
    )
    print(
        f"          load and decrypt         {rate(loaded)}  {one_shot / loaded:6.1%} of one-shot"
        f"  peak {load_peak / 2**20:6.1f} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1,64,256", help="MiB, comma-separated")
    parser.add_argument("--dir", type=Path, help="where to write blobs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kho-bench-", dir=args.dir) as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            measure(size, Path(tmp))


if __name__ == "__main__":
    main()
