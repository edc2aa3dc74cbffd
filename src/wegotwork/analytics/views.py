"""Page views of careers and job pages, counted without cookies or personal data.

The request path only adds one to a number in this process's memory (keyed by organization,
job, day and source: nothing about the visitor), so a careers page served from the render
cache stays as fast as before. The periodic runner (``wegotwork.tasks``) flushes the numbers
into the daily counters every few seconds, adding them with one upsert per batch, so several
processes flushing at once never lose a view.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import date
from urllib.parse import parse_qsl

from sqlalchemy import select

from wegotwork.analytics.counters import add_to
from wegotwork.analytics.rules import clean_source
from wegotwork.analytics.sources import source_names
from wegotwork.db import Database, utcnow
from wegotwork.models import DIRECT, Job, Organization, PageViewDaily
from wegotwork.schemas import plausible_id
from wegotwork.tenancy.scoping import owned_by

log = logging.getLogger("wegotwork.analytics")

# (organization id, job id or None for the careers page, day, "src" | "utm_source" | "", value)
ViewKey = tuple[str, str | None, date, str, str]
MAX_KEYS = 50_000
_BOTS = (b"bot", b"crawl", b"spider", b"slurp", b"preview", b"monitor")
_COLUMNS = ("organization_id", "day", "job_id", "source")


def is_bot(user_agent: bytes) -> bool:
    """Crawlers and link previews announce themselves; their visits are not views."""
    lowered = user_agent.lower()
    return not lowered or any(word in lowered for word in _BOTS)


def tracking_of(query_string: bytes) -> tuple[str, str]:
    """(``src`` or ``utm_source``, its value) of a query string, or ("", "")."""
    if b"src=" not in query_string and b"utm_source=" not in query_string:
        return "", ""
    params = dict(parse_qsl(query_string.decode("latin-1"), keep_blank_values=False))
    for name in ("src", "utm_source"):
        value = clean_source(params.get(name, ""))
        if value:
            return name, value
    return "", ""


class ViewCounter:
    """This process's views since the last flush. Bounded: past ``max_keys`` distinct keys a
    view is counted without its source, and past that it is dropped (and the drop counted)."""

    def __init__(self, max_keys: int = MAX_KEYS) -> None:
        self.max_keys = max_keys
        self.dropped = 0
        self._counts: Counter[ViewKey] = Counter()

    def __len__(self) -> int:
        return len(self._counts)

    def record(self, organization_id: str, job_id: str | None, query_string: bytes) -> None:
        """One view of the careers page (``job_id`` None) or of a job page."""
        kind, value = tracking_of(query_string)
        key: ViewKey = (organization_id, job_id, utcnow().date(), kind, value)
        if key not in self._counts and len(self._counts) >= self.max_keys:
            key = (organization_id, job_id, key[2], "", "")
            if key not in self._counts:
                self.dropped += 1
                return
        self._counts[key] += 1

    def take(self) -> Counter[ViewKey]:
        counts, self._counts = self._counts, Counter()
        return counts

    def give_back(self, counts: Counter[ViewKey]) -> None:
        """Counts a flush could not store are kept for the next one (within the bound)."""
        for key, number in counts.items():
            if key in self._counts or len(self._counts) < self.max_keys:
                self._counts[key] += number

    async def flush(self, database: Database) -> int:
        """Add the counted views to the daily counters; how many views were stored. Views of
        jobs that are not the organization's (a made-up id in a URL), and of organizations
        deleted since the visit, are dropped."""
        counts = self.take()
        if not counts:
            return 0
        try:
            return await _store(database, counts)
        except Exception:
            self.give_back(counts)
            raise


async def _store(database: Database, counts: Counter[ViewKey]) -> int:
    rows: Counter[tuple[str, date, str | None, str]] = Counter()
    async with database.sessionmaker() as db:
        names: dict[str, dict[str, str]] = {}
        jobs: dict[str, set[str]] = {}
        # An organization deleted since its pages were seen has no counters to add to: its
        # views go, instead of failing every later flush of every organization.
        existing = set(
            await db.scalars(
                select(Organization.id).where(Organization.id.in_({key[0] for key in counts}))
            )
        )
        for organization_id in existing:
            if any(key[0] == organization_id and key[3] == "src" for key in counts):
                names[organization_id] = await source_names(db, organization_id)
            wanted = [
                key[1]
                for key in counts
                if key[0] == organization_id and key[1] is not None and plausible_id(key[1])
            ]
            found: set[str] = set()
            if wanted:
                found = set(
                    await db.scalars(
                        select(Job.id).where(owned_by(Job, organization_id), Job.id.in_(wanted))
                    )
                )
            jobs[organization_id] = found
        for (organization_id, job_id, day, kind, value), number in counts.items():
            if organization_id not in existing:
                continue
            if job_id is not None and job_id not in jobs[organization_id]:
                continue
            source = DIRECT
            if kind == "src":
                source = names[organization_id].get(value.lower(), value)
            elif kind == "utm_source":
                source = value
            rows[(organization_id, day, job_id, source)] += number
        await add_to(db, PageViewDaily, rows, _COLUMNS, amount="views")
        await db.commit()
    return sum(rows.values())
