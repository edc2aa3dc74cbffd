"""Each member chooses whether mentions in notes are mailed to them (member.notify_mentions);
everyone starts receiving them, as before.

Revision ID: 0013_mention_mail
Revises: 0012_privacy
Create Date: 2026-12-05 17:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_mention_mail"
down_revision: str | None = "0012_privacy"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "member",
        sa.Column("notify_mentions", sa.Boolean(), nullable=False, server_default=sa.true()),
    )


def downgrade() -> None:
    op.drop_column("member", "notify_mentions")
