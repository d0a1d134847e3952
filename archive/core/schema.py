"""Creating and upgrading the database schema with Alembic (never ``create_all``).

Alembic is imported by the functions that use it: every `kho` command imports this module (to
say "run kho init" on an empty database), and most never migrate.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect

from archive.core.instance import Instance

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parents[1] / "migrations"


def alembic_config(inst: Instance) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = inst.engine
    return cfg


def upgrade(inst: Instance) -> None:
    from alembic import command

    command.upgrade(alembic_config(inst), "head")


def is_initialized(inst: Instance) -> bool:
    return inspect(inst.engine).has_table("alembic_version")
