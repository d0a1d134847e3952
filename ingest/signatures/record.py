"""Signatures in a record's life: checked at ingest, re-checked on demand, never overwritten.

At ingest (``check_at_ingest``, called once from ``ingest.pipeline``) every PDF's signatures are
validated against the instance's trust store. What follows:

- the full validation report (every certificate, the revocation data, the digest, the time of
  validation, the trust store's version) becomes a stored object of the record, kind
  ``signatures``, encrypted under its own data key and committed with the record like its
  original and its text (so it is fixity-checked, re-wrapped by key rotation, shredded with the
  record, carried by transfers);
- the per-signature summaries (signer, organisation, time and its source, status, reason) are
  sealed in the record's description under ``signatures``;
- a PREMIS event "digital signature validation" says how it went, with no name in it;
- a broken or untrusted signature becomes a review item (the record is still filed: it is
  evidence); a person's name from an intact signature fills a missing signer field, with the
  certificate quoted as its evidence.

``verify`` re-validates later against the store as it is then: a NEW version of the
``signatures`` object, a new event and audit entry, the summaries in the description brought up
to date; the report made at ingest is never touched.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import logging

from sqlalchemy import func, select

from archive import __version__
from archive.audit.actions import Action
from archive.audit.log import stamp
from archive.core import bindings, events
from archive.core.events import Change, RecordChange
from archive.core.instance import Instance
from archive.core.limits import Limits
from archive.core.uow import UnitOfWork
from archive.models import Document, RecordEvent, RecordStatus, StoredObject
from archive.operations import trust
from archive.records import gate, reading
from ingest.examine import stages
from ingest.examine.limits import Deadline
from ingest.examine.sniff import MediaType
from ingest.signatures import messages as msg
from ingest.signatures.results import SignatureCheck
from security.actor import Context
from security.crypto.keys import new_data_key
from security.errors import NotFound, Refused
from security.policy.administration import may_manage_trust

log = logging.getLogger(__name__)
EVENT = "digital signature validation"  # PREMIS event type
KIND = "signatures"  # the stored object holding the reports
MEDIA_TYPE = "application/json"
_OUTCOMES = {"valid": "valid", "valid_untrusted_root": "untrusted", "unknown": "unknown"}


def outcome(status: str | None) -> str:
    """The event outcome (at most 20 characters): valid, untrusted, invalid, unknown, none."""
    return "none" if status is None else _OUTCOMES.get(status, "invalid")


def _report_bytes(check: SignatureCheck) -> bytes:
    return json.dumps(check.report, ensure_ascii=False, sort_keys=True).encode()


def _detail(check: SignatureCheck, version: int, digest: str) -> str:
    """The event's detail, in clear: statuses and references, never a name."""
    from ingest.signatures.validate import SOFTWARE

    statuses = ", ".join(s.status for s in check.signatures) or "none"
    return (
        f"{len(check.signatures)} signatures: {statuses}; trust store "
        f"v{check.report['trust_store_version']}; report: object '{KIND}' v{version}, "
        f"sha256 {digest}; {SOFTWARE}"
    )[:1000]


def _sealed_summary(check: SignatureCheck, version: int) -> dict:
    return {
        "status": check.status,
        "checked_at": check.report["validated_at"],
        "trust_store_version": check.report["trust_store_version"],
        "report_version": version,
        "items": check.summaries(),
    }


def _review_items(check: SignatureCheck) -> list[dict]:
    items = []
    for n, sig in enumerate(check.broken, start=1):
        who = sig.signer or "?"
        name_vi, name_en = msg.STATUS_NAMES[sig.status]
        items.append(
            {
                "field": "signature",
                "reason": f"Chữ ký số {n} ({who}): {name_vi}. {sig.reason.vi}",
                "reason_en": f"Digital signature {n} ({who}): {name_en}. {sig.reason.en}",
                "confidence": 0.0,
                "line_no": None,
                "line": None,
                "status": sig.status,
            }
        )
    return items


