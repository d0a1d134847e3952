"""index snapshots: each node's search index kept, sealed, in the blob store at a position of
the change log, so a new or wiped node restores it and catches up from the log (issue 21)

Revision ID: 0020
Revises: 0015
Create Date: 2026-12-01 21:30:00.000000

(other branches add 0016-0019 in parallel; the lead re-chains at merge.)
"""
from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('index_snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=32), nullable=False),
    sa.Column('blob', sa.String(length=64), nullable=False),
    sa.Column('sealed_key', sa.LargeBinary(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('log_id', sa.String(length=32), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('node', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('uid')
    )
    with op.batch_alter_table('index_snapshots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_index_snapshots_seq'), ['seq'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('index_snapshots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_index_snapshots_seq'))
    op.drop_table('index_snapshots')
