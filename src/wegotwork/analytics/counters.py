"""Adding to the pre-aggregated counters: one atomic upsert per counter row, so that several
processes (and several transactions) adding to the same day never lose a count. Each daily
funnel counter is added to its roll-ups (per month and per block of days) in the same
transaction."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from wegotwork.db import new_id
from wegotwork.models import (
    BLOCK,
    MONTH,
    FunnelCount,
    FunnelCountRollup,
    FunnelDuration,
    FunnelDurationJobRollup,
    FunnelDurationSourceRollup,
    PageViewDaily,
)

# The unique index each counter table adds to, by its columns.
_KEYS: dict[type[Any], tuple[str, ...]] = {
    FunnelCount: ("organization_id", "day", "job_id", "source", "step"),
    FunnelDuration: ("organization_id", "day", "job_id", "source", "step", "days"),
    FunnelCountRollup: ("organization_id", "span", "day", "job_id", "source", "step"),
    FunnelDurationJobRollup: ("organization_id", "span", "day", "job_id", "step", "days"),
    FunnelDurationSourceRollup: ("organization_id", "span", "day", "source", "step", "days"),
}
BLOCK_DAYS = 8
# The roll-ups of each daily counter table (``day`` becomes the first day of its month, and of
# its block).
ROLLUPS: dict[type[Any], tuple[type[Any], ...]] = {
    FunnelCount: (FunnelCountRollup,),
    FunnelDuration: (FunnelDurationJobRollup, FunnelDurationSourceRollup),
}
Model = (
    type[FunnelCount]
    | type[FunnelDuration]
    | type[PageViewDaily]
    | type[FunnelCountRollup]
    | type[FunnelDurationJobRollup]
    | type[FunnelDurationSourceRollup]
)


def month_of(day: date) -> date:
    return day.replace(day=1)


def block_of(day: date) -> date:
    """The first day of ``day``'s block: the 1st, 9th, 17th or 25th (the last block runs to the
    month's end)."""
    return day.replace(day=min((day.day - 1) // BLOCK_DAYS, 3) * BLOCK_DAYS + 1)


async def roll_up(
    db: AsyncSession,
    model: type[FunnelCount] | type[FunnelDuration],
    rows: Mapping[tuple[Any, ...], int],
    columns: Sequence[str],
) -> None:
    """Add rows already added to the daily ``model`` to its roll-ups, month and block, one
    statement per roll-up table (``add_to`` does this itself; for writers that add to the daily
    table some other way)."""
    for target in ROLLUPS[model]:
        keys = _KEYS[target]
        positions = [list(columns).index(key) for key in keys if key != "span"]
        day = positions[keys.index("day") - 1]
        rolled: Counter[tuple[Any, ...]] = Counter()
        for key, number in rows.items():
            rest = [key[position] for position in positions]
            for span, start in ((MONTH, month_of(key[day])), (BLOCK, block_of(key[day]))):
                projected = list(rest)
                projected[keys.index("day") - 1] = start
                rolled[(projected[0], span, *projected[1:])] += number
        await add_to(db, target, rolled, keys)


@functools.cache
def _upsert(dialect: str, model: Model, amount: str) -> Any:
    """The statement adding to one counter of ``model``, built once per table (and compiled
    once): its rows are sent as parameters, all in one statement."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(model)
    return statement.on_conflict_do_update(
        index_elements=list(_KEYS[model]),
        set_={amount: getattr(model, amount) + getattr(statement.excluded, amount)},
    )


async def add_to(
    db: AsyncSession,
    model: Model,
    rows: Mapping[tuple[Any, ...], int],
    columns: Sequence[str],
    *,
    amount: str = "count",
) -> None:
    """Add each row's number to its counter (``rows``: key values in ``columns`` order → how
    many), creating the counter at that number when it does not exist yet; a daily funnel
    counter's roll-ups too."""
    if not rows:
        return
    dialect = db.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    values = [
        {"id": new_id(), **dict(zip(columns, key, strict=True)), amount: number}
        for key, number in sorted(rows.items(), key=lambda item: repr(item[0]))
        if number
    ]
    if not values:
        return
    if model is PageViewDaily:
        # Two partial unique indexes: the careers page (no job) and job pages.
        careers = [row for row in values if row["job_id"] is None]
        jobs = [row for row in values if row["job_id"] is not None]
        for part, where, part_keys in (
            (careers, PageViewDaily.job_id.is_(None), ("organization_id", "day", "source")),
            (
                jobs,
                PageViewDaily.job_id.is_not(None),
                ("organization_id", "day", "job_id", "source"),
            ),
        ):
            if part:
                statement = insert(PageViewDaily).values(part)
                await db.execute(
                    statement.on_conflict_do_update(
                        index_elements=list(part_keys),
                        index_where=where,
                        set_={"views": PageViewDaily.views + statement.excluded.views},
                    )
                )
        return
    await db.execute(_upsert(dialect, model, amount), values)
    if model in ROLLUPS:
        await roll_up(db, model, rows, columns)
