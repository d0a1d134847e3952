"""Alembic environment: runs migrations on the engine handed over by archive.schema."""

from alembic import context

from archive.models import Base

config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
