"""What a signature's status means, in Vietnamese and English, for people and for reports.

The statuses, strongest finding first (a document's overall status is the first one any of its
signatures has): ``modified_after_signing`` (what was signed is not what we hold), ``invalid``
(the signature or its certificate is broken), ``revoked``, ``expired``, ``unknown`` (it could not
be checked), ``valid_untrusted_root`` (intact, but its root is not in the trust store) and
``valid``.
"""

from __future__ import annotations

from dataclasses import dataclass

STATUSES: tuple[str, ...] = (
    "modified_after_signing",
    "invalid",
    "revoked",
    "expired",
    "unknown",
    "valid_untrusted_root",
    "valid",
)
# Anything but ``valid`` is flagged for an archivist (the document is still filed: it is evidence).
BROKEN = frozenset(STATUSES) - {"valid"}

STATUS_NAMES: dict[str, tuple[str, str]] = {
    "valid": ("Hợp lệ", "Valid"),
    "valid_untrusted_root": ("Nguyên vẹn, CA gốc chưa tin cậy", "Intact, root not trusted"),
    "modified_after_signing": ("Bị sửa sau khi ký", "Modified after signing"),
    "invalid": ("Không hợp lệ", "Invalid"),
    "expired": ("Chứng thư hết hạn", "Certificate expired"),
    "revoked": ("Chứng thư bị thu hồi", "Certificate revoked"),
    "unknown": ("Chưa kiểm tra được", "Could not be checked"),
}

# Where ``signed_at`` comes from.
TIME_SOURCES: dict[str, tuple[str, str]] = {
    "timestamp": ("dấu thời gian tin cậy", "trusted timestamp"),
    "timestamp_untrusted": ("dấu thời gian (TSA chưa tin cậy)", "timestamp (TSA not trusted)"),
    "claimed": ("giờ do người ký tự khai", "time claimed by the signer"),
    "none": ("không có thời điểm ký", "no signing time"),
}

COVERAGE: dict[str, tuple[str, str]] = {
    "whole_file": ("Toàn bộ tệp", "The whole file"),
    "allowed_changes": (
        "Bản đã ký, sau đó chỉ có thay đổi được phép ({changes})",
        "The signed revision, then only allowed changes ({changes})",
    ),
    "disallowed_changes": (
        "Bản đã ký, sau đó có thay đổi nội dung không được phép",
        "The signed revision, then content changes that are not allowed",
    ),
    "partial": ("Chỉ một phần tệp", "Only part of the file"),
    "none": ("Không xác định", "Unknown"),
}

CHANGES: dict[str, tuple[str, str]] = {
    "LTA_UPDATES": ("bổ sung dữ liệu kiểm tra", "validation data added"),
    "FORM_FILLING": ("thêm chữ ký, điền biểu mẫu", "further signatures, form filling"),
    "ANNOTATIONS": ("thêm ghi chú", "annotations"),
    "NONE": ("không có", "none"),
}


@dataclass(frozen=True)
class Reason:
    vi: str
    en: str

    def as_dict(self) -> dict:
        return {"vi": self.vi, "en": self.en}

    def __add__(self, other: Reason) -> Reason:
        return Reason(f"{self.vi} {other.vi}", f"{self.en} {other.en}")


def worst(statuses: list[str]) -> str | None:
    """The strongest finding among several signatures (None when there are none)."""
    return min(statuses, key=STATUSES.index) if statuses else None


def valid() -> Reason:
    return Reason(
        "Chữ ký nguyên vẹn, chứng thư số chuỗi về CA gốc tin cậy và còn hiệu lực khi ký.",
        "Intact; the certificate chains to a trusted root and was valid at signing time.",
    )


def untrusted_root(ca: str) -> Reason:
    return Reason(
        f"Chữ ký nguyên vẹn nhưng không nối được tới CA gốc tin cậy (chuỗi dừng ở «{ca}»): quản "
        "trị nạp chứng thư của CA này hoặc CA gốc của nó (kho trust add) rồi kiểm tra lại "
        "(kho signatures verify).",
        f"Intact, but it does not chain to a trusted root (the chain stops at «{ca}»): an "
        "administrator loads that CA's or its root's certificate (kho trust add), then re-check "
        "(kho signatures verify).",
    )


def digest_mismatch() -> Reason:
    return Reason(
        "Nội dung đã ký bị thay đổi: mã băm của phần được ký không khớp với chữ ký.",
        "The signed content was changed: the digest of the signed bytes does not match.",
    )


def disallowed_update() -> Reason:
    return Reason(
        "Tệp bị sửa nội dung sau khi ký (bản cập nhật sau không chỉ thêm chữ ký hay ghi chú).",
        "The content was changed after signing (a later update does more than add signatures "
        "or annotations).",
    )


def uncovered_tail(size: int) -> Reason:
    return Reason(
        f"Có {size} byte sau phần đã ký không thuộc bản cập nhật hợp lệ nào: chữ ký không phủ "
        "toàn bộ tệp.",
        f"{size} bytes after the signed range belong to no valid update: the signature does "
        "not cover the whole file.",
    )


def partial_coverage() -> Reason:
    return Reason(
        "Vùng ký (ByteRange) không phủ trọn phiên bản đã ký của tệp.",
        "The signed byte range does not cover the whole signed revision of the file.",
    )


def bad_signature_value() -> Reason:
    return Reason(
        "Giá trị chữ ký không khớp với khóa công khai của chứng thư số.",
        "The signature value does not verify with the certificate's public key.",
    )


