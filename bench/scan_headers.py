"""Header fields read from scans: the whole page at once (before) against the layout reading
(after: stamps read on their own and taken out, the page's words put in column order), and
seconds per page. With ``--crops``, a third reading: each header column cut out (with a
margin, scaled, read with its own page-segmentation mode) and recognised on its own, the rest of
the page as in "after" (the reading issue 12 first asked for; see ingest/examine/scan/page.py).

    .venv/bin/python bench/scan_headers.py [--scans 24] [--seed 7] [DIR ...] [-v]
        [--crops MARGIN_MM,SCALE,PSM ...]

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
sys.path[0] = str(ROOT)  # the repository, not bench/: its files are named like the packages

import cv2

from archive.core.limits import Limits
from ingest.demo import scans as synth
from ingest.describe.header import parse_header
from ingest.examine import ocr, text
from ingest.examine.limits import Deadline
from ingest.examine.scan import garbled, raster
from ingest.examine.scan import page as page_reading
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
    def __init__(self, crops: list[str] | None = None) -> None:
        self.methods = ["before", "after", *(f"crop {c}" for c in crops or [])]
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
        print(f"  {'field':9s} " + " ".join(f"{m:>14s}" for m in self.methods))
        for field in FIELDS:
            total = self.total[field]
            if not total:
                continue
            cells = [
                f"{self.right[m][field]:3d}/{total} {100 * self.right[m][field] / total:5.1f}%"
                for m in self.methods
            ]
            print(f"  {field:9s} " + " ".join(f"{c:>14s}" for c in cells))
        per = {k: v / max(1, self.pages) for k, v in self.seconds.items()}
        print(
            f"  seconds per first page: before (whole page) {per.get('before', 0):.2f}; "
            f"after {per.get('after', 0):.2f} (layout {per.get('layout', 0):.2f}, stamps "
            f"{per.get('stamps', 0):.2f}, page {per.get('body', 0):.2f})"
            + "".join(f"; {m} {per.get(m, 0):.2f}" for m in self.methods[2:])
        )


def read_columns(page: raster.PageImage, margin_mm: float, scale: float, psm: int) -> str | None:
    """Page 1 with each header column recognised from its own crop (``margin_mm`` around it,
    scaled by ``scale``, Tesseract ``--psm psm``) and the rest of the page from the whole-page
    run, in the layout's order. None when no two-column header is found."""
    header = page_reading.find_header(page)
    if header is None:
        return None
    gray = page.gray
    height, width = gray.shape
    pad = round(margin_mm * page.dpi / 25.4)
    top = max(0, round(header.top * height) - pad)
    bottom = min(height, round(header.cut * height) + pad // 2)
    gutter = round(header.gutter * width)
    columns = []
    for x0, x1 in ((max(0, round(header.left[0] * width) - pad), gutter),
                   (gutter, min(width, round(header.right[1] * width) + pad))):  # fmt: skip
        crop = gray[top:bottom, x0:x1]
        if scale != 1.0:
            crop = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
        framed = cv2.copyMakeBorder(crop, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=255)
        columns.append(ocr.tesseract(to_pgm(framed), Deadline(600), psm, False))
    _, _, rest = page_reading.read_by_layout(gray, header, Deadline(600), ocr.tesseract)
    return "\n".join([columns[0], "", columns[1], "", *rest])


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
    for method in score.methods[2:]:
        margin, scale, psm = method.split()[1].split(",")
        started = time.perf_counter()
        columns = read_columns(page, float(margin), float(scale), int(psm))
        score.seconds[method] += time.perf_counter() - started
        got = parse_header(text.normalize(columns if columns is not None else reading.text))
        score.add(method, got.as_dict(), want, name, verbose)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", type=Path, nargs="*", help="folders with a truth.jsonl")
    parser.add_argument("--scans", type=int, default=24, help="generated scans (0: none)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("--crops", nargs="*", default=[], metavar="MARGIN_MM,SCALE,PSM",
                        help="also read the header columns from crops, e.g. 4,1.5,6")  # fmt: skip
    args = parser.parse_args(argv)
    if not ocr.ocr_available():
        print(ocr.INSTALL_HINT)
        return 1
    if args.scans:
        score = Score(args.crops)
        for scan in synth.generate(args.scans, seed=args.seed, ordinary=0.4):
            page = first_page(scan.content, scan.filename)
            measure(score, page, scan.truth, scan.filename, args.verbose)
        score.report(f"generated scans (seed {args.seed})")
    for folder in args.dirs:
        score = Score(args.crops)
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
