"""Text of a document for the current pipeline: a thin front over ``ingest.stages.examine``.

Kept so that ``pipeline.py`` works unchanged while it is being rewired to ``examine`` (which also
returns the access copy, the events and the OCR flags). Everything happens in memory.
"""

from __future__ import annotations

from ingest.limits import Limits
from ingest.stages import examine


def extract_text(
    data: bytes, media_type: str, limits: Limits | None = None, password: str | None = None
) -> str:
    """NFC text of the document; refusals (damaged, encrypted, bombs) raise ``Refused``.

    OCR is not run here (pages without text come back empty, as before); ``media_type`` is
    re-derived from the content by ``examine``, which is cheap and never trusts a caller's label.
    """
    del media_type
    return examine(data, "", limits, password, run_ocr=False).text
