"""Application forms: questions per job, an organization's question library, answers, and
the consent an applicant gave to the organization's privacy notice.

Revision ID: 0010_application_questions
Revises: 0009_team_review
Create Date: 2026-12-05 17:30:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0010_application_questions"
down_revision: str | None = "0011_communication"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = (
    "short_text",
    "long_text",
    "single_choice",
    "multiple_choice",
    "yes_no",
    "number",
    "url",
    "file",
)


def _timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _enum(name: str) -> sa.Enum:
    return sa.Enum(*KINDS, name=name, native_enum=False, create_constraint=True)


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def _common(table: str) -> list[Any]:
    return [
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("organization_id", sa.String(32), nullable=False),
        sa.Column("created_at", _timestamp(), nullable=False),
        _fk(table, "organization_id", "organization", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def _question_columns(table: str) -> list[Any]:
    return [
        sa.Column("label", sa.String(300), nullable=False),
        sa.Column("kind", _enum(f"{table}_kind"), nullable=False),
        sa.Column("help_text", sa.Text(), nullable=True),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("min_value", sa.Numeric(20, 4), nullable=True),
        sa.Column("max_value", sa.Numeric(20, 4), nullable=True),
        sa.Column("knockout", sa.JSON(), nullable=True),
        sa.Column("updated_at", _timestamp(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "library_question", *_question_columns("library_question"), *_common("library_question")
    )
    op.create_index(
        op.f("ix_library_question_organization_id"), "library_question", ["organization_id"]
    )

    op.create_table(
        "question",
        sa.Column("job_id", sa.String(32), nullable=False),
        *_question_columns("question"),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        _fk("question", "job_id", "job", "CASCADE"),
        *_common("question"),
    )
    op.create_index(op.f("ix_question_organization_id"), "question", ["organization_id"])
    op.create_index("ix_question_job_id_position", "question", ["job_id", "retired", "position"])

    op.create_table(
        "answer",
        sa.Column("applicant_id", sa.String(32), nullable=False),
        sa.Column("question_id", sa.String(32), nullable=False),
        sa.Column("label", sa.String(300), nullable=False),
        sa.Column("kind", _enum("answer_kind"), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("file_key", sa.String(255), nullable=True),
        sa.Column("file_content_type", sa.String(127), nullable=True),
        sa.Column("file_size", sa.BigInteger(), nullable=True),
        sa.Column("knocked_out", sa.Boolean(), nullable=False),
        _fk("answer", "applicant_id", "applicant", "CASCADE"),
        _fk("answer", "question_id", "question", "CASCADE"),
        *_common("answer"),
    )
    op.create_index(op.f("ix_answer_organization_id"), "answer", ["organization_id"])
    op.create_index(op.f("ix_answer_question_id"), "answer", ["question_id"])
    op.create_index(
        "uq_answer_applicant_id_question_id",
        "answer",
        ["applicant_id", "question_id"],
        unique=True,
    )

    with op.batch_alter_table("applicant") as batch_op:
        batch_op.add_column(sa.Column("consent_notice_url", sa.String(2048), nullable=True))
        batch_op.add_column(sa.Column("consent_notice_version", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("consented_at", _timestamp(), nullable=True))
    with op.batch_alter_table("organization") as batch_op:
        batch_op.add_column(sa.Column("privacy_notice_url", sa.String(2048), nullable=True))
        batch_op.add_column(sa.Column("privacy_notice_version", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("organization") as batch_op:
        batch_op.drop_column("privacy_notice_version")
        batch_op.drop_column("privacy_notice_url")
    with op.batch_alter_table("applicant") as batch_op:
        batch_op.drop_column("consented_at")
        batch_op.drop_column("consent_notice_version")
        batch_op.drop_column("consent_notice_url")
    for table in ("answer", "question", "library_question"):
        op.drop_table(table)
