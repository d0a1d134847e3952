"""indexes for the lists that grow with the archive (issue 20): the audit log filtered by
action, person or record and paged back by sequence number; the records list newest first;
a year of the registers and of the assignments for the statistics

Revision ID: 0022
Revises: 0020
Create Date: 2026-12-02 01:10:00.000000

(other branches add 0021 in parallel; the lead re-chains at merge.)
"""
from alembic import op


revision = '0022'
down_revision = '0020'
branch_labels = None
depends_on = None

INDEXES = (
    ('ix_audit_log_action_seq', 'audit_log', ['action', 'seq']),
    ('ix_audit_log_username_seq', 'audit_log', ['username', 'seq']),
    ('ix_audit_log_object_id_seq', 'audit_log', ['object_id', 'seq']),
    ('ix_documents_issued_id', 'documents', ['issued', 'id']),
    ('ix_register_entries_year', 'register_entries', ['year']),
    ('ix_assignments_assigned_at', 'assignments', ['assigned_at']),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        if name == 'ix_documents_issued_id' and op.get_bind().dialect.name == 'postgresql':
            # the lists' order (issued DESC NULLS LAST, id DESC): PostgreSQL walks an index
            # only in its own null order; SQLite's nulls sort first, so (issued, id) read
            # backwards is that order already
            op.execute('CREATE INDEX ix_documents_issued_id ON documents '
                       '(issued DESC NULLS LAST, id DESC)')
            continue
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
