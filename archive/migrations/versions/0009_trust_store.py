"""trust store for digital signatures

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-01 14:00:00.000000

(0008 is being added in parallel by another branch; the lead re-chains at merge.)
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('trust_anchors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.String(length=500), nullable=False),
    sa.Column('not_before', sa.DateTime(timezone=True), nullable=True),
    sa.Column('not_after', sa.DateTime(timezone=True), nullable=True),
    sa.Column('der', sa.LargeBinary(), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('added_by', sa.String(length=64), nullable=True),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('removed_by', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('sha256')
    )
    with op.batch_alter_table('trust_anchors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trust_anchors_removed_at'), ['removed_at'], unique=False)

    op.create_table('trust_crls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('issuer', sa.String(length=500), nullable=False),
    sa.Column('this_update', sa.DateTime(timezone=True), nullable=True),
    sa.Column('next_update', sa.DateTime(timezone=True), nullable=True),
    sa.Column('entries', sa.Integer(), nullable=False),
    sa.Column('der', sa.LargeBinary(), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('imported_by', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('sha256')
    )
    state = op.create_table('trust_store_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.bulk_insert(state, [{'id': 1, 'version': 0, 'changed_at': None}])


def downgrade() -> None:
    op.drop_table('trust_store_state')
    op.drop_table('trust_crls')
    with op.batch_alter_table('trust_anchors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trust_anchors_removed_at'))
    op.drop_table('trust_anchors')
