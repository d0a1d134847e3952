"""sealed reasons: the reasons people type for legal holds, disposal proposals and access
requests are sealed per row (like dossier titles); the clear ``reason`` column stays only for rows
written before this revision until ``kho check --repair`` seals them and blanks it

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 19:00:00.000000

(0014 is being added in parallel by another branch; the lead re-chains at merge.)
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

TABLES = ('legal_holds', 'disposal_proposals', 'grants')


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('uid', sa.String(length=32), nullable=True))
            batch_op.add_column(sa.Column('kek_version', sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column('wrapped_key', sa.LargeBinary(), nullable=True))
            batch_op.add_column(sa.Column('sealed', sa.LargeBinary(), nullable=True))
            batch_op.create_unique_constraint(f'uq_{table}_uid', ['uid'])
            batch_op.create_index(batch_op.f(f'ix_{table}_kek_version'), ['kek_version'], unique=False)


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_kek_version'))
            batch_op.drop_constraint(f'uq_{table}_uid', type_='unique')
            batch_op.drop_column('sealed')
            batch_op.drop_column('wrapped_key')
            batch_op.drop_column('kek_version')
            batch_op.drop_column('uid')
