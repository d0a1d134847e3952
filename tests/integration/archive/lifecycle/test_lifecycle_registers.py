"""Registers: numbering per register and year without gaps or duplicates, even with concurrent
archivists (threads, and two processes); sealed details; lists and exports through the gate."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from datetime import date

import pytest
from sqlalchemy import select

from archive.lifecycle import registers
from archive.models import AuditEntry, RegisterEntry
from security.errors import NotFound, Refused
from tests.support import ROOT
from tests.support.people import add_person
from tests.support.records import file_doc


def _numbers(inst, register: str, year: int) -> list[int]:
    with inst.sessions() as session:
        return sorted(
            session.execute(
                select(RegisterEntry.number).where(
                    RegisterEntry.register == register, RegisterEntry.year == year
                )
            ).scalars()
        )


def test_numbers_restart_each_year_and_details_are_sealed(inst, archivist):
    doc = file_doc(inst, archivist, level="mat")
    details = {"sender": "Ban Tổ chức Trung ương", "number": "31-KH/BTCTW", "subject": "về nhân sự"}
    first = registers.add_entry(inst, archivist.ctx, "DEN", date(2025, 12, 31), details, doc)
    second = registers.add_entry(inst, archivist.ctx, "den", date(2026, 1, 2), {"sender": "VPTW"})
    third = registers.add_entry(inst, archivist.ctx, "DEN", date(2026, 1, 3), {"sender": "UBKT"})
    out = registers.add_entry(inst, archivist.ctx, "DI", date(2026, 1, 3), {"signer": "Bí thư"})
    assert [(e.year, e.number) for e in (first, second, third, out)] == [
        (2025, 1),
        (2026, 1),
        (2026, 2),
        (2026, 1),
    ]
    with pytest.raises(Refused):
        registers.add_entry(inst, archivist.ctx, "DEN", date(2026, 1, 3), {"signer": "x"})
    with inst.sessions() as session:
        rows = session.execute(select(RegisterEntry)).scalars().all()
        assert not any(b"BTCTW" in r.sealed or "nhân sự".encode() in r.sealed for r in rows)
    reader = add_person(inst, "canbo", "reader", "thuong")
    with pytest.raises(Refused):
        registers.add_entry(inst, reader.ctx, "DEN", date(2026, 1, 3), {"sender": "x"})
    # The reader cleared for ordinary records sees the 2025 line only once it is declassified.
    assert registers.entries(inst, reader.ctx, "DEN", 2025) == []
    assert [e.details for e in registers.entries(inst, archivist.ctx, "DEN", 2025)] == [details]
    csv_text = registers.export_csv(inst, archivist.ctx, "DEN", 2026)
    assert csv_text.splitlines()[0].startswith("Số đến,Ngày đến,Tác giả (nơi gửi)")
    assert "VPTW" in csv_text and "UBKT" in csv_text
    assert "<td>VPTW</td>" in registers.printable(inst, archivist.ctx, "DEN", 2026)
    with inst.sessions() as session:
        last = session.execute(select(AuditEntry).order_by(AuditEntry.seq.desc())).scalar()
    assert last.action == "register_export" and len(last.detail["entries"]) == 2
    outsider = add_person(inst, "khac", "archivist", "tuyet_mat", "BTC")
    with pytest.raises(NotFound):
        registers.add_entry(inst, outsider.ctx, "DEN", date(2026, 1, 4), {}, doc)


def test_concurrent_threads_get_every_number_once(inst, archivist):
    other = add_person(inst, "vanthu2", "archivist", "mat")
    errors: list[BaseException] = []
    per_thread, threads = 15, 4

    def work(person):
        try:
            for _ in range(per_thread):
                registers.add_entry(inst, person.ctx, "DEN", date(2026, 5, 1), {"sender": "x"})
        except BaseException as exc:
            errors.append(exc)

    pool = [
        threading.Thread(target=work, args=((archivist, other)[i % 2],)) for i in range(threads)
    ]
    started = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - started
    assert not errors, errors
    total = per_thread * threads
    assert _numbers(inst, "DEN", 2026) == list(range(1, total + 1))
    print(f"\n{total} register entries from {threads} threads in {elapsed:.2f} s")


SCRIPT = textwrap.dedent(
    """
    import sys
    from datetime import date
    from archive.accounts import accounts
    from archive.core.instance import Instance
    from archive.lifecycle import registers

    home, url, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    inst = Instance.from_settings(home, url)
    with inst.sessions() as session:
        ctx = accounts.context_for(accounts.require_user(session, "vanthu"), "test")
    for _ in range(count):
        registers.add_entry(inst, ctx, "DI", date(2026, 6, 1), {"signer": "Bí thư"})
    """
)


def test_two_processes_get_every_number_once(inst, archivist):
    count = 20
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", SCRIPT, str(inst.home), inst.database_url, str(count)],
            cwd=ROOT,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    registers.add_entry(inst, archivist.ctx, "DI", date(2026, 6, 1), {"signer": "Phó Bí thư"})
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    assert _numbers(inst, "DI", 2026) == list(range(1, 2 * count + 2))
