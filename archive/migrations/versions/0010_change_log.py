"""change log of records (the index follows it)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 17:30:00.000000

The head row is made here with the log's random identity; the log starts empty (an index made
before it is adopted at position 0, see search.follower).
"""
import secrets

from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('change_log',
    sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('seq')
    )
    head = op.create_table('change_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('log_id', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.bulk_insert(head, [{'id': 1, 'seq': 0, 'log_id': secrets.token_hex(16)}])


def downgrade() -> None:
    op.drop_table('change_head')
    op.drop_table('change_log')
