"""Status links expire 180 days after the decision or the last mail that carried them, which
is remembered per link (candidate_link.mailed_at); existing links have none, so their
decision alone counts.

Revision ID: 0016_status_link_expiry
Revises: 0015_scorecard_mail
Create Date: 2026-12-06 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_status_link_expiry"
down_revision: str | None = "0015_scorecard_mail"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("candidate_link", sa.Column("mailed_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("candidate_link") as batch:
        batch.drop_column("mailed_at")
