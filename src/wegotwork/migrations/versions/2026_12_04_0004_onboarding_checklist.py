"""The getting-started checklist of a new workspace (organization.onboarding).

Workspaces that existed before have long since started: their checklist begins dismissed.

Revision ID: 0004_onboarding
Revises: 0003_mail_send
Create Date: 2026-12-04 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_onboarding"
down_revision: str | None = "0003_mail_send"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("organization") as batch:
        batch.add_column(sa.Column("onboarding", sa.JSON(), nullable=True))
    organization = sa.table("organization", sa.column("onboarding", sa.JSON()))
    op.execute(organization.update().values(onboarding={"dismissed": "2026-12-04T18:00:00Z"}))


def downgrade() -> None:
    with op.batch_alter_table("organization") as batch:
        batch.drop_column("onboarding")
