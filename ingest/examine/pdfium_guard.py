"""One lock for every PDFium call in the process.

PDFium is not thread-safe, not even across different documents (pypdfium2's documentation:
doing so "would crash or corrupt the process"). Batch ingest runs files in threads, so every
use of pypdfium2 holds this lock; work that does not touch PDFium (Tesseract, encryption,
disk writes) runs outside it.
"""

from __future__ import annotations

import threading

PDFIUM = threading.RLock()
