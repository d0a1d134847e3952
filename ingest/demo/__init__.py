"""Generated sample documents with their truth (``samples``, used by tests and benchmarks too) and
the demo accounts and data of ``make run`` (``demo``).
"""
