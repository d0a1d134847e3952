"""Validate every signature of a PDF, offline, against the instance's trust store (pyHanko).

For each signature: integrity (the signed byte range hashes to what was signed), coverage (the
whole file, or the signed revision followed only by changes pyHanko's difference analysis calls
allowed: further signatures, form filling, annotations), the certificate chain to a trusted
root, validity at the signing time, revocation from what the file carries (embedded CRLs and
OCSP responses, the DSS) and the CRLs the administrator imported, and key usage.

The signing time is the embedded signature timestamp when there is one (``timestamp``, or
``timestamp_untrusted`` when its TSA does not chain to a trusted root), else the time the signer
claims (``claimed``). A claimed time is not evidence: when the certificate is revoked at any time
before now and only a claimed time says the signature came first, the signature is ``revoked``.

Nothing is fetched (Kho runs offline) and nothing is logged: pyHanko's own log lines name
signers and certificates, which are descriptive metadata, so its loggers are silenced here.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.generic import DecodePurpose
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel, SuspiciousModification
from pyhanko.sign.general import (
    MultivaluedAttributeError,
    NonexistentAttributeError,
    find_unique_cms_attribute,
)
from pyhanko.sign.validation import (
    EmbeddedPdfSignature,
    SignatureCoverageLevel,
    async_validate_pdf_signature,
    async_validate_pdf_timestamp,
)
from pyhanko.sign.validation.dss import DocumentSecurityStore, NoDSSFoundError
from pyhanko.sign.validation.generic_cms import collect_timing_info
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.version import __version__ as pyhanko_version
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import RevokedError
from pyhanko_certvalidator.version import __version__ as certvalidator_version

from archive.operations.trust import TrustMaterial
from ingest.examine.limits import Deadline
from ingest.signatures import certs, guard
from ingest.signatures import messages as msg
from ingest.signatures.messages import Reason
from ingest.signatures.results import SignatureCheck, SignatureResult

for _name in ("pyhanko", "pyhanko_certvalidator"):  # they would log signer names in clear
    logging.getLogger(_name).setLevel(logging.CRITICAL + 1)

REPORT_VERSION = 1
SOFTWARE = f"pyHanko {pyhanko_version}, pyhanko-certvalidator {certvalidator_version}"
# Either usage makes a certificate one for signing (Vietnamese CAs set one or both).
KEY_USAGE = KeyUsageConstraints(
    key_usage=frozenset({"non_repudiation", "digital_signature"}), match_all_key_usages=False
)
# Refused outright. SHA-1 is accepted with a note: the Government CA's signing tools used it
# for years, and refusing it would flag most documents an office receives (docs/signatures.md).
WEAK_DIGESTS = frozenset({"md2", "md5"})
NOTED_DIGESTS = frozenset({"sha1"})


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment else None


def _day(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%d/%m/%Y") if moment else "?"


@dataclass
class _Revinfo:
    """Revocation data at hand for one file: (object, source) pairs and the DSS certificates."""

    crls: list[tuple[asn1_crl.CertificateList, str]] = field(default_factory=list)
    ocsps: list[tuple[asn1_ocsp.OCSPResponse, str]] = field(default_factory=list)
    certs: list[asn1_x509.Certificate] = field(default_factory=list)

    def plus(self, other: _Revinfo) -> _Revinfo:
        return _Revinfo(self.crls + other.crls, self.ocsps + other.ocsps, self.certs + other.certs)


def _from_trust(trust: TrustMaterial) -> tuple[list[asn1_x509.Certificate], _Revinfo]:
    roots = [asn1_x509.Certificate.load(der) for der in trust.roots]
    crls = [(asn1_crl.CertificateList.load(der), "trust_store") for der in trust.crls]
    return roots, _Revinfo(crls=crls)


def _from_dss(reader: PdfFileReader) -> _Revinfo:
    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        return _Revinfo()
    found = _Revinfo(certs=list(dss.load_certs()))
    for ref in dss.crls:
        data = ref.get_object().read_data(DecodePurpose.CRL)
        found.crls.append((asn1_crl.CertificateList.load(data), "file_dss"))
    for ref in dss.ocsps:
        data = ref.get_object().read_data(DecodePurpose.OCSP_RESPONSE)
        found.ocsps.append((asn1_ocsp.OCSPResponse.load(data), "file_dss"))
    return found


def _from_signature(sig: EmbeddedPdfSignature) -> _Revinfo:
    """Adobe's revocation-info archival attribute: CRLs and OCSP responses signed along."""
    try:
        archived = find_unique_cms_attribute(
            sig.signer_info["signed_attrs"], "adobe_revocation_info_archival"
        )
    except (MultivaluedAttributeError, NonexistentAttributeError):
        return _Revinfo()
    return _Revinfo(
        crls=[(c, "file_signature") for c in archived["crl"] or ()],
        ocsps=[(o, "file_signature") for o in archived["ocsp"] or ()],
    )


