"""secrecy pending (chờ xác định độ mật)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 09:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Records filed before this revision had their level read or declared: none is pending.
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('secrecy_pending', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index(batch_op.f('ix_documents_secrecy_pending'), ['secrecy_pending'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_documents_secrecy_pending'))
        batch_op.drop_column('secrecy_pending')
