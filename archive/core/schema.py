"""Creating and upgrading the database schema with Alembic (never ``create_all``)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect

from archive.core.instance import Instance

MIGRATIONS = Path(__file__).parents[1] / "migrations"


def alembic_config(inst: Instance) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = inst.engine
    return cfg


def upgrade(inst: Instance) -> None:
    command.upgrade(alembic_config(inst), "head")


def is_initialized(inst: Instance) -> bool:
    return inspect(inst.engine).has_table("alembic_version")
