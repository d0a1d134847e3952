"""Demo data: one account per role and generated Party documents, for `make run` and tries.

The documents come from ingest.demo.samples (generated here, never copied from elsewhere) and go
through the real pipeline, so a demo instance is encrypted and audited like a real one. Accounts
that policy requires to use a second factor are enrolled with a published demo secret: add it to
an authenticator app, or print the current code with `kho demo --code USER`.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from archive.accounts import accounts, sessions
from archive.core.instance import Instance
from ingest import pipeline
from ingest.demo import samples
from security.actor import Context, Principal
from security.errors import NotFound
from security.identity import totp
from security.policy.administration import requires_second_factor
from security.vocabulary import Role, level_rank


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
        return f"demo-{self.role.replace('_', '-')}-2026"

    @property
    def totp_secret(self) -> str | None:
        if not requires_second_factor(Principal(0, self.username, self.role, self.clearance, 0)):
            return None
        digest = hashlib.sha256(f"kho-demo-{self.username}".encode()).digest()[:20]
        return base64.b32encode(digest).decode()


DEMO_ACCOUNTS = (
    DemoAccount("vanthu", "archivist", "mat", "VP", "Nguyễn Thị Lan (văn thư)"),
    DemoAccount("canbo", "reader", "mat", "VP", "Trần Văn Minh (cán bộ)"),
    DemoAccount("luutru", "archivist", "tuyet_mat", "VP", "Đỗ Thu Trang (lưu trữ viên)"),
    DemoAccount("canbo.btc", "reader", "toi_mat", "BTC", "Lê Thị Hoa (Ban Tổ chức)"),
    DemoAccount("canbo.ubkt", "reader", "toi_mat", "UBKT", "Bùi Văn Đức (Ủy ban Kiểm tra)"),
    DemoAccount("canbo.btgdv", "reader", "toi_mat", "BTGDV", "Ngô Thị Hằng (Ban Tuyên giáo)"),
    DemoAccount("kiemtra", "auditor", "thuong", "UBKT", "Phạm Quốc Hùng (thanh tra nhật ký)"),
    DemoAccount("baomat", "security_officer", "tuyet_mat", "VP", "Hoàng Văn Nam (bảo mật)"),
    DemoAccount("quantri", "admin", "thuong", "VP", "Vũ Thị Mai (quản trị)"),
)
# The roles that read documents (security.policy.reading.READING_ROLES, which only the gate may
# import; tests/unit/ingest/demo checks the two agree).
DEMO_READING_ROLES = frozenset({Role.ARCHIVIST, Role.READER, Role.SECURITY_OFFICER})
FILER = "luutru"  # files the demo documents: cleared for every level they carry


def is_seeded(inst: Instance) -> bool:
    with inst.sessions() as session:
        return accounts.find_user(session, FILER) is not None


def _create_accounts(inst: Instance) -> None:
    with inst.sessions.begin() as session:
        for code, name in samples.UNITS.items():
            accounts.get_or_create_unit(session, code, name)
        missing = [a for a in DEMO_ACCOUNTS if accounts.find_user(session, a.username) is None]
    for acc in missing:
        user = accounts.create_account(
            inst,
            Context(None, "demo"),
            acc.username,
            acc.password,
            acc.role,
            acc.clearance,
            acc.unit,
            acc.full_name,
        )
        if acc.totp_secret:
            with inst.sessions.begin() as session:
                sessions.set_totp_secret(inst, session.merge(user), acc.totp_secret, confirmed=True)


def filing_unit(truth: dict) -> str:
    """The unit a sample is filed in: its own when a demo account there may read its level,
    else the Văn phòng Tỉnh ủy (whose archivist is cleared for every level), so that every demo
    document has a demo reader."""
    unit = truth["unit"]
    readers = [a for a in DEMO_ACCOUNTS if a.unit == unit and a.role in DEMO_READING_ROLES]
    if any(level_rank(a.clearance) >= level_rank(truth["level"]) for a in readers):
        return unit
    return "VP"


def seed(inst: Instance, count: int = 50) -> list[pipeline.IngestResult]:
    """Create missing demo units and accounts, then file ``count`` sample documents."""
    _create_accounts(inst)
    with inst.sessions() as session:
        ctx = accounts.context_for(accounts.require_user(session, FILER), "demo")
    return [
        pipeline.ingest_bytes(
            inst, ctx, doc.content, doc.filename, unit_code=filing_unit(doc.truth)
        )
        for doc in samples.generate(count)
    ]


def current_code(username: str) -> str:
    """The current second-factor code of a demo account (only demo secrets are public)."""
    account = next((a for a in DEMO_ACCOUNTS if a.username == username), None)
    if account is None or account.totp_secret is None:
        raise NotFound(
            f"{username} không phải tài khoản mẫu có mã.",
            f"{username} is not a demo account with a second factor.",
        )
    return totp.code_now(account.totp_secret)
