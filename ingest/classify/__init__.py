"""Classification of ingested documents: header vocabulary and blocks, filing rules, the learned
subject-to-series model and filing suggestions.

Importing the package is cheap on purpose: the header parser uses ``vocab`` and ``blocks`` on
every ingest, while ``model`` (scikit-learn) is only imported by whoever trains or suggests.
"""