def _signer_evidence(check: SignatureCheck) -> tuple[str, dict] | None:
    """A person's name from an intact signature, with the certificate as its evidence."""
    for sig in check.signatures:
        if sig.signer_kind == "person" and sig.status in ("valid", "valid_untrusted_root"):
            line = f"Chữ ký số / digital signature: {sig.signer}"
            if sig.organization:
                line += f" — {sig.organization}"
            confidence = 0.9 if sig.status == "valid" else 0.7
            return sig.signer, {"line_no": None, "line": line, "confidence": confidence,
                                "source": "signature"}  # fmt: skip
    return None


def check_at_ingest(inst: Instance, described, data: bytes, limits: Limits,
                    password: str | None = None,
                    material: trust.TrustMaterial | None = None):  # fmt: skip
    """The ``Described`` of a PDF with its signatures checked (unchanged for other files),
    against ``material`` (the store a batch last read) or else the store as it is now. The
    given ``Described`` is left as it was (a new one is returned), so that a file can be
    checked again when the store changed meanwhile."""
    examined = described.examined
    if examined.media_type != MediaType.PDF:
        return described
    from ingest.signatures.validate import SOFTWARE, validate_pdf  # pyHanko: only for PDFs

    material = material if material is not None else trust.material(inst)
    check = validate_pdf(data, material, Deadline(limits.max_seconds), None, password)
    fields = dict(described.fields)
    evidence = dict(described.evidence)
    if check.signatures:
        fields["signatures"] = check.summaries()
    offered = _signer_evidence(check)
    if offered and not fields.get("signer_name"):
        fields["signer_name"], evidence["signer_name"] = offered
    digest = hashlib.sha256(_report_bytes(check)).hexdigest()
    event = stages.Event(
        EVENT, outcome(check.status), _detail(check, 1, digest), round(check.seconds, 6), SOFTWARE
    )
    return dataclasses.replace(
        described,
        examined=dataclasses.replace(examined, events=[*examined.events, event]),
        fields=fields,
        evidence=evidence,
        review=tuple(described.review) + tuple(_review_items(check)),
        signatures=check,
    )


def sealed(check: SignatureCheck | None) -> dict:
    """What goes into the record's sealed description (nothing for an unsigned file)."""
    if check is None or (not check.signatures and "error" not in check.report):
        return {}
    return {KIND: _sealed_summary(check, 1)}


def objects(check: SignatureCheck | None) -> tuple[tuple[str, str, bytes], ...]:
    """The report as a stored object of the record (version 1), for PDFs that were checked."""
    if check is None or (not check.signatures and "error" not in check.report):
        return ()
    return ((KIND, MEDIA_TYPE, _report_bytes(check)),)


# -- later: re-validation ---------------------------------------------------------------------


def _signed_ids(inst: Instance) -> list[int]:
    with inst.sessions() as session:
        stmt = (
            select(StoredObject.document_id)
            .join(Document, Document.id == StoredObject.document_id)
            .where(StoredObject.kind == KIND, Document.status == RecordStatus.ACTIVE)
            .distinct()
            .order_by(StoredObject.document_id)
        )
        return list(session.execute(stmt).scalars())


def _document(inst: Instance, ctx: Context, doc_id: int, system: bool) -> Document:
    if not system:
        return gate.admit(inst, ctx, doc_id, Action.SIGNATURE_VERIFY)
    with inst.sessions() as session:
        doc = session.get(Document, doc_id)
        if doc is None or doc.status != RecordStatus.ACTIVE:
            raise NotFound(f"Không tìm thấy văn bản số {doc_id}.", f"Document {doc_id} not found.")
        doc.objects  # noqa: B018 - load before leaving the session
        return doc


def _verify_one(inst: Instance, ctx: Context, doc_id: int, system: bool) -> dict:
    doc = _document(inst, ctx, doc_id, system)
    original = reading.object_of(doc, "original")
    if not original.media_type.startswith(MediaType.PDF):
        raise Refused(
            f"Văn bản {doc_id} không phải PDF nên không có chữ ký số để kiểm tra.",
            f"Document {doc_id} is not a PDF: there is no signature to check.",
        )
    before = (reading.unseal_meta(inst, doc).get(KIND) or {}).get("status")
    from ingest.signatures.validate import validate_pdf

    check = validate_pdf(reading.read_object(inst, doc, original), trust.material(inst))
    _store(inst, ctx, doc, check)
    return {"id": doc_id, "before": before, "status": check.status,
            "signatures": len(check.signatures)}  # fmt: skip


