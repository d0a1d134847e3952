"""API deposit jobs and shared rate limits: an ingest job may carry a sealed request (what an
API depositor declared: fields, dossier, register) and keeps the free text of its outcome
(reasons, warnings) sealed (``sealed_outcome``), never in clear; ``api_rate_counts`` holds the
API's rate-limit counters in the database, shared by every server process and node

Revision ID: 0018
Revises: 0015
Create Date: 2026-12-01 21:20:00.000000

(0016 and 0017 are being added in parallel by other branches; the lead re-chains at merge.)
"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ingest_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), server_default='upload', nullable=False))
        batch_op.add_column(sa.Column('sealed_request', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('sealed_outcome', sa.LargeBinary(), nullable=True))

    op.create_table('api_rate_counts',
    sa.Column('key', sa.String(length=96), nullable=False),
    sa.Column('window', sa.Integer(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key', 'window')
    )
    with op.batch_alter_table('api_rate_counts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_rate_counts_window'), ['window'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('api_rate_counts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_rate_counts_window'))
    op.drop_table('api_rate_counts')
    with op.batch_alter_table('ingest_jobs', schema=None) as batch_op:
        batch_op.drop_column('sealed_outcome')
        batch_op.drop_column('sealed_request')
        batch_op.drop_column('kind')
