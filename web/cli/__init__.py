"""The `kho` command: Flask's group (run, shell, routes) plus Kho's commands, one module per
subject. Every command is thin: it parses, calls a service with the Instance, and prints.

    accounts.py    kho user …, kho grant …, kho share
    api.py         kho token …, kho api spec
    records.py     kho show, get, edit, history, review …, quarantine …
    lifecycle.py   kho fonds, fileplan, dossier, retention, due, hold, dispose, register, declassify
    transfer.py    kho export …, kho import …
    store.py       kho init, keys …, verify, check, backup, restore
    audit.py       kho audit …
    ingest.py      kho ingest, watch, worker, ocr, classify …, demo
    signatures.py  kho trust …, kho signatures …
    search.py      kho search, reindex
    serve.py       kho serve
"""

from __future__ import annotations

import click
from flask.cli import FlaskGroup

from web import create_app
from web.cli import (
    accounts,
    api,
    audit,
    ingest,
    lifecycle,
    records,
    search,
    serve,
    signatures,
    store,
    transfer,
)

SUBJECTS = (
    accounts,
    api,
    records,
    lifecycle,
    transfer,
    store,
    audit,
    ingest,
    signatures,
    search,
    serve,
)


@click.group(cls=FlaskGroup, create_app=lambda: create_app(), add_version_option=False)
def main() -> None:
    """Kho — kho lưu trữ văn bản của cơ quan Đảng / the secure archive of Party offices."""


for subject in SUBJECTS:
    for command in subject.commands.commands.values():
        main.add_command(command)