def _context(
    roots: list[asn1_x509.Certificate], revinfo: _Revinfo, other: list, moment: datetime | None
) -> ValidationContext:
    return ValidationContext(
        trust_roots=roots,
        other_certs=[*revinfo.certs, *other],
        crls=[c for c, _ in revinfo.crls],
        ocsps=[o for o, _ in revinfo.ocsps],
        moment=moment,
        retroactive_revinfo=True,  # a CRL published after the signing time still tells about it
        allow_fetching=False,
        revocation_mode="soft-fail",
        weak_hash_algos=WEAK_DIGESTS,
    )


def _revinfo_report(revinfo: _Revinfo, issuers: set[bytes]) -> list[dict]:
    """The revocation data that concerns the chain (by issuer name), for the report."""
    out = []
    for item, source in revinfo.crls:
        issuer = item.issuer
        if issuer.dump() not in issuers:
            continue
        tbs = item["tbs_cert_list"]
        out.append(
            {
                "type": "crl",
                "source": source,
                "issuer": issuer.human_friendly,
                "this_update": _iso(tbs["this_update"].native),
                "next_update": _iso(tbs["next_update"].native),
                "entries": len(tbs["revoked_certificates"] or ()),
                "sha256": hashlib.sha256(item.dump()).hexdigest(),
            }
        )
    for item, source in revinfo.ocsps:
        try:
            produced = item.basic_ocsp_response["tbs_response_data"]["produced_at"].native
        except (KeyError, TypeError, ValueError):
            produced = None
        out.append(
            {
                "type": "ocsp",
                "source": source,
                "produced_at": _iso(produced),
                "sha256": hashlib.sha256(item.dump()).hexdigest(),
            }
        )
    return out


def _signer_fields(cert: asn1_x509.Certificate | None) -> tuple[str | None, str | None, str | None]:
    if cert is None:
        return None, None, None
    subject = certs.name_parts(cert.subject)
    return subject["common_name"], subject["organization"], certs.holder_kind(subject)


def _coverage(
    sig: EmbeddedPdfSignature, status, data: bytes, last_revision: int
) -> tuple[str, str | None, list[tuple[str, Reason]]]:
    """(covers, allowed changes, findings) from pyHanko's coverage level and diff analysis."""
    level = status.coverage
    if level == SignatureCoverageLevel.ENTIRE_FILE:
        return "whole_file", None, []
    if level != SignatureCoverageLevel.ENTIRE_REVISION:
        return "partial", None, [("modified_after_signing", msg.partial_coverage())]
    diff = status.diff_result
    modification = status.modification_level
    if (
        isinstance(diff, SuspiciousModification)
        or modification is None
        or modification == ModificationLevel.OTHER
        or status.docmdp_ok is False
    ):
        return "disallowed_changes", None, [("modified_after_signing", msg.disallowed_update())]
    if sig.signed_revision >= last_revision:  # nothing after it is a revision: stray bytes
        end = sig.byte_range[-2] + sig.byte_range[-1]
        tail = data[end:]
        if tail.strip(b" \r\n\t\x00\f"):
            finding = ("modified_after_signing", msg.uncovered_tail(len(tail)))
            return "partial", None, [finding]
        return "whole_file", None, []
    return "allowed_changes", modification.name, []


