"""File → record: examine (identify, validate, sanitize, extract, OCR), describe, check policy,
hand over to the archive (``archive.records.filing``), announce the new record.

Every outcome (stored, duplicate, quarantined, rejected) is an audit entry. A record whose
secrecy could not be read with confidence (``ingest.describe.secrecy``), a scan without text
included, is filed held back (chờ xác định độ mật) instead of refused. A refusal stores
nothing; a stored record is committed, then announced (``archive.core.events``): the index
follows it (``web.wiring``), and an indexing failure only delays searchability (the index is
derived: ``kho check --repair`` and ``kho reindex`` catch up).
A TUYỆT MẬT document is never digitized by rule (Hướng dẫn 40-HD/VPTW): it is kept encrypted in
quarantine, readable by nobody, until an administrator releases it with a reference.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from archive.accounts import accounts
from archive.audit.actions import Action
from archive.core import events, faults
from archive.core.events import Change, RecordChange
from archive.core.instance import Instance
from archive.core.limits import Limits
from archive.core.uow import UnitOfWork
from archive.models import RecordStatus, queries
from archive.operations import trust
from archive.records import filing, gate
from archive.records.quarantine import NOT_DIGITIZED
from ingest import signatures
from ingest.describe import gazetteer, secrecy, training
from ingest.describe.declared import reconcile
from ingest.describe.header import Header, parse_header
from ingest.describe.review import review_items
from ingest.describe.rules import RulesError, RuleTable, load_rules
from ingest.describe.suggest import suggest_filing
from ingest.examine import names, sniff, stages
from ingest.examine.limits import check_size, reason
from security.actor import Context
from security.errors import KhoError, Refused
from security.policy.records import may_file

log = logging.getLogger(__name__)

_FIELDS = ("kind", "doc_type", "number", "issuer", "date", "subject", "level", "urgency")
HELD_BACK = (
    "Chờ xác định độ mật: chỉ người nộp và cán bộ bảo mật thấy văn bản này cho đến khi "
    "độ mật được xác định ở trang Kiểm tra (hoặc `kho review confirm`). / Secrecy pending: "
    "hidden from everyone but you and security officers until its level is set on the review "
    "page (or with `kho review confirm`)."
)
RULES_FILE = "filing_rules.json"  # in KHO_HOME: the administrator's editable copy


@dataclass
class IngestResult:
    path: str
    status: str  # stored | duplicate | rejected | quarantined
    id: int | None = None
    reason: str | None = None
    fields: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    review: list[str] = field(default_factory=list)  # names of the fields sent to a person
    secrecy_pending: bool = False  # held back until a person sets the level
    disagreed: list[str] = field(default_factory=list)  # declared fields the document contradicts

    def as_json(self) -> dict:
        return {
            "path": self.path,
            "id": self.id,
            "status": self.status,
            "reason": self.reason,
            **{name: self.fields.get(name) for name in _FIELDS},
            "review": self.review,
            "secrecy_pending": self.secrecy_pending,
            "signatures": self.fields.get("signatures", []),
            "warnings": self.warnings,
        }


@dataclass(frozen=True)
class Described:
    examined: stages.Examined
    fields: dict
    review: tuple[dict, ...] = ()  # fields an archivist should confirm, with the source line
    evidence: dict = field(default_factory=dict)  # field -> line it came from (document text)
    secrecy: secrecy.Assessment | None = None

    @property
    def secrecy_pending(self) -> bool:
        """Held back (chờ xác định độ mật): the level could not be read with confidence."""
        return self.secrecy is not None and self.secrecy.pending

    @property
    def secrecy_reasons(self) -> tuple[secrecy.Reason, ...]:
        return self.secrecy.reasons if self.secrecy is not None else ()

    signatures: signatures.SignatureCheck | None = None  # a PDF's digital signatures


def read_from_image(examined: stages.Examined) -> bool:
    """Was page 1's text recognised from its image (a scan, or a garbled text layer)?"""
    if examined.page_sources:
        return examined.page_sources[0] in ("ocr", "garbled")
    if examined.media_type in sniff.IMAGES:
        return True
    return any(e.stage == stages.OCR and e.outcome == "success" for e in examined.events)


