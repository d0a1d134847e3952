"""Ingest throughput for 5-page text PDFs, end to end and stage by stage, in one run.

    .venv/bin/python bench/ingest.py [--docs 200] [--ocr-pages 2]

1. Generates ``--docs`` distinct 5-page Vietnamese PDFs (with a text layer).
2. Times each stage alone over all of them: examine (identify, validate, sanitize, extract),
   classify (header parse), file (encrypt, store, commit with audit), index (one batch).
3. Runs the whole pipeline (``ingest.pipeline.ingest_files``, batch mode, the index following
   the records it announces as in the application) on a fresh instance over the same files,
   and prints documents/s and the ratio of the pipeline to the sum of the stages (target:
   ≥ 40 documents/s, overhead ≤ 1.5×).
4. OCR pages/s on rendered scans (``--ocr-pages``), when Tesseract is installed.

Beside each wall time, the CPU time spent meanwhile (user and system, every thread of this
process and the children it waited for, per document): on a shared 2-core machine two runs
of one tree differ by up to 40% in documents/s, far less in CPU per document, and only the CPU
says whether a change made the pipeline do more work or only wait more.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # the repository, not bench/: its files are named like the packages

from archive.accounts import accounts
from archive.core.limits import Limits
from archive.records import filing
from bench import kit
from ingest import pipeline
from ingest.demo import samples
from ingest.describe.header import parse_header
from ingest.examine import ocr, stages
from search import feed, follower
from web import wiring


def _pdfs(count: int) -> list[bytes]:
    """5-page PDFs: a real header, then paragraphs enough for five A4 pages."""
    out = []
    for doc in samples.generate(count, seed=5, formats=("txt",)):
        text = doc.content.decode()
        head, _, body = text.partition("\n\n")
        filler = " ".join(
            f"Đoạn {n}: tiếp tục thực hiện nhiệm vụ phát triển đảng viên, "
            "cải cách hành chính và chuyển đổi số trong các cơ quan đảng."
            for n in range(14)
        )
        pages = "\n\n".join(f"{filler} {doc.truth['canary']}-{p}" for p in range(5))
        out.append(samples.render_pdf(f"{head}\n\n{body}\n\n{pages}"))
    return out


@dataclass(frozen=True)
class Timing:
    wall: float  # seconds
    cpu: float  # seconds of CPU meanwhile: this process's threads and its waited-for children


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _timed(run) -> Timing:
    cpu, start = _cpu_seconds(), time.perf_counter()
    run()
    return Timing(time.perf_counter() - start, _cpu_seconds() - cpu)


def stage_by_stage(pdfs: list[bytes], folder: Path) -> dict[str, Timing]:
    inst, ctx = kit.filing_instance(folder)
    follower.catch_up(inst)  # as kho init: an empty index at the head of the empty change log
    limits = Limits()
    examined: list[stages.Examined] = []
    headers: list[dict] = []
    ids: list[int] = []
    times = {
        "examine": _timed(
            lambda: examined.extend(stages.examine(p, "x.pdf", limits) for p in pdfs)
        ),
        "classify": _timed(
            lambda: headers.extend(parse_header(e.text).as_dict() for e in examined)
        ),
    }
    with inst.sessions() as session:
        unit = accounts.get_or_create_unit(session, "VP")

    def file_all() -> None:
        for n, (data, ex, fields) in enumerate(zip(pdfs, examined, headers, strict=True)):
            new = filing.NewRecord(
                data, ex.media_type, ex.text, fields, f"{n}.pdf", unit, access_copy=ex.access_copy
            )
            ids.append(filing.file_record(inst, ctx, new, inst.keyring.content_mac(data)).id)

    times["file (encrypt, store, audit)"] = _timed(file_all)
    times["index (one batch)"] = _timed(lambda: feed.refresh(inst, ids))
    inst.dispose()
    return times


def whole_pipeline(pdfs: list[bytes], folder: Path) -> Timing:
    wiring.connect()  # as the application does: the index follows what the pipeline files
    inst, ctx = kit.filing_instance(folder / "home")
    follower.catch_up(inst)
    paths = []
    for n, data in enumerate(pdfs):
        path = folder / f"in-{n}.pdf"
        path.write_bytes(data)
        paths.append(path)
    pipeline.preload()  # imports apart, as a worker pays them once at start
    timing = _timed(lambda: [r for r in pipeline.ingest_files(inst, ctx, paths)])
    inst.dispose()
    return timing


def ocr_rate(pages: int) -> str:
    if not ocr.ocr_available():
        return "Tesseract not installed"
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(samples.find_unicode_font(), 36)
    page = Image.new("L", (2480, 3508), 255)  # A4 at 300 dpi
    draw = ImageDraw.Draw(page)
    for line in range(40):
        draw.text(
            (150, 150 + line * 80),
            f"Tăng cường công tác phát triển đảng viên năm 2026 tại cơ sở, dòng {line}.",
            0,
            font=font,
        )
    scans = []
    for _ in range(pages):
        out = __import__("io").BytesIO()
        page.save(out, format="PNG")
        scans.append(out.getvalue())
    timing = _timed(lambda: [ocr.ocr_image(s, Limits()) for s in scans])
    return (
        f"{pages / timing.wall:.2f} pages/s (dense A4 page at 300 dpi, one process), "
        f"CPU {timing.cpu / pages:.2f} s per page (Tesseract's included)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=200)
    parser.add_argument("--ocr-pages", type=int, default=2)
    args = parser.parse_args()
    pdfs = _pdfs(args.docs)
    with tempfile.TemporaryDirectory(prefix="kho-bench-ingest-") as tmp:
        stage_times = stage_by_stage(pdfs, Path(tmp) / "stages")
        total = whole_pipeline(pdfs, Path(tmp) / "pipeline")
    per_doc = 1000 / args.docs
    print(f"{args.docs} five-page text PDFs (ms per document: wall, CPU)")
    for name, timing in stage_times.items():
        print(f"  {name:<30} {timing.wall * per_doc:7.2f} ms, CPU {timing.cpu * per_doc:7.2f} ms")
    stages_sum = sum(t.wall for t in stage_times.values())
    stages_cpu = sum(t.cpu for t in stage_times.values())
    print(
        f"  {'sum of stages alone':<30} {stages_sum * per_doc:7.2f} ms, "
        f"CPU {stages_cpu * per_doc:7.2f} ms"
    )
    print(
        f"pipeline (batch): {args.docs / total.wall:6.1f} documents/s, "
        f"{total.wall * per_doc:.2f} ms each, CPU {total.cpu / args.docs:.4f} s per document "
        f"({total.cpu / total.wall:.2f} cores busy); pipeline / sum of stages = "
        f"{total.wall / stages_sum:.2f}x, CPU {total.cpu / stages_cpu:.2f}x "
        "(target ≥ 40 documents/s, ≤ 1.5x)"
    )
    print(f"OCR: {ocr_rate(args.ocr_pages)}")


if __name__ == "__main__":
    main()
