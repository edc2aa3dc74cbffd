"""An index on applicants' lower-cased address across organizations: erasing an applicant asks
whether the address applied elsewhere too (which decides the mail that goes with them), and
without it each erasure read every applicant (about a second over a million).

Revision ID: 0017_applicant_email_index
Revises: 0017_funnel_rollups
Create Date: 2026-12-06 00:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_applicant_email_index"
down_revision: str | None = "0017_funnel_rollups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_applicant_email_lower", "applicant", [sa.text("lower(email)")])


def downgrade() -> None:
    op.drop_index("ix_applicant_email_lower", table_name="applicant")
