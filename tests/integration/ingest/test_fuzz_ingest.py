"""Mutated PDFs, Word files and images: every input ends stored, duplicate, quarantined or
rejected, never with a traceback, and nothing is left half-stored.

Seeds are generated here (text PDF, PDFs with hidden active content, a page-tree loop, DOCX,
a hostile DOCX, ODT, RTF, PNG, JPEG, multi-page TIFF, plain text); Hypothesis mutates their
bytes (flip, insert, delete, duplicate, truncate, splice two seeds) and, for ZIP packages, the
XML of a member before zipping it again, so mutations reach past the CRC checks. OCR is off
(Tesseract's speed is not what is tested); LibreOffice runs in the second, slower test.
"""

from __future__ import annotations

import io
import random
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.core.limits import Limits
from archive.operations.maintenance import check_store
from ingest import pipeline
from ingest.examine import ocr
from ingest.examine.office import convert
from search import feed
from tests.support import documents as fx
from tests.support import hostile_pdfs as hp
from tests.support import office_files as ox

STATUSES = {"stored", "duplicate", "quarantined", "rejected"}
LIMITS = Limits(max_seconds=60, max_convert_seconds=60)


def _seeds() -> dict[str, bytes]:
    return {
        "a.pdf": fx.pdf(),
        "b.pdf": hp.widget_parent_actions(),
        "c.pdf": hp.popup_keeps_attachment(),
        "d.pdf": hp.page_tree_loop(),
        "e.pdf": hp.many_bookmarks(30),
        "f.pdf": hp.external_image_streams(),
        "a.docx": fx.docx_file([fx.SENTENCE], [["TỈNH ỦY", "ĐẢNG CỘNG SẢN VIỆT NAM"]]),
        "b.docx": ox.hostile_docx(),
        "a.odt": fx.odt_file([fx.SENTENCE]),
        "a.rtf": fx.rtf_file("Tỉnh ủy Lào Cai", "Đảng Cộng sản Việt Nam"),
        "a.png": fx.image(fmt="PNG"),
        "a.jpg": fx.image(fmt="JPEG"),
        "a.tif": fx.image(fmt="TIFF", pages=2),
        "a.txt": f"{fx.SENTENCE}\nSố 12-NQ/TU".encode(),
    }


SEEDS = _seeds()
OFFICE_SEEDS = ("a.docx", "b.docx", "a.odt", "a.rtf")


@st.composite
def mutated(draw, names: tuple[str, ...]) -> tuple[str, bytes]:
    name = draw(st.sampled_from(names))
    data = bytearray(SEEDS[name])
    if data.startswith(b"PK") and draw(st.booleans()):
        data = bytearray(_mutate_member(data, draw))
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break  # an empty file is a valid input too
        at = draw(st.integers(0, len(data) - 1))
        op = draw(st.sampled_from(("flip", "insert", "delete", "duplicate", "truncate", "splice")))
        if op == "flip":
            data[at] ^= draw(st.integers(1, 255))
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 512))]
        elif op == "duplicate":
            data[at:at] = data[at : at + draw(st.integers(1, 2048))]
        elif op == "truncate":
            del data[max(1, at) :]
        else:
            other = SEEDS[draw(st.sampled_from(sorted(SEEDS)))]
            data[at:] = other[draw(st.integers(0, len(other) - 1)) :]
    return name, bytes(data)


def _mutate_member(data: bytearray, draw) -> bytes:
    """One XML member of a ZIP package edited as text, then zipped again (valid CRCs)."""
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as source:
        names = [n for n in source.namelist() if n.endswith((".xml", ".rels"))]
        target = draw(st.sampled_from(names))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in source.namelist():
                content = source.read(name)
                if name == target:
                    at = draw(st.integers(0, max(0, len(content) - 1)))
                    cut = draw(st.integers(0, 200))
                    junk = draw(st.sampled_from((b"<", b">", b"&", b'"', b"<w:p>", b"]]>", b"")))
                    content = content[:at] + junk + content[at + cut :]
                archive.writestr(name, content)
    return out.getvalue()


def _file_all(inst, ctx, cases) -> None:
    # Hypothesis seeds ``random`` the same way for every example, and Whoosh names its index
    # segments with ``random``: without fresh entropy every commit would reuse one name.
    random.seed()
    for name, data in cases:
        result = pipeline.ingest_bytes(inst, ctx, data, name, limits=LIMITS)
        assert result.status in STATUSES, (name, result)
        if result.status == "rejected":
            assert result.reason and " / " in result.reason  # Vietnamese / English


def _assert_whole(inst) -> None:
    assert not check_store(inst, grace=0).problems
    not_indexed, stale = feed.missing_from_index(inst)
    assert (not_indexed, stale) == (set(), set())


@pytest.mark.slow
def test_mutated_files_always_end_in_one_of_the_four_statuses(inst, archivist, monkeypatch):
    monkeypatch.setattr(ocr, "tesseract_version", lambda: None)
    monkeypatch.setattr(convert, "available", lambda: False)  # the reading without LibreOffice
    seen: list[tuple[str, bytes]] = []

    @settings(max_examples=250, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(mutated(tuple(sorted(SEEDS))))
    def one(case: tuple[str, bytes]) -> None:
        seen.append(case)
        _file_all(inst, archivist.ctx, [case])

    one()
    assert len(seen) >= 100
    _assert_whole(inst)


@pytest.mark.slow
@pytest.mark.skipif(not convert.available(), reason="LibreOffice and bubblewrap")
def test_mutated_office_files_through_libreoffice(inst, archivist, monkeypatch):
    monkeypatch.setattr(ocr, "tesseract_version", lambda: None)

    @settings(max_examples=12, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(mutated(OFFICE_SEEDS))
    def one(case: tuple[str, bytes]) -> None:
        _file_all(inst, archivist.ctx, [case])

    one()
    _assert_whole(inst)
