"""The records: model, database, encrypted store, the access gate, lifecycle."""

__version__ = "0.1.0"
