"""Numbers from addresses and query strings, bounded before they reach the database.

A record id in an address (``/documents/<int:doc_id>``) is at most ``MAX_ID``, the largest value
of the 32-bit id columns: a larger one matches no route and is answered 404, audited, like any
missing record (``web.errors``), instead of overflowing the database driver. Numbers in query
strings are read with ``int_arg``, which answers 404 the same way when one is malformed or out of
its range.
"""

from __future__ import annotations

from flask import abort, request
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # ids are INTEGER columns on PostgreSQL
YEARS = (1900, 2199)  # registers, file plans: the Party's records begin in 1930


class BoundedInt(IntegerConverter):
    """Flask's ``int`` converter, bounded to what an id column can hold."""

    def __init__(self, url_map, *args, **kwargs) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def int_arg(name: str, default: int, low: int = 0, high: int = MAX_ID) -> int:
    """A query-string integer in ``[low, high]``; absent or empty: ``default``; anything else
    is a page that does not exist (404)."""
    raw = request.args.get(name, "")
    if raw == "":
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > 12 or not low <= int(raw) <= high:
        abort(404)
    return int(raw)


def ids_arg(name: str, limit: int) -> list[int]:
    """A comma-separated list of ids; those that cannot be ids are left out."""
    raw = request.args.get(name, "").split(",")[:limit]
    return [int(i) for i in raw if i.isascii() and i.isdigit() and 0 < int(i) <= MAX_ID]
