"""Each member chooses whether a teammate's scorecard, at a stage they reviewed too, is mailed
to them (member.notify_scorecards); everyone starts receiving them.

Revision ID: 0015_scorecard_mail
Revises: 0014_candidate_export
Create Date: 2026-12-06 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_scorecard_mail"
down_revision: str | None = "0014_candidate_export"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "member",
        sa.Column("notify_scorecards", sa.Boolean(), nullable=False, server_default=sa.true()),
    )


def downgrade() -> None:
    op.drop_column("member", "notify_scorecards")
