"""Roll-ups of the funnel counters per month and per block of days (1–8, 9–16, 17–24, 25 to the
month's end): counts, and the days-per-step histograms by job and by source; filled from the
daily counters. An index for the daily series of applications.

Revision ID: 0017_funnel_rollups
Revises: 0016_status_link_expiry
Create Date: 2026-12-06 00:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_funnel_rollups"
down_revision: str | None = "0016_status_link_expiry"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, key columns besides organization_id, span and day, the daily table it sums)
_TABLES = (
    ("funnel_count_rollup", ("job_id", "source", "step"), "funnel_count"),
    ("funnel_duration_job_rollup", ("job_id", "step", "days"), "funnel_duration"),
    ("funnel_duration_source_rollup", ("source", "step", "days"), "funnel_duration"),
)
_TYPES: dict[str, sa.String | sa.Integer] = {
    "job_id": sa.String(32),
    "source": sa.String(120),
    "step": sa.String(32),
    "days": sa.Integer(),
}


def upgrade() -> None:
    for name, keys, _daily in _TABLES:
        constraints: list[sa.Constraint] = [
            sa.ForeignKeyConstraint(
                ["organization_id"],
                ["organization.id"],
                name=op.f(f"fk_{name}_organization_id_organization"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
        ]
        if "job_id" in keys:
            constraints.append(
                sa.ForeignKeyConstraint(
                    ["job_id"], ["job.id"], name=op.f(f"fk_{name}_job_id_job"), ondelete="CASCADE"
                )
            )
        op.create_table(
            name,
            sa.Column("id", sa.String(32), nullable=False),
            sa.Column("organization_id", sa.String(32), nullable=False),
            sa.Column("span", sa.String(5), nullable=False),
            sa.Column("day", sa.Date(), nullable=False),
            *(sa.Column(key, _TYPES[key], nullable=False) for key in keys),
            sa.Column("count", sa.BigInteger(), nullable=False),
            *constraints,
        )
        op.create_index(op.f(f"ix_{name}_organization_id"), name, ["organization_id"])
        if "job_id" in keys:
            op.create_index(op.f(f"ix_{name}_job_id"), name, ["job_id"])
        op.create_index(
            f"uq_{name}_key",
            name,
            ["organization_id", "span", "day", *keys],
            unique=True,
            postgresql_include=["count"],
        )
    op.create_index(
        "ix_funnel_count_step_day",
        "funnel_count",
        ["organization_id", "step", "day", "job_id", "count"],
    )
    if op.get_bind().dialect.name == "postgresql":
        new_id = "md5(random()::text || clock_timestamp()::text)"
        month = "CAST(date_trunc('month', day) AS date)"
        block = f"{month} + LEAST((CAST(extract(day FROM day) AS integer) - 1) / 8, 3) * 8"
    else:
        new_id = "lower(hex(randomblob(16)))"
        month = "date(day, 'start of month')"
        block = (
            "date(day, 'start of month', '+' || "
            "(min((CAST(strftime('%d', day) AS integer) - 1) / 8, 3) * 8) || ' days')"
        )
    for name, keys, daily in _TABLES:
        columns = ", ".join(keys)
        for span, start in (("month", month), ("block", block)):
            op.execute(
                f"INSERT INTO {name} (id, organization_id, span, day, {columns}, count) "  # noqa: S608
                f"SELECT {new_id}, organization_id, '{span}', d, {columns}, total FROM ("
                f"SELECT organization_id, {start} AS d, {columns}, sum(count) AS total "
                f"FROM {daily} GROUP BY organization_id, {start}, {columns}) rolled"
            )


def downgrade() -> None:
    op.drop_index("ix_funnel_count_step_day", table_name="funnel_count")
    for name, _keys, _daily in reversed(_TABLES):
        op.drop_table(name)
