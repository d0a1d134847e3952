"""Look at a PDF's signature dictionaries with pikepdf (qpdf) before pyHanko touches them.

pyHanko trusts the signature dictionary it is given: a ``/ByteRange`` of a million pairs is
parsed in pure Python and then hashed pair by pair (each up to the end of the file), a
``/Contents`` string can be as big as the file, and the form tree can loop. qpdf reads the same
objects in C++ in a few milliseconds, so the fields are walked here first, with a visited set
and a node budget, and any dictionary outside the bounds is reported as malformed without ever
being handed to pyHanko. A file with no signature field costs one qpdf open, nothing more.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import pikepdf


@dataclass(frozen=True)
class Bounds:
    """What a sane signature dictionary stays within (real ones: 4 numbers, 8–40 KB of CMS)."""

    max_signatures: int = 32
    max_cms_bytes: int = 1024 * 1024
    max_form_nodes: int = 10_000


@dataclass
class Field:
    """A filled signature field as qpdf sees it; ``problem`` (vi, en) when it is out of bounds."""

    name: str
    kind: str  # /Sig or /DocTimeStamp
    subfilter: str | None
    problem: tuple[str, str] | None = None


@dataclass
class Inspection:
    fields: list[Field] = field(default_factory=list)
    problem: tuple[str, str] | None = None  # the form tree itself (a loop, too many nodes)
    encrypted: bool = False


class Unreadable(Exception):
    """qpdf could not open the file at all (the ingest stages would have refused it first)."""


def _byte_range_problem(value, size: int) -> tuple[str, str] | None:
    if not isinstance(value, pikepdf.Array):
        return ("ByteRange không phải mảng", "ByteRange is not an array")
    if len(value) != 4:
        return (
            f"ByteRange có {len(value)} số thay vì 4",
            f"ByteRange has {len(value)} numbers, not 4",
        )
    try:
        a, b, c, d = (int(x) for x in value)
    except (TypeError, ValueError):
        return ("ByteRange có phần tử không phải số nguyên", "ByteRange holds a non-integer")
    if min(a, b, c, d) < 0 or a + b > c or c + d > size:
        return ("ByteRange vượt ra ngoài tệp", "ByteRange points outside the file")
    return None


def _contents_problem(value, bounds: Bounds) -> tuple[str, str] | None:
    if not isinstance(value, pikepdf.String):
        return ("thiếu dữ liệu chữ ký /Contents", "no /Contents signature data")
    size = len(bytes(value))
    if size > bounds.max_cms_bytes:
        return (
            f"dữ liệu chữ ký {size} byte, quá giới hạn {bounds.max_cms_bytes}",
            f"signature data of {size} bytes, over the {bounds.max_cms_bytes}-byte limit",
        )
    return None


def _name(node: pikepdf.Dictionary, parent: str) -> str:
    own = node.get("/T")
    own = str(own) if isinstance(own, pikepdf.String) else ""
    return f"{parent}.{own}" if parent and own else (own or parent or "?")


def inspect(data: bytes, bounds: Bounds, password: str | None = None) -> Inspection:
    """Every filled signature field of the AcroForm tree, each checked against ``bounds``."""
    if b"/ByteRange" not in data and b"/ObjStm" not in data:
        return Inspection()  # no signature dictionary can be hiding anywhere
    try:
        pdf = pikepdf.open(io.BytesIO(data), password=password or "")
    except (pikepdf.PdfError, ValueError) as exc:
        raise Unreadable(str(exc)) from exc
    with pdf:
        found = Inspection(encrypted=pdf.is_encrypted)
        form = pdf.Root.get("/AcroForm")
        roots = form.get("/Fields") if isinstance(form, pikepdf.Dictionary) else None
        if not isinstance(roots, pikepdf.Array):
            return found
        seen: set[tuple[int, int]] = set()
        stack = [(node, "", None) for node in reversed(list(roots))]
        while stack:
            node, parent, inherited = stack.pop()
            if not isinstance(node, pikepdf.Dictionary):
                continue
            if node.is_indirect:
                if node.objgen in seen:
                    found.problem = ("cây biểu mẫu có vòng lặp", "the form field tree loops")
                    continue
                seen.add(node.objgen)
            if len(seen) > bounds.max_form_nodes:
                found.problem = ("cây biểu mẫu quá lớn", "the form field tree is too large")
                break
            name = _name(node, parent)
            kind = node.get("/FT", inherited)
            kids = node.get("/Kids")
            if isinstance(kids, pikepdf.Array):
                stack.extend((kid, name, kind) for kid in reversed(list(kids)))
            value = node.get("/V")
            if kind != "/Sig" or not isinstance(value, pikepdf.Dictionary):
                continue
            sub = value.get("/SubFilter")
            entry = Field(
                name=name,
                kind=str(value.get("/Type", "/Sig")),
                subfilter=str(sub)[1:] if isinstance(sub, pikepdf.Name) else None,
            )
            entry.problem = _byte_range_problem(value.get("/ByteRange"), len(data))
            entry.problem = entry.problem or _contents_problem(value.get("/Contents"), bounds)
            found.fields.append(entry)
        return found