def _trust_findings(
    status, cert: asn1_x509.Certificate, others: list, moment: datetime, signed_at: str | None
) -> list[tuple[str, Reason]]:
    """Findings about the certificate: chain, validity at signing time, revocation, usage."""
    indic = status.trust_problem_indic
    found: list[tuple[str, Reason]] = []
    if status.revocation_details is not None:
        details = status.revocation_details
        why = details.revocation_reason.native
        found.append(
            ("revoked", msg.revoked(_day(details.revocation_date), why, details.ca_revoked))
        )
    if cert.not_valid_after < moment:
        found.append(("expired", msg.expired(_day(cert.not_valid_after), signed_at)))
    elif cert.not_valid_before > moment:
        found.append(("invalid", msg.not_yet_valid(_day(cert.not_valid_before))))
    if indic is None:
        return found
    name = indic.name
    if name.startswith("NO_CERTIFICATE_CHAIN_FOUND"):
        root = certs.name_parts(_top_issuer(cert, others))["common_name"] or "?"
        found.append(("valid_untrusted_root", msg.untrusted_root(root)))
    elif name.startswith("REVOKED"):
        if not any(s == "revoked" for s, _ in found):
            found.append(("revoked", msg.revoked("?", None, name == "REVOKED_CA_NO_POE")))
    elif name.startswith("OUT_OF_BOUNDS") or name == "EXPIRED":
        if not found:
            found.append(("expired", msg.chain_broken("CA certificate outside its validity")))
    elif name == "CHAIN_CONSTRAINTS_FAILURE":
        try:
            KEY_USAGE.validate(cert)
            found.append(("invalid", msg.chain_broken(name)))
        except Exception:  # pyHanko raises its own InvalidCertificateError
            found.append(("invalid", msg.key_usage()))
    elif name == "CRYPTO_CONSTRAINTS_FAILURE":
        found.append(("invalid", msg.weak_refused(status.md_algorithm)))
    elif name in ("SIG_CRYPTO_FAILURE", "FORMAT_FAILURE", "HASH_FAILURE"):
        found.append(("invalid", msg.chain_broken(name)))
    else:
        found.append(("unknown", msg.chain_broken(name)))
    return found


def _top_issuer(cert: asn1_x509.Certificate, others: list) -> asn1_x509.Name:
    """The name of the root the chain needs: climb from the signer through the certificates the
    signature carries, by issuer name, and name the issuer of the highest one."""
    by_subject = {c.subject.dump(): c for c in others}
    seen = {cert.sha256}
    while cert.issuer.dump() in by_subject and cert.self_signed != "yes":
        parent = by_subject[cert.issuer.dump()]
        if parent.sha256 in seen:
            break
        seen.add(parent.sha256)
        cert = parent
    return cert.subject if cert.self_signed == "yes" else cert.issuer


def _chain_certs(sig: EmbeddedPdfSignature, status) -> list[asn1_x509.Certificate]:
    """The signer's certificate, the validated path up to the trusted root, then the rest the
    signature carries: every certificate the judgement rests on."""
    chain = [sig.signer_cert]
    path = getattr(status, "validation_path", None)
    if path is not None:
        chain.extend(path.iter_certs(include_root=True))
    chain.extend(sig.other_embedded_certs)
    seen, out = set(), []
    for c in chain:
        if c.sha256 not in seen:
            seen.add(c.sha256)
            out.append(c)
    return out


async def _revoked_since(
    cert: asn1_x509.Certificate,
    roots: list[asn1_x509.Certificate],
    revinfo: _Revinfo,
    other: list,
    now: datetime,
) -> datetime | None:
    """With only a claimed signing time: is the certificate revoked as of now?"""
    if not revinfo.crls and not revinfo.ocsps:
        return None
    context = _context(roots, revinfo, other, now)
    try:
        await CertificateValidator(cert, validation_context=context).async_validate_usage(set())
    except RevokedError as exc:
        return exc.revocation_dt
    except Exception:  # expiry and the like were judged at the signing time
        return None
    return None


