"""Per-field accuracy of ingest.header.parse_header against labelled header samples.

Usage (from the project root):
    .venv/bin/python bench/header_accuracy.py [--headers PATH] [--truth PATH] [--dir PATH] [-v]

Defaults point at ../shared/corpus; a missing file or folder is skipped with a note, so the
script also runs on machines without the development corpus. .docx files are skipped (no
python-docx here); PDFs without a text layer (scans) are skipped because they need OCR first.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # the repository, not bench/: its files are named like the packages

from ingest.describe.header import parse_header

CORPUS = ROOT.parent / "shared" / "corpus"
FIELDS = ("kind", "doc_type", "number", "issuer", "date", "subject", "level", "urgency", "place")


def _clean(value: object) -> object:
    """Compare strings with collapsed whitespace: line breaks in a subject are not errors."""
    return " ".join(value.split()) if isinstance(value, str) else value


def _pdf_text(path: Path) -> str:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(path))
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in doc)
    finally:
        doc.close()


def header_samples(path: Path) -> Iterator[tuple[str, str, dict]]:
    """(name, text, expected) from a headers.jsonl file."""
    with path.open(encoding="utf-8") as fh:
        for no, line in enumerate(fh, 1):
            if line.strip():
                row = json.loads(line)
                yield f"headers:{no}", row.pop("text"), row


def corpus_samples(truth: Path, folder: Path) -> Iterator[tuple[str, str, dict]]:
    """(name, text, expected) for the .txt and text-layer .pdf files listed in truth.jsonl."""
    with truth.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            row = json.loads(line)
            path = folder / row["file"]
            if path.suffix == ".txt":
                text = path.read_text(encoding="utf-8")
            elif path.suffix == ".pdf":
                text = _pdf_text(path)
            else:
                print(f"  skip {path.name}: {path.suffix} not measured")
                continue
            if not text.strip():
                print(f"  skip {path.name}: no text layer (needs OCR)")
                continue
            yield path.name, text, row


def measure(samples: list[tuple[str, str, dict]], verbose: bool) -> dict[str, list[int]]:
    """Count [right, total] per field; print each mismatch when verbose."""
    score = {name: [0, 0] for name in FIELDS}
    for name, text, expected in samples:
        got = parse_header(text).as_dict()
        for field in FIELDS:
            if field not in expected:
                continue
            ok = _clean(got.get(field)) == _clean(expected[field])
            score[field][0] += ok
            score[field][1] += 1
            if verbose and not ok:
                print(f"  {name} {field}: got {got.get(field)!r}, want {expected[field]!r}")
    return score


def report(title: str, score: dict[str, list[int]]) -> None:
    print(f"{title}")
    for field, (right, total) in score.items():
        if total:
            print(f"  {field:9s} {right:3d}/{total:<3d} {100 * right / total:6.1f}%")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--headers", type=Path, default=CORPUS / "headers.jsonl")
    parser.add_argument("--truth", type=Path, default=CORPUS / "dev" / "truth.jsonl")
    parser.add_argument("--dir", type=Path, default=None, help="documents (default: truth's dir)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every mismatch")
    args = parser.parse_args(argv)

    sets: dict[str, list[tuple[str, str, dict]]] = {}
    if args.headers.is_file():
        sets["headers.jsonl"] = list(header_samples(args.headers))
    else:
        print(f"skip headers: {args.headers} not found")
    if args.truth.is_file():
        folder = args.dir or args.truth.parent
        sets["dev corpus (txt/pdf)"] = list(corpus_samples(args.truth, folder))
    else:
        print(f"skip corpus: {args.truth} not found")
    if not sets:
        return 0
    total = {name: [0, 0] for name in FIELDS}
    for title, samples in sets.items():
        score = measure(samples, args.verbose)
        report(f"{title}: {len(samples)} documents", score)
        for field, (right, count) in score.items():
            total[field][0] += right
            total[field][1] += count
    report("all", total)
    return 0


if __name__ == "__main__":
    sys.exit(main())
