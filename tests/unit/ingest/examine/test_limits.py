"""Limits against bombs: each configurable, each refusal clear, never a crash."""

from __future__ import annotations

import io
import time
import zipfile

import pytest

from archive.core.limits import Limits
from ingest.examine import stages
from ingest.examine.limits import Deadline, MiB, _read_capped, read_zip
from security.errors import Refused
from tests.support import documents as fx


def test_limits_from_settings() -> None:
    limits = Limits.from_mapping(
        {"KHO_MAX_PAGES": "500", "KHO_MAX_SECONDS": "2.5", "KHO_MAX_BYTES": 1_000, "OTHER": "x"}
    )
    assert (limits.max_pages, limits.max_seconds, limits.max_bytes) == (500, 2.5, 1000)
    assert limits.max_zip_depth == Limits().max_zip_depth
    with pytest.raises(ValueError, match="KHO_MAX_PAGES must be a number"):
        Limits.from_mapping({"KHO_MAX_PAGES": "many"})
    with pytest.raises(ValueError, match="positive"):
        Limits.from_mapping({"KHO_MAX_BYTES": "0"})


def test_file_size_limit() -> None:
    with pytest.raises(Refused) as caught:
        stages.examine(fx.pdf(), "a.pdf", Limits(max_bytes=1000))
    assert "KHO_MAX_BYTES" in caught.value.en and "vượt giới hạn" in caught.value.vi


def test_zip_bomb_docx_is_refused_by_declared_size() -> None:
    bomb = fx.zip_with({"word/media/bomb.bin": bytes(20 * MiB)}, fx.docx_file(["x"]))
    assert len(bomb) < 100_000
    with pytest.raises(Refused) as caught:
        stages.examine(bomb, "bom.docx", Limits(max_decompressed_bytes=10 * MiB))
    assert "decompression bomb" in caught.value.en and "bom giải nén" in caught.value.vi
    assert caught.value.stage == "sanitization"  # the Office cleaner reads the package first


def test_zip_bomb_with_lying_sizes_is_stopped_while_decompressing() -> None:
    liar = fx.lying_zip(fx.docx_file(["x"]), "word/media/bomb.bin", bytes(4 * MiB), 100)
    with pytest.raises(Refused) as caught:
        read_zip(liar, Limits(max_decompressed_bytes=1 * MiB))
    # Either our cap or zipfile's own size/CRC check stops it; nothing is inflated past the cap.
    assert "bomb" in caught.value.en or "damaged" in caught.value.en


def test_streaming_cap_stops_inflating_past_the_budget() -> None:
    """The second line of defence, for when a ZIP reader believes declared sizes."""
    data = fx.zip_with({"big.bin": bytes(2 * MiB)})
    with zipfile.ZipFile(io.BytesIO(data)) as archive, pytest.raises(Refused, match="exceeds"):
        _read_capped(archive, archive.getinfo("big.bin"), budget=256 * 1024)


def test_zip_nesting_is_limited() -> None:
    inner = fx.zip_with({"a.xml": b"<x/>"})
    nested = fx.zip_with({"word/embeddings/x.docx": fx.zip_with({"deeper.zip": inner})})
    docx = fx.zip_with({"word/embeddings/obj.bin": nested}, fx.docx_file([fx.SENTENCE]))
    with pytest.raises(Refused, match="nested more than 2 levels"):
        stages.examine(docx, "long.docx")
    allowed = stages.examine(docx, "long.docx", Limits(max_zip_depth=4))
    assert " ".join(allowed.text.split()) == fx.SENTENCE
    assert "embedded OLE objects" in allowed.removed_active_content


def test_zip_entry_count_is_limited() -> None:
    many = fx.zip_with({f"word/media/{i}.xml": b"" for i in range(50)}, fx.docx_file(["x"]))
    with pytest.raises(Refused, match="KHO_MAX_ZIP_ENTRIES"):
        stages.examine(many, "nhieu.docx", Limits(max_zip_entries=20))


def test_processing_time_limit() -> None:
    with pytest.raises(Refused) as caught:
        stages.examine(fx.pdf_pages(3), "a.pdf", Limits(max_seconds=1e-9))
    assert "KHO_MAX_SECONDS" in caught.value.en and "giây" in caught.value.vi
    deadline = Deadline(0.05)
    deadline.check()
    time.sleep(0.06)
    with pytest.raises(Refused):
        deadline.check()


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"%PDF-",
        b"%PDF-1.4\n" + bytes(range(256)) * 10,
        b"PK\x03\x04",
        b"{\\rtf1" + b"{" * 1000,
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,
        b"II*\x00" + b"\xff" * 40,
        b"\xff\xd8\xff" + b"\x00" * 40,
    ],
)
@pytest.mark.filterwarnings("ignore::UserWarning")  # Pillow warns about the corrupt TIFF
def test_garbage_never_crashes(data: bytes) -> None:
    """Every input ends in a result or a Refused with both languages, never another error."""
    try:
        stages.examine(data, "x.bin")
    except Refused as exc:
        assert exc.vi and exc.en