def describe(
    data: bytes,
    filename: str,
    declared_level: str | None,
    limits: Limits,
    password: str | None,
    home: Path | None = None,
    on_header: Callable[[Header | None, secrecy.Assessment], None] | None = None,
) -> Described:
    """Examine the file, read its header and decide its secrecy (``ingest.describe.secrecy``):
    the declared level can raise, never lower; what could not be read with confidence is held
    back for a person, a file without any readable text included.

    ``home`` is the instance folder, whose gazetteer copy (``bodies.json``) names issuers.
    ``on_header``: for a scan, called with the header and secrecy read from page 1 alone as
    soon as page 1 is read, while the other pages are still being read (the record's own
    are decided below, from every page).
    """

    def early(first: stages.Examined) -> None:
        assert on_header is not None
        found = first.text.strip() != ""
        header = (
            parse_header(
                first.text,
                ocr=True,
                bodies=gazetteer.for_home(home),
                printed_date=first.printed_date,
                empty_number_blank=first.empty_number_blank,
            )
            if found
            else None
        )
        on_header(header, secrecy.assess(first, header, declared_level))

    examined = stages.examine(
        data, filename, limits, password, first_page=early if on_header else None
    )
    has_text = examined.text.strip() != ""
    header = (
        parse_header(
            examined.text,
            ocr=read_from_image(examined),
            bodies=gazetteer.for_home(home),
            printed_date=examined.printed_date,
            empty_number_blank=examined.empty_number_blank,
        )
        if has_text
        else None
    )
    fields = header.as_dict() if header else {}
    assessment = secrecy.assess(examined, header, declared_level)
    fields["level"] = assessment.level
    if header is None:  # nothing read: every field is the archivist's to fill in
        review = (
            {
                "field": "all",
                "reason": "Chưa đọc được nội dung (bản quét).",
                "confidence": 0.0,
                "line_no": None,
                "line": None,
            },
        )
        evidence: dict = {}
    else:
        review = tuple(asdict(item) for item in review_items(header))
        evidence = header.evidence_dict()
    if assessment.pending:
        review = secrecy.with_review_item(assessment, review)
    return Described(examined, fields, review, evidence, assessment)


def filing_suggestions(inst: Instance, fields: dict) -> list[dict]:
    """Series and retention suggested by the instance's rules table (or the shipped one)."""
    try:
        table = _rules(inst.home / RULES_FILE)
    except RulesError:
        log.exception("filing rules unreadable; no suggestions")
        return []
    header = Header(**{k: v for k, v in fields.items() if k in Header.__dataclass_fields__})
    return [asdict(s) for s in suggest_filing(header, table, training.load(inst))]


@lru_cache(maxsize=4)
def _rules_at(path: Path | None, _stamp: float) -> RuleTable:
    return load_rules(path)


def _rules(path: Path) -> RuleTable:
    """The administrator's copy in the instance folder when there is one (re-read on change)."""
    if path.exists():
        return _rules_at(path, path.stat().st_mtime)
    return _rules_at(None, 0.0)


def _refuse(
    inst: Instance,
    ctx: Context,
    result: IngestResult,
    events: list[stages.Event] | None = None,
) -> IngestResult:
    detail = {"level": result.fields.get("level")}
    if events:
        detail["events"] = [f"{e.stage}: {e.outcome}" for e in events]
    # the reason may quote a library's message about the file's bytes: sealed in the entry
    sealed = {"reason": result.reason} if result.reason else None
    with UnitOfWork(inst, ctx) as uow:
        uow.audit(Action.INGEST, result.status, result.id, detail, sealed=sealed)
    return result


def _duplicate(
    inst: Instance, ctx: Context, shown: str, existing: int, fields: dict
) -> IngestResult:
    reason = "Tệp đã có trong kho. / Already in the archive."
    return _refuse(inst, ctx, IngestResult(shown, "duplicate", existing, reason, fields))


