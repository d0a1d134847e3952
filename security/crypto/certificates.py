"""Reading X.509 certificates and CRLs from the files an administrator loads into the trust
store (PEM or DER), as plain facts: the trust store keeps them, the validator uses them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from security.errors import Refused


@dataclass(frozen=True)
class Certificate:
    der: bytes
    sha256: str
    subject: str  # RFC 4514, at most 500 characters
    common_name: str | None
    not_before: datetime
    not_after: datetime
    is_ca: bool


@dataclass(frozen=True)
class Crl:
    der: bytes
    sha256: str
    issuer: str
    this_update: datetime | None
    next_update: datetime | None
    entries: int


def _name(name: x509.Name) -> str:
    return name.rfc4514_string()[:500]


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return cert.issuer == cert.subject  # an old self-signed root without the extension


def _common_name(cert: x509.Certificate) -> str | None:
    names = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return str(names[0].value) if names else None


def parse_certificates(data: bytes) -> list[Certificate]:
    """Certificates from a .pem (one or several), .cer or .crt file (PEM or DER)."""
    try:
        if b"-----BEGIN CERTIFICATE-----" in data:
            found = x509.load_pem_x509_certificates(data)
        else:
            found = [x509.load_der_x509_certificate(data)]
    except ValueError:
        raise Refused(
            "Tệp không phải chứng thư số X.509 (PEM hoặc DER): hãy lấy tệp .cer/.crt/.pem của "
            "CA gốc từ nơi phát hành.",
            "Not an X.509 certificate (PEM or DER): get the root's .cer/.crt/.pem file from its "
            "issuer.",
        ) from None
    out = []
    for cert in found:
        der = cert.public_bytes(serialization.Encoding.DER)
        out.append(
            Certificate(
                der,
                hashlib.sha256(der).hexdigest(),
                _name(cert.subject),
                _common_name(cert),
                cert.not_valid_before_utc,
                cert.not_valid_after_utc,
                _is_ca(cert),
            )
        )
    return out


def parse_crl(data: bytes) -> Crl:
    """A certificate revocation list from a .crl file (PEM or DER)."""
    try:
        if b"-----BEGIN X509 CRL-----" in data:
            crl = x509.load_pem_x509_crl(data)
        else:
            crl = x509.load_der_x509_crl(data)
    except ValueError:
        raise Refused(
            "Tệp không phải danh sách thu hồi chứng thư (CRL, dạng PEM hoặc DER): hãy lấy tệp "
            ".crl từ CA phát hành.",
            "Not a certificate revocation list (CRL, PEM or DER): get the .crl file from its CA.",
        ) from None
    der = crl.public_bytes(serialization.Encoding.DER)
    return Crl(
        der,
        hashlib.sha256(der).hexdigest(),
        _name(crl.issuer),
        crl.last_update_utc,
        crl.next_update_utc,
        len(crl),
    )
