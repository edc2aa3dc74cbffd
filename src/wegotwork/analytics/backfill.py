"""Counting the applicants who applied before the funnel counters existed.

``wegotwork analytics backfill`` (run once after upgrading) fills the funnel counts of every
organization that has none yet, from each applicant's current status and status history: one
``INSERT … SELECT`` per organization, run by the database. Days spent in each step cannot be
told apart for old applicants, so the median days start with the applicants who move from then
on. An organization that already has counts is left as it is, so running it again changes
nothing. The roll-ups (per month and per block of days) of an organization filled are summed from
its daily counters.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from wegotwork.analytics.funnel import REJECTED, STEPS
from wegotwork.models import BLOCK, MONTH

_POSITION = (
    "CASE {column} "
    + " ".join(f"WHEN '{key}' THEN {index}" for index, (key, _name) in enumerate(STEPS))
    + " ELSE 0 END"
)
_STEP_ROWS = " UNION ALL ".join(
    f"SELECT '{key}' AS step, {index} AS position" for index, (key, _name) in enumerate(STEPS)
)

_SQL = """
INSERT INTO funnel_count (id, organization_id, day, job_id, source, step, count)
SELECT {new_id}, r.organization_id, r.day, r.job_id, r.source, s.step, count(*)
FROM (
    SELECT a.organization_id, {day} AS day, a.job_id, coalesce(a.source, '') AS source,
           max({status_position}) AS current_position,
           coalesce(max({event_position}), 0) AS event_position,
           max(CASE WHEN a.status = '{rejected}' OR e.to_status = '{rejected}' THEN 1 ELSE 0 END)
               AS rejected
    FROM applicant a
    LEFT JOIN applicant_event e ON e.applicant_id = a.id
    WHERE a.organization_id = :organization_id
    GROUP BY a.id, a.organization_id, a.created_at, a.job_id, a.source
) r
JOIN (
    {step_rows} UNION ALL SELECT '{rejected}' AS step, -1 AS position
) s ON (s.position >= 0 AND s.position <= CASE WHEN r.current_position > r.event_position
                                               THEN r.current_position ELSE r.event_position END)
    OR (s.position = -1 AND r.rejected = 1)
GROUP BY r.organization_id, r.day, r.job_id, r.source, s.step
"""


# Per dialect: a fresh id, and a day's month and block (its first day). Migration 0017 wrote
# its own copy of these when it first filled the roll-ups; that one stays as it ran.
_NEW_ID = {
    "postgresql": "md5(random()::text || clock_timestamp()::text)",
    "sqlite": "lower(hex(randomblob(16)))",
}
_MONTH = {
    "postgresql": "CAST(date_trunc('month', day) AS date)",
    "sqlite": "date(day, 'start of month')",
}
_BLOCK = {
    "postgresql": f"{_MONTH['postgresql']} + "
    "LEAST((CAST(extract(day FROM day) AS integer) - 1) / 8, 3) * 8",
    "sqlite": "date(day, 'start of month', '+' || "
    "(min((CAST(strftime('%d', day) AS integer) - 1) / 8, 3) * 8) || ' days')",
}


# (roll-up table, its key columns besides organization_id, span and day, the daily table it sums)
_ROLLUPS = (
    ("funnel_count_rollup", ("job_id", "source", "step"), "funnel_count"),
    ("funnel_duration_job_rollup", ("job_id", "step", "days"), "funnel_duration"),
    ("funnel_duration_source_rollup", ("source", "step", "days"), "funnel_duration"),
)


def rollup_statements(dialect: str) -> list[str]:
    """Statements that make one organization's (``:organization_id``) roll-ups, per month and
    per block, the sums of its daily counters: each roll-up emptied, then filled."""
    new_id, month, block = _NEW_ID[dialect], _MONTH[dialect], _BLOCK[dialect]
    statements = []
    for table, keys, daily in _ROLLUPS:
        columns = ", ".join(keys)
        statements.append(f"DELETE FROM {table} WHERE organization_id = :organization_id")  # noqa: S608
        for span, start in ((MONTH, month), (BLOCK, block)):
            statements.append(
                f"INSERT INTO {table} (id, organization_id, span, day, {columns}, count) "  # noqa: S608
                f"SELECT {new_id}, organization_id, '{span}', d, {columns}, total FROM ("
                f"SELECT organization_id, {start} AS d, {columns}, sum(count) AS total "
                f"FROM {daily} WHERE organization_id = :organization_id "
                f"GROUP BY organization_id, {start}, {columns}) rolled"
            )
    return statements


def statement_for(dialect: str) -> str:
    """The counting statement for one organization (``:organization_id``) on ``dialect``."""
    new_id = _NEW_ID[dialect]
    day = (
        "(a.created_at AT TIME ZONE 'UTC')::date"
        if dialect == "postgresql"
        else "date(a.created_at)"
    )
    return _SQL.format(
        new_id=new_id,
        day=day,
        status_position=_POSITION.format(column="a.status"),
        event_position=_POSITION.format(column="e.to_status"),
        rejected=REJECTED,
        step_rows=_STEP_ROWS,
    )


async def backfill(db: AsyncSession) -> list[str]:
    """Fill the funnel counts of each organization that has applicants and no counts; the ids
    of the organizations filled. The caller commits."""
    dialect = db.get_bind().dialect.name
    organizations = await db.scalars(
        text(
            "SELECT DISTINCT organization_id FROM applicant a WHERE NOT EXISTS "
            "(SELECT 1 FROM funnel_count f WHERE f.organization_id = a.organization_id)"
        )
    )
    filled = [str(organization) for organization in organizations]
    statement = text(statement_for(dialect))
    rollups = [text(sql) for sql in rollup_statements(dialect)]
    for organization_id in filled:
        await db.execute(statement, {"organization_id": organization_id})
        for rollup in rollups:
            await db.execute(rollup, {"organization_id": organization_id})
    return filled
