"""Team review: notes on applicants, notifications, interview kits per stage and scorecards.

Revision ID: 0009_team_review
Revises: 0007_pipelines
Create Date: 2026-12-05 13:00:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0009_team_review"
down_revision: str | None = "0007_pipelines"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RECOMMENDATIONS = ("strong_no", "no", "yes", "strong_yes")
NOTIFICATION_KINDS = ("mention",)


def _timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _enum(name: str, values: Sequence[str]) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True)


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


def _index(table: str, *columns: str, unique: bool = False, name: str | None = None) -> None:
    op.create_index(
        name or op.f(f"ix_{table}_{'_'.join(columns)}"), table, list(columns), unique=unique
    )


def upgrade() -> None:
    op.create_table(
        "note",
        sa.Column("applicant_id", sa.String(32), nullable=False),
        sa.Column("author_id", sa.String(32), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", _timestamp(), nullable=False),
        _fk("note", "applicant_id", "applicant", "CASCADE"),
        _fk("note", "author_id", "user", "SET NULL"),
        *_common("note"),
    )
    _index("note", "organization_id")
    _index("note", "author_id")
    _index("note", "applicant_id", "created_at", "id", name="ix_note_applicant_id_created_at")

    op.create_table(
        "notification",
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("kind", _enum("notification_kind", NOTIFICATION_KINDS), nullable=False),
        sa.Column("actor_id", sa.String(32), nullable=True),
        sa.Column("applicant_id", sa.String(32), nullable=True),
        sa.Column("note_id", sa.String(32), nullable=True),
        sa.Column("read_at", _timestamp(), nullable=True),
        _fk("notification", "user_id", "user", "CASCADE"),
        _fk("notification", "actor_id", "user", "SET NULL"),
        _fk("notification", "applicant_id", "applicant", "CASCADE"),
        _fk("notification", "note_id", "note", "CASCADE"),
        *_common("notification"),
    )
    _index("notification", "organization_id")
    _index("notification", "actor_id")
    _index("notification", "applicant_id")
    _index("notification", "note_id")
    _index(
        "notification",
        "user_id",
        "created_at",
        "id",
        name="ix_notification_user_id_created_at",
    )

    op.create_table(
        "scorecard_attribute",
        sa.Column("stage_id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        _fk("scorecard_attribute", "stage_id", "pipeline_stage", "CASCADE"),
        *_common("scorecard_attribute"),
    )
    _index("scorecard_attribute", "organization_id")
    _index(
        "scorecard_attribute",
        "stage_id",
        "position",
        name="ix_scorecard_attribute_stage_id_position",
    )

    op.create_table(
        "scorecard",
        sa.Column("applicant_id", sa.String(32), nullable=False),
        sa.Column("stage_id", sa.String(32), nullable=False),
        sa.Column("author_id", sa.String(32), nullable=True),
        sa.Column("ratings", sa.JSON(), nullable=False),
        sa.Column(
            "recommendation", _enum("scorecard_recommendation", RECOMMENDATIONS), nullable=False
        ),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("updated_at", _timestamp(), nullable=False),
        _fk("scorecard", "applicant_id", "applicant", "CASCADE"),
        _fk("scorecard", "stage_id", "pipeline_stage", "CASCADE"),
        _fk("scorecard", "author_id", "user", "SET NULL"),
        *_common("scorecard"),
    )
    _index("scorecard", "organization_id")
    _index("scorecard", "author_id")
    _index(
        "scorecard",
        "applicant_id",
        "stage_id",
        "author_id",
        unique=True,
        name="uq_scorecard_applicant_id_stage_id_author_id",
    )


def downgrade() -> None:
    for table in ("scorecard", "scorecard_attribute", "notification", "note"):
        op.drop_table(table)