def _store(inst: Instance, ctx: Context, doc: Document, check: SignatureCheck) -> None:
    """Blob first, then in one transaction: the object row, the description, event, audit."""
    version = 1 + max((o.version for o in doc.objects if o.kind == KIND), default=0)
    where = bindings.object(doc, StoredObject(kind=KIND, version=version))
    data = _report_bytes(check)
    key = new_data_key()
    blob = inst.blobs.put(key, io.BytesIO(data), where)
    try:
        kek_version, wrapped = inst.keyring.wrap(key, where)
        agent = f"{ctx.principal.username if ctx.principal else 'system'} / kho {__version__}"
        with UnitOfWork(inst, ctx, publish=False) as uow:
            session = uow.session
            row = session.get(Document, doc.id)
            taken = session.execute(
                select(func.count()).where(
                    StoredObject.document_id == doc.id,
                    StoredObject.kind == KIND,
                    StoredObject.version == version,
                )
            ).scalar()
            if taken:
                raise Refused("Đang kiểm tra đồng thời, hãy thử lại.", "Checked concurrently.")
            session.add(
                StoredObject(
                    document_id=doc.id,
                    kind=KIND,
                    version=version,
                    blob=blob.name,
                    media_type=MEDIA_TYPE,
                    size=blob.size,
                    ciphertext_sha256=blob.ciphertext_sha256,
                    kek_version=kek_version,
                    wrapped_key=wrapped,
                )
            )
            _reseal(inst, row, _sealed_summary(check, version))
            if check.broken:
                row.needs_review = True
            digest = hashlib.sha256(data).hexdigest()
            session.add(
                RecordEvent(
                    document_id=doc.id,
                    agent=agent,
                    event=EVENT,
                    outcome=outcome(check.status),
                    detail=_detail(check, version, digest),
                    seconds=round(check.seconds, 4),
                )
            )
            uow.audit(
                Action.SIGNATURE_VERIFY,
                "done",
                doc.id,
                status=check.status,
                report_version=version,
                trust_store_version=check.report["trust_store_version"],
            )
            uow.changed(doc.id, Change.DESCRIBED)  # logged here, announced once per run
    except BaseException:
        inst.blobs.delete(blob.name)
        raise


def _reseal(inst: Instance, doc: Document, summary: dict) -> None:
    """The description with up-to-date signature summaries, under a fresh data key."""
    reading.reseal_meta(inst, doc, {**reading.unseal_meta(inst, doc), KIND: summary})


def verify(inst: Instance, ctx: Context, ids: list[int] | None = None) -> list[dict]:
    """Re-validate the signatures of the given records (all signed records when None).

    The administrator and the security officer run it as a system task over any record (after
    loading a root, say): the output has statuses only, no names. Anyone else re-checks the
    records they may read, each through the gate.
    """
    system = ctx.principal is not None and may_manage_trust(ctx.principal).allowed
    if ids is None:
        if not system:
            raise Refused(
                "Chỉ quản trị hoặc cán bộ bảo mật kiểm tra lại toàn bộ kho.",
                "Only an administrator or a security officer re-checks the whole archive.",
            )
        ids = _signed_ids(inst)
    results = []
    for doc_id in ids:
        try:
            results.append(_verify_one(inst, ctx, doc_id, system))
        except (NotFound, Refused) as exc:
            results.append({"id": doc_id, "error": str(exc)})
    # the index follows the new summaries (``signature:`` in search), once for the whole run
    events.publish(
        inst, [RecordChange(r["id"], Change.DESCRIBED) for r in results if "error" not in r]
    )
    return results


def history(inst: Instance, doc: Document) -> list[dict]:
    """Every validation of a record, oldest first, from its events (no content in them)."""
    with inst.sessions() as session:
        rows = session.execute(
            select(RecordEvent)
            .where(RecordEvent.document_id == doc.id, RecordEvent.event == EVENT)
            .order_by(RecordEvent.id)
        ).scalars()
        return [
            {
                "at": stamp(r.at),
                "outcome": r.outcome,
                "agent": r.agent,
                "detail": r.detail,
            }
            for r in rows
        ]
