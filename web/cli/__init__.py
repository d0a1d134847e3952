"""The `kho` command line, one module per subject. Every command is thin: it parses, calls a
service with the Instance, and prints.

    accounts.py    kho user …, kho grant …, kho share
    api.py         kho token …, kho api spec
    records.py     kho show, get, edit, history, review …, quarantine …
    lifecycle.py   kho fonds, fileplan, dossier, retention, due, hold, dispose, register, declassify
    transfer.py    kho export …, kho import …
    store.py       kho init, keys …, verify, check, backup, restore
    audit.py       kho audit …
    ingest.py      kho ingest, watch, worker, ocr, classify …, demo
    signatures.py  kho trust …, kho signatures …
    search.py      kho search, reindex, snapshot
    serve.py       kho serve
    workflow.py    kho task … (assign, start, done, list), kho stats

    catalog.py     which module defines each command
    launch.py      what `kho` runs first: here, or in the resident process (resident.py)
    group.py       the group that finds each command in its module
    support.py     what every command shares

This package imports nothing at all: `kho` starts with ``launch``, which uses the standard
library only; ``main`` (the click group, for tests and ``python -m web.cli``) and the table of
commands are loaded when asked for.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name in ("main", "KhoCommands", "SUBJECTS", "commands_of", "COMMANDS"):  # tests
        from web.cli import group

        return getattr(group, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