def _failed(inst: Instance, ctx: Context, shown: str, exc: Exception, stage: str) -> IngestResult:
    """An unexpected failure on one file: logged, audited if the database answers, rejected.
    A full disk is no fault of the file: it stops the caller (nothing was kept half-stored)."""
    if faults.is_disk_full(exc):
        raise faults.disk_full(inst.home) from exc
    stages.log_failure(exc, f"ingest ({stage})")
    if stage == "filing":
        what = f"{type(exc).__name__}: {reason(exc)}"[:160]
        refused = Refused(
            f"Không lưu được tệp ({what}); không có gì được lưu dở: hãy nộp lại sau, nếu vẫn lỗi "
            "báo quản trị (kho check).",
            f"The file could not be filed ({what}); nothing was kept half-stored: file it again "
            "later, and if it still fails tell the administrator (kho check).",
        )
    else:
        refused = stages.unreadable(exc, stage)
    result = IngestResult(shown, "rejected", reason=str(refused))
    try:
        return _refuse(inst, ctx, result)
    except Exception:  # the audit log itself failed (database gone): the log line stays
        log.exception("could not audit the rejection of a file")
        return result


def _number_mac(inst: Instance, fields: dict) -> str | None:
    if not fields.get("number"):
        return None
    key = f"{fields['number'].upper()}|{(fields.get('issuer') or '').casefold()}"
    return inst.keyring.content_mac(key.encode())


def _record_events(described: Described) -> tuple[dict, ...]:
    return tuple(
        {
            "event": e.stage,
            "outcome": e.outcome,
            "detail": e.detail[:1000],
            "seconds": round(e.seconds, 4),
        }
        for e in described.examined.events
    )


class BatchTrust:
    """The trust store (roots, CRLs) as a batch last read it, shared by its files: read once
    per batch and again when a file finds its version changed, instead of in a transaction of
    its own for every file. A signature is never judged under a store older than the one in
    force when its record's filing was decided (``ingest_bytes`` re-checks the version)."""

    def __init__(self) -> None:
        self.material: trust.TrustMaterial | None = None  # read by the first file that needs it
        self._lock = threading.Lock()

    def get(self, inst: Instance) -> trust.TrustMaterial:
        """The store as last read; read now (by one of the batch's threads) the first time."""
        with self._lock:
            if self.material is None:
                self.material = trust.material(inst)
            return self.material

    def renew(self, material: trust.TrustMaterial) -> None:
        """The store a file found changed: later files of the batch use it."""
        with self._lock:
            self.material = material


