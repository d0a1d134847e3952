"""Classification accuracy: per-field exact match, a confusion table for the secrecy level, and
the count of documents classified below their true level (the error that must never happen).

Usage (from the project root):
    .venv/bin/python bench/classify.py DIR [--headers FILE] [--no-ocr] [-v]

DIR holds documents and a ``truth.jsonl`` (format of ../shared/corpus/dev/). Every file goes through
``ingest.examine.stages.examine``, so scans are read through OCR when Tesseract is installed;
documents with a text layer and scans are scored apart (targets: 98% and 90%).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # the repository, not bench/: its files are named like the packages

from ingest.describe.header import parse_header
from ingest.examine.stages import examine

FIELDS = ("kind", "doc_type", "number", "issuer", "date", "place", "subject", "level", "urgency")
LEVELS = ("thuong", "mat", "toi_mat", "tuyet_mat")


def _clean(value: object) -> object:
    return " ".join(value.split()) if isinstance(value, str) else value


class Score:
    def __init__(self, title: str) -> None:
        self.title = title
        self.right = dict.fromkeys(FIELDS, 0)
        self.total = dict.fromkeys(FIELDS, 0)
        self.confusion = {t: dict.fromkeys(LEVELS, 0) for t in LEVELS}
        self.below: list[str] = []
        self.docs = 0

    def add(self, name: str, got: dict, want: dict, verbose: bool) -> None:
        self.docs += 1
        for field in FIELDS:
            if field not in want:
                continue
            ok = _clean(got.get(field)) == _clean(want[field])
            self.right[field] += ok
            self.total[field] += 1
            if verbose and not ok:
                print(f"  {name} {field}: got {got.get(field)!r}, want {want[field]!r}")
        if "level" in want:
            self.confusion[want["level"]][got["level"]] += 1
            if LEVELS.index(got["level"]) < LEVELS.index(want["level"]):
                self.below.append(name)

    def report(self) -> None:
        print(f"{self.title}: {self.docs} documents")
        for field in FIELDS:
            if self.total[field]:
                r, t = self.right[field], self.total[field]
                print(f"  {field:9s} {r:3d}/{t:<3d} {100 * r / t:6.1f}%")
        print("  level confusion (rows: true, columns: classified)")
        print("  " + " " * 10 + "".join(f"{c:>10s}" for c in LEVELS))
        for t in LEVELS:
            print(f"  {t:10s}" + "".join(f"{self.confusion[t][c]:10d}" for c in LEVELS))
        print(f"  classified below true level: {len(self.below)} {self.below or ''}")


def run_dir(folder: Path, run_ocr: bool, verbose: bool) -> list[Score]:
    text_layer, scans = Score(f"{folder} (text layer)"), Score(f"{folder} (scans, OCR)")
    started = time.perf_counter()
    for line in (folder / "truth.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        want = json.loads(line)
        path = folder / want["file"]
        examined = examine(path.read_bytes(), path.name, run_ocr=run_ocr)
        scan = want.get("format") == "scan" or bool(examined.events and any(
            e.stage == "OCR" and e.outcome == "success" for e in examined.events))  # fmt: skip
        got = parse_header(examined.text).as_dict()
        (scans if scan else text_layer).add(path.name, got, want, verbose)
    print(f"({time.perf_counter() - started:.1f} s to examine and classify)")
    return [text_layer, scans]


def run_headers(path: Path, verbose: bool) -> Score:
    score = Score(str(path))
    for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            want = json.loads(line)
            score.add(f"headers:{no}", parse_header(want.pop("text")).as_dict(), want, verbose)
    return score


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", type=Path, nargs="?", help="folder with truth.jsonl")
    parser.add_argument("--headers", type=Path, help="a headers.jsonl file")
    parser.add_argument("--no-ocr", action="store_true", help="do not OCR scans")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every mismatch")
    args = parser.parse_args(argv)
    scores: list[Score] = []
    if args.dir:
        scores += run_dir(args.dir, not args.no_ocr, args.verbose)
    if args.headers:
        scores.append(run_headers(args.headers, args.verbose))
    for score in scores:
        if score.docs:
            score.report()
    return 1 if any(score.below for score in scores) else 0


if __name__ == "__main__":
    sys.exit(main())
