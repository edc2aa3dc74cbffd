"""Candidate communication: mail templates, rejection reasons, messages, status-page links and
the reply promise; outbox rows name the applicant they are about and a Reply-To address.
Existing organizations get the default templates and reasons.

Revision ID: 0011_communication
Revises: 0013_mention_mail
Create Date: 2026-12-05 17:30:00
"""

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0011_communication"
down_revision: str | None = "0013_mention_mail"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = ("confirmation", "rejection", "interview", "offer", "other")

# A copy of wegotwork.messages.defaults as it was when this revision was written.
TEMPLATES = (
    (
        "confirmation",
        "Application received",
        "We received your application for {{job.title}} at {{organization.name}}",
        "Hello {{candidate.name}},\n\n"
        "thank you for applying for {{job.title}} at {{organization.name}}. We received your "
        "application and the team will review it and get back to you.\n\n"
        "You can follow your application, withdraw it or ask us to delete your data on "
        "your status page:\n{{statusUrl}}\n\n"
        "If you did not apply, you can ignore this message.\n\n"
        "{{organization.name}}",
    ),
    (
        "rejection",
        "Rejection",
        "Your application for {{job.title}} at {{organization.name}}",
        "Hello {{candidate.firstName}},\n\n"
        "thank you for your interest in {{job.title}} and for the time you took to apply. "
        "After careful consideration we decided not to move forward with your application.\n\n"
        "We wish you every success in your search.\n\n"
        "{{sender.name}}, {{organization.name}}",
    ),
    (
        "interview",
        "Interview invitation",
        "Interview for {{job.title}} at {{organization.name}}",
        "Hello {{candidate.firstName}},\n\n"
        "we would like to meet you to talk about {{job.title}}. Please reply to this message "
        "with a few times that suit you.\n\n"
        "{{sender.name}}, {{organization.name}}",
    ),
    (
        "offer",
        "Offer",
        "An offer for {{job.title}} at {{organization.name}}",
        "Hello {{candidate.firstName}},\n\n"
        "we are happy to offer you the position of {{job.title}}. We will send the details "
        "separately; reply to this message with any questions.\n\n"
        "{{sender.name}}, {{organization.name}}",
    ),
)
REASONS = (
    "Not enough experience",
    "Skills do not match",
    "Position filled",
    "Salary expectations",
    "Location or work permit",
    "Other",
)


def _timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def _org(table: str) -> list[Any]:
    return [
        sa.Column("organization_id", sa.String(32), nullable=False),
        sa.Column("created_at", _timestamp(), nullable=False),
        _fk(table, "organization_id", "organization", "CASCADE"),
    ]


def _index(table: str, *columns: str, unique: bool = False, name: str | None = None) -> None:
    op.create_index(
        name or op.f(f"ix_{table}_{'_'.join(columns)}"), table, list(columns), unique=unique
    )


def upgrade() -> None:
    op.create_table(
        "message_template",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                *KINDS, name="message_template_kind", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", _timestamp(), nullable=False),
        *_org("message_template"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_template")),
    )
    _index("message_template", "organization_id")
    _index(
        "message_template",
        "organization_id",
        "kind",
        name="ix_message_template_organization_id_kind",
    )

    op.create_table(
        "rejection_reason",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        *_org("rejection_reason"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rejection_reason")),
    )
    _index("rejection_reason", "organization_id")

    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("applicant_id", sa.String(32), nullable=True))
        batch.add_column(sa.Column("reply_to", sa.String(320), nullable=True))
        batch.create_foreign_key(
            op.f("fk_outbox_applicant_id_applicant"),
            "applicant",
            ["applicant_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_index(op.f("ix_outbox_applicant_id"), ["applicant_id"])

    op.create_table(
        "message",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("applicant_id", sa.String(32), nullable=False),
        sa.Column("sender_id", sa.String(32), nullable=True),
        sa.Column("template_id", sa.String(32), nullable=True),
        sa.Column("outbox_id", sa.String(32), nullable=True),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("send_at", _timestamp(), nullable=False),
        sa.Column("cancelled_at", _timestamp(), nullable=True),
        _fk("message", "applicant_id", "applicant", "CASCADE"),
        _fk("message", "sender_id", "user", "SET NULL"),
        _fk("message", "template_id", "message_template", "SET NULL"),
        _fk("message", "outbox_id", "outbox", "SET NULL"),
        *_org("message"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message")),
    )
    _index("message", "organization_id")
    _index("message", "sender_id")
    _index("message", "template_id")
    _index("message", "outbox_id")
    _index("message", "applicant_id", "created_at", name="ix_message_applicant_id_created_at")

    op.create_table(
        "candidate_link",
        sa.Column("applicant_id", sa.String(32), nullable=False),
        sa.Column("nonce", sa.String(32), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("erase_hash", sa.String(64), nullable=True),
        sa.Column("erase_expires_at", _timestamp(), nullable=True),
        _fk("candidate_link", "applicant_id", "applicant", "CASCADE"),
        *_org("candidate_link"),
        sa.PrimaryKeyConstraint("applicant_id", name=op.f("pk_candidate_link")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_candidate_link_token_hash")),
        sa.UniqueConstraint("erase_hash", name=op.f("uq_candidate_link_erase_hash")),
    )
    _index("candidate_link", "organization_id")

    op.create_table(
        "communication_settings",
        sa.Column("organization_id", sa.String(32), nullable=False),
        sa.Column("reply_within_days", sa.Integer(), nullable=False),
        sa.Column("reply_to", sa.String(320), nullable=True),
        sa.Column("privacy_notice_url", sa.String(2048), nullable=True),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.Column("updated_at", _timestamp(), nullable=False),
        _fk("communication_settings", "organization_id", "organization", "CASCADE"),
        sa.PrimaryKeyConstraint("organization_id", name=op.f("pk_communication_settings")),
    )

    _seed()


def _seed() -> None:
    connection = op.get_bind()
    organizations = [row[0] for row in connection.execute(sa.text("SELECT id FROM organization"))]
    if not organizations:
        return
    now = datetime.now(UTC)
    templates = sa.table(
        "message_template",
        *(sa.column(name) for name in ("id", "organization_id", "name", "kind", "subject")),
        sa.column("body"),
        sa.column("created_at", _timestamp()),
        sa.column("updated_at", _timestamp()),
    )
    reasons = sa.table(
        "rejection_reason",
        *(sa.column(name) for name in ("id", "organization_id", "name", "position")),
        sa.column("created_at", _timestamp()),
    )
    op.bulk_insert(
        templates,
        [
            {
                "id": secrets.token_hex(16),
                "organization_id": organization,
                "name": name,
                "kind": kind,
                "subject": subject,
                "body": body,
                "created_at": now,
                "updated_at": now,
            }
            for organization in organizations
            for kind, name, subject, body in TEMPLATES
        ],
    )
    op.bulk_insert(
        reasons,
        [
            {
                "id": secrets.token_hex(16),
                "organization_id": organization,
                "name": name,
                "position": position,
                "created_at": now,
            }
            for organization in organizations
            for position, name in enumerate(REASONS)
        ],
    )


def downgrade() -> None:
    for table in ("communication_settings", "candidate_link", "message"):
        op.drop_table(table)
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index(op.f("ix_outbox_applicant_id"))
        batch.drop_constraint(op.f("fk_outbox_applicant_id_applicant"), type_="foreignkey")
        batch.drop_column("reply_to")
        batch.drop_column("applicant_id")
    for table in ("rejection_reason", "message_template"):
        op.drop_table(table)
