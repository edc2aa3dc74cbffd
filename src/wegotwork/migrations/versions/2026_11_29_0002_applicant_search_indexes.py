"""Applicant lists at scale: status filter per job, and trigram search on PostgreSQL.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 01:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEARCH = "lower((((name || ' ') || email) || ' ') || coalesce(motivation, ''))"


def upgrade() -> None:
    op.create_index(
        "ix_applicant_job_id_status_created_at",
        "applicant",
        ["job_id", "status", "created_at", "id"],
    )
    if op.get_bind().dialect.name == "postgresql":
        # pg_trgm is a trusted extension: the database owner may create it.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(
            "CREATE INDEX ix_applicant_search_trgm ON applicant "
            f"USING gin (({SEARCH}) gin_trgm_ops)"
        )
        # Statistics on the searched text let the planner tell a common term (walk the newest
        # applicants and stop after a page) from a rare one (use the trigram index).
        op.execute(f"CREATE STATISTICS st_applicant_search ON ({SEARCH}) FROM applicant")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP STATISTICS IF EXISTS st_applicant_search")
        op.execute("DROP INDEX IF EXISTS ix_applicant_search_trgm")
    op.drop_index("ix_applicant_job_id_status_created_at", table_name="applicant")
