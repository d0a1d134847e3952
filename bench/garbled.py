"""Garbled text layers: pages flagged (to be OCR'd instead) and good pages wrongly flagged.

    .venv/bin/python bench/garbled.py [--docs 200] [DIR ...]

Generated text PDFs (``ingest.samples``) are all good: every flag there is a false one. Their
mojibake and poor-OCR spoilings (``ingest.demo.scans``) are all bad. Each DIR's PDFs are
listed page by page with the measures (odd characters, well-formed syllables, marked syllables) and
the verdict, so real e-signed files and scans with an OCR layer can be checked by eye.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # the repository, not bench/: its files are named like the packages

from ingest.demo import samples
from ingest.demo import scans as synth
from ingest.examine import text
from ingest.examine.scan import garbled


def generated(count: int) -> None:
    docs = samples.generate(count, seed=31, formats=("pdf",))
    started = time.perf_counter()
    pages = flagged = 0
    worst = garbled.EMPTY
    for doc in docs:
        layer = text.pdf_text(doc.content).pages
        verdicts = garbled.judge_pages(layer)
        pages += len(layer)
        flagged += sum(verdicts)
        for page in layer:
            m = garbled.measure(page)
            if m.enough and (worst.tokens == 0 or m.syllable_share < worst.syllable_share):
                worst = m
    seconds = time.perf_counter() - started
    print(f"generated text PDFs: {len(docs)} documents, {pages} pages, {flagged} flagged "
          f"(false); lowest syllable share {worst.syllable_share:.2f} "
          f"(threshold {garbled.MIN_SYLLABLE_SHARE}); {1000 * seconds / pages:.1f} ms/page "
          "with extraction")  # fmt: skip
    texts = [d.content.decode() for d in samples.generate(count, seed=32, formats=("txt",))]
    for name, spoil in (("mojibake", synth.mojibake), ("poor OCR layer", synth.poor_ocr)):
        caught = sum(garbled.measure(spoil(t)).garbled for t in texts)
        print(f"{name}: {caught}/{len(texts)} flagged")


def folder(path: Path) -> None:
    print(f"{path}:")
    total = flagged = 0
    for pdf in sorted(path.glob("*.pdf")):
        layer = text.pdf_text(pdf.read_bytes())
        verdicts = garbled.judge_pages(layer.pages)
        with_text = [i for i in range(len(layer.pages)) if i not in layer.pages_needing_ocr]
        if not with_text:
            continue
        total += len(with_text)
        flagged += sum(verdicts[i] for i in with_text)
        m = garbled.measure("\n".join(layer.pages[i] for i in with_text))
        print(f"  {pdf.name}: {sum(verdicts)}/{len(with_text)} text pages flagged; odd "
              f"{m.odd_share:.3f}, syllables {m.syllable_share:.2f}, "
              f"marked {m.marked_share:.2f}")  # fmt: skip
    print(f"  {flagged}/{total} text-layer pages flagged")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", type=Path, nargs="*")
    parser.add_argument("--docs", type=int, default=200)
    args = parser.parse_args(argv)
    if args.docs:
        generated(args.docs)
    for path in args.dirs:
        folder(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
