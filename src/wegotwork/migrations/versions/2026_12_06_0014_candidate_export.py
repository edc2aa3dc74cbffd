"""Candidates download their own data from the status page through a mailed link: the link
remembers the hash of that link's token, when it expires and when it was used.

Revision ID: 0014_candidate_export
Revises: 0010_application_questions
Create Date: 2026-12-06 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_candidate_export"
down_revision: str | None = "0010_application_questions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("candidate_link", sa.Column("export_hash", sa.String(64), nullable=True))
    op.add_column("candidate_link", sa.Column("export_expires_at", _timestamp(), nullable=True))
    op.add_column("candidate_link", sa.Column("export_used_at", _timestamp(), nullable=True))
    op.create_index(
        op.f("ix_candidate_link_export_hash"), "candidate_link", ["export_hash"], unique=True
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_candidate_link_export_hash"), table_name="candidate_link")
    op.drop_column("candidate_link", "export_used_at")
    op.drop_column("candidate_link", "export_expires_at")
    op.drop_column("candidate_link", "export_hash")
