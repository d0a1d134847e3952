"""The signature validator on generated PKI and signed PDFs (tests/signing_support.py)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from archive.operations.trust import TrustMaterial
from ingest.examine.limits import Deadline
from ingest.signatures import guard
from ingest.signatures.certs import holder_kind
from ingest.signatures.validate import validate_pdf
from tests.support import signing as sp


@pytest.fixture(scope="module")
def pki() -> sp.Pki:
    return sp.pki()


@pytest.fixture(scope="module")
def trust(pki) -> TrustMaterial:
    return TrustMaterial(7, (pki.root.der,), ())


@pytest.fixture(scope="module")
def signed() -> bytes:
    return sp.signed_pdf()


def only(check):
    assert len(check.signatures) == 1, check.summaries()
    return check.signatures[0]


def test_valid_cades_signature_names_signer_and_time(signed, trust):
    result = only(validate_pdf(signed, trust))
    assert result.status == "valid"
    assert (result.signer, result.organization) == (sp.SIGNER_NAME, sp.SIGNER_ORG)
    assert result.signer_kind == "person"
    assert result.time_source == "claimed"  # no timestamp: the signer's own clock, marked so
    assert result.signed_at.startswith(str(sp.NOW.year))
    assert result.covers == "whole_file"
    assert "tin cậy" in result.reason.vi and "trusted root" in result.reason.en


def test_adbe_pkcs7_detached_is_validated_too(trust):
    result = only(validate_pdf(sp.signed_pdf(subfilter=sp.PKCS7), trust))
    assert result.status == "valid"
    assert result.report["subfilter"] == "adbe.pkcs7.detached"


def test_embedded_timestamp_is_the_signing_time(trust):
    result = only(validate_pdf(sp.signed_pdf(timestamp=True), trust))
    assert result.status == "valid"
    assert result.time_source == "timestamp"
    assert result.report["timestamp"]["trusted"] is True


def test_document_timestamp_is_an_allowed_update_and_reported(signed, trust):
    first, stamp = validate_pdf(sp.document_timestamp(signed), trust).signatures
    assert (first.status, first.covers, first.changes) == (
        "valid",
        "allowed_changes",
        "LTA_UPDATES",
    )
    assert stamp.report["type"] == "document_timestamp"
    assert (stamp.status, stamp.time_source, stamp.signer) == ("valid", "timestamp", "Kho Test TSA")


def test_unknown_root_is_intact_but_untrusted(pki, trust):
    result = only(validate_pdf(sp.signed_pdf(ident=pki.stranger), trust))
    assert result.status == "valid_untrusted_root"
    assert "Unknown Root CA" in result.reason.vi
    assert "kho trust add" in result.reason.en


def test_empty_trust_store_makes_every_root_untrusted(signed):
    result = only(validate_pdf(signed, TrustMaterial(0)))
    assert result.status == "valid_untrusted_root"
    assert "Kho Test Root CA" in result.reason.en


def test_bytes_changed_inside_signed_range(signed, trust):
    result = only(validate_pdf(sp.flip_signed_byte(signed), trust))
    assert result.status == "modified_after_signing"
    assert result.report["digest"]["matches_signed_digest"] is False


def test_incremental_update_changing_content_is_not_allowed(signed, trust):
    result = only(validate_pdf(sp.append_content_update(signed), trust))
    assert result.status == "modified_after_signing"
    assert result.covers == "disallowed_changes"


def test_second_signature_is_an_allowed_update(pki, signed, trust):
    check = validate_pdf(sp.sign(signed, pki.second_signer, field="Signature2"), trust)
    first, second = check.signatures
    assert [first.status, second.status] == ["valid", "valid"]
    assert (first.covers, first.changes) == ("allowed_changes", "FORM_FILLING")
    assert second.covers == "whole_file"
    assert second.signer == "Trần Thị Bình"
    assert check.status == "valid"


def test_bytes_beyond_the_signed_range_are_reported(signed, trust):
    result = only(validate_pdf(sp.append_garbage(signed), trust))
    assert result.status == "modified_after_signing"
    assert result.covers == "partial"
    assert "bytes after the signed range" in result.reason.en


def test_expired_certificate(pki, trust):
    result = only(validate_pdf(sp.signed_pdf(ident=pki.expired), trust))
    assert result.status == "expired"
    assert "hết hạn" in result.reason.vi


def test_revoked_by_imported_crl(pki, trust):
    data = sp.signed_pdf(ident=pki.revoked)
    assert only(validate_pdf(data, trust)).status == "valid"  # no CRL: cannot know
    with_crl = TrustMaterial(8, trust.roots, (pki.crl,))
    result = only(validate_pdf(data, with_crl))
    assert result.status == "revoked"
    assert "thu hồi" in result.reason.vi and "lộ khóa" in result.reason.vi
    used = result.report["revocation"]["data"]
    assert [d["source"] for d in used] == ["trust_store"]
    # a CRL of the same CA that does not list the certificate changes nothing
    clean = TrustMaterial(9, trust.roots, (pki.empty_crl,))
    assert only(validate_pdf(sp.signed_pdf(), clean)).status == "valid"


def test_revoked_after_a_claimed_signing_time_is_still_revoked(pki, trust):
    """Revocation dated after the claimed time: only a trusted timestamp could prove the
    signature came first."""
    data = sp.signed_pdf(ident=pki.revoked)
    claimed = datetime.fromisoformat(only(validate_pdf(data, trust)).signed_at)
    later = sp.make_crl(
        pki.intermediate,
        [(pki.revoked.cert, claimed + timedelta(minutes=1))],
        this_update=claimed + timedelta(minutes=2),
    )
    crl_trust = TrustMaterial(3, trust.roots, (later,))
    result = only(validate_pdf(data, crl_trust, now=claimed + timedelta(hours=1)))
    assert result.status == "revoked"
    assert "tự khai" in result.reason.vi
    # and before the revocation, the same signature is valid
    assert only(validate_pdf(data, crl_trust, now=claimed + timedelta(seconds=30))).status == (
        "valid"
    )


def test_certificate_without_signing_key_usage(pki, trust):
    result = only(validate_pdf(sp.signed_pdf(ident=pki.no_signing_usage), trust))
    assert result.status == "invalid"
    assert "Key Usage" in result.reason.vi


def test_corrupted_cms_gives_a_clear_status(signed, trust):
    result = only(validate_pdf(sp.corrupt_cms(signed), trust))
    assert result.status == "invalid"
    assert "hỏng" in result.reason.vi and "damaged" in result.reason.en


def test_crafted_byte_range_is_refused_without_hashing(signed, trust):
    crafted = sp.crafted_byte_range(signed, entries=200_000)
    result = only(validate_pdf(crafted, trust))  # the guard refuses it before pyHanko parses it
    assert result.status == "invalid"
    assert "ByteRange" in result.reason.en


def test_looping_field_tree_is_refused(signed, trust):
    result = only(validate_pdf(sp.looping_fields(signed), trust))
    assert result.status == "invalid"
    assert "loops" in result.reason.en


def test_oversized_contents_is_refused(signed, trust):
    small = guard.Bounds(max_cms_bytes=1000)
    result = only(validate_pdf(signed, trust, bounds=small))
    assert result.status == "invalid"
    assert "limit" in result.reason.en


def test_time_limit_leaves_signature_unknown(signed, trust):
    spent = Deadline(0.0)
    result = only(validate_pdf(signed, trust, deadline=spent))
    assert result.status == "unknown"
    assert "KHO_MAX_SECONDS" in result.reason.en


def test_unsigned_pdf_has_no_signatures(trust):
    check = validate_pdf(sp.unsigned_pdf(), trust)
    assert check.signatures == [] and check.status is None


def test_report_is_json_and_complete(signed, trust):
    check = validate_pdf(signed, trust)
    report = json.loads(json.dumps(check.report))
    assert report["trust_store_version"] == 7
    assert report["file_sha256"] and report["validated_at"]
    sig = report["signatures"][0]
    assert sig["digest"]["algorithm"] == "sha256" and len(sig["digest"]["value"]) == 64
    subjects = [c["subject"] for c in sig["certificates"]]
    assert any(sp.SIGNER_NAME in s for s in subjects)
    assert any("Kho Test Root CA" in s for s in subjects)  # the trusted root it chained to
    assert all(c["der_base64"] for c in sig["certificates"])
    assert sig["status"] == "valid" and sig["time_source"] == "claimed"


@pytest.mark.parametrize(
    ("cn", "org", "kind"),
    [
        ("Phùng Tô Long", "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI", "person"),
        ("Nguyễn Văn Thành", "Sở Nội vụ", "person"),
        ("Ủy ban nhân dân tỉnh Quảng Ngãi", "Tỉnh Quảng Ngãi", "organization"),
        ("TRUNG TÂM CÔNG BÁO VÀ TIN HỌC", "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI", "organization"),
        ("CỤC THUẾ", "BỘ TÀI CHÍNH", "organization"),
        ("Văn phòng Tỉnh ủy", "Tỉnh ủy Lào Cai", "organization"),
    ],
)
def test_person_or_organization(cn, org, kind):
    assert holder_kind({"common_name": cn, "organization": org}) == kind