def ingest_bytes(
    inst: Instance,
    ctx: Context,
    data: bytes,
    filename: str,
    unit_code: str | None = None,
    declared_level: str | None = None,
    path: str | None = None,
    limits: Limits | None = None,
    password: str | None = None,
    announce: bool = True,
    declared: dict | None = None,
    trusted: BatchTrust | None = None,
) -> IngestResult:
    """File one document. A stored record is announced after its commit (the index follows);
    with ``announce=False`` the caller announces it (a batch: ``ingest_files``). ``declared``:
    what a sending system says of the file (``ingest.describe.declared``), checked against
    what is read in it. ``trusted``: a batch's trust store, read once for all its files
    (each file still checks, in the read it makes anyway, that the store has not changed)."""
    shown = path or filename
    limits = limits or inst.limits
    fields: dict = {}
    try:
        read = describe(data, filename, declared_level, limits, password, inst.home)
        material = trusted.get(inst) if trusted is not None else None
        while True:  # once, unless the trust store changed since the batch last read it
            described = signatures.check_at_ingest(inst, read, data, limits, password, material)
            disagreed: list[str] = []
            if declared:
                readings = described.secrecy.readings if described.secrecy else ()
                merged, review, disagreed = reconcile(
                    described.fields, described.review, declared, readings
                )
                described = replace(described, fields=merged, review=review)
            fields = described.fields
            decision = may_file(ctx.principal, fields["level"]) if ctx.principal else None
            if decision is None or not decision.allowed:
                raise Refused(
                    "Bạn không được nộp văn bản ở mức mật này.",
                    f"You may not file this document ({decision and decision.reason}).",
                )
            content_mac = inst.keyring.content_mac(data)
            number_mac = _number_mac(inst, fields)
            filer = ctx.principal.user_id if ctx.principal else None
            # One read for what filing needs to know, without SQLite's write lock: it neither
            # waits for nor holds up the commits (and their syncs) of the batch's other files.
            with inst.read_sessions() as session:
                if material is not None and trust.version_in(session) != material.version:
                    # validated under an older store: again under this one (rare: an
                    # administrator changed it during the batch); later files use it too
                    material = trust.material_in(inst, session)
                    if trusted is not None:
                        trusted.renew(material)
                    continue
                unit = accounts.unit_for_filing(session, unit_code, ctx.principal)
                # Duplicates and same-number records are spoken of only when the uploader may
                # see them; otherwise the file is filed as the uploader's own record. The
                # reader's scope is read only when there is a record to judge (most have none).
                copies = queries.find_by_content(session, content_mac)
                numbered = queries.same_number(session, number_mac, filer)
                scope = gate.scope_of(session, ctx) if copies or numbered else None
                existing = next((d for d in copies if gate.admits(scope, d)), None)
                same = [d.id for d in numbered if gate.admits(scope, d)] if existing is None else []
            break
    except stages.StageRefused as exc:
        return _refuse(inst, ctx, IngestResult(shown, "rejected", reason=str(exc)), exc.events)
    except KhoError as exc:
        return _refuse(inst, ctx, IngestResult(shown, "rejected", reason=str(exc), fields=fields))
    except Exception as exc:  # reading the header or classifying failed on this file
        return _failed(inst, ctx, shown, exc, "description")
    if existing is not None:
        return _duplicate(inst, ctx, shown, existing.id, fields)
    warnings = [
        f"Cùng số, ký hiệu và cơ quan với văn bản {other} (bản trùng hoặc phiên bản mới?) / "
        f"same number and issuer as document {other}: a duplicate or a new version?"
        for other in same
    ]
    quarantined = fields["level"] == NOT_DIGITIZED
    examined = described.examined
    new = filing.NewRecord(
        data,
        examined.media_type,
        examined.text,
        fields,
        names.clean_filename(filename),
        unit,
        access_copy=examined.access_copy,
        access_media_type=examined.access_media_type,
        events=_record_events(described),
        status=RecordStatus.QUARANTINED if quarantined else RecordStatus.ACTIVE,
        needs_ocr=examined.needs_ocr,
        number_mac=number_mac,
        needs_review=bool(described.review),
        sealed_extra={
            "evidence": described.evidence,
            "review": list(described.review),
            "suggestions": filing_suggestions(inst, fields),
            "secrecy": described.secrecy.evidence() if described.secrecy else {},
            "header_zone": examined.header_zone,
            **signatures.sealed(described.signatures),
        },
        secrecy_pending=described.secrecy_pending,
        extra_objects=signatures.objects(described.signatures),
    )
    try:
        doc = filing.file_record(inst, ctx, new, content_mac, publish=announce)
    except filing.AlreadyFiled as exc:  # the same bytes, committed meanwhile by another worker
        return _duplicate(inst, ctx, shown, exc.document_id, fields)
    review = [item["field"] for item in described.review]
    if quarantined:
        reason = (
            "TUYỆT MẬT: không số hóa theo quy định; lưu cách ly chờ quản trị duyệt. / "
            "TOP SECRET is not digitized by rule: quarantined until an administrator "
            "releases it with a reference."
        )
        return IngestResult(
            shown,
            "quarantined",
            doc.id,
            reason,
            fields,
            warnings,
            review,
            new.secrecy_pending,
            disagreed,
        )
    if examined.needs_ocr:
        warnings.append("Cần nhận dạng chữ (OCR): chạy `kho ocr --pending`. / Needs OCR.")
    if examined.removed_active_content:  # also in the record's events
        removed = ", ".join(examined.removed_active_content)
        warnings.append(f"Đã gỡ khỏi bản sao để đọc / removed from the access copy: {removed}")
    if new.secrecy_pending:
        warnings.insert(0, HELD_BACK)
    return IngestResult(
        shown, "stored", doc.id, None, fields, warnings, review, new.secrecy_pending, disagreed
    )


def _announce(inst: Instance, ids: list[int]) -> None:
    """Stored records of a batch announced together (``archive.core.events``): a nudge for the
    index to apply the change log now, one index commit for all of them. Each record's change
    was logged with its commit: indexing does not depend on this announcement (a batch killed
    before it loses nothing; any process following the log applies it)."""
    events.publish(inst, [RecordChange(doc_id, Change.FILED) for doc_id in ids])


