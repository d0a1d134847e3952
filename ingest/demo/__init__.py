"""Generated documents with their truth, for tests, benchmarks and ``make run``: text and PDF
samples (``samples``), stamped scans (``scans``), and the demo accounts and data (``demo``).
"""
