"""keyed fingerprints of a register line's sender and a record's issuer, for the statistics to
count incoming documents by sender in SQL (issue 20); filled by ``grouping.backfill`` (it needs
the keyring, which a migration does not have: ``kho init`` and the benchmarks run it)

Revision ID: 0024
Revises: 0022
Create Date: 2026-12-02 04:00:00.000000

(other branches add 0023 in parallel; the lead re-chains at merge.)
"""
from alembic import op
import sqlalchemy as sa


revision = '0024'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('register_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sender_mac', sa.String(length=64), nullable=True))
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('issuer_mac', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_column('issuer_mac')
    with op.batch_alter_table('register_entries', schema=None) as batch_op:
        batch_op.drop_column('sender_mac')
