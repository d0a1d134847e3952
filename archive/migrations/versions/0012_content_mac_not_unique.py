"""a record's content fingerprint is no longer unique: each unit files its own copy

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-01 18:00:00.000000

Issue 14 item 1: a second unit must be able to file its own record of the same incoming
document, and an upload may speak only of duplicates the uploader can see. The unique
constraint on ``documents.content_mac`` becomes a plain index. (0010 and 0011 are being added
in parallel by other branches; the lead re-chains at merge.)
"""
from alembic import op


revision = '0012'
down_revision = '0010'
branch_labels = None
depends_on = None

# SQLite's unnamed constraint gets a name by convention so that batch mode can drop it;
# PostgreSQL named it itself.
_NAMES = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def _unique_name() -> str:
    return "uq_documents_content_mac" if op.get_bind().dialect.name == "sqlite" else (
        "documents_content_mac_key"
    )


def upgrade() -> None:
    with op.batch_alter_table('documents', naming_convention=_NAMES) as batch_op:
        batch_op.drop_constraint(_unique_name(), type_='unique')
        batch_op.create_index('ix_documents_content_mac', ['content_mac'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('documents', naming_convention=_NAMES) as batch_op:
        batch_op.drop_index('ix_documents_content_mac')
        batch_op.create_unique_constraint(_unique_name(), ['content_mac'])
