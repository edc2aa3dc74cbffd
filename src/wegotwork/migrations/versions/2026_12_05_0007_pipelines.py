"""Hiring pipelines: stages per organization, a pipeline per job, a stage per applicant and the
applicant activity log. Every organization gets a default pipeline equal to the six statuses;
every applicant is placed in the stage of its status, and its history becomes its timeline.

Revision ID: 0007_pipelines
Revises: 0006_import_mapping
Create Date: 2026-12-05 07:30:00
"""

import secrets
import string
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0007_pipelines"
down_revision: str | None = "0006_import_mapping"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = ("SUBMITTED", "UNDERREVIEW", "INTERVIEW", "OFFER", "REJECTED", "HIRED")
KINDS = (
    "applied",
    "stage_changed",
    "note_added",
    "scorecard_submitted",
    "message_sent",
    "rejected",
    "withdrawn",
)
# The default pipeline: the six statuses in order, the end states last.
DEFAULT_STAGES = (
    ("Submitted", "SUBMITTED"),
    ("Under review", "UNDERREVIEW"),
    ("Interview", "INTERVIEW"),
    ("Offer", "OFFER"),
    ("Hired", "HIRED"),
    ("Rejected", "REJECTED"),
)
_ALPHABET = string.ascii_letters + string.digits
_BATCH = 1000


def _id() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(32))


def _timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _enum(name: str, values: Sequence[str]) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True)


def _org_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["organization_id"],
        ["organization.id"],
        name=op.f(f"fk_{table}_organization_id_organization"),
        ondelete="CASCADE",
    )


