"""Stamp reading on scans: recall of secrecy stamps, false marks on ordinary scans, time per page.

    .venv/bin/python bench/stamps.py [--scans 60] [--seed 12] [--full] [--real DIR] [-v]

1. Generates ``--scans`` stamped scans (``ingest.demo.scans``: every level, colour,
   grayscale and bitonal, 150/200/300 dpi, PDFs without a text layer and PNGs, stamps turned up to
   ±20°, some faint; a share of ordinary pages, bare or with an incoming "ĐẾN" stamp and a red
   seal). 2. Reads the first page of each the way ingest does (decode or render, then
   ``ingest.examine.scan.page``): by default the stamp search alone; ``--full`` also reads the
   header columns and the rest of the page, as ``kho ingest`` does. 3. Prints, for secret scans:
   read right / read as another level (lower: the failure that must never happen) / found but
   unreadable (``unknown``: held back for a person) / missed; by colour mode, dpi, turn and
   faintness. For ordinary scans: false secrecy marks and false ``unknown`` marks. Seconds per page
   for each step. 4. ``--real DIR``: the same on the first page of every scan (PDF without text
   layer, image) in DIR, which are all ordinary (e.g. ../shared/corpus/real): every level or unknown
   mark there is a false mark.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # the repository, not bench/: its files are named like the packages

from archive.core.limits import Limits
from ingest.demo import scans as synth
from ingest.examine import ocr, text
from ingest.examine.limits import Deadline
from ingest.examine.scan import garbled, raster
from ingest.examine.scan.marks import SURE
from ingest.examine.scan.page import read_page, search_stamps

LEVELS = ("thuong", "mat", "toi_mat", "tuyet_mat")
OUTCOMES = ("right", "higher", "held", "lower", "missed")


def first_page(data: bytes, name: str) -> raster.PageImage:
    """Page 1 as ingest sees it: a PDF rendered at its dpi, an image file decoded."""
    if name.lower().endswith(".pdf"):
        return raster.render_pdf_page(data, 0, Limits())
    return next(iter(ocr._frames(data, Limits())))  # type: ignore[arg-type]


def read(page: raster.PageImage, full: bool) -> tuple[list, dict[str, float]]:
    deadline = Deadline(600)
    if full:
        reading = read_page(page, 0, deadline, ocr.tesseract, first=True)
        return reading.marks, reading.seconds
    started = time.perf_counter()
    found, _ = search_stamps(page, 0, 0.5, deadline, ocr.tesseract)
    return found, {"stamps": time.perf_counter() - started}


def outcome(want: str, marks: list) -> str:
    """right: the level read surely; higher: a higher level read surely; held: an unreadable
    mark or an unsure reading keeps the record back for a person; lower: a lower level read
    surely and nothing held back (the silent failure); missed: nothing found."""
    sure = [m.value for m in marks if m.kind == "level" and m.confidence >= SURE]
    unsure = [m for m in marks if m.kind == "unknown" or (m.kind == "level" and m.value
                                                          and m.confidence < SURE)]  # fmt: skip
    top = max(sure, key=LEVELS.index, default="thuong")
    if want in sure:
        return "right"
    if LEVELS.index(top) > LEVELS.index(want):
        return "higher"
    if unsure:
        return "held"
    return "lower" if sure else "missed"


def _turn(angle: float) -> str:
    a = abs(angle)
    return "0-3°" if a < 3 else "3-10°" if a < 10 else "10-20°"


class Table:
    def __init__(self) -> None:
        self.rows: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(OUTCOMES, 0))

    def add(self, key: str, result: str) -> None:
        self.rows[key][result] += 1

    def print(self, title: str) -> None:
        print(f"  {title:16s}" + "".join(f"{o:>9s}" for o in OUTCOMES) + "   recall*")
        for key in sorted(self.rows):
            row = self.rows[key]
            total = sum(row.values())
            held = row["right"] + row["higher"] + row["held"]
            print(f"  {key:16s}" + "".join(f"{row[o]:9d}" for o in OUTCOMES)
                  + f"   {100 * held / total:5.1f}%")  # fmt: skip


def generated(args: argparse.Namespace) -> None:
    started = time.perf_counter()
    scans = synth.generate(args.scans, seed=args.seed, ordinary=args.ordinary)
    print(f"{len(scans)} scans generated in {time.perf_counter() - started:.1f} s")
    tables = {name: Table() for name in ("level", "mode", "dpi", "turn", "faint", "place")}
    false_level = false_unknown = ordinary = 0
    seconds: dict[str, float] = defaultdict(float)
    for scan in scans:
        truth = scan.truth
        page = first_page(scan.content, scan.filename)
        marks, spent = read(page, args.full)
        for step, value in spent.items():
            seconds[step] += value
        if truth["level"] == "thuong":
            ordinary += 1
            bad_level = [m for m in marks if m.kind == "level"]  # sure or not, all are false
            bad_unknown = [m for m in marks if m.kind == "unknown"]
            false_level += bool(bad_level)
            false_unknown += bool(bad_unknown)
            if args.verbose and (bad_level or bad_unknown):
                print(f"  false mark on {scan.filename}: {[(m.kind, m.value) for m in marks]}")
            continue
        stamp = next(s for s in truth["stamps"] if s["kind"] == "level")
        result = outcome(truth["level"], marks)
        tables["level"].add(truth["level"], result)
        tables["mode"].add(truth["mode"], result)
        tables["dpi"].add(str(truth["dpi"]), result)
        tables["turn"].add(_turn(stamp["angle"]), result)
        tables["faint"].add("faint" if stamp["faint"] else "strong", result)
        tables["place"].add(stamp["place"], result)
        if args.verbose and result != "right":
            got = [(m.kind, m.value, m.confidence) for m in marks]
            print(f"  {result}: {scan.filename} angle {stamp['angle']} faint {stamp['faint']}"
                  f" -> {got}")  # fmt: skip
    secret = len(scans) - ordinary
    print(f"secret scans: {secret}  (* recall: read right, higher, or held back for a person)")
    for name, table in tables.items():
        table.print(name)
    print(f"ordinary scans: {ordinary}; with a false secrecy mark: {false_level}; "
          f"with a false unknown mark: {false_unknown}")  # fmt: skip
    pages = len(scans)
    print("seconds per page: " + ", ".join(f"{k} {v / pages:.2f}" for k, v in seconds.items()))


def real(folder: Path, args: argparse.Namespace) -> None:
    print(f"real scans in {folder} (all ordinary: every level or unknown mark is false)")
    seconds: dict[str, float] = defaultdict(float)
    pages = false = 0
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in (".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff"):
            continue
        data = path.read_bytes()
        if path.suffix.lower() == ".pdf" and _has_text_layer(data):
            continue
        page = first_page(data, path.name)
        marks, spent = read(page, args.full)
        pages += 1
        for step, value in spent.items():
            seconds[step] += value
        bad = [m for m in marks if m.kind in ("level", "unknown")]
        false += bool(bad)
        shown = [(m.kind, m.value, round(m.confidence, 2)) + ((m.text,) if args.verbose else ())
                 for m in marks]  # fmt: skip
        print(f"  {path.name}: {shown}{'  <- FALSE' if bad else ''}")
    print(f"  {pages} scans, {false} with a false secrecy or unknown mark")
    if pages:
        print("  seconds per page: "
              + ", ".join(f"{k} {v / pages:.2f}" for k, v in seconds.items()))  # fmt: skip


def _has_text_layer(data: bytes) -> bool:
    """Page 1 has a readable text layer (then ingest reads it, not the image)."""
    extracted = text.pdf_text(data)
    return 0 not in extracted.pages_needing_ocr and not garbled.judge_pages(extracted.pages)[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", type=int, default=60)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--ordinary", type=float, default=0.25, help="share without a stamp")
    parser.add_argument("--full", action="store_true", help="read whole pages, as ingest does")
    parser.add_argument("--real", type=Path, help="folder of real (ordinary) scans")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    if not ocr.ocr_available():
        print(ocr.INSTALL_HINT)
        return 1
    if args.scans:
        generated(args)
    if args.real:
        real(args.real, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
