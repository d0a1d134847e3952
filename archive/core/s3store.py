"""Blobs in S3-compatible object storage (SeaweedFS, Ceph RGW, MinIO, AWS S3), through boto3.

Objects are exactly the ciphertexts the local store writes to disk, under
``{prefix}/{xx}/{32 hex}`` (the same names, so a backup or a migration moves files and objects
one to one). The store encrypts before anything leaves the process: the server never sees
plaintext or keys.

Durability and atomicity come from S3 itself: a PUT or a completed multipart upload is
all-or-nothing and durable when acknowledged. Objects up to ``PART_SIZE`` go in one PUT; larger
ones are uploaded part by part while the next part is encrypted, so memory stays at about one
part whatever the size. A crash in the middle leaves an incomplete multipart upload, invisible
to readers, which ``kho check`` lists and aborts like a local ``.part`` file. Every request
carries a CRC32 checksum that the server verifies (botocore's default), and the SHA-256 of the
ciphertext is computed on the way for keyless fixity checks.

Configuration: ``KHO_BLOBS=s3://bucket/prefix``, ``KHO_S3_ENDPOINT=http://host:port`` (none for
AWS), credentials as boto3 reads them (``AWS_ACCESS_KEY_ID`` and ``AWS_SECRET_ACCESS_KEY``, or
a shared credentials file with ``AWS_SHARED_CREDENTIALS_FILE`` / ``AWS_PROFILE``). The cloud
metadata services are never asked for credentials: Kho runs on isolated networks.
"""

from __future__ import annotations

import contextlib
import io
import os
import time
from collections.abc import Callable, Iterator
from email.utils import parsedate_to_datetime
from typing import BinaryIO

import boto3
import botocore.session
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError,
    NoCredentialsError,
    PartialCredentialsError,
)

from archive.core.blobstore import (
    BLOB_NAME,
    BlobStore,
    BlobWritten,
    HashingSink,
    Partial,
    check_name,
)
from security.errors import KhoError

PART_SIZE = 8 * 1024 * 1024  # S3 wants parts of 5 MiB at least; 10 000 parts = 78 GiB objects
_MISSING = {"404", "NoSuchKey", "NotFound"}
_REFUSED = {"403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"}


class ObjectStorageError(KhoError):
    """The object storage cannot be reached or refuses Kho: a message that says what to fix."""

    code = "object_storage"


