"""indexes for the statistics of a year (issue 20): the year's lines with their records, and the
few lines the statistics open one by one (paper-only lines: no record; incoming lines without a
fingerprint) found through an index instead of by reading the whole year again

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02 08:00:00.000000
"""
from alembic import op


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_register_entries_year', table_name='register_entries')
    op.create_index(
        'ix_register_entries_year_document', 'register_entries', ['year', 'document_id']
    )
    op.create_index(
        'ix_register_entries_register_year_sender',
        'register_entries',
        ['register', 'year', 'sender_mac'],
    )


def downgrade() -> None:
    op.drop_index('ix_register_entries_register_year_sender', table_name='register_entries')
    op.drop_index('ix_register_entries_year_document', table_name='register_entries')
    op.create_index('ix_register_entries_year', 'register_entries', ['year'])
