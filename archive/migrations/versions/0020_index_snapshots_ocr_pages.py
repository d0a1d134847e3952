"""index snapshots: each node's search index kept, sealed, in the blob store at a position of
the change log, so a new or wiped node restores it and catches up from the log; OCR page jobs:
the pages of a long scan OCR'd by any worker (issue 21)

Revision ID: 0020
Revises: 0015
Create Date: 2026-12-01 21:30:00.000000

(other branches add 0016-0019 in parallel; the lead re-chains at merge.)
"""
from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0018'
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
    op.create_table('ocr_page_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('page', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('worker', sa.String(length=64), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('sealed_text', sa.LargeBinary(), nullable=True),
    sa.Column('seconds', sa.Float(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['job_id'], ['ingest_jobs.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('job_id', 'page')
    )
    with op.batch_alter_table('ocr_page_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ocr_page_jobs_job_id'), ['job_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ocr_page_jobs_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('ocr_page_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ocr_page_jobs_status'))
        batch_op.drop_index(batch_op.f('ix_ocr_page_jobs_job_id'))
    op.drop_table('ocr_page_jobs')
    with op.batch_alter_table('index_snapshots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_index_snapshots_seq'))
    op.drop_table('index_snapshots')