def _create_tables() -> None:
    op.create_table(
        "pipeline",
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("is_default", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("organization_id", sa.String(32), nullable=False),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.Column("updated_at", _timestamp(), nullable=False),
        _org_fk("pipeline"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pipeline")),
    )
    op.create_index(op.f("ix_pipeline_organization_id"), "pipeline", ["organization_id"])
    op.create_index(
        "ix_pipeline_organization_id_is_default", "pipeline", ["organization_id", "is_default"]
    )
    op.create_table(
        "pipeline_stage",
        sa.Column("pipeline_id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", _enum("pipeline_stage_status", STATUSES), nullable=False),
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("organization_id", sa.String(32), nullable=False),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.Column("updated_at", _timestamp(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pipeline_id"],
            ["pipeline.id"],
            name=op.f("fk_pipeline_stage_pipeline_id_pipeline"),
            ondelete="CASCADE",
        ),
        _org_fk("pipeline_stage"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pipeline_stage")),
    )
    op.create_index(
        op.f("ix_pipeline_stage_organization_id"), "pipeline_stage", ["organization_id"]
    )
    op.create_index(
        "ix_pipeline_stage_pipeline_id_position", "pipeline_stage", ["pipeline_id", "position"]
    )
    op.create_table(
        "applicant_activity",
        sa.Column("applicant_id", sa.String(32), nullable=False),
        sa.Column("actor_id", sa.String(32), nullable=True),
        sa.Column("kind", _enum("applicant_activity_kind", KINDS), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("organization_id", sa.String(32), nullable=False),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["user.id"],
            name=op.f("fk_applicant_activity_actor_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["applicant_id"],
            ["applicant.id"],
            name=op.f("fk_applicant_activity_applicant_id_applicant"),
            ondelete="CASCADE",
        ),
        _org_fk("applicant_activity"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applicant_activity")),
    )
    op.create_index(op.f("ix_applicant_activity_actor_id"), "applicant_activity", ["actor_id"])
    op.create_index(
        op.f("ix_applicant_activity_organization_id"), "applicant_activity", ["organization_id"]
    )
    op.create_index(
        "ix_applicant_activity_applicant_id_created_at",
        "applicant_activity",
        ["applicant_id", "created_at", "id"],
    )


def _add_reference(table: str, column: str, target: str) -> None:
    """``table.column`` referencing ``target.id`` (SET NULL on delete)."""
    name = op.f(f"fk_{table}_{column}_{target}")
    with op.batch_alter_table(table) as batch_op:
        batch_op.add_column(sa.Column(column, sa.String(32), nullable=True))
        batch_op.create_foreign_key(name, target, [column], ["id"], ondelete="SET NULL")
    if table == "applicant" and op.get_bind().dialect.name == "sqlite":
        _restore_email_index()


def _restore_email_index() -> None:
    """SQLite copies a table to change its constraints, leaving out the expression index it
    cannot reflect; put it back."""
    op.create_index(
        "uq_applicant_job_id_email", "applicant", ["job_id", sa.text("lower(email)")], unique=True
    )


def _batches(rows: Sequence[dict[str, Any]]) -> Iterator[Sequence[dict[str, Any]]]:
    for start in range(0, len(rows), _BATCH):
        yield rows[start : start + _BATCH]


def _backfill() -> None:
    bind = op.get_bind()
    pipeline = sa.table(
        "pipeline",
        sa.column("id"),
        sa.column("organization_id"),
        sa.column("name"),
        sa.column("is_default"),
        sa.column("created_at", _timestamp()),
        sa.column("updated_at", _timestamp()),
    )
    stage = sa.table(
        "pipeline_stage",
        sa.column("id"),
        sa.column("organization_id"),
        sa.column("pipeline_id"),
        sa.column("name"),
        sa.column("position"),
        sa.column("status"),
        sa.column("created_at", _timestamp()),
        sa.column("updated_at", _timestamp()),
    )
    activity = sa.table(
        "applicant_activity",
        sa.column("id"),
        sa.column("organization_id"),
        sa.column("applicant_id"),
        sa.column("actor_id"),
        sa.column("kind"),
        sa.column("data", sa.JSON()),
        sa.column("created_at", _timestamp()),
    )
    now = datetime.now(UTC)
    organizations = [row[0] for row in bind.execute(sa.text("SELECT id FROM organization"))]
    # (organization, status) -> (stage id, stage name)
    stages: dict[tuple[str, str], tuple[str, str]] = {}
    pipelines: dict[str, str] = {}
    stage_rows: list[dict[str, Any]] = []
    for organization_id in organizations:
        pipeline_id = _id()
        pipelines[organization_id] = pipeline_id
        bind.execute(
            pipeline.insert(),
            {
                "id": pipeline_id,
                "organization_id": organization_id,
                "name": "Default",
                "is_default": True,
                "created_at": now,
                "updated_at": now,
            },
        )
        for position, (name, status) in enumerate(DEFAULT_STAGES):
            stage_id = _id()
            stages[(organization_id, status)] = (stage_id, name)
            stage_rows.append(
                {
                    "id": stage_id,
                    "organization_id": organization_id,
                    "pipeline_id": pipeline_id,
                    "name": name,
                    "position": position,
                    "status": status,
                    "created_at": now,
                    "updated_at": now,
                }
            )
    for batch in _batches(stage_rows):
        bind.execute(stage.insert(), batch)
    for organization_id, pipeline_id in pipelines.items():
        bind.execute(
            sa.text("UPDATE job SET pipeline_id = :pipeline WHERE organization_id = :org"),
            {"pipeline": pipeline_id, "org": organization_id},
        )
    for (organization_id, status), (stage_id, _name) in stages.items():
        bind.execute(
            sa.text(
                "UPDATE applicant SET stage_id = :stage "
                "WHERE organization_id = :org AND status = :status"
            ),
            {"stage": stage_id, "org": organization_id, "status": status},
        )
    # The timeline starts with what was already known: each application and status change.
    entries: list[dict[str, Any]] = []
    applicants = sa.table(
        "applicant",
        sa.column("id"),
        sa.column("organization_id"),
        sa.column("created_at", _timestamp()),
    )
    events_table = sa.table(
        "applicant_event",
        sa.column("applicant_id"),
        sa.column("actor_id"),
        sa.column("from_status"),
        sa.column("to_status"),
        sa.column("created_at", _timestamp()),
    )
    for applicant_id, organization_id, created_at in bind.execute(
        sa.select(applicants.c.id, applicants.c.organization_id, applicants.c.created_at)
    ):
        stage_id, name = stages[(organization_id, "SUBMITTED")]
        entries.append(
            {
                "id": _id(),
                "organization_id": organization_id,
                "applicant_id": applicant_id,
                "actor_id": None,
                "kind": "applied",
                "data": {"stage": {"id": stage_id, "name": name, "status": "SUBMITTED"}},
                "created_at": created_at,
            }
        )
    events = bind.execute(
        sa.select(
            events_table.c.applicant_id,
            applicants.c.organization_id,
            events_table.c.actor_id,
            events_table.c.from_status,
            events_table.c.to_status,
            events_table.c.created_at,
        ).join(applicants, applicants.c.id == events_table.c.applicant_id)
    )
    for applicant_id, organization_id, actor_id, before, after, created_at in events:
        entries.append(
            {
                "id": _id(),
                "organization_id": organization_id,
                "applicant_id": applicant_id,
                "actor_id": actor_id,
                "kind": "stage_changed",
                "data": {
                    "from": _stage_data(stages, organization_id, before),
                    "to": _stage_data(stages, organization_id, after),
                },
                "created_at": created_at,
            }
        )
    for batch in _batches(entries):
        bind.execute(activity.insert(), batch)


def _stage_data(
    stages: dict[tuple[str, str], tuple[str, str]], organization_id: str, status: str | None
) -> dict[str, str] | None:
    if status is None:
        return None
    stage_id, name = stages[(organization_id, status)]
    return {"id": stage_id, "name": name, "status": status}


def upgrade() -> None:
    _create_tables()
    _add_reference("job", "pipeline_id", "pipeline")
    op.create_index(op.f("ix_job_pipeline_id"), "job", ["pipeline_id"])
    _add_reference("applicant", "stage_id", "pipeline_stage")
    op.create_index(
        "ix_applicant_job_id_stage_id_created_at",
        "applicant",
        ["job_id", "stage_id", "created_at", "id"],
    )
    _backfill()


def downgrade() -> None:
    op.drop_index("ix_applicant_job_id_stage_id_created_at", "applicant")
    op.drop_index(op.f("ix_job_pipeline_id"), "job")
    for table, column, target in (
        ("applicant", "stage_id", "pipeline_stage"),
        ("job", "pipeline_id", "pipeline"),
    ):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(op.f(f"fk_{table}_{column}_{target}"), type_="foreignkey")
            batch_op.drop_column(column)
        if table == "applicant" and op.get_bind().dialect.name == "sqlite":
            _restore_email_index()
    op.drop_table("applicant_activity")
    op.drop_table("pipeline_stage")
    op.drop_table("pipeline")