async def _one(
    sig: EmbeddedPdfSignature,
    data: bytes,
    roots: list[asn1_x509.Certificate],
    file_revinfo: _Revinfo,
    last_revision: int,
    now: datetime,
) -> SignatureResult:
    field_name = sig.field_name
    subfilter = str(sig.sig_object.get("/SubFilter", ""))[1:] or None
    report: dict = {
        "field": field_name,
        "type": "document_timestamp" if sig.sig_object_type == "/DocTimeStamp" else "signature",
        "subfilter": subfilter,
        "signed_revision": sig.signed_revision,
        "byte_range": list(sig.byte_range),
    }
    try:
        cert = sig.signer_cert
        signer_info = sig.signer_info
        other = list(sig.other_embedded_certs)
    except Exception as exc:  # asn1crypto raises many kinds on damaged CMS
        return _failed(field_name, "invalid", msg.damaged(type(exc).__name__), report)
    signer, organization, kind = _signer_fields(cert)
    revinfo = file_revinfo.plus(_from_signature(sig))
    claimed = sig.self_reported_timestamp
    if sig.sig_object_type == "/DocTimeStamp":
        context = _context(roots, revinfo, other, None)
        status = await async_validate_pdf_timestamp(sig, context)
        moment, source, bad_tst = status.timestamp, "timestamp", False
        if not status.trusted:
            source = "timestamp_untrusted"
    else:
        ts_context = _context(roots, revinfo, other, None)
        timing = await collect_timing_info(signer_info, ts_context, raw_digest=sig.compute_digest)
        token = timing.get("timestamp_validity")
        bad_tst = token is not None and not (token.intact and token.valid)
        if token is not None and not bad_tst:
            moment = token.timestamp
            source = "timestamp" if token.trusted else "timestamp_untrusted"
        elif claimed is not None:
            moment, source = claimed, "claimed"
        else:
            moment, source = now, "none"
        context = _context(roots, revinfo, other, moment)
        status = await async_validate_pdf_signature(sig, context, key_usage_settings=KEY_USAGE)
    signed_at = _iso(moment) if source != "none" else None
    findings: list[tuple[str, Reason]] = []
    notes: list[Reason] = []
    if not status.intact:
        findings.append(("modified_after_signing", msg.digest_mismatch()))
    elif not status.valid:
        findings.append(("invalid", msg.bad_signature_value()))
    covers, changes, found = _coverage(sig, status, data, last_revision)
    findings += found
    if bad_tst:
        findings.append(("invalid", msg.bad_timestamp()))
    findings += _trust_findings(status, cert, other, moment, signed_at)
    if not findings and source != "timestamp":
        revoked_at = await _revoked_since(cert, roots, revinfo, other, now)
        if revoked_at is not None:
            findings.append(("revoked", msg.revoked_after_claimed(_day(revoked_at))))
    if source == "claimed":
        notes.append(msg.claimed_time())
    if status.md_algorithm in NOTED_DIGESTS:
        notes.append(msg.weak_digest(status.md_algorithm))
    chain = _chain_certs(sig, status)
    issuers = {c.issuer.dump() for c in chain}
    revocation = _revinfo_report(revinfo, issuers)
    if not revocation and not findings:
        notes.append(msg.no_revocation_data())
    if findings:
        state, reason = min(findings, key=lambda f: msg.STATUSES.index(f[0]))
    else:
        state, reason = "valid", msg.valid()
    token = getattr(status, "timestamp_validity", None)
    report.update(
        {
            "covered_bytes": sig.byte_range[1] + sig.byte_range[3],
            "digest": {
                "algorithm": status.md_algorithm,
                "value": sig.compute_digest().hex(),
                "matches_signed_digest": bool(status.intact),
            },
            "signature_mechanism": status.pkcs7_signature_mechanism,
            "cryptographically_valid": bool(status.valid),
            "coverage": status.coverage.name if status.coverage else None,
            "modification_level": getattr(status.modification_level, "name", None),
            "diff": str(status.diff_result)[:500]
            if isinstance(status.diff_result, SuspiciousModification)
            else None,
            "signer": certs.describe(cert, with_der=False),
            "certificates": [certs.describe(c) for c in chain],
            "trusted": bool(status.trusted),
            "trust_problem": status.trust_problem_indic.name
            if status.trust_problem_indic
            else None,
            "claimed_time": _iso(claimed),
            "timestamp": {
                "time": _iso(token.timestamp),
                "tsa": token.signing_cert.subject.human_friendly,
                "intact": bool(token.intact and token.valid),
                "trusted": bool(token.trusted),
            }
            if token is not None
            else None,
            "signed_at": signed_at,
            "time_source": source,
            "validation_moment": _iso(moment),
            "revocation": {
                "data": revocation,
                "revoked": {
                    "date": _iso(status.revocation_details.revocation_date),
                    "reason": status.revocation_details.revocation_reason.native,
                    "ca": status.revocation_details.ca_revoked,
                }
                if status.revocation_details
                else None,
            },
            "findings": [{"status": s, "reason": r.as_dict()} for s, r in findings],
            "pyhanko_summary": status.summary(),
        }
    )
    return _result(field_name, signer, organization, kind, signed_at, source, state, reason,
                   covers, changes, notes, report)  # fmt: skip


