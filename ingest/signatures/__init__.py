"""Digital signatures (ký số) of PDFs: validated offline against the instance's trust store.

``validate`` is the validator (pyHanko), ``guard`` bounds what it is given, ``certs`` reads
certificates, ``messages`` says what a status means in Vietnamese and English, ``record``
ties it to a record's life (ingest, re-validation).
"""

from ingest.signatures.record import check_at_ingest, objects, sealed, verify
from ingest.signatures.validate import SignatureCheck, SignatureResult, validate_pdf

__all__ = [
    "SignatureCheck",
    "SignatureResult",
    "check_at_ingest",
    "objects",
    "sealed",
    "validate_pdf",
    "verify",
]
