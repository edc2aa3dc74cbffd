"""Privacy rules as plain functions: the bounds of the settings and month arithmetic."""

from __future__ import annotations

import calendar
from datetime import datetime

RETENTION_MIN = 1
RETENTION_MAX = 120
RETENTION_DEFAULT = 24
QUARANTINE_MIN = 7
QUARANTINE_MAX = 3650
QUARANTINE_DEFAULT = 30

RETENTION_RANGE = (
    f"Keep candidates between {RETENTION_MIN} and {RETENTION_MAX} months after their process"
)
QUARANTINE_RANGE = f"Quarantine lasts at least {QUARANTINE_MIN} days (and at most {QUARANTINE_MAX})"


def retention_error(months: int) -> str | None:
    return None if RETENTION_MIN <= months <= RETENTION_MAX else RETENTION_RANGE


def quarantine_error(days: int) -> str | None:
    return None if QUARANTINE_MIN <= days <= QUARANTINE_MAX else QUARANTINE_RANGE


def months_before(moment: datetime, months: int) -> datetime:
    """``moment`` moved back ``months`` calendar months (the day clamped to the month's end)."""
    total = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(total, 12)
    month += 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)
