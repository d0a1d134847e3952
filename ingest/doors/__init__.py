"""The ways files come in besides the command line: web uploads through a queue and its worker
(``jobs``), a watched inbox folder (``inbox``), and OCR of records filed while Tesseract was
missing (``recognition``).
"""
