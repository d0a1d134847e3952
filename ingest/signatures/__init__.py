"""Digital signatures (ký số) of PDFs: validated offline against the instance's trust store.

``validate`` is the validator (pyHanko, loaded only when a file is validated: import
``validate_pdf`` from there), ``results`` what it found, ``guard`` bounds what it is given,
``certs`` reads certificates, ``messages`` says what a status means in Vietnamese and English,
``record`` ties it to a record's life (ingest, re-validation).
"""

from ingest.signatures.record import check_at_ingest, objects, sealed, verify
from ingest.signatures.results import SignatureCheck, SignatureResult

__all__ = [
    "SignatureCheck",
    "SignatureResult",
    "check_at_ingest",
    "objects",
    "sealed",
    "verify",
]
