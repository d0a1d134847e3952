"""A test PKI and signed PDFs, generated in memory with ``cryptography`` and pyHanko.

A root CA, an intermediate CA under it, signer certificates (a person of a Party office, an
expired one, a revoked one, one without a signing key usage), a time-stamping authority, a
second root nobody trusts, and CRLs. Keys are RSA like the Vietnamese Government CA's, made once
per test session (``pki()`` is cached). The PDFs are signed with pyHanko as a real signing tool
would sign them (``adbe.pkcs7.detached`` or ``ETSI.CAdES.detached``), then damaged on purpose.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.timestamps import DummyTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore

from ingest.demo import samples

NOW = datetime.now(UTC).replace(microsecond=0)
SIGNER_NAME = "Nguyễn Văn An"
SIGNER_ORG = "Tỉnh ủy Lào Cai"
PADES = SigSeedSubFilter.PADES  # ETSI.CAdES.detached
PKCS7 = SigSeedSubFilter.ADOBE_PKCS7_DETACHED  # adbe.pkcs7.detached


@dataclass(frozen=True)
class Identity:
    cert: x509.Certificate
    key: rsa.RSAPrivateKey

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)


@dataclass(frozen=True)
class Pki:
    root: Identity
    intermediate: Identity
    signer: Identity  # a person: CN = name, O = office
    second_signer: Identity  # another person of the same office
    expired: Identity  # validity ended before the signing time
    revoked: Identity  # listed on ``crl``
    no_signing_usage: Identity  # key usage keyEncipherment only
    tsa: Identity
    other_root: Identity  # a root nobody loaded
    stranger: Identity  # signer under ``other_root``
    crl: bytes  # DER CRL of the intermediate CA revoking ``revoked``
    empty_crl: bytes  # DER CRL of the intermediate CA revoking nothing


def _keys(count: int) -> list[rsa.RSAPrivateKey]:
    return [rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(count)]


def _name(cn: str, org: str | None = None) -> x509.Name:
    parts = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    if org:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    parts.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(parts)


def _cert(
    subject: x509.Name,
    key: rsa.RSAPrivateKey,
    issuer: Identity | None,
    *,
    ca: bool = False,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    usage: str = "sign",
) -> Identity:
    signing_key = issuer.key if issuer else key
    issuer_name = issuer.cert.subject if issuer else subject
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or NOW - timedelta(days=365))
        .not_valid_after(not_after or NOW + timedelta(days=365 * 3))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
            critical=False,
        )
        # Like the Government CA's certificates: where the issuer's CRL is published (Kho
        # never fetches it; the administrator imports the file).
        crl_url = f"http://crl.test/{issuer.cert.serial_number:x}.crl"
        builder = builder.add_extension(
            x509.CRLDistributionPoints(
                [
                    x509.DistributionPoint(
                        [x509.UniformResourceIdentifier(crl_url)], None, None, None
                    )
                ]
            ),
            critical=False,
        )
    flags = dict.fromkeys(
        (
            "digital_signature",
            "content_commitment",
            "key_encipherment",
            "data_encipherment",
            "key_agreement",
            "key_cert_sign",
            "crl_sign",
            "encipher_only",
            "decipher_only",
        ),
        False,
    )
    if ca:
        flags.update(key_cert_sign=True, crl_sign=True)
    elif usage == "sign":
        flags.update(digital_signature=True, content_commitment=True)
    elif usage == "tsa":
        flags.update(digital_signature=True)
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
        )
    else:
        flags.update(key_encipherment=True)
    builder = builder.add_extension(x509.KeyUsage(**flags), critical=True)
    return Identity(builder.sign(signing_key, hashes.SHA256()), key)


def make_crl(
    issuer: Identity,
    revoked: list[tuple[x509.Certificate, datetime]],
    this_update: datetime | None = None,
) -> bytes:
    this_update = this_update or NOW - timedelta(hours=1)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.cert.subject)
        .last_update(this_update)
        .next_update(this_update + timedelta(days=30))
        .add_extension(x509.CRLNumber(1), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
            critical=False,
        )
    )
    for cert, when in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(cert.serial_number)
            .revocation_date(when)
            .add_extension(x509.CRLReason(x509.ReasonFlags.key_compromise), critical=False)
            .build()
        )
    return builder.sign(issuer.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


@cache
def pki() -> Pki:
    k = _keys(10)
    root = _cert(
        _name("Kho Test Root CA", "Ban Cơ yếu (thử nghiệm)"),
        k[0],
        None,
        ca=True,
        not_before=NOW - timedelta(days=3650),
        not_after=NOW + timedelta(days=3650),
    )
    inter = _cert(
        _name("Kho Test CA G2", "Ban Cơ yếu (thử nghiệm)"),
        k[1],
        root,
        ca=True,
        not_before=NOW - timedelta(days=1000),
        not_after=NOW + timedelta(days=2000),
    )
    signer = _cert(_name(SIGNER_NAME, SIGNER_ORG), k[2], inter)
    second = _cert(_name("Trần Thị Bình", SIGNER_ORG), k[3], inter)
    expired = _cert(
        _name("Lê Văn Cũ", SIGNER_ORG),
        k[4],
        inter,
        not_before=NOW - timedelta(days=400),
        not_after=NOW - timedelta(days=2),
    )
    revoked = _cert(_name("Phạm Văn Mất", SIGNER_ORG), k[5], inter)
    no_usage = _cert(_name("Hoàng Văn Khóa", SIGNER_ORG), k[6], inter, usage="encrypt")
    tsa = _cert(_name("Kho Test TSA", "Ban Cơ yếu (thử nghiệm)"), k[7], inter, usage="tsa")
    other_root = _cert(_name("Unknown Root CA", "Nobody"), k[8], None, ca=True)
    stranger = _cert(_name("Người Lạ", "Không rõ"), k[9], other_root)
    crl = make_crl(inter, [(revoked.cert, NOW - timedelta(days=1))])
    return Pki(
        root,
        inter,
        signer,
        second,
        expired,
        revoked,
        no_usage,
        tsa,
        other_root,
        stranger,
        crl,
        make_crl(inter, []),
    )


def _asn1(ident: Identity) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(ident.der)


def _signer(ident: Identity, chain: list[Identity]) -> signers.SimpleSigner:
    key_der = ident.key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return signers.SimpleSigner(
        signing_cert=_asn1(ident),
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore.from_certs([_asn1(c) for c in chain]),
    )


HEADER = "TỈNH ỦY LÀO CAI\nSố 12-NQ/TU\nNGHỊ QUYẾT\nvề công tác cán bộ"


def _time_stamper() -> DummyTimeStamper:
    """An RFC 3161 authority in memory, under the test intermediate CA."""
    p = pki()
    key = p.tsa.key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return DummyTimeStamper(
        tsa_cert=_asn1(p.tsa),
        tsa_key=asn1_keys.PrivateKeyInfo.load(key),
        certs_to_embed=SimpleCertificateStore.from_certs([_asn1(p.intermediate)]),
    )


def document_timestamp(data: bytes) -> bytes:
    """An incremental update adding a document timestamp (/DocTimeStamp), as LTV tools do."""
    out = io.BytesIO()
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    signers.PdfTimeStamper(_time_stamper()).timestamp_pdf(writer, "sha256", output=out)
    return out.getvalue()


def unsigned_pdf(text: str = HEADER) -> bytes:
    return samples.render_pdf(text)


def sign(
    data: bytes,
    ident: Identity | None = None,
    *,
    subfilter: SigSeedSubFilter = PADES,
    field: str = "Signature1",
    chain: list[Identity] | None = None,
    timestamp: bool = False,
) -> bytes:
    """Sign (an incremental update of) ``data``; the chain embedded defaults to the intermediate."""
    p = pki()
    ident = ident or p.signer
    if chain is None:
        chain = [p.intermediate] if ident is not p.stranger else []
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    meta = signers.PdfSignatureMetadata(field_name=field, subfilter=subfilter)
    stamper = _time_stamper() if timestamp else None
    out = io.BytesIO()
    signers.PdfSigner(
        meta,
        _signer(ident, chain),
        timestamper=stamper,
        new_field_spec=fields.SigFieldSpec(sig_field_name=field),
    ).sign_pdf(writer, output=out)
    return out.getvalue()


def signed_pdf(**kwargs) -> bytes:
    return sign(unsigned_pdf(), **kwargs)


def contents_span(data: bytes, which: int = 0) -> tuple[int, int]:
    """(start, end) of the hex digits of the ``which``-th signature's /Contents: the gap that
    its /ByteRange leaves out, less the angle brackets."""
    found = list(re.finditer(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", data))
    _, length, second, _ = (int(x) for x in found[which].groups())
    return length + 1, second - 1


def flip_signed_byte(data: bytes) -> bytes:
    """Change one byte inside the signed range without breaking the file: a byte of the binary
    comment on the second line (same length, same offsets, same text)."""
    at = data.index(b"\n%") + 2
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def corrupt_cms(data: bytes) -> bytes:
    """Overwrite the middle of the CMS blob with zeros (still hex, same length)."""
    start, end = contents_span(data)
    middle = start + (end - start) // 4
    return data[:middle] + b"0" * 200 + data[middle + 200 :]


def append_content_update(data: bytes, text: str = "Đã sửa sau khi ký") -> bytes:
    """An incremental update that replaces page 1's content: a forbidden change."""
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    stream = generic.StreamObject(stream_data=b"BT /F1 24 Tf 72 700 Td (ALTERED) Tj ET")
    page["/Contents"] = writer.add_object(stream)
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def append_garbage(data: bytes) -> bytes:
    """Bytes after the signed revision that are not a valid update: not covered by anything."""
    return data + b"\n% appended after signing, outside every signed range\n" + b"x" * 64 + b"\n"


def _updated(data: bytes, change) -> bytes:
    """Apply ``change(writer, field)`` to the first signature field in an incremental update."""
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    field_ref = writer.root["/AcroForm"]["/Fields"].raw_get(0)
    change(writer, field_ref)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def crafted_byte_range(data: bytes, entries: int = 200_000) -> bytes:
    """An update that rewrites the signature dictionary with a huge /ByteRange (a validator that
    hashes every pair, each up to the end of the file, or parses it in Python, runs away)."""

    def change(writer, field_ref):
        sig = field_ref.get_object()["/V"]
        sig["/ByteRange"] = generic.ArrayObject(
            [generic.NumberObject(0), generic.NumberObject(10**12)] * (entries // 2)
        )
        writer.update_container(sig)

    return _updated(data, change)


def looping_fields(data: bytes) -> bytes:
    """An update that makes the signature field its own kid: a field-tree walk that does not
    remember where it has been never ends."""

    def change(writer, field_ref):
        field_ = field_ref.get_object()
        field_["/Kids"] = generic.ArrayObject([field_ref])
        writer.update_container(field_)

    return _updated(data, change)
