"""Reaching behind the blob store, whichever it is: what damage, a crash or an old backup does."""

from __future__ import annotations

import os
from pathlib import Path

from archive.core.blobstore import LocalBlobStore, check_name
from archive.core.instance import Instance

# Set by scripts/with-s3.sh: instances of the run keep their blobs in this bucket.
S3_ENDPOINT = os.environ.get("KHO_TEST_S3_ENDPOINT")
S3_BUCKET = os.environ.get("KHO_TEST_S3_BUCKET", "kho-test")


def instance_at(home: Path, database_url: str, blobs: dict[str, str]) -> Instance:
    """A second handle on an instance of the test, with its blob settings (``blob_area``)."""
    return Instance.from_settings(
        home, database_url, blobs=blobs.get("KHO_BLOBS"), s3_endpoint=blobs.get("KHO_S3_ENDPOINT")
    )


def raw(inst, name: str) -> bytes:
    with inst.blobs.open(name) as fh:
        return fh.read()


def overwrite(inst, name: str, data: bytes) -> None:
    """Replace (or bring back) a blob's ciphertext without Kho knowing."""
    store = inst.blobs
    if isinstance(store, LocalBlobStore):
        store.path(name).parent.mkdir(exist_ok=True)
        store.path(name).write_bytes(data)
    else:
        store.client.put_object(Bucket=store.bucket, Key=store.key(name), Body=data)


def snapshot(inst) -> dict[str, bytes]:
    return {name: raw(inst, name) for name in inst.blobs.names()}


def leave_partial_write(inst) -> str:
    """What a kill -9 in the middle of a large write leaves; returns how `kho check` names it."""
    store = inst.blobs
    name = check_name("ab" * 16)
    if isinstance(store, LocalBlobStore):
        part = store.path(name).with_name(name + ".part")
        part.parent.mkdir(exist_ok=True)
        part.write_bytes(b"half")
        return str(part.relative_to(store.root))
    key = store.key(name)
    upload = store.client.create_multipart_upload(Bucket=store.bucket, Key=key)["UploadId"]
    store.client.upload_part(
        Bucket=store.bucket, Key=key, UploadId=upload, PartNumber=1, Body=b"half" * 1024
    )
    return f"{key} (multipart upload {upload[:16]})"
