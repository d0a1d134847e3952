"""Web benchmark: server-side time of the search page, the document page and a stamped download.

    .venv/bin/python bench/web.py [--docs 500] [--rounds 30]

Builds a throw-away instance (SQLite, encrypted blobs and index) with ``--docs`` generated
documents filed through the real pipeline, plus one 20-page PDF, logs in as the demo reader
``canbo`` (cleared MẬT, unit VP) with Flask's test client, and times whole requests: routing,
session check, the gate and its audit entry, unsealing, rendering (and for the download, the
decryption and the stamp on all 20 pages). Prints p50/p95 per page in milliseconds.

Filing 100,000 documents through the pipeline takes hours on two cores, so the default corpus is
small; the search index at 100,000 documents is measured by bench/search.py.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # the repository, not bench/: its files are named like the packages

from fpdf import FPDF

from archive.operations.bootstrap import initialize
from ingest import pipeline
from ingest.demo import demo, samples
from search import feed
from search.index import store
from web import create_app

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
NL = {"new_x": "LMARGIN", "new_y": "NEXT"}


def twenty_pages() -> bytes:
    pdf = FPDF()
    pdf.add_font("D", fname=FONT)
    pdf.set_font("D", size=11)
    for n in range(20):
        pdf.add_page()
        if n == 0:
            pdf.multi_cell(0, 6, "TỈNH ỦY LÀO CAI\nVĂN PHÒNG\nSố 77-BC/VPTU\n\nBÁO CÁO", **NL)
            pdf.multi_cell(0, 6, "về công tác phát triển đảng viên năm 2026", **NL)
        for _ in range(30):
            pdf.multi_cell(
                0, 6, f"Trang {n + 1}: công tác đảng viên, lưu trữ, số hóa tài liệu.", **NL
            )
    return bytes(pdf.output())


def timed(client, url: str, rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        start = time.perf_counter()
        response = client.get(url)
        out.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return out


def report(name: str, ms: list[float]) -> None:
    ms = sorted(ms)
    p95 = ms[max(0, round(0.95 * len(ms)) - 1)]
    print(f"{name:<28} p50 {statistics.median(ms):7.1f} ms   p95 {p95:7.1f} ms   n={len(ms)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        app = create_app({"KHO_HOME": home, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})
        inst = app.extensions["kho"]
        initialize(inst, "correct horse battery staple 2026")
        store.open_index(inst.index_dir, inst.keyring.index_key)
        start = time.perf_counter()
        demo.seed(inst, count=0)
        from archive.accounts.accounts import context_for, require_user

        with inst.sessions() as session:
            filer = context_for(require_user(session, demo.FILER), "bench")
        for doc in samples.generate(args.docs, seed=11):
            pipeline.ingest_bytes(inst, filer, doc.content, doc.filename, unit_code="VP")
        big = pipeline.ingest_bytes(inst, filer, twenty_pages(), "bao-cao-20-trang.pdf", "VP")
        feed.refresh(inst, [big.id])
        print(f"{args.docs + 1} documents filed in {time.perf_counter() - start:.0f} s")

        client = app.test_client()
        account = next(a for a in demo.DEMO_ACCOUNTS if a.username == "canbo")
        client.post("/login", data={"username": "canbo", "password": account.password})
        listing = client.get("/").get_data(as_text=True)
        doc_id = int(re.search(r"/documents/(\d+)", listing).group(1))
        rounds = args.rounds
        report("search page 'dang vien'", timed(client, "/search?q=dang+vien", rounds))
        report("search page '117-KH/TU'", timed(client, "/search?q=117-KH%2FTU", rounds))
        report("document page", timed(client, f"/documents/{doc_id}", rounds))
        report("page preview (PNG)", timed(client, f"/documents/{big.id}/page/0.png", rounds))
        report("stamped download 20 pages", timed(client, f"/documents/{big.id}/file", rounds))
        inst.dispose()


if __name__ == "__main__":
    main()
