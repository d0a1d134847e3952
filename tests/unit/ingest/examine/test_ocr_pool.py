"""OCR across the process's pool: the same text as page after page, no page lost when a
Tesseract process dies, page 1 known before the others, nothing written to disk.

These tests FAIL (not skip) without Tesseract: CI installs it with scripts/system-deps.sh.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
from collections.abc import Iterator

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
def pool(monkeypatch) -> Iterator[ocr_pool.OcrPool]:
    """A pool of its own with one slot: every run goes to one long-lived Tesseract."""
    own = ocr_pool.OcrPool(size=1)
    monkeypatch.setattr(ocr_pool, "_POOL", own)
    yield own
    own.close()


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


def _killing(pick, killed: list[bytes]):
    """``Tesseract.read`` that, for the images ``pick`` picks, kills the slot's long-lived
    Tesseract (SIGKILL) just before it is given the page: a pool process dying under the
    document."""
    real = ocr_pool.Tesseract.read

    def read(self, image, deadline, psm, tsv):
        if pick(image):
            proc = self._proc or self._start(deadline)
            proc.kill()
            proc.wait()
            killed.append(image[:2])
        return real(self, image, deadline, psm, tsv)

    return read


def _first_time(*images: bytes):
    """Picks each of these inputs the first time it is seen."""
    left = list(images)

    def pick(image: bytes) -> bool:
        if image in left:
            left.remove(image)
            return True
        return False

    return pick


def test_the_pool_gives_the_same_text_as_page_after_page(pool, scan, one_by_one) -> None:
    """One slot: its Tesseract is started once (the model loaded once) for every run of the
    document (page 1's stamp crops and page, then each other page), and the text is the text
    of ``tesseract`` commands reading the pages one by one."""
    runs, starts = [], []
    real_read, real_start = ocr_pool.Tesseract.read, ocr_pool.Tesseract._start

    def read(self, *args):
        runs.append(id(self))
        return real_read(self, *args)

    def start(self, *args):
        starts.append(id(self))
        return real_start(self, *args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ocr_pool.Tesseract, "read", read)
        patch.setattr(ocr_pool.Tesseract, "_start", start)
        result = ocr.ocr_image(scan, Limits())
    assert result.pages == one_by_one
    assert result.text == "\n\f".join(one_by_one)
    assert all(f"NGHỊ QUYẾT {n}" in result.pages[n - 1] for n in range(2, PAGES + 1))
    assert len(runs) >= PAGES and len(set(runs)) == 1 and starts == runs[:1], (runs, starts)


def test_the_long_lived_tesseract_reads_as_the_command_does(scan) -> None:
    """Text and TSV tables, whole pages and crops, in several page segmentation modes: byte
    for byte what ``tesseract stdin stdout`` prints for the same image."""
    page = next(ocr._frames(scan, Limits()))
    assert page is not None
    images = [to_pgm(page.gray), to_pgm(page.gray[: page.gray.shape[0] // 4])]
    deadline = Deadline(120)
    tesseract = ocr_pool.Tesseract()
    try:
        for image in images:
            for psm, tsv in ((3, False), (3, True), (6, True), (11, False)):
                alone = ocr_pool.spawn(image, deadline, psm, tsv)
                assert tesseract.read(image, deadline, psm, tsv) == alone, (psm, tsv)
    finally:
        tesseract.close()


def test_a_killed_tesseract_loses_no_page(pool, scan, one_by_one, monkeypatch) -> None:
    killed: list[bytes] = []
    page_2 = to_pgm(next(p for p in ocr._frames(scan, Limits(), start=1) if p is not None).gray)
    # the Tesseract reading page 2 dies: a new one reads it again
    monkeypatch.setattr(ocr_pool.Tesseract, "read", _killing(_first_time(page_2), killed))
    result = ocr.ocr_image(scan, Limits())
    assert killed == [b"P5"]
    assert result.pages == one_by_one


def test_a_page_whose_process_is_killed_twice_is_refused_not_lost(pool, monkeypatch) -> None:
    killed: list[bytes] = []
    image = _pgm()
    monkeypatch.setattr(ocr_pool.Tesseract, "read", _killing(_first_time(image, image), killed))
    with pytest.raises(Refused, match="OCR failed on a page") as caught:
        ocr_pool.pool().run(image, Deadline(60))
    assert len(killed) == 2 and "quét lại" in caught.value.vi


def test_a_run_past_the_time_budget_ends_its_tesseract_and_the_slot_goes_on(scan) -> None:
    page = to_pgm(next(p for p in ocr._frames(scan, Limits()) if p is not None).gray)
    tesseract = ocr_pool.Tesseract()
    try:
        tesseract.read(_pgm(), Deadline(60), 6, False)  # started, model loaded
        with pytest.raises(Refused, match="KHO_MAX_SECONDS"):  # spent once the page is sent
            tesseract.read(page, Deadline(0), 3, False)
        assert tesseract._proc is None  # ended, not left reading
        assert "NGHỊ QUYẾT" in tesseract.read(page, Deadline(120), 3, False).decode()
    finally:
        tesseract.close()


def test_where_the_long_lived_tesseract_cannot_start_the_command_reads(monkeypatch) -> None:
    monkeypatch.setattr(ocr_pool, "_UNAVAILABLE", [])
    monkeypatch.setattr(ocr_pool.sys, "executable", "/bin/false")  # starts and ends at once
    image = fx.image(LINES, "PNG")
    page = next(ocr._frames(image, Limits()))
    assert page is not None
    deadline = Deadline(120)
    tesseract = ocr_pool.Tesseract()
    text = tesseract.read(to_pgm(page.gray), deadline, 3, False)
    assert ocr_pool._UNAVAILABLE and tesseract._proc is None
    assert text == ocr_pool.spawn(to_pgm(page.gray), deadline, 3, False)


def _pgm() -> bytes:
    return b"P5\n8 8\n255\n" + b"\xff" * 64


def test_page_one_is_known_before_the_other_pages(scan, monkeypatch) -> None:
    """Two slots: while page 1 is read, the other pages have one slot, so page 1's runs never
    wait for them. The body runs are held until page 1 is known (at most 30 s): were page 1
    to wait for the body, or the body to take both slots, page 1 would come only after the
    hold ran out, with every other page read."""
    monkeypatch.setattr(ocr_pool, "_POOL", ocr_pool.OcrPool(size=2))
    bodies: list = []
    known = threading.Event()
    real_send, real_read = ocr._Body._send, ocr_pool.read_pages

    def send(self, index, page):
        real_send(self, index, page)
        bodies.append(self.sent[-1][1])

    def read_pages(*args, **kwargs):
        known.wait(30)
        return real_read(*args, **kwargs)

    def first(found: ocr.OcrResult) -> None:
        seen.append((list(found.pages), [future.done() for future in bodies]))
        known.set()

    seen: list = []
    monkeypatch.setattr(ocr._Body, "_send", send)
    monkeypatch.setattr(ocr_pool, "read_pages", read_pages)
    result = ocr.ocr_image(scan, Limits(), first_page=first)
    assert len(seen) == 1 and seen[0][0] == result.pages[:1]
    assert seen[0][1] and not any(seen[0][1]), seen  # no other page read yet
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