class _Chunks(io.RawIOBase):
    """A part as the list of ciphertext segments it was made of, read without joining them
    (joining would hold every part twice). Seekable, as botocore rewinds to checksum and retry."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks
        self.size = sum(len(c) for c in chunks)
        self.pos = 0
        self._index, self._offset = 0, 0  # chunk and offset in it at ``pos``

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.pos, io.SEEK_END: self.size}[whence]
        self.pos = max(0, min(self.size, base + offset))
        self._index, self._offset, left = 0, 0, self.pos
        while self._index < len(self.chunks) and left >= len(self.chunks[self._index]):
            left -= len(self.chunks[self._index])
            self._index += 1
        self._offset = left
        return self.pos

    def readinto(self, buffer) -> int:
        view = memoryview(buffer).cast("B")
        done = 0
        while done < len(view) and self._index < len(self.chunks):
            chunk = self.chunks[self._index]
            n = min(len(view) - done, len(chunk) - self._offset)
            view[done : done + n] = chunk[self._offset : self._offset + n]
            done += n
            self._offset += n
            if self._offset == len(chunk):
                self._index, self._offset = self._index + 1, 0
        self.pos += done
        return done


class _PartSink:
    """Receives ciphertext (in the writer thread) and sends it to S3 in parts of ``PART_SIZE``.

    Nothing is sent until a full part is there: a small object becomes a single PUT when the
    writer finishes, a large one a multipart upload that is completed (made visible, atomically)
    only at the end, or aborted on any error.
    """

    def __init__(self, store: S3BlobStore, key: str) -> None:
        self.store, self.key = store, key
        self.chunks: list[bytes] = []
        self.filled = 0
        self.upload_id: str | None = None
        self.parts: list[dict] = []

    def __call__(self, data: bytes) -> None:
        self.chunks.append(data)
        self.filled += len(data)
        if self.filled >= PART_SIZE:
            self._send_part()

    def _take(self) -> _Chunks:
        body = _Chunks(self.chunks)
        self.chunks, self.filled = [], 0
        return body

    def _send_part(self) -> None:
        s3, bucket = self.store.client, self.store.bucket
        if self.upload_id is None:
            self.upload_id = s3.create_multipart_upload(Bucket=bucket, Key=self.key)["UploadId"]
        number = len(self.parts) + 1
        body = self._take()
        answer = s3.upload_part(
            Bucket=bucket, Key=self.key, UploadId=self.upload_id, PartNumber=number, Body=body
        )
        self.parts.append({"PartNumber": number, "ETag": answer["ETag"]})

    def finish(self) -> None:
        s3, bucket = self.store.client, self.store.bucket
        if self.upload_id is None:
            s3.put_object(Bucket=bucket, Key=self.key, Body=self._take())
            return
        if self.filled:
            self._send_part()
        s3.complete_multipart_upload(
            Bucket=bucket,
            Key=self.key,
            UploadId=self.upload_id,
            MultipartUpload={"Parts": self.parts},
        )

    def abort(self) -> None:
        if self.upload_id is not None:
            with contextlib.suppress(BotoCoreError, ClientError):  # else kho check finds it
                self.store.client.abort_multipart_upload(
                    Bucket=self.store.bucket, Key=self.key, UploadId=self.upload_id
                )


def _client(endpoint: str | None):
    core = botocore.session.get_session()
    resolver = core.get_component("credential_provider")
    for method in ("iam-role", "container-role"):  # no metadata service on an isolated network
        resolver.remove(method)
    session = boto3.session.Session(botocore_session=core)
    config = Config(
        retries={"max_attempts": 5, "mode": "standard"},
        connect_timeout=5,
        read_timeout=60,
        max_pool_connections=32,
        # Servers other than AWS answer on one host name: bucket in the path.
        s3={"addressing_style": "path"} if endpoint else None,
    )
    return session.client(
        "s3",
        endpoint_url=endpoint or None,
        region_name=session.region_name or "us-east-1",
        config=config,
    )


class S3BlobStore(BlobStore):
    def __init__(self, bucket: str, prefix: str = "", endpoint: str | None = None) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.endpoint = endpoint
        self.location = f"s3://{bucket}/{self.prefix}" if self.prefix else f"s3://{bucket}"
        self._client = _client(endpoint)
        self._pid = os.getpid()

    @property
    def client(self):
        """boto3's client, this process's own: a forked child (reindex's workers, the OCR
        pool's feeders) gets a new one, for sharing the parent's pooled connections mixes two
        processes' answers on one socket (a blob then fails authentication)."""
        if self._pid != os.getpid():
            self._client, self._pid = _client(self.endpoint), os.getpid()
        return self._client

    @classmethod
    def from_url(cls, url: str, endpoint: str | None = None) -> S3BlobStore:
        bucket, _, prefix = url.removeprefix("s3://").partition("/")
        if not bucket:
            raise KhoError(
                f"KHO_BLOBS={url!r} thiếu tên bucket (s3://bucket/tiền-tố).",
                f"KHO_BLOBS={url!r} names no bucket (s3://bucket/prefix).",
            )
        return cls(bucket, prefix, endpoint)

    # -- names -------------------------------------------------------------------------------

    @property
    def _root(self) -> str:
        return f"{self.prefix}/" if self.prefix else ""

    def key(self, name: str) -> str:
        return f"{self._root}{check_name(name)[:2]}/{name}"

    def _name_of(self, key: str) -> str | None:
        rest = key[len(self._root) :]
        folder, _, name = rest.partition("/")
        return name if BLOB_NAME.fullmatch(name) and folder == name[:2] else None

    # -- errors ------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _talking(self) -> Iterator[None]:
        """Turn what an operator must fix into a two-language message naming the store."""
        where = f"{self.location} ({self.endpoint or 'AWS'})"
        try:
            yield
        except (NoCredentialsError, PartialCredentialsError):
            raise ObjectStorageError(
                f"Không có thông tin đăng nhập kho đối tượng {where}: đặt AWS_ACCESS_KEY_ID và "
                "AWS_SECRET_ACCESS_KEY, hoặc tệp AWS_SHARED_CREDENTIALS_FILE.",
                f"No credentials for object storage {where}: set AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY, or a credentials file (AWS_SHARED_CREDENTIALS_FILE).",
            ) from None
        except ConnectionError as exc:
            raise ObjectStorageError(
                f"Không kết nối được kho đối tượng {where}: kiểm tra KHO_S3_ENDPOINT và máy chủ.",
                f"Cannot reach object storage {where}: check KHO_S3_ENDPOINT and the server "
                f"({exc}).",
            ) from None
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in _REFUSED:
                raise ObjectStorageError(
                    f"Kho đối tượng {where} từ chối ({code}): kiểm tra thông tin đăng nhập và "
                    "quyền trên bucket.",
                    f"Object storage {where} refused ({code}): check the credentials and their "
                    "rights on the bucket.",
                ) from None
            if code == "NoSuchBucket":
                raise ObjectStorageError(
                    f"Không có bucket {self.bucket} tại {where}: chạy `kho init` hoặc tạo nó.",
                    f"Bucket {self.bucket} does not exist at {where}: run `kho init` or create it.",
                ) from None
            raise

    # -- the interface -----------------------------------------------------------------------

    def create(self) -> None:
        with self._talking():
            try:
                self.client.head_bucket(Bucket=self.bucket)
                return
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") not in _MISSING | {"NoSuchBucket"}:
                    raise
            region = self.client.meta.region_name
            extra = {}
            if not self.endpoint and region != "us-east-1":
                extra["CreateBucketConfiguration"] = {"LocationConstraint": region}
            self.client.create_bucket(Bucket=self.bucket, **extra)

    def _write(self, name: str, fill: Callable[[HashingSink], int]) -> BlobWritten:
        sink = _PartSink(self, self.key(name))
        with self._talking():
            try:
                writer = HashingSink(sink)
                try:
                    size = fill(writer)
                finally:
                    writer.close()
                sink.finish()
            except BaseException:
                sink.abort()
                raise
        return BlobWritten(name, size, writer.digest.hexdigest())

    def open(self, name: str) -> BinaryIO:
        with self._talking():
            try:
                return self.client.get_object(Bucket=self.bucket, Key=self.key(name))["Body"]
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") in _MISSING:
                    raise FileNotFoundError(f"blob {name} is not in {self.location}") from None
                raise

    def exists(self, name: str) -> bool:
        with self._talking():
            try:
                self.client.head_object(Bucket=self.bucket, Key=self.key(name))
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") in _MISSING:
                    return False
                raise
        return True

    def delete(self, name: str) -> None:
        with self._talking():
            self.client.delete_object(Bucket=self.bucket, Key=self.key(name))

    def listing(self) -> Iterator[tuple[str, float]]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self._root
        )
        with self._talking():
            for page in pages:
                for item in page.get("Contents", []):
                    name = self._name_of(item["Key"])
                    if name:
                        yield name, item["LastModified"].timestamp()

    def partial_writes(self) -> Iterator[Partial]:
        pages = self.client.get_paginator("list_multipart_uploads").paginate(
            Bucket=self.bucket, Prefix=self._root
        )
        with self._talking():
            for page in pages:
                for upload in page.get("Uploads", []):
                    key, upload_id = upload["Key"], upload["UploadId"]
                    yield Partial(
                        f"{key} (multipart upload {upload_id[:16]})",
                        upload["Initiated"].timestamp(),
                        (key, upload_id),
                    )

    def discard(self, partial: Partial) -> None:
        key, upload_id = partial.handle  # type: ignore[misc]
        with self._talking():
            try:
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "NoSuchUpload":
                    raise

    def clock(self) -> float:
        """The server's time (its Date header): object times are stamped by its clock, so a
        skewed machine never mistakes a blob being filed for an old orphan."""
        with self._talking():
            answer = self.client.head_bucket(Bucket=self.bucket)
        date = answer["ResponseMetadata"].get("HTTPHeaders", {}).get("date")
        return parsedate_to_datetime(date).timestamp() if date else time.time()

    def remove_all(self) -> int:
        """Delete every object under the prefix and abort its uploads (tests and benchmarks)."""
        for partial in list(self.partial_writes()):
            self.discard(partial)
        keys = []
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self._root
        )
        with self._talking():
            for page in pages:
                keys += [item["Key"] for item in page.get("Contents", [])]
            for start in range(0, len(keys), 1000):
                batch = [{"Key": key} for key in keys[start : start + 1000]]
                self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch})
        return len(keys)
