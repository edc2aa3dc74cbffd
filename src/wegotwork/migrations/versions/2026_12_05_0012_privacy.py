"""Privacy: retention settings, quarantine and legal hold of applicants, the privacy audit
trail and the files an erasure still has to remove.

Revision ID: 0012_privacy
Revises: 0009_team_review
Create Date: 2026-12-05 17:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_privacy"
down_revision: str | None = "0009_team_review"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIONS = ("quarantine", "restore", "export", "erase", "hold", "release", "settings")


def _timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    # Plain ADD COLUMN on both databases: a batch (table copy) on SQLite would lose the
    # expression indexes (the unique lower(slug) and lower(email) ones).
    op.add_column(
        "organization",
        sa.Column("retention_months", sa.Integer(), nullable=False, server_default="24"),
    )
    op.add_column(
        "organization",
        sa.Column("quarantine_days", sa.Integer(), nullable=False, server_default="30"),
    )
    op.add_column("applicant", sa.Column("quarantined_at", _timestamp(), nullable=True))
    op.add_column(
        "applicant",
        sa.Column("legal_hold", sa.Boolean(), nullable=False, server_default=sa.false()),
    )

    op.create_table(
        "privacy_audit",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("organization_id", sa.String(32), nullable=False),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.Column("actor_id", sa.String(32), nullable=True),
        sa.Column(
            "action",
            sa.Enum(*ACTIONS, name="privacy_action", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("applicant_id", sa.String(32), nullable=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_privacy_audit_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["user.id"],
            name=op.f("fk_privacy_audit_actor_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_audit")),
    )
    op.create_index(op.f("ix_privacy_audit_organization_id"), "privacy_audit", ["organization_id"])
    op.create_index(op.f("ix_privacy_audit_actor_id"), "privacy_audit", ["actor_id"])
    op.create_index(op.f("ix_privacy_audit_applicant_id"), "privacy_audit", ["applicant_id"])
    op.create_index(
        "ix_privacy_audit_organization_id_created_at",
        "privacy_audit",
        ["organization_id", "created_at"],
    )
    op.create_table(
        "privacy_pending_file",
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_privacy_pending_file")),
    )


def downgrade() -> None:
    op.drop_table("privacy_pending_file")
    op.drop_table("privacy_audit")
    # DROP COLUMN (SQLite 3.35+) keeps the table and its expression indexes.
    op.drop_column("applicant", "legal_hold")
    op.drop_column("applicant", "quarantined_at")
    op.drop_column("organization", "quarantine_days")
    op.drop_column("organization", "retention_months")
