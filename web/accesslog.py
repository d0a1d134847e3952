"""Access logs without query strings: ``/search?q=122-KL/TU`` is logged as ``/search``.

A query string carries content (a search, a name, a number); server logs are plain files, so
they get the path alone. ``kho run`` (Werkzeug's server) logs through the ``werkzeug`` logger,
which ``init_app`` filters; ``kho serve`` (gunicorn) is given ``ACCESS_LOG_FORMAT``, built
from the path atom ``%(U)s`` and without the referrer.
"""

from __future__ import annotations

import logging
import re

from flask import Flask

ACCESS_LOG_FORMAT = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss "%(a)s"'
_QUERY = re.compile(r"\?[^\s\"]*")


def without_query(text: str) -> str:
    return _QUERY.sub("", text)


class NoQueryStrings(logging.Filter):
    """Strip query strings from the request line of Werkzeug's access log records."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(without_query(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = without_query(record.msg)
        return True


_FILTER = NoQueryStrings()


def init_app(_app: Flask) -> None:
    logger = logging.getLogger("werkzeug")
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
