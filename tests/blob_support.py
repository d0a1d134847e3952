"""Reaching behind the blob store, whichever it is: what damage, a crash or an old backup does."""

from __future__ import annotations

from archive.blobstore import LocalBlobStore, check_name


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
