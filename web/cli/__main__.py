"""`python -m web.cli …` is `kho …` (how `kho serve` starts its ingest worker)."""

from web.cli.group import main

main(prog_name="kho")
