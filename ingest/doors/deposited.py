"""What one API deposit files: the file through the one pipeline, as its depositor, then the
record placed where the sender declared it belongs: a dossier (hồ sơ, ``archive.lifecycle.plan``)
and an entry in the incoming or outgoing register (sổ đăng ký văn bản đến / đi,
``archive.lifecycle.registers``), through the services the web pages use, with their policy and
audit entries.

The placement is checked before anything is filed (an unknown or closed dossier, an unknown
register, a depositor who may not keep either: refused, nothing stored); a placement that
fails once the record is filed (the record was read at a level the depositor may not place)
leaves the record filed, as acknowledged, and says so in the answer's warnings, so a person
places it by hand.

Run at once for a small file (``ingest.doors.deposit``) or by ``kho worker`` for a large one
(``ingest.doors.jobs``): the same function, so the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from archive.core.instance import Instance
from archive.lifecycle import plan, registers
from archive.models import Document, Dossier, Register
from archive.records import gate
from ingest import pipeline
from security.actor import Context
from security.errors import KhoError
from security.policy.lifecycle import may_manage_records, may_register
from security.vocabulary import Level

KEPT = ("stored", "duplicate", "quarantined")  # outcomes a deposit answers with (not refusals)


class Rejected(KhoError):
    """The pipeline refused the file (its reason, both languages); nothing was stored."""

    code = "rejected"


class Misplaced(KhoError):
    """A declared dossier or register entry that cannot be used: the request is refused (422)
    before anything is filed; ``field`` names the form field."""

    code = "invalid_placement"

    def __init__(self, field_name: str, vi: str, en: str) -> None:
        super().__init__(vi, en)
        self.field = field_name


@dataclass(frozen=True)
class Placement:
    """Where the sender says the record belongs (all optional)."""

    dossier: str | None = None
    register: str | None = None
    register_date: date | None = None

    def as_json(self) -> dict:
        return {
            "dossier": self.dossier,
            "register": self.register,
            "register_date": self.register_date.isoformat() if self.register_date else None,
        }

    @classmethod
    def from_json(cls, data: dict | None) -> Placement:
        data = data or {}
        when = data.get("register_date")
        return cls(
            data.get("dossier"), data.get("register"), date.fromisoformat(when) if when else None
        )

    def __bool__(self) -> bool:
        return bool(self.dossier or self.register)


@dataclass(frozen=True)
class Deposit:
    """The answer to a deposit (ids and codes only, plus warnings for the depositor)."""

    status: str  # stored | duplicate | quarantined
    id: int | None = None
    review: list[str] = field(default_factory=list)
    secrecy_pending: bool = False
    disagreed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    replayed: bool = False
    dossier: str | None = None  # the dossier it was placed in
    register_entry: dict | None = None  # {register, year, entry_number, id}

    def remembered(self) -> dict:
        """What an idempotency key or a job keeps of the answer: no free text."""
        return {
            "status": self.status,
            "id": self.id,
            "review": self.review,
            "secrecy_pending": self.secrecy_pending,
            "disagreed": self.disagreed,
            "dossier": self.dossier,
            "register_entry": self.register_entry,
        }


def check_placement(inst: Instance, ctx: Context, placement: Placement, level: str | None) -> None:
    """Refuse, before filing, a placement that cannot be made (``Misplaced``)."""
    who = ctx.principal
    floor = level or Level.THUONG
    with inst.sessions() as session:
        if placement.dossier:
            row = session.execute(select(Dossier).where(Dossier.code == placement.dossier)).scalar()
            if row is None:
                raise Misplaced(
                    "dossier",
                    f"Không có hồ sơ {placement.dossier}: dùng ký hiệu hồ sơ trong danh mục hồ "
                    "sơ của năm (trang Danh mục hồ sơ), hoặc bỏ trường dossier.",
                    f"No dossier {placement.dossier}: use a dossier code of the year's file "
                    "plan (the File plan page), or leave the dossier field out.",
                )
            if row.status == "closed":
                raise Misplaced(
                    "dossier",
                    f"Hồ sơ {placement.dossier} đã đóng: chọn hồ sơ khác đang mở.",
                    f"Dossier {placement.dossier} is closed: choose another, open one.",
                )
            if not may_manage_records(who, floor).allowed:
                raise Misplaced(
                    "dossier",
                    "Tài khoản này không được xếp văn bản vào hồ sơ: bỏ trường dossier.",
                    "This account may not place records in dossiers: leave the dossier out.",
                )
        if placement.register:
            if session.get(Register, placement.register.upper()) is None:
                raise Misplaced(
                    "register",
                    f"Không có sổ đăng ký {placement.register}: dùng DEN (văn bản đến) hoặc "
                    "DI (văn bản đi), hoặc mã sổ khác của kho.",
                    f"No register {placement.register}: use DEN (incoming) or DI (outgoing), "
                    "or another register code of this archive.",
                )
            if not may_register(who, floor).allowed:
                raise Misplaced(
                    "register",
                    "Tài khoản này không được vào sổ đăng ký: bỏ trường register.",
                    "This account may not keep registers: leave the register out.",
                )


def _entry_details(kind: str, fields: dict) -> dict:
    """The register's columns filled from the record's description (as read and declared)."""
    values = {
        "sender": fields.get("issuer"),
        "number": fields.get("number"),
        "issued": fields.get("date"),
        "doc_type": fields.get("doc_type"),
        "subject": fields.get("subject"),
    }
    known = {name for name, _ in registers.FIELDS[kind]}
    return {k: v for k, v in values.items() if k in known and v}


def _place(inst, ctx, record_id: int, fields: dict, placement: Placement) -> tuple[dict, list]:
    """Put a filed record where it was declared; returns what was done and the warnings of
    what could not be (the record stays filed)."""
    done: dict = {}
    warnings: list[str] = []
    if placement.dossier:
        try:
            plan.add(inst, ctx, placement.dossier, [record_id])
            done["dossier"] = placement.dossier
        except KhoError as exc:
            warnings.append(f"Chưa xếp vào hồ sơ / not placed in the dossier: {exc.vi} / {exc.en}")
    if placement.register:
        try:
            with inst.sessions() as session:
                kind = registers.register_of(session, placement.register).kind
            entry = registers.add_entry(
                inst,
                ctx,
                placement.register,
                placement.register_date or date.today(),
                _entry_details(kind, fields),
                doc_id=record_id,
            )
            done["register_entry"] = {
                "register": entry.register,
                "year": entry.year,
                "entry_number": entry.number,
                "id": entry.id,
            }
        except KhoError as exc:
            warnings.append(f"Chưa vào sổ / not registered: {exc.vi} / {exc.en}")
    return done, warnings


def _visible_id(inst: Instance, ctx: Context, doc_id: int | None) -> int | None:
    """A duplicate names the record already filed only if the depositor may read it."""
    if doc_id is None:
        return None
    with inst.sessions() as session:
        allowed = gate.may_read_now(session, ctx, session.get(Document, doc_id)).allowed
    return doc_id if allowed else None


def file_declared(
    inst: Instance,
    ctx: Context,
    data: bytes,
    filename: str,
    declared: dict,
    unit_code: str | None,
    placement: Placement = Placement(),
) -> Deposit:
    """File ``data`` as the depositor with what was declared, then place it; ``Rejected`` if the
    pipeline refused it."""
    result = pipeline.ingest_bytes(
        inst,
        ctx,
        data,
        filename,
        unit_code,
        declared.get("level"),
        declared={k: v for k, v in declared.items() if k != "level" or v},
    )
    if result.status not in KEPT:
        vi, _, en = (result.reason or "").partition(" / ")
        raise Rejected(vi or "Không nộp được tệp này.", en or vi or "The file was not filed.")
    record_id = result.id
    placed: dict = {}
    warnings = list(result.warnings)
    if result.status == "duplicate":
        record_id = _visible_id(inst, ctx, result.id)
        if placement:
            warnings.append(
                "Tệp đã có trong kho: không xếp hồ sơ, không vào sổ lần nữa. / Already in the "
                "archive: not placed in a dossier or register again."
            )
    elif placement:
        placed, more = _place(inst, ctx, result.id, result.fields, placement)
        warnings += more
    return Deposit(
        result.status,
        record_id,
        list(result.review),
        result.secrecy_pending,
        list(result.disagreed),
        warnings,
        **placed,
    )
