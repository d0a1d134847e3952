"""ingest workers beat; jobs name their worker and count attempts

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 17:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ingest_workers',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    with op.batch_alter_table('ingest_workers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ingest_workers_seen_at'), ['seen_at'], unique=False)
    with op.batch_alter_table('ingest_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('worker', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('ingest_jobs', schema=None) as batch_op:
        batch_op.drop_column('attempts')
        batch_op.drop_column('worker')
    with op.batch_alter_table('ingest_workers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ingest_workers_seen_at'))
    op.drop_table('ingest_workers')
