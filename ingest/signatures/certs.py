"""What a certificate says about its holder, for people and for the validation report.

Certificates are parsed by asn1crypto (through pyHanko); this module only reads their fields.
Vietnamese CAs issue certificates to people (CN = the person's name, O = the office) and to
bodies (CN = the body's name, used as the office's seal and for the copy stamp of a publishing
centre). Only a person's name may help fill in a document's signer, so ``holder_kind`` tells the
two apart: a name that starts with a Vietnamese family name and has no word of an organisation.
"""

from __future__ import annotations

import base64
import re
import unicodedata

from asn1crypto import x509

# Family names covering nearly every Vietnamese person (folded, without diacritics).
_FAMILY = (
    "nguyen tran le pham hoang huynh phan vu vo dang bui do ho ngo duong ly phung dinh doan lam "
    "mai trinh truong luong luu cao chu ha ta thai tong la quach kieu khuc mac nong lo vuong van "
    "dao giang thach trieu quan kim hua ong au tang diep lai cu cam son sung hau tieu tu thieu "
    "nghiem bach lac ton chau nhu yen dam"
)
_FAMILY_NAMES = frozenset(_FAMILY.split())
# Word pairs (and a few acronyms) that name bodies rather than people (folded). Single words
# will not do: "Văn", "Trung", "Thành", "Hải" are also given names, "Đoàn", "Trương" family names.
_BODIES = (
    "uy ban|van phong|trung tam|tinh uy|dang uy|huyen uy|thanh uy|thi uy|quan uy|cong ty|"
    "benh vien|hoi dong|co quan|kho bac|ngan hang|cong an|chi cuc|tong cuc|toa an|may chu|"
    "doan thanh|truong dai|truong cao|truong thpt|truong thcs|truong tieu|ha noi|ban to|"
    "ban tuyen|ban dan|ban kinh|ban noi|ban chap|ban thuong|bo tai|bo noi|bo cong"
)
_BODY_PHRASES = tuple(_BODIES.split("|"))
_BODY_WORDS = frozenset({"ubnd", "ubkt", "mttq", "hdnd", "tsa", "ca", "cuc", "so", "jsc", "ltd"})


def fold(text: str) -> str:
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in text if unicodedata.category(c) != "Mn").casefold()


def _first(value) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if value is None:
        return None
    return unicodedata.normalize("NFC", str(value)).strip() or None


def name_parts(name: x509.Name) -> dict[str, str | None]:
    native = name.native
    return {
        "common_name": _first(native.get("common_name")),
        "organization": _first(native.get("organization_name")),
        "unit": _first(native.get("organizational_unit_name")),
        "locality": _first(native.get("locality_name")),
        "user_id": _first(native.get("user_id")),
    }


def holder_kind(subject: dict[str, str | None]) -> str:
    """``person`` or ``organization`` (a guess from the subject name; see the module doc)."""
    cn = subject.get("common_name") or ""
    words = re.findall(r"\w+", fold(cn))
    uid = fold(subject.get("user_id") or "")
    if "cmnd" in uid or "cccd" in uid:
        return "person"
    if not 2 <= len(words) <= 6 or any(w.isdigit() for w in words):
        return "organization"
    joined = " ".join(words)
    if set(words) & _BODY_WORDS or any(f" {p} " in f" {joined} " for p in _BODY_PHRASES):
        return "organization"
    org = subject.get("organization")
    if org and fold(org) == fold(cn):
        return "organization"
    return "person" if words[0] in _FAMILY_NAMES else "organization"


def _when(value) -> str | None:
    return value.isoformat() if value is not None else None


def describe(cert: x509.Certificate, with_der: bool = True) -> dict:
    """One certificate as the report keeps it: who, by whom, when, for what, and its bytes."""
    try:
        usage = sorted(cert.key_usage_value.native) if cert.key_usage_value else []
    except ValueError:
        usage = ["(unreadable)"]
    try:
        extended = (
            sorted(cert.extended_key_usage_value.native) if cert.extended_key_usage_value else []
        )
    except ValueError:
        extended = ["(unreadable)"]
    entry = {
        "subject": unicodedata.normalize("NFC", cert.subject.human_friendly),
        "issuer": unicodedata.normalize("NFC", cert.issuer.human_friendly),
        "serial": format(cert.serial_number, "x"),
        "not_before": _when(cert.not_valid_before),
        "not_after": _when(cert.not_valid_after),
        "sha256": cert.sha256.hex(),
        "key_usage": usage,
        "extended_key_usage": extended,
        "ca": bool(cert.ca),
        "self_signed": cert.self_signed == "maybe" or cert.self_signed == "yes",
    }
    if with_der:
        entry["der_base64"] = base64.b64encode(cert.dump()).decode()
    return entry
