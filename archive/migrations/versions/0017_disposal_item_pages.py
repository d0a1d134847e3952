"""disposal item pages: the page count of each record of a disposal proposal, taken when it is
proposed, so the council and the person who carries it out see the same figures as the
proposer ("12 records, 340 pages, will be destroyed") without reading any record again

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-01 21:30:00.000000

(0016 is being added in parallel by another branch; the lead re-chains at merge.)
"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('disposal_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pages', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('disposal_items', schema=None) as batch_op:
        batch_op.drop_column('pages')