def damaged(detail: str) -> Reason:
    return Reason(
        f"Dữ liệu chữ ký bị hỏng, không đọc được ({detail}).",
        f"The signature data is damaged and cannot be read ({detail}).",
    )


def malformed(detail_vi: str, detail_en: str) -> Reason:
    return Reason(
        f"Từ điển chữ ký bất thường ({detail_vi}): không kiểm tra để tránh bị treo máy.",
        f"Malformed signature dictionary ({detail_en}): not checked, to stay within limits.",
    )


def unsupported(subfilter: str) -> Reason:
    return Reason(
        f"Kiểu chữ ký {subfilter} chưa được hỗ trợ.",
        f"Signature type {subfilter} is not supported.",
    )


def key_usage() -> Reason:
    return Reason(
        "Chứng thư số không được cấp cho mục đích ký (Key Usage).",
        "The certificate is not issued for signing (key usage).",
    )


def chain_broken(detail: str) -> Reason:
    return Reason(
        f"Chuỗi chứng thư số không hợp lệ ({detail}).",
        f"The certificate chain is not valid ({detail}).",
    )


def expired(not_after: str, signed_at: str | None) -> Reason:
    when = signed_at or "?"
    return Reason(
        f"Chứng thư số hết hạn ngày {not_after}, trước thời điểm ký {when}.",
        f"The certificate expired on {not_after}, before the signing time {when}.",
    )


def not_yet_valid(not_before: str) -> Reason:
    return Reason(
        f"Chứng thư số chỉ có hiệu lực từ {not_before}, sau thời điểm ký.",
        f"The certificate is valid only from {not_before}, after the signing time.",
    )


# CRL reason codes (RFC 5280) as people say them.
REVOCATION_REASONS: dict[str, tuple[str, str]] = {
    "unspecified": ("không nêu lý do", "unspecified"),
    "key_compromise": ("lộ khóa bí mật", "key compromise"),
    "ca_compromise": ("CA bị lộ khóa", "CA compromise"),
    "affiliation_changed": ("thay đổi cơ quan, chức vụ", "affiliation changed"),
    "superseded": ("đã được thay thế", "superseded"),
    "cessation_of_operation": ("ngừng sử dụng", "cessation of operation"),
    "certificate_hold": ("tạm dừng", "certificate on hold"),
    "remove_from_crl": ("gỡ khỏi danh sách", "removed from CRL"),
    "privilege_withdrawn": ("rút quyền", "privilege withdrawn"),
    "aa_compromise": ("AA bị lộ khóa", "AA compromise"),
}


def revoked(when: str, code: str | None, ca: bool) -> Reason:
    why_vi, why_en = REVOCATION_REASONS.get(code or "unspecified", (code, code))
    whose_vi = "Chứng thư của CA cấp trên" if ca else "Chứng thư số của người ký"
    whose_en = "A CA certificate above the signer" if ca else "The signer's certificate"
    return Reason(
        f"{whose_vi} bị thu hồi ngày {when} (lý do: {why_vi}).",
        f"{whose_en} was revoked on {when} (reason: {why_en}).",
    )


def revoked_after_claimed(when: str) -> Reason:
    return Reason(
        f"Chứng thư bị thu hồi ngày {when}; thời điểm ký chỉ do người ký tự khai (không có dấu "
        "thời gian tin cậy) nên không chứng minh được chữ ký có trước khi thu hồi.",
        f"The certificate was revoked on {when}; the signing time is only claimed by the signer "
        "(no trusted timestamp), so nothing proves the signature came before the revocation.",
    )


def bad_timestamp() -> Reason:
    return Reason(
        "Dấu thời gian gắn với chữ ký không khớp hoặc bị hỏng.",
        "The timestamp attached to the signature does not match or is damaged.",
    )


def weak_digest(name: str) -> Reason:
    return Reason(
        f"Lưu ý: chữ ký dùng hàm băm {name.upper()} đã lỗi thời (vẫn chấp nhận theo cấu hình).",
        f"Note: the signature uses the outdated {name.upper()} digest (accepted by configuration).",
    )


def weak_refused(name: str) -> Reason:
    return Reason(
        f"Chữ ký dùng thuật toán {name} không còn được chấp nhận.",
        f"The signature uses {name}, which is no longer accepted.",
    )


def claimed_time() -> Reason:
    return Reason(
        "Thời điểm ký do người ký tự khai (không có dấu thời gian).",
        "The signing time is the signer's own claim (no timestamp).",
    )


def no_revocation_data() -> Reason:
    return Reason(
        "Chưa kiểm tra thu hồi: tệp không kèm và kho chưa nhập danh sách thu hồi (CRL) của CA.",
        "Revocation not checked: neither the file nor the trust store holds the CA's CRL.",
    )


def time_limit() -> Reason:
    return Reason(
        "Hết thời gian xử lý cho phép (KHO_MAX_SECONDS) trước khi kiểm tra chữ ký này.",
        "The processing time limit (KHO_MAX_SECONDS) ran out before this signature was checked.",
    )


def too_many(limit: int) -> Reason:
    return Reason(
        f"Tệp có quá {limit} chữ ký: các chữ ký sau không được kiểm tra.",
        f"The file has more than {limit} signatures: the rest were not checked.",
    )


def internal(detail: str) -> Reason:
    return Reason(
        f"Không kiểm tra được chữ ký do lỗi của bộ kiểm tra ({detail}).",
        f"The signature could not be checked: the validator failed ({detail}).",
    )
