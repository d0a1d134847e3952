"""Blob store throughput, object storage (S3) beside the local folder, in the same run.

    .venv/bin/python bench/blobs.py [--small 200] [--sizes 1,16,64,256]

Without ``KHO_TEST_S3_ENDPOINT`` in the environment it starts a throw-away SeaweedFS through
``scripts/with-s3.sh`` (port ``KHO_S3_PORT``, default 58333) and runs inside it. For each store:

* small objects (``--small`` × 100 KiB, the size of a typical text or scanned page): encrypt
  and store, then open and decrypt, as objects/s;
* large objects (``--sizes`` MiB, best of three up to 64 MiB): encrypt and store, load and
  decrypt through ``reading.stream_object`` (authenticate everything, then stream), and the
  keyless fixity hash (``kho verify``), as MiB/s, with the peak Python memory of storing and
  reading (tracemalloc);
* the anchor of each: for S3 a bare boto3 ``put_object`` / ``get_object`` of the same
  ciphertext (what the server takes without Kho), for the folder a bare write + fsync / read.

SeaweedFS here is one process (master, volume, filer, S3 gateway) on loopback sharing the
machine's cores with the client: production object storage on its own machines is faster.
"""

from __future__ import annotations

import argparse
import io
import os
import secrets
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # the repository, not bench/: its files are named like the packages

from archive.core import bindings
from archive.core.blobstore import LocalBlobStore
from archive.core.s3store import S3BlobStore
from archive.records import reading

BINDING = b"kho/bench/original/v1"


def _timed(run) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def _peak(run) -> float:
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


class _Reader:
    """reading.stream_object on a bare blob: the key and binding handed over directly."""

    def __init__(self, store, key: bytes) -> None:
        self.inst = SimpleNamespace(blobs=store)
        self.key = key

    def __enter__(self):
        self._saved = reading._object_key, bindings.object
        reading._object_key = lambda *_args: self.key
        bindings.object = lambda *_args: BINDING
        return self

    def __exit__(self, *_exc) -> None:
        reading._object_key, bindings.object = self._saved

    def read(self, name: str, size: int) -> None:
        obj = SimpleNamespace(blob=name, size=size, kind="original", version=1)
        for _chunk in reading.stream_object(self.inst, None, obj):
            pass


def _bare_put(store, name: str, data: bytes) -> float:
    """Seconds to store ``data`` as is: the server's (or the disk's) own speed."""
    started = time.perf_counter()
    if isinstance(store, S3BlobStore):
        store.client.put_object(Bucket=store.bucket, Key=store.key(name), Body=data)
    else:
        path = store.path(name)
        path.parent.mkdir(exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    return time.perf_counter() - started


def _bare_get(store, name: str) -> None:
    if isinstance(store, S3BlobStore):
        body = store.client.get_object(Bucket=store.bucket, Key=store.key(name))["Body"]
    else:
        body = open(store.path(name), "rb")  # noqa: SIM115 - closed below
    with body:
        while body.read(1 << 20):
            pass


def _put_all(store, key: bytes, payloads: list[bytes], names: list[str]) -> None:
    for payload in payloads:
        names.append(store.put(key, io.BytesIO(payload), BINDING).name)


def _small(store, count: int) -> tuple[float, float, float]:
    key = os.urandom(32)
    payloads = [os.urandom(100 * 1024) for _ in range(count)]
    names: list[str] = []
    put = _timed(lambda: _put_all(store, key, payloads, names))
    with _Reader(store, key) as reader:
        got = _timed(lambda: [reader.read(n, 100 * 1024) for n in names])
    with store.open(names[0]) as fh:
        ciphertext = fh.read()
    bare = [secrets.token_hex(16) for _ in names]
    bare_put = sum(_bare_put(store, name, ciphertext) for name in bare)
    for name in names + bare:
        store.delete(name)
    return count / put, count / got, count / bare_put


def _large(store, size_mib: int) -> dict[str, float]:
    """Best of three runs (one beyond 64 MiB): the machine is shared, the slow runs are noise."""
    size = size_mib * 2**20
    data = os.urandom(size)
    key = os.urandom(32)
    repeat = 3 if size_mib <= 64 else 1
    out: dict[str, float] = {}
    blobs = []

    def best(run) -> float:
        return size_mib / min(_timed(run) for _ in range(repeat))

    out["put"] = best(lambda: blobs.append(store.put(key, io.BytesIO(data), BINDING)))
    name = blobs[-1].name
    with _Reader(store, key) as reader:
        out["read"] = best(lambda: reader.read(name, size))
        out["read_peak"] = _peak(lambda: reader.read(name, size))
    out["sha256"] = best(lambda: store.sha256(name))
    bare = secrets.token_hex(16)
    with store.open(name) as fh:
        ciphertext = fh.read()
    out["bare_put"] = size_mib / min(_bare_put(store, bare, ciphertext) for _ in range(repeat))
    out["bare_get"] = best(lambda: _bare_get(store, bare))
    out["put_peak"] = _peak(lambda: blobs.append(store.put(key, io.BytesIO(data), BINDING)))
    for blob in blobs:
        store.delete(blob.name)
    store.delete(bare)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", type=int, default=200, help="how many 100 KiB objects")
    parser.add_argument("--sizes", default="1,16,64,256", help="large objects, MiB")
    args = parser.parse_args()
    endpoint = os.environ.get("KHO_TEST_S3_ENDPOINT")
    if not endpoint:  # start SeaweedFS and come back inside it
        script = str(ROOT / "scripts/with-s3.sh")
        os.execvp("bash", ["bash", script, sys.executable, *sys.argv])  # noqa: S606
    bucket = os.environ.get("KHO_TEST_S3_BUCKET", "kho-test")
    with tempfile.TemporaryDirectory(prefix="kho-bench-") as tmp:
        stores = {
            "local": LocalBlobStore(Path(tmp) / "blobs"),
            "S3": S3BlobStore(bucket, f"bench-{secrets.token_hex(4)}", endpoint),
        }
        for store in stores.values():
            store.create()
        try:
            print(f"S3: SeaweedFS at {endpoint}; local: {tmp} (fsync on every blob)")
            print(f"\n{args.small} objects of 100 KiB  store obj/s  (bare)   read obj/s")
            for label, store in stores.items():
                put, got, bare = _small(store, args.small)
                print(f"  {label:<24} {put:11.0f} {bare:7.0f}  {got:11.0f}")
            header = (
                "store MiB/s  (bare)   read MiB/s  (bare)   verify MiB/s  peak store / read MiB"
            )
            for size in (int(s) for s in args.sizes.split(",")):
                print(f"\n{size} MiB object      {header}")
                for label, store in stores.items():
                    r = _large(store, size)
                    print(
                        f"  {label:<16} {r['put']:11.0f} {r['bare_put']:7.0f}  {r['read']:11.0f}"
                        f" {r['bare_get']:7.0f}  {r['sha256']:12.0f}"
                        f"  {r['put_peak']:10.1f} / {r['read_peak']:.1f}"
                    )
        finally:
            stores["S3"].remove_all()


if __name__ == "__main__":
    main()
