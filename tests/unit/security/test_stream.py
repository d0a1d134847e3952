"""STREAM encryption: round trips at segment edges, and every kind of tampering is refused."""

from __future__ import annotations

import io

import pytest

from security.crypto import stream

KEY = bytes(range(32))
BINDING = b"kho/test/original/v1"
SEG = 1024


@pytest.mark.parametrize("size", [0, 1, SEG - 1, SEG, SEG + 1, 3 * SEG, 3 * SEG + 7])
def test_round_trip_at_segment_edges(size: int) -> None:
    plain = bytes(i % 251 for i in range(size))
    sealed = stream.encrypt_bytes(KEY, plain, BINDING, SEG)
    assert stream.decrypt_bytes(KEY, sealed, BINDING) == plain
    assert stream.plaintext_length(len(sealed), SEG) == size


def _sealed(segments: int = 3) -> bytes:
    return stream.encrypt_bytes(KEY, b"x" * (segments * SEG), BINDING, SEG)


def _tampered() -> dict[str, bytes]:
    sealed = _sealed()
    head, body = sealed[: stream.HEADER_SIZE], sealed[stream.HEADER_SIZE :]
    unit = SEG + stream.TAG_SIZE
    segs = [body[i : i + unit] for i in range(0, len(body), unit)]
    flipped = bytearray(sealed)
    flipped[stream.HEADER_SIZE + 5] ^= 1
    return {
        "flipped byte": bytes(flipped),
        "truncated at a segment boundary": head + b"".join(segs[:2]),
        "truncated inside a segment": sealed[:-5],
        "appended bytes": sealed + b"\x00" * 20,
        "appended segment": sealed + segs[0],
        "reordered segments": head + segs[1] + segs[0] + segs[2],
        "dropped segment": head + segs[0] + segs[2],
        "header changed": sealed[:5] + b"\x00\x00\x08\x00" + sealed[9:],
    }


@pytest.mark.parametrize("case", list(_tampered()))
def test_tampering_is_detected_and_returns_nothing(case: str) -> None:
    with pytest.raises(stream.IntegrityError):
        stream.decrypt_bytes(KEY, _tampered()[case], BINDING)


def test_wrong_binding_or_key_fails() -> None:
    sealed = _sealed(1)
    with pytest.raises(stream.IntegrityError):
        stream.decrypt_bytes(KEY, sealed, b"kho/other/original/v1")
    with pytest.raises(stream.IntegrityError):
        stream.decrypt_bytes(bytes(32), sealed, BINDING)


def test_streaming_reads_short_chunks() -> None:
    """Pipes return short reads; segments must still be cut at the same places."""

    class Trickle(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self.data = data

        def readable(self) -> bool:
            return True

        def read(self, n: int = -1) -> bytes:
            step = min(7, n) if n >= 0 else 7
            chunk, self.data = self.data[:step], self.data[step:]
            return chunk

    plain = b"abc" * 1000
    out = io.BytesIO()
    stream.encrypt_stream(KEY, Trickle(plain), out, BINDING, SEG)
    assert out.getvalue() == stream.encrypt_bytes(KEY, plain, BINDING, SEG)


def test_vector_from_storage_format_doc() -> None:
    """The byte format is pinned: docs/storage-format.md shows this exact vector."""
    sealed = stream.encrypt_bytes(bytes(32), b"Kho", b"kho/vector", 1024)
    assert sealed.hex() == "4b484f53010000040062a94b4ca8a6dc4a3bfe8967b285aac717b281"
    # The same bytes from one AES-GCM call: nonce = counter 0 (11 bytes) + last-segment flag.
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    header = sealed[: stream.HEADER_SIZE]
    one_shot = AESGCM(bytes(32)).encrypt(bytes(11) + b"\x01", b"Kho", header + b"kho/vector")
    assert sealed == header + one_shot
