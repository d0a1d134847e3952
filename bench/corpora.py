"""Every file of public test corpora through ingest: counts by status and reason, crashes, and
active content left in the access copies.

    .venv/bin/python bench/corpora.py DIR... [--no-ocr] [--level thuong] [--json out.json]

Test corpora of the libraries Kho builds on are hostile on purpose (broken, tricky, exotic files)
and none of them may be committed here. Get them on a machine with only the package registries,
for example the sdists of pypdf, pikepdf, Pillow, python-docx, odfpy, mammoth::

    pip download --no-binary :all: --no-deps -d /tmp/sdists pypdf pikepdf Pillow python-docx odfpy
    for f in /tmp/sdists/*.tar.gz; do tar -xzf "$f" -C /tmp/corpora; done
    .venv/bin/python bench/corpora.py /tmp/corpora/*

Each file is filed on its own (``pipeline.ingest_file``) on a fresh instance, as a new archivist
would, so a crash is counted as ``CRASH <exception>`` instead of ending the run. Afterwards every
stored access copy is opened again and searched, independently of the sanitizer, for what must
never reach a reader (scripts, launch actions, automatic actions, embedded or external files),
and the store is checked as ``kho check`` does (nothing half-stored).
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

# Keep bench/ off the import path (its files are named like the packages they measure).
ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # the repository, not bench/: its files are named like the packages

import pikepdf

from archive.core.limits import Limits
from archive.operations.maintenance import check_store
from archive.records import gate
from bench import kit
from ingest import pipeline
from ingest.examine import ocr

# What the files of a corpus look like; source code, build files and notes are left out.
SKIP_SUFFIXES = {
    ".py", ".pyc", ".pyx", ".pxd", ".c", ".h", ".cpp", ".hpp", ".cfg", ".toml", ".in", ".ini",
    ".md", ".rst", ".yml", ".yaml", ".json", ".sh", ".bat", ".css", ".js", ".html", ".txt",
    ".typed", ".lock", ".mk", ".cmake", ".am", ".ac", ".m4", ".pc", ".def", ".gitignore",
}  # fmt: skip
SKIP_NAMES = {"PKG-INFO", "LICENSE", "COPYING", "AUTHORS", "Makefile", "MANIFEST", "setup.cfg"}
# Keys that must not survive into an access copy, wherever they are.
ACTIVE_KEYS = {
    "/JS", "/JavaScript", "/AA", "/EmbeddedFile", "/EmbeddedFiles", "/EF", "/AF", "/XFA",
    "/RichMedia", "/Launch", "/SubmitForm", "/ImportData", "/GoToR", "/GoToE",
    "/FileAttachment", "/Movie", "/Sound",
}  # fmt: skip


def corpus_files(folders: list[str], only: set[str] | None = None) -> list[Path]:
    found = []
    for folder in folders:
        root = Path(folder)
        paths = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in paths:
            if path.suffix.lower() in SKIP_SUFFIXES or path.name in SKIP_NAMES:
                continue
            if only and path.suffix.lower() not in only:
                continue
            if any(part in {"__pycache__", ".git", "docs", "doc"} for part in path.parts):
                continue
            found.append(path)
    return found


def active_content(pdf_bytes: bytes) -> list[str]:
    """Listed keys and names found anywhere in a PDF, and streams that point outside it."""
    found: set[str] = set()
    try:
        pdf = pikepdf.open(io.BytesIO(pdf_bytes))
    except pikepdf.PdfError:
        return ["unreadable"]
    with pdf:
        for obj in pdf.objects:
            if not isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
                continue
            try:
                keys = set(obj.keys())
            except Exception:
                found.add("unreadable key")
                continue
            found |= keys & ACTIVE_KEYS
            kind = obj.get("/S") if "/S" in keys else None
            if kind is not None and str(kind) in ACTIVE_KEYS:
                found.add(str(kind))
            subtype = obj.get("/Subtype") if "/Subtype" in keys else None
            if subtype is not None and str(subtype) in ACTIVE_KEYS:
                found.add(str(subtype))
            if isinstance(obj, pikepdf.Stream) and "/F" in keys:
                found.add("external stream /F")
    return sorted(found)


_DETAIL = re.compile(r"\s*\([^()]*(\([^()]*\)[^()]*)*\)")


def reason_kind(reason: str | None, path: Path) -> str:
    """The English half of a reason, without the file's name and the library's details."""
    if not reason:
        return ""
    english = reason.split(" / ", 1)[-1] if " / " in reason else reason
    english = english.replace(path.name, "FILE")
    english = _DETAIL.sub("", english)
    return english.split(":", 1)[0].strip()[:90]


def run(files: list[Path], level: str | None, verbose: bool) -> dict:
    statuses: Counter[str] = Counter()
    reasons: Counter[tuple[str, str]] = Counter()
    by_suffix: dict[str, Counter[str]] = {}
    crashes: list[str] = []
    slowest: list[tuple[float, str]] = []
    stored: list[tuple[int, Path]] = []
    quarantined: set[int | None] = set()
    with tempfile.TemporaryDirectory(prefix="kho-corpora-") as tmp:
        inst, ctx = kit.filing_instance(Path(tmp) / "home", clearance="tuyet_mat")
        limits = Limits()
        for number, path in enumerate(files, 1):
            started = time.perf_counter()
            try:
                result = pipeline.ingest_file(inst, ctx, path, declared_level=level, limits=limits)
                status, why = result.status, reason_kind(result.reason, path)
                if status in ("stored", "quarantined") and result.id:
                    stored.append((result.id, path))
                if status == "quarantined":
                    quarantined.add(result.id)
            except Exception as exc:
                status, why = "CRASH", f"{type(exc).__name__}: {str(exc)[:80]}"
                crashes.append(f"{path}: {why}")
            seconds = time.perf_counter() - started
            slowest = sorted([*slowest, (seconds, str(path))], reverse=True)[:5]
            statuses[status] += 1
            reasons[(status, why)] += 1
            by_suffix.setdefault(path.suffix.lower() or "(none)", Counter())[status] += 1
            if verbose:
                print(f"{number:5} {status:<11} {seconds:6.2f}s {path}  {why}", flush=True)
        left = []
        for doc_id, path in stored:
            if doc_id in quarantined:  # readable by nobody
                continue
            copy = gate.open_content(inst, ctx, doc_id)
            if copy.media_type == "application/pdf":
                found = active_content(copy.read())
                if found:
                    left.append(f"{path}: {', '.join(found)}")
        report = check_store(inst, grace=0)
        inst.dispose()
    return {
        "files": len(files),
        "statuses": dict(statuses),
        "reasons": [{"status": s, "reason": r, "count": n} for (s, r), n in reasons.most_common()],
        "by_suffix": {k: dict(v) for k, v in sorted(by_suffix.items())},
        "crashes": crashes,
        "active_content_left": left,
        "store_check": report.lines(),
        "slowest": [{"seconds": round(s, 2), "path": p} for s, p in slowest],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+")
    parser.add_argument("--level", help="secrecy level declared for every file (like --level)")
    parser.add_argument("--no-ocr", action="store_true", help="leave scans flagged 'needs OCR'")
    parser.add_argument("--json", help="write the full report here")
    parser.add_argument("--only", help="only these suffixes, e.g. .pdf,.docx")
    parser.add_argument("-v", "--verbose", action="store_true", help="one line per file")
    args = parser.parse_args()
    if args.no_ocr:
        ocr.tesseract_version = lambda: None
    only = (
        {f".{x.strip().lstrip('.').lower()}" for x in args.only.split(",")} if args.only else None
    )
    files = corpus_files(args.folders, only)
    started = time.perf_counter()
    report = run(files, args.level, args.verbose)
    report["seconds"] = round(time.perf_counter() - started, 1)
    print(f"{report['files']} files in {report['seconds']} s")
    print("statuses:", ", ".join(f"{n} {s}" for s, n in sorted(report["statuses"].items())))
    print("by reason:")
    for item in report["reasons"]:
        print(f"  {item['count']:5}  {item['status']:<11} {item['reason']}")
    print(f"crashes: {len(report['crashes'])}")
    for line in report["crashes"]:
        print("  " + line)
    print(f"access copies with active content left: {len(report['active_content_left'])}")
    for line in report["active_content_left"]:
        print("  " + line)
    print("store check:", "; ".join(report["store_check"]))
    if args.json:
        Path(args.json).write_text(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
