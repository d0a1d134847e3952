"""Limits against hostile files (bombs): one set per instance, from its ``KHO_MAX_*`` settings.

They are settings of the instance (``Instance.limits``) so that every door into the archive (the
command line, the inbox, web uploads and their worker) applies the same ones;
``ingest.examine.limits`` holds the checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Upper bounds for one document; defaults fit scanned dossiers of a few hundred pages."""

    max_bytes: int = 200 * MiB
    max_pages: int = 2000
    max_decompressed_bytes: int = 512 * MiB
    max_image_pixels: int = 150_000_000  # an A0 sheet at 300 dpi is ~139 million
    max_zip_entries: int = 5000
    max_zip_depth: int = 2  # a DOCX may embed a DOCX/XLSX, which may not embed another
    max_seconds: float = 300.0
    max_convert_seconds: float = 120.0  # one Office → PDF conversion (LibreOffice, sandboxed)
    max_convert_memory: int = 2048 * MiB  # its address space

    @classmethod
    def from_mapping(cls, config: Mapping[str, object]) -> Limits:
        """Limits from settings such as ``KHO_MAX_PAGES=500`` (env strings or numbers)."""
        values: dict[str, object] = {}
        for field in fields(cls):
            key = "KHO_" + field.name.upper()
            raw = config.get(key)
            if raw is None or raw == "":
                continue
            kind = float if field.type in ("float", float) else int
            try:
                value = kind(str(raw).replace("_", ""))
            except ValueError:
                raise ValueError(f"{key} must be a number, got {raw!r}") from None
            if value <= 0:
                raise ValueError(f"{key} must be positive, got {raw!r}")
            values[field.name] = value
        return cls(**values)  # type: ignore[arg-type]
