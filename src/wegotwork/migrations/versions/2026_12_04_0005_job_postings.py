"""Job postings: pay, work mode, level, archived jobs, tracked sources, funnel counters and the
periodic runner's leases.

Revision ID: 0005_job_postings
Revises: 0004_onboarding
Create Date: 2026-12-04 17:30:10
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_job_postings"
down_revision: str | None = "0004_onboarding"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_TYPES = ("fulltime", "parttime", "internship", "contract")
NEW_TYPES = ("fulltime", "parttime", "fulltime_parttime", "internship", "contract")
OLD_STATUSES = ("draft", "published", "closed")
NEW_STATUSES = ("draft", "published", "closed", "archived")


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def _timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True)


def _counter_table(name: str, *columns: sa.Column[object], job_nullable: bool = False) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("organization_id", sa.String(32), nullable=False),
        sa.Column("job_id", sa.String(32), nullable=job_nullable),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("source", sa.String(120), nullable=False),
        *columns,
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f(f"fk_{name}_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["job_id"], ["job.id"], name=op.f(f"fk_{name}_job_id_job"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
    )
    op.create_index(op.f(f"ix_{name}_organization_id"), name, ["organization_id"])
    op.create_index(op.f(f"ix_{name}_job_id"), name, ["job_id"])


def _job_checks(types: Sequence[str], statuses: Sequence[str]) -> None:
    """Replace the CHECK constraints of ``job.type`` and ``job.status`` (and widen ``type``)."""
    width = max(len(value) for value in types)
    if op.get_bind().dialect.name == "sqlite":
        # SQLite cannot alter a constraint: the table is copied with the new ones.
        with op.batch_alter_table(
            "job",
            recreate="always",
            table_args=(
                sa.CheckConstraint(_in("type", types), name=op.f("ck_job_job_type")),
                sa.CheckConstraint(_in("status", statuses), name=op.f("ck_job_job_status")),
            ),
            reflect_args=(
                sa.Column("type", sa.String(width), nullable=False),
                sa.Column("status", sa.String(9), nullable=False),
            ),
        ) as batch_op:
            batch_op.drop_constraint(op.f("ck_job_job_type"), type_="check")
            batch_op.drop_constraint(op.f("ck_job_job_status"), type_="check")
        return
    op.drop_constraint(op.f("ck_job_job_type"), "job", type_="check")
    op.drop_constraint(op.f("ck_job_job_status"), "job", type_="check")
    op.alter_column("job", "type", type_=sa.String(width), existing_nullable=False)
    op.create_check_constraint(op.f("ck_job_job_type"), "job", _in("type", types))
    op.create_check_constraint(op.f("ck_job_job_status"), "job", _in("status", statuses))


def upgrade() -> None:
    op.create_table(
        "task_lease",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("holder", sa.String(64), nullable=False),
        sa.Column("expires_at", _timestamp(), nullable=False),
        sa.Column("last_run_at", _timestamp(), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_task_lease")),
    )
    op.create_table(
        "tracked_source",
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("organization_id", sa.String(32), nullable=False),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_tracked_source_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracked_source")),
    )
    op.create_index(
        op.f("ix_tracked_source_organization_id"), "tracked_source", ["organization_id"]
    )
    op.create_index(
        "uq_tracked_source_organization_id_code",
        "tracked_source",
        ["organization_id", "code"],
        unique=True,
    )

    _counter_table(
        "funnel_count",
        sa.Column("step", sa.String(32), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
    )
    op.create_index(
        "uq_funnel_count_key",
        "funnel_count",
        ["organization_id", "day", "job_id", "source", "step"],
        unique=True,
    )
    _counter_table(
        "funnel_duration",
        sa.Column("step", sa.String(32), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
    )
    op.create_index(
        "uq_funnel_duration_key",
        "funnel_duration",
        ["organization_id", "day", "job_id", "source", "step", "days"],
        unique=True,
    )
    _counter_table(
        "page_view_daily", sa.Column("views", sa.BigInteger(), nullable=False), job_nullable=True
    )
    op.create_index(
        "uq_page_view_daily_careers",
        "page_view_daily",
        ["organization_id", "day", "source"],
        unique=True,
        postgresql_where=sa.text("job_id IS NULL"),
        sqlite_where=sa.text("job_id IS NULL"),
    )
    op.create_index(
        "uq_page_view_daily_job",
        "page_view_daily",
        ["organization_id", "day", "job_id", "source"],
        unique=True,
        postgresql_where=sa.text("job_id IS NOT NULL"),
        sqlite_where=sa.text("job_id IS NOT NULL"),
    )

    with op.batch_alter_table("applicant") as batch_op:
        batch_op.add_column(sa.Column("source", sa.String(120), nullable=True))
        batch_op.create_index("ix_applicant_organization_id_source", ["organization_id", "source"])

    with op.batch_alter_table("job") as batch_op:
        batch_op.add_column(
            sa.Column(
                "work_mode",
                _enum("job_work_mode", "onsite", "hybrid", "remote"),
                server_default="onsite",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("address", sa.String(200), nullable=True))
        batch_op.add_column(sa.Column("postal_code", sa.String(20), nullable=True))
        batch_op.add_column(sa.Column("region", sa.String(120), nullable=True))
        batch_op.add_column(
            sa.Column(
                "experience_level",
                _enum("job_experience_level", "entry", "mid", "senior", "lead", "executive"),
                server_default="mid",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("salary_min", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("salary_max", sa.BigInteger(), nullable=True))
        batch_op.add_column(
            sa.Column("salary_currency", sa.String(3), server_default="USD", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "salary_interval",
                _enum("job_salary_interval", "hour", "day", "week", "month", "year"),
                server_default="year",
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column("show_salary", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("valid_through", _timestamp(), nullable=True))
        batch_op.add_column(sa.Column("description_html", sa.Text(), nullable=True))
    # Remote jobs were the only kind besides on-site ones.
    op.execute("UPDATE job SET work_mode = 'remote' WHERE remote")
    _job_checks(NEW_TYPES, NEW_STATUSES)


def downgrade() -> None:
    # Values the old schema cannot hold become their nearest old meaning.
    op.execute("UPDATE job SET type = 'fulltime' WHERE type = 'fulltime_parttime'")
    op.execute("UPDATE job SET status = 'closed' WHERE status = 'archived'")
    _job_checks(OLD_TYPES, OLD_STATUSES)
    with op.batch_alter_table("job") as batch_op:
        for check in ("work_mode", "experience_level", "salary_interval"):
            batch_op.drop_constraint(op.f(f"ck_job_job_{check}"), type_="check")
        for column in (
            "description_html",
            "valid_through",
            "show_salary",
            "salary_interval",
            "salary_currency",
            "salary_max",
            "salary_min",
            "experience_level",
            "region",
            "postal_code",
            "address",
            "work_mode",
        ):
            batch_op.drop_column(column)
    with op.batch_alter_table("applicant") as batch_op:
        batch_op.drop_index("ix_applicant_organization_id_source")
        batch_op.drop_column("source")
    if op.get_bind().dialect.name == "sqlite":
        # Copying the table in batch mode leaves out the expression index SQLite cannot reflect.
        op.create_index(
            "uq_applicant_job_id_email",
            "applicant",
            ["job_id", sa.text("lower(email)")],
            unique=True,
        )
    for table in ("page_view_daily", "funnel_duration", "funnel_count", "tracked_source"):
        op.drop_table(table)
    op.drop_table("task_lease")
