"""Errors a person can cause, each with a Vietnamese and an English message saying what to do.

It lives in the lowest layer so that every package can raise it; the edges (web pages, the
command line) turn it into a page, a JSON error or a line of output.
"""

from __future__ import annotations


class KhoError(Exception):
    """Base of user-facing errors; ``code`` is stable for scripts (``kho ... --json``)."""

    code = "error"

    def __init__(self, vi: str, en: str) -> None:
        super().__init__(f"{vi} / {en}")
        self.vi = vi
        self.en = en


class NotFound(KhoError):
    """Also what a denial looks like from outside, so that existence is never revealed."""

    code = "not_found"


class Refused(KhoError):
    code = "refused"
