"""Header fields read from scans: the whole page at once (before) against the layout reading
(after: stamps read on their own and taken out, the page's words put in column order), and
seconds per page.

    .venv/bin/python bench/scan_headers.py [--scans 24] [--seed 7] [DIR ...] [-v]

Both readings go through the same header parser (``ingest.header.parse_header``) on the text of page
1, so the difference is the reading of the image alone. Generated scans
(``ingest.demo.scans``, every colour mode and dpi, Party and state layouts, some stamped)
carry their truth; each DIR is a folder with a ``truth.jsonl`` (e.g. ../shared/corpus/real and
../shared/corpus/dev), of which the files whose page 1 has no readable text layer are used.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.core.limits import Limits
from ingest.demo import scans as synth
from ingest.describe.header import parse_header
from ingest.examine import ocr, text
from ingest.examine.limits import Deadline
from ingest.examine.scan import garbled, raster
from ingest.examine.scan.page import read_page
from ingest.examine.scan.raster import to_pgm

FIELDS = ("kind", "doc_type", "number", "issuer", "date", "subject")


def _clean(value: object) -> object:
    return " ".join(value.split()) if isinstance(value, str) else value


def first_page(data: bytes, name: str) -> raster.PageImage | None:
    if name.lower().endswith(".pdf"):
        extracted = text.pdf_text(data)
        readable = 0 not in extracted.pages_needing_ocr
        if readable and not garbled.judge_pages(extracted.pages)[0]:
            return None  # ingest reads its text layer, not its image
        return raster.render_pdf_page(data, 0, Limits())
    if name.lower().endswith((".png", ".jpg", ".jpeg", ".tif", ".tiff")):
        return next(iter(ocr._frames(data, Limits())))
    return None


class Score:
    def __init__(self) -> None:
        self.right: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(FIELDS, 0))
        self.total = dict.fromkeys(FIELDS, 0)
        self.seconds: dict[str, float] = defaultdict(float)
        self.pages = 0

    def add(self, method: str, got: dict, want: dict, name: str, verbose: bool) -> None:
        for field in FIELDS:
            if field in want:
                ok = _clean(got.get(field)) == _clean(want[field])
                self.right[method][field] += ok
                if verbose and not ok:
                    print(f"    {method} {name} {field}: {got.get(field)!r} (want {want[field]!r})")

    def report(self, title: str) -> None:
        print(f"{title}: {self.pages} scans")
        print(f"  {'field':9s} {'before':>14s} {'after':>14s}")
        for field in FIELDS:
            total = self.total[field]
            if not total:
                continue
            cells = [
                f"{self.right[m][field]:3d}/{total} {100 * self.right[m][field] / total:5.1f}%"
                for m in ("before", "after")
            ]
            print(f"  {field:9s} {cells[0]:>14s} {cells[1]:>14s}")
        per = {k: v / max(1, self.pages) for k, v in self.seconds.items()}
        print(
            f"  seconds per first page: before (whole page) {per.get('before', 0):.2f}; "
            f"after {per.get('after', 0):.2f} (layout {per.get('layout', 0):.2f}, stamps "
            f"{per.get('stamps', 0):.2f}, page {per.get('body', 0):.2f})"
        )


def measure(score: Score, page: raster.PageImage, want: dict, name: str, verbose: bool) -> None:
    for field in FIELDS:
        score.total[field] += field in want
    score.pages += 1
    started = time.perf_counter()
    whole = ocr.tesseract(to_pgm(page.gray), Deadline(600), 3, False)
    score.seconds["before"] += time.perf_counter() - started
    started = time.perf_counter()
    reading = read_page(page, 0, Deadline(600), ocr.tesseract, first=True)
    score.seconds["after"] += time.perf_counter() - started
    for step, value in reading.seconds.items():
        score.seconds[step] += value
    score.add("before", parse_header(text.normalize(whole)).as_dict(), want, name, verbose)
    score.add("after", parse_header(text.normalize(reading.text)).as_dict(), want, name, verbose)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", type=Path, nargs="*", help="folders with a truth.jsonl")
    parser.add_argument("--scans", type=int, default=24, help="generated scans (0: none)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    if not ocr.ocr_available():
        print(ocr.INSTALL_HINT)
        return 1
    if args.scans:
        score = Score()
        for scan in synth.generate(args.scans, seed=args.seed, ordinary=0.4):
            page = first_page(scan.content, scan.filename)
            measure(score, page, scan.truth, scan.filename, args.verbose)
        score.report(f"generated scans (seed {args.seed})")
    for folder in args.dirs:
        score = Score()
        for line in (folder / "truth.jsonl").read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            want = json.loads(line)
            path = folder / want["file"]
            page = first_page(path.read_bytes(), path.name)
            if page is not None:
                measure(score, page, want, path.name, args.verbose)
        score.report(str(folder))
    return 0


if __name__ == "__main__":
    sys.exit(main())
