"""Demo data: one account per role and generated Party documents, for `make run` and tries.

The documents come from ingest.samples (generated here, never copied from elsewhere) and go
through the real pipeline, so a demo instance is encrypted and audited like a real one.
"""

from __future__ import annotations

from dataclasses import dataclass

from archive import accounts
from archive.audit import Context
from archive.instance import Instance
from ingest import pipeline, samples


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    clearance: str
    unit: str
    full_name: str

    @property
    def password(self) -> str:
        """Demo passwords are public by design: a demo instance holds no real documents."""
        return f"{self.username}-demo-2026"


DEMO_ACCOUNTS = (
    DemoAccount("vanthu", "archivist", "tuyet_mat", "VP", "Nguyễn Thị Lan (văn thư)"),
    DemoAccount("canbo", "reader", "mat", "VP", "Trần Văn Minh (cán bộ)"),
    DemoAccount("canbo.btc", "reader", "toi_mat", "BTC", "Lê Thị Hoa (Ban Tổ chức)"),
    DemoAccount("kiemtra", "auditor", "thuong", "UBKT", "Phạm Quốc Hùng (kiểm tra)"),
    DemoAccount("baomat", "security_officer", "tuyet_mat", "VP", "Hoàng Văn Nam (bảo mật)"),
    DemoAccount("quantri", "admin", "thuong", "VP", "Vũ Thị Mai (quản trị)"),
)


def is_seeded(inst: Instance) -> bool:
    with inst.sessions() as session:
        return accounts.find_user(session, DEMO_ACCOUNTS[0].username) is not None


def seed(inst: Instance, count: int = 50) -> list[pipeline.IngestResult]:
    """Create missing demo units and accounts, then file ``count`` sample documents."""
    with inst.sessions.begin() as session:
        for code, name in samples.UNITS.items():
            accounts.get_or_create_unit(session, code, name)
        missing = [a for a in DEMO_ACCOUNTS if accounts.find_user(session, a.username) is None]
    for acc in missing:
        accounts.create_account(
            inst,
            Context(None, "demo"),
            acc.username,
            acc.password,
            acc.role,
            acc.clearance,
            acc.unit,
            acc.full_name,
        )
    with inst.sessions() as session:
        ctx = accounts.context_for(accounts.require_user(session, "vanthu"), "demo")
    return [
        pipeline.ingest_bytes(inst, ctx, doc.content, doc.filename, unit_code=doc.truth["unit"])
        for doc in samples.generate(count)
    ]