def _result(field_name, signer, organization, kind, signed_at, source, state, reason, covers,
            changes, notes, report) -> SignatureResult:  # fmt: skip
    report.update(
        status=state,
        reason=reason.as_dict(),
        notes=[n.as_dict() for n in notes],
        covers=covers,
        changes=changes,
    )
    return SignatureResult(field_name, signer, organization, kind, signed_at, source, state,
                           reason, covers, changes, notes, report)  # fmt: skip


def _failed(field_name: str, state: str, reason: Reason, report: dict | None = None):
    return _result(field_name, None, None, None, None, "none", state, reason, "none", None, [],
                   dict(report or {"field": field_name}))  # fmt: skip


async def _all(
    reader: PdfFileReader,
    data: bytes,
    trust: TrustMaterial,
    deadline: Deadline | None,
    bounds: guard.Bounds,
    now: datetime,
) -> list[SignatureResult]:
    roots, trusted_revinfo = _from_trust(trust)
    file_revinfo = trusted_revinfo.plus(_from_dss(reader))
    last_revision = reader.xrefs.total_revisions - 1
    out: list[SignatureResult] = []
    for position, sig in enumerate(reader.embedded_signatures):
        if position >= bounds.max_signatures:
            out.append(_failed(sig.field_name, "unknown", msg.too_many(bounds.max_signatures)))
            break
        if deadline is not None and deadline.remaining() <= 0:
            out.append(_failed(sig.field_name, "unknown", msg.time_limit()))
            continue
        try:
            out.append(await _one(sig, data, roots, file_revinfo, last_revision, now))
        except Exception as exc:  # one bad signature must not hide the others
            out.append(_failed(sig.field_name, _status_of(exc), _reason_of(exc)))
    return out


def _status_of(exc: Exception) -> str:
    return "invalid" if isinstance(exc, ValueError) else "unknown"


def _reason_of(exc: Exception) -> Reason:
    detail = type(exc).__name__
    return msg.damaged(detail) if isinstance(exc, ValueError) else msg.internal(detail)


def validate_pdf(
    data: bytes,
    trust: TrustMaterial,
    deadline: Deadline | None = None,
    bounds: guard.Bounds | None = None,
    password: str | None = None,
    now: datetime | None = None,
) -> SignatureCheck:
    """Every signature of the PDF ``data``; never raises for anything the file contains."""
    started = time.perf_counter()
    bounds = bounds or guard.Bounds()
    now = now or datetime.now(UTC)
    report = {
        "report_version": REPORT_VERSION,
        "validated_at": _iso(now),
        "software": SOFTWARE,
        "trust_store_version": trust.version,
        "file_sha256": hashlib.sha256(data).hexdigest(),
        "file_size": len(data),
    }
    results = _validate(data, trust, deadline, bounds, password, now, report)
    seconds = time.perf_counter() - started
    report.update(
        status=msg.worst([r.status for r in results]),
        signatures=[r.report for r in results],
        seconds=round(seconds, 4),
    )
    return SignatureCheck(results, report, seconds)


def _validate(data, trust, deadline, bounds, password, now, report) -> list[SignatureResult]:
    try:
        found = guard.inspect(data, bounds, password)
    except guard.Unreadable as exc:
        report["error"] = f"qpdf: {exc}"[:300]
        return []
    if not found.fields:
        return []
    if found.problem or any(f.problem for f in found.fields):
        return [
            _failed(f.name, "invalid", msg.malformed(*(found.problem or f.problem)))
            for f in found.fields
        ]
    if found.encrypted:
        return [_failed(f.name, "unknown", msg.unsupported("encrypted PDF")) for f in found.fields]
    supported = {"adbe.pkcs7.detached", "ETSI.CAdES.detached", "ETSI.RFC3161"}
    unsupported = [f for f in found.fields if f.subfilter not in supported]
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        report["revisions"] = reader.xrefs.total_revisions
        results = asyncio.run(_all(reader, data, trust, deadline, bounds, now))
    except Exception as exc:  # a file pyHanko cannot read at all
        report["error"] = f"pyHanko: {type(exc).__name__}"
        return [
            _failed(f.name, "invalid", msg.damaged(type(exc).__name__))
            for f in found.fields
            if f not in unsupported
        ] + [_failed(f.name, "unknown", msg.unsupported(str(f.subfilter))) for f in unsupported]
    return results + [
        _failed(f.name, "unknown", msg.unsupported(str(f.subfilter))) for f in unsupported
    ]
