"""What the index holds of a record: the schema (access facets, filters, facet columns, two
analyses of the words), the entry fed to it, and the field values Whoosh indexes for an entry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from whoosh.fields import COLUMN, ID, KEYWORD, NUMERIC, TEXT, Schema

from search.index.analysis import exact_analyzer, fold, folded_analyzer, number_keys, unify_tones


def schema() -> Schema:
    """Access facets (level, unit), filters and facets, and two analyses of the words."""
    return Schema(
        id=ID(stored=True, unique=True),
        level=ID(sortable=True),
        unit=ID(sortable=True),
        doc_type=ID,  # folded code: "kh", "qd", "qdi"
        type_name=COLUMN(),  # the code as written ("QĐ"), for its facet
        year=NUMERIC(bits=16, signed=False, sortable=True),
        date=NUMERIC(bits=32, signed=False, sortable=True),  # yyyymmdd
        issuer=TEXT(analyzer=folded_analyzer(), phrase=True),
        head=TEXT(analyzer=folded_analyzer(), phrase=False),  # number, issuer, subject: ranking
        issuer_name=COLUMN(),  # the issuer as written (NFC, one tone placement), for its facet
        number=KEYWORD(lowercase=False, commas=False),  # number keys: 117, 117kh, 117khtu
        dossier=ID,  # folded dossier code, for ``hoso:``
        pending=ID,  # "1" while the record's secrecy is pending (chờ xác định độ mật)
        filer=ID,  # who filed a pending record: the one archivist who still sees it
        signature=KEYWORD,  # "signed valid" / "signed invalid revoked", for ``kyso:``
        exact=TEXT(analyzer=exact_analyzer(), phrase=False),  # phrases run on ``folded``
        folded=TEXT(analyzer=folded_analyzer(), phrase=True),
    )


@dataclass(frozen=True)
class IndexEntry:
    """What the index learns of a record: its access facets, its header and its words."""

    id: int
    level: str
    unit_id: int
    doc_type: str | None
    year: int | None
    words: str  # number, issuer, subject and full text, joined
    number: str | None = None
    issuer: str | None = None
    issued: date | None = None
    subject: str | None = None
    dossier: str | None = None  # the dossier's code (``hoso:``)
    pending: bool = False  # secrecy pending: seen only by ``filed_by`` and security officers
    filed_by: int | None = None
    signature: str | None = None  # words for ``kyso:`` (search.feed.signature_words)


def fields_of(entry: IndexEntry) -> dict:
    """The field values Whoosh indexes for an entry."""
    fields = {
        "id": str(entry.id),
        "level": entry.level,
        "unit": str(entry.unit_id),
        "exact": entry.words,
        "folded": entry.words,
    }
    if entry.doc_type:
        fields["doc_type"] = fold(entry.doc_type)
        fields["type_name"] = entry.doc_type.encode()
    year = entry.issued.year if entry.issued else entry.year
    if year:
        fields["year"] = year
    if entry.issued:
        fields["date"] = int(entry.issued.strftime("%Y%m%d"))
    if entry.issuer:
        fields["issuer"] = entry.issuer
        fields["issuer_name"] = unify_tones(entry.issuer).strip().encode()
    head = " ".join(filter(None, (entry.number, entry.issuer, entry.subject)))
    if head:
        fields["head"] = head
    if entry.dossier:
        fields["dossier"] = fold(entry.dossier)
    if entry.pending:
        fields["pending"] = "1"
        fields["filer"] = str(entry.filed_by)
    if entry.signature:
        fields["signature"] = entry.signature
    keys = number_keys(entry.number)
    if keys:
        fields["number"] = " ".join(keys)
    return fields
