"""running counts of the registers' lines for the statistics of a year (issue 20): two tables
kept by triggers on register_entries and documents (archive/core/tallies.py), filled here from
the lines an archive already holds

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-02 11:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

from archive.core import tallies


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'register_tallies',
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('month', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('doc_type', sa.String(length=16), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('level', sa.String(length=16), nullable=False),
        sa.Column('pending_filer', sa.Integer(), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            'year', 'month', 'kind', 'doc_type', 'unit_id', 'level', 'pending_filer'
        ),
    )
    op.create_table(
        'sender_tallies',
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('level', sa.String(length=16), nullable=False),
        sa.Column('pending_filer', sa.Integer(), nullable=False),
        sa.Column('sender', sa.String(length=64), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.Column('first_entry', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('year', 'unit_id', 'level', 'pending_filer', 'sender'),
    )
    dialect = op.get_bind().dialect.name
    for statement in tallies.fill_sql(dialect) + tallies.create_triggers_sql(dialect):
        op.execute(statement)


def downgrade() -> None:
    for statement in tallies.drop_triggers_sql(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_table('sender_tallies')
    op.drop_table('register_tallies')