# In a batch, stored records are announced together at most this often: the index applies the
# log once a second instead of once per file, and they are still searchable within two seconds.
INDEX_EVERY_SECONDS = 1.0
BATCH_WORKERS = 4


def preload() -> None:
    """Import now what examining and describing a PDF will need (pyHanko for its signatures,
    scikit-learn for the filing model): the modules load them only where used, so that a `kho`
    command that files nothing never does. A long-running worker calls this once at start, so
    that its first document does not wait seconds for imports."""
    import sklearn.feature_extraction.text
    import sklearn.linear_model  # noqa: F401

    import ingest.signatures.validate  # noqa: F401


def ingest_files(
    inst: Instance,
    ctx: Context,
    paths: Iterable[Path],
    unit_code: str | None = None,
    declared_level: str | None = None,
    limits: Limits | None = None,
    password: str | None = None,
    workers: int = BATCH_WORKERS,
) -> Iterator[IngestResult]:
    """File many documents, results in the order given.

    Each file is committed on its own, so a crash loses none that was reported. Files are
    handled by a few threads: most of a file's time is spent waiting for the disk to confirm
    its blobs and its commit (fsync releases the GIL), and those waits overlap. Every record's
    change is logged with its commit (``archive.core.changelog``), which is what the index
    follows; stored records are announced (a nudge to apply the log now) from this thread,
    once a second at most.

    Every file yields a result (``ingest_file`` turns any failure into a rejection), and the
    threads never run more than a few files ahead of what has been yielded. If the caller stops
    early, files the threads had already committed are still announced and named in the log.
    """
    waiting: list[int] = []
    last = time.monotonic()
    todo = iter(paths)
    ahead: deque[Future[IngestResult]] = deque()
    trusted = BatchTrust()

    def submit(pool: ThreadPoolExecutor) -> None:
        path = next(todo, None)
        if path is not None:
            ahead.append(pool.submit(
                ingest_file, inst, ctx, path, unit_code, declared_level, limits, password,
                announce=False, trusted=trusted,
            ))  # fmt: skip

    with ThreadPoolExecutor(max_workers=workers) as pool:
        try:
            for _ in range(2 * workers):
                submit(pool)
            while ahead:
                result = ahead.popleft().result()
                submit(pool)
                if result.status == "stored":
                    waiting.append(result.id)
                if waiting and time.monotonic() - last >= INDEX_EVERY_SECONDS:
                    _announce(inst, waiting)
                    waiting, last = [], time.monotonic()
                yield result
        finally:
            unreported = _drain(ahead)
            waiting += [r.id for r in unreported if r.status == "stored"]
            if waiting:
                _announce(inst, waiting)


def _drain(ahead: deque[Future[IngestResult]]) -> list[IngestResult]:
    """Files started but not reported when a batch stops: wait for them, log what they became."""
    for future in ahead:
        future.cancel()  # not started yet: never will be
    done = []
    for future in ahead:
        if not future.cancelled() and future.exception() is None:  # a full disk stopped it
            done.append(future.result())
    for result in done:
        log.warning("batch stopped before reporting %s: %s (id %s)", result.path,
                    result.status, result.id)  # fmt: skip
    return done


def ingest_file(
    inst: Instance,
    ctx: Context,
    path: Path,
    unit_code: str | None = None,
    declared_level: str | None = None,
    limits: Limits | None = None,
    password: str | None = None,
    announce: bool = True,
    trusted: BatchTrust | None = None,
) -> IngestResult:
    """File one document from disk; never raises for a bad file (a rejection says why)."""
    limits = limits or inst.limits
    try:
        check_size(path.stat().st_size, limits)
        data = path.read_bytes()
    except (OSError, KhoError) as exc:
        return _refuse(inst, ctx, IngestResult(str(path), "rejected", reason=str(exc)))
    try:
        return ingest_bytes(
            inst,
            ctx,
            data,
            path.name,
            unit_code,
            declared_level,
            str(path),
            limits,
            password,
            announce,
            trusted=trusted,
        )
    except Exception as exc:  # storing failed: nothing was kept (blobs are removed on error)
        return _failed(inst, ctx, str(path), exc, "filing")
