"""Mail limits: one row per message a member sends to a third party (invitations, mentions,
messages to candidates), counted per user and per organization over the last hour.

Revision ID: 0003_mail_send
Revises: 0002
Create Date: 2026-12-04 17:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_mail_send"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mail_send",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("organization_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_mail_send_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_mail_send_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_send")),
    )
    with op.batch_alter_table("mail_send", schema=None) as batch_op:
        batch_op.create_index(
            "ix_mail_send_organization_id_kind_created_at",
            ["organization_id", "kind", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_mail_send_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(
            "ix_mail_send_user_id_kind_created_at", ["user_id", "kind", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("mail_send", schema=None) as batch_op:
        batch_op.drop_index("ix_mail_send_user_id_kind_created_at")
        batch_op.drop_index(batch_op.f("ix_mail_send_organization_id"))
        batch_op.drop_index("ix_mail_send_organization_id_kind_created_at")
    op.drop_table("mail_send")
