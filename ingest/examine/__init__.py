"""A file as bytes in memory → what it is and what it says: identified by content (``sniff``),
bounded against bombs (``limits``), validated and given a sanitized access copy (``pdf``,
``pdf_sanitize``; Office files cleaned and printed to PDF in a sandbox: ``office``), its text in
every format (``text``, ``rtf``, ``legacy`` for TCVN3/VNI), OCR in memory (``ocr``, PDFium
behind ``pdfium_guard``), all of it as one call (``ingest.examine.stages.examine``).
"""
