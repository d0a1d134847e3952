"""OCR across the process's pool: the same text as page after page, no page lost when a
Tesseract process dies, page 1 known before the others, nothing written to disk.

These tests FAIL (not skip) without Tesseract: CI installs it with scripts/system-deps.sh.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

import pytest

from archive.core.limits import Limits
from ingest.examine import ocr, ocr_pool, stages
from ingest.examine.limits import Deadline
from ingest.examine.scan.page import read_page
from ingest.examine.scan.raster import to_pgm
from ingest.examine.text import normalize
from security.errors import Refused
from tests.support import documents as fx

LINES = ("TỈNH ỦY LÀO CAI NGHỊ QUYẾT",)
PAGES = 4
pytestmark = pytest.mark.slow  # Tesseract runs: about 1-2 s a test on an idle machine


@pytest.fixture(autouse=True)
def tesseract() -> None:
    if ocr.tesseract_version() is None:
        pytest.fail(ocr.INSTALL_HINT)


@pytest.fixture
def pool(monkeypatch) -> ocr_pool.OcrPool:
    """A pool of its own with one slot: pages 2-4 then go to one Tesseract run."""
    own = ocr_pool.OcrPool(size=1)
    monkeypatch.setattr(ocr_pool, "_POOL", own)
    return own


@pytest.fixture(scope="module")
def scan() -> bytes:
    return fx.image(LINES, "TIFF", pages=PAGES)


@pytest.fixture(scope="module")
def one_by_one(scan: bytes) -> list[str]:
    """Every page read in turn, each by a Tesseract process of its own, outside any pool."""

    def direct(image: bytes, deadline: Deadline, psm: int, tsv: bool) -> str:
        return ocr_pool.spawn(image, deadline, psm, tsv).decode("utf-8", "replace")

    deadline = Deadline(120)
    frames = list(ocr._frames(scan, Limits()))
    return [
        normalize(read_page(page, n, deadline, direct, first=n == 0).text)
        for n, page in enumerate(frames)
    ]


def _killing_run(kill, killed: list[bytes]):
    """``subprocess.run`` that starts Tesseract for real and, for the inputs ``kill`` picks,
    kills it with SIGKILL while it reads: a pool process dying under the document."""
    real = subprocess.run

    def run(args, input=None, timeout=None, env=None, **kwargs):
        if not kill(input):
            return real(args, input=input, timeout=timeout, env=env, **kwargs)
        proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=env)  # fmt: skip
        proc.kill()
        out, err = proc.communicate(input)
        killed.append(input[:2])
        return subprocess.CompletedProcess(args, proc.returncode, out, err)

    return run


def _first_time(*images: bytes):
    """Picks each of these inputs (or any TIFF, for ``b"TIFF"``) the first time it is seen."""
    left = list(images)

    def pick(image: bytes) -> bool:
        for wanted in left:
            if image == wanted or (wanted == b"TIFF" and image[:2] in (b"II", b"MM")):
                left.remove(wanted)
                return True
        return False

    return pick


def test_the_pool_gives_the_same_text_as_page_after_page(pool, scan, one_by_one) -> None:
    runs = []
    real = ocr_pool.spawn
    pool_spawn = lambda image, *rest: runs.append(image[:2]) or real(image, *rest)  # noqa: E731
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ocr_pool, "spawn", pool_spawn)
        result = ocr.ocr_image(scan, Limits())
    assert result.pages == one_by_one
    assert result.text == "\n\f".join(one_by_one)
    assert all(f"NGHỊ QUYẾT {n}" in result.pages[n - 1] for n in range(2, PAGES + 1))
    assert b"II" in runs or b"MM" in runs, runs  # pages did go several to a run (a TIFF)


def test_a_run_of_several_pages_reads_as_each_page_alone(scan, one_by_one) -> None:
    frames = [page.gray for page in ocr._frames(scan, Limits(), start=1) if page is not None]
    texts = ocr_pool.read_pages(frames, Deadline(120))
    singles = [ocr_pool.read_pages([frame], Deadline(120))[0] for frame in frames]
    assert texts == singles and len(texts) == PAGES - 1


def test_a_killed_tesseract_loses_no_page(pool, scan, one_by_one, monkeypatch) -> None:
    killed: list[bytes] = []
    page_2 = to_pgm(next(p for p in ocr._frames(scan, Limits(), start=1) if p is not None).gray)
    # the run of pages 2-4 dies, then page 2's own first process: all are read again
    monkeypatch.setattr(
        ocr_pool.subprocess, "run", _killing_run(_first_time(b"TIFF", page_2), killed)
    )
    result = ocr.ocr_image(scan, Limits())
    assert sorted(killed) == sorted([b"II", b"P5"]) or sorted(killed) == sorted([b"MM", b"P5"])
    assert result.pages == one_by_one


def test_a_page_whose_process_is_killed_twice_is_refused_not_lost(pool, monkeypatch) -> None:
    killed: list[bytes] = []
    image = _pgm()
    monkeypatch.setattr(ocr_pool.subprocess, "run", _killing_run(_first_time(image, image), killed))
    with pytest.raises(Refused, match="OCR failed on a page") as caught:
        ocr_pool.pool().run(image, Deadline(60))
    assert len(killed) == 2 and "quét lại" in caught.value.vi


def _pgm() -> bytes:
    return b"P5\n8 8\n255\n" + b"\xff" * 64


def test_page_one_is_known_before_the_other_pages(scan, monkeypatch) -> None:
    """Two slots: pages 2-3 in one run, 4 in another. While page 1 is read, the other pages
    have one slot, so page 1's runs never wait, and page 4's run waits until page 1 is read."""
    monkeypatch.setattr(ocr_pool, "_POOL", ocr_pool.OcrPool(size=2))
    bodies: list = []
    real = ocr._Body._send

    def send(self, batch):
        real(self, batch)
        bodies.append(self.sent[-1][1])

    def first(found: ocr.OcrResult) -> None:
        seen.append((list(found.pages), [future.done() for future in bodies]))

    seen: list = []
    monkeypatch.setattr(ocr._Body, "_send", send)
    result = ocr.ocr_image(scan, Limits(), first_page=first)
    assert len(seen) == 1 and seen[0][0] == result.pages[:1]
    assert len(seen[0][1]) == 2 and not seen[0][1][1], seen  # page 4 still to be read
    assert result.first_page_after is not None and result.whole_after is not None
    assert result.first_page_after < result.whole_after


def test_the_pipeline_decides_secrecy_from_page_one_while_the_rest_is_read(pool) -> None:
    from ingest import pipeline

    scan = fx.image(("MẬT", "TỈNH ỦY LÀO CAI", "Số 12-NQ/TU", "NGHỊ QUYẾT"), "TIFF", pages=3)
    early = []
    described = pipeline.describe(
        scan, "mat.tif", None, Limits(), None, on_header=lambda h, a: early.append((h, a))
    )
    assert len(early) == 1
    header, assessment = early[0]
    assert assessment.level == described.fields["level"]
    assert header is not None and header.level == described.fields["level"] == "mat"
    assert described.examined.pages == 3


def test_no_file_is_written_while_pages_are_read(pool, scan, tmp_path, monkeypatch) -> None:
    """No temporary file, by Kho's threads (audited opens for writing) or by Tesseract (its
    temporary folder and working folder stay empty)."""
    temp, work = tmp_path / "tmp", tmp_path / "work"
    temp.mkdir()
    work.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.setattr(tempfile, "tempdir", None)
    monkeypatch.chdir(work)
    written: list[str] = []
    _WATCH.append(written)
    try:
        result = stages.examine(scan, "scan.tif")
    finally:
        _WATCH.remove(written)
    assert len(result.text.split("\f")) == PAGES
    assert written == [] and list(temp.iterdir()) == [] and list(work.iterdir()) == []


_WATCH: list[list[str]] = []


def _audit(event: str, args: tuple) -> None:
    if _WATCH and event == "open" and len(args) >= 2:
        path, mode = args[0], args[1]
        flags = args[2] if len(args) > 2 else 0
        writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)
        )
        if writes and isinstance(path, str | bytes) and not os.fsdecode(path).startswith("/dev/"):
            for watch in _WATCH:
                watch.append(str(path))


sys.addaudithook(_audit)


def test_a_fork_gets_a_pool_of_its_own(pool) -> None:
    pid = os.fork()
    if pid == 0:  # the child: the parent's pool (and its threads) are not taken
        os._exit(0 if ocr_pool._POOL is None else 1)
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 0
